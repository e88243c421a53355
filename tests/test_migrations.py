"""The alembic revisions build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal.extensions import db
from portal.models import Base
from portal.search import is_search_object


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda o, name, *_: not is_search_object(name),
            },
        )
        assert compare_metadata(context, Base.metadata) == []


def test_constraints_carry_conventional_names(app):
    with app.app_context(), db.engine.connect() as connection:
        inspector = inspect(connection)
        uniques = {u["name"] for u in inspector.get_unique_constraints("users")}
        assert {"uq_users_email", "uq_users_public_id"} <= uniques


def test_sqlite_keeps_the_running_totals_in_their_keys_order(app):
    """The running totals the dashboard and reports read by a range of their key are
    ``WITHOUT ROWID`` tables on SQLite (migration 0020), as the models say."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            return
        clustered = {
            name: "WITHOUT ROWID" in sql
            for name, sql in connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            )
        }
    wanted = {
        table.name: table.dialect_options["sqlite"]["with_rowid"] is False
        for table in Base.metadata.sorted_tables
    }
    assert {name: clustered[name] for name in wanted} == wanted
    assert sum(wanted.values()) == 8
