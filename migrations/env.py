"""Alembic environment: the engine comes from the portal (see portal/migrate.py)."""

from alembic import context
from sqlalchemy import create_engine

from portal.models import Base
from portal.search import is_search_object

config = context.config
target_metadata = Base.metadata


def _described_by_models(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate leaves alone the search machinery of migration 0015 (FTS5 tables and
    trigram indexes), which no model describes."""
    return not is_search_object(name)


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # the plain `alembic` command: -x url=...
        engine = create_engine(context.get_x_argument(as_dictionary=True)["url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_described_by_models,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
