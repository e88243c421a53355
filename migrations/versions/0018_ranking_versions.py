"""A token per organisation replaced whenever its rankings may change, so that the dashboard
keeps its top customers and products while the token stays (issue 16, the mixed load).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 02:30:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ranking_versions",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_ranking_versions_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name="pk_ranking_versions"),
    )
    # A token for every organisation there is, so that their top lists are kept at once.
    bind = op.get_bind()
    ids = bind.execute(sa.text("SELECT id FROM organizations")).scalars().all()
    if ids:
        bind.execute(
            sa.text("INSERT INTO ranking_versions (organization_id, token) VALUES (:org, :token)"),
            [{"org": org_id, "token": secrets.randbits(63)} for org_id in ids],
        )


def downgrade() -> None:
    op.drop_table("ranking_versions")
