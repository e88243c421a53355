"""Indexed search that ignores case and accents (issue 16.3; see portal/search.py)

SQLite: an FTS5 trigram table per searched table, filled from the rows there are and kept by
triggers. PostgreSQL: the IMMUTABLE ``portal_fold(text)`` and, where ``pg_trgm`` may be
created, a trigram GIN index per searched column; where it may not, the migration says so and
search still works, reading the organisation's rows.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 17:00:00
"""

from alembic import op

from portal.db import fold
from portal.search import SEARCHED, search_table

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _folded(columns: tuple[str, ...], row: str) -> str:
    return " || char(31) || ".join(f"fold({row}.{c})" for c in columns)


def _sqlite_upgrade() -> None:
    # The triggers and the backfill call the portal's fold(): the engine registers it on
    # every connection it opens; a plain engine (the alembic command) gets it here.
    op.get_bind().connection.driver_connection.create_function("fold", 1, fold, deterministic=True)
    for name, columns in SEARCHED.items():
        index = search_table(name)
        op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(text, tokenize='trigram')")
        op.execute(
            f"INSERT INTO {index} (rowid, text) "  # noqa: S608 (names from SEARCHED)
            f"SELECT id, {_folded(columns, name)} FROM {name}"
        )
        insert = f"INSERT INTO {index} (rowid, text) VALUES (new.id, {_folded(columns, 'new')});"  # noqa: S608
        delete = f"DELETE FROM {index} WHERE rowid = old.id;"  # noqa: S608
        op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {name} BEGIN {insert} END")
        op.execute(
            f"CREATE TRIGGER {index}_update AFTER UPDATE OF {', '.join(columns)} ON {name} "
            f"BEGIN {delete} {insert} END"
        )
        op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {name} BEGIN {delete} END")


def _postgresql_upgrade() -> None:
    # Blocks with their own exception handlers: a refusal (no privilege, no contrib package)
    # leaves the migration's transaction intact.
    op.execute(
        """
        DO $$
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'pg_trgm not created (%): search will read every row', SQLERRM;
        END
        $$;
        """
    )
    # unaccent(regdictionary, text) named with its schema: the form an IMMUTABLE wrapper may
    # call whatever the caller's search_path (migration 0014 created the extension).
    op.execute(
        """
        DO $$
        DECLARE
            home text;
        BEGIN
            SELECT n.nspname INTO home FROM pg_extension e
            JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent';
            IF home IS NULL THEN
                CREATE OR REPLACE FUNCTION portal_fold(text) RETURNS text
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT lower($1)';
            ELSE
                EXECUTE format(
                    'CREATE OR REPLACE FUNCTION portal_fold(text) RETURNS text '
                    'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE '
                    'AS %L',
                    format('SELECT lower(%I.unaccent(%L::regdictionary, $1))',
                           home, home || '.unaccent'));
            END IF;
        END
        $$;
        """
    )
    statements = "\n".join(
        f"EXECUTE 'CREATE INDEX IF NOT EXISTS ix_search_{name}_{c} ON {name} "
        f"USING gin (portal_fold({c}) gin_trgm_ops)';"
        for name, columns in SEARCHED.items()
        for c in columns
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                {statements}
            END IF;
        END
        $$;
        """  # noqa: S608 (names from SEARCHED)
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, columns in SEARCHED.items():
        if dialect == "sqlite":
            index = search_table(name)
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {index}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {index}")
        elif dialect == "postgresql":
            for c in columns:
                op.execute(f"DROP INDEX IF EXISTS ix_search_{name}_{c}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS portal_fold(text)")
