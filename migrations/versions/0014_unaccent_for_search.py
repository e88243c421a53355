"""PostgreSQL's unaccent extension, for accent-insensitive search ("cafe" finds "Café")

Created where the database user may; where it may not, the migration says so and search
still works, counting accents (``portal.db.contains_folded``). SQLite folds accents with a
function of the portal's own. Nothing to do on SQLite.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 15:00:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # A block with its own exception handler: a refusal (no privilege, no contrib package)
    # leaves the migration's transaction intact.
    op.execute(
        """
        DO $$
        BEGIN
            CREATE EXTENSION IF NOT EXISTS unaccent;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'unaccent not created (%): search will count accents', SQLERRM;
        END
        $$;
        """
    )


def downgrade() -> None:
    # The extension may serve others in this database: it stays.
    pass
