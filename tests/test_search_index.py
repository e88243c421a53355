"""Issue 16.3: search is served by an index on both backends and stays in step with the rows.

SQLite: an FTS5 trigram table per searched table, kept by triggers; PostgreSQL: trigram GIN
indexes on ``portal_fold(column)`` (portal/search.py, migration 0015).
"""

from decimal import Decimal
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from portal.catalog.models import Product
from portal.db import fold
from portal.extensions import db
from portal.search import SEARCHED, search_table
from tests.conftest import assert_envelope, bearer
from tests.test_api_catalog import PRODUCTS, names, seed


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_every_searched_table_has_its_index_and_triggers(app):
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            triggers = set(
                conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            )
            for name in SEARCHED:
                index = search_table(name)
                assert {f"{index}_insert", f"{index}_update", f"{index}_delete"} <= triggers
                # portal.search reads the folded text from FTS5's content table
                content = conn.execute(text(f"PRAGMA table_info({index}_content)")).all()
                assert [row[1] for row in content] == ["id", "c0"]
            return
        volatility = conn.scalar(
            text("SELECT provolatile FROM pg_proc WHERE proname = 'portal_fold'")
        )
        assert volatility == "i"  # IMMUTABLE: usable in an index
        if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
            pytest.skip("pg_trgm could not be created here: search reads the rows")
        indexes = set(conn.scalars(text("SELECT indexname FROM pg_indexes")))
        for name, columns in SEARCHED.items():
            assert {f"ix_search_{name}_{c}" for c in columns} <= indexes


def test_postgresql_samples_the_searched_columns_finely(app):
    """Migration 0021: each trigram index's folded column is sampled with a statistics target
    of 1,000, so the planner's guess of how many rows a pattern matches (the list walked in
    order for a common word, the index for a rare one) no longer flips between ANALYZEs."""
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's search chooses by counting the index's matches")
        if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
            pytest.skip("pg_trgm could not be created here")
        targets = {
            f"{name}.{c}": conn.scalar(
                text(
                    "SELECT attstattarget FROM pg_attribute "
                    "WHERE attrelid = to_regclass(:index) AND attnum = 1"
                ),
                {"index": f"ix_search_{name}_{c}"},
            )
            for name, columns in SEARCHED.items()
            for c in columns
        }
    assert set(targets.values()) == {1000}, targets


def test_the_planner_answers_a_search_from_the_index(app, client, make_user):
    viewer = make_user(role="VIEWER")
    seed(app, "products", viewer.organization_id, [{"name": "Café", "sku": "C-1", "price": 1}])
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            plan = conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT rowid FROM products_search WHERE text GLOB '*cafe*'"
                )
            ).all()
            assert "VIRTUAL TABLE INDEX 0:G" in " ".join(str(row[-1]) for row in plan)
            return
        if conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")) is None:
            pytest.skip("pg_trgm could not be created here")
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = conn.scalars(
            text(
                "EXPLAIN SELECT id FROM products WHERE portal_fold(name) LIKE portal_fold('%cafe%')"
            )
        ).all()
        assert "ix_search_products_name" in "\n".join(plan)


def test_renamed_and_deleted_rows_leave_the_index(app, client, make_user):
    admin = make_user(role="ADMIN")
    (product,) = seed(
        app, "products", admin.organization_id, [{"name": "Té verde", "sku": "TE-1", "price": 1}]
    )

    def search(q):
        return names(client.get(PRODUCTS, query_string={"q": q}, headers=bearer(admin)))

    assert search("te ver") == ["Té verde"]
    renamed = client.patch(
        f"{PRODUCTS}/{product}", json={"name": "Café tostado"}, headers=bearer(admin)
    )
    assert_envelope(renamed, 200)
    assert search("te ver") == []
    assert search("cafe tos") == ["Café tostado"]
    assert search("te-1") == ["Café tostado"]  # the SKU, unchanged, still found
    assert_envelope(client.delete(f"{PRODUCTS}/{product}", headers=bearer(admin)), 200)
    assert search("cafe") == []


def test_no_match_spans_two_columns(app, client, make_user):
    viewer = make_user(role="VIEWER")
    seed(app, "products", viewer.organization_id, [{"name": "Azul", "sku": "X9", "price": 1}])
    found = client.get(PRODUCTS, query_string={"q": "azulx9"}, headers=bearer(viewer))
    assert names(found) == []


SPANISH = "abcdefghijklmnñopqrstuvwxyzáéíóúüABCÑÁÉ -*?[%_"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.text(SPANISH, min_size=1, max_size=12), min_size=1, max_size=6),
    q=st.text(SPANISH, min_size=1, max_size=5),
    selective=st.sampled_from([250, 0]),
)
def test_the_index_finds_what_folding_finds(app, client, make_user, rows, q, selective):
    """Whatever the names and the text, the indexed search finds exactly the rows whose
    folded name or SKU contains the folded text (wildcards literal) — on SQLite both by id
    from the index and by reading the list (``selective=0``: every match counts as many)."""
    viewer = make_user(role="VIEWER")
    products = [
        {"name": name.strip() or "x", "sku": f"S{i}", "price": Decimal(1)}
        for i, name in enumerate(rows)
    ]
    seed(app, "products", viewer.organization_id, products)
    wanted = q.strip()
    with patch("portal.search.SELECTIVE", selective):
        found = client.get(PRODUCTS, query_string={"q": q, "limit": 100}, headers=bearer(viewer))
    expected = sorted(
        p["name"]
        for p in products
        if not wanted or fold(wanted) in fold(p["name"]) or fold(wanted) in fold(p["sku"])
    )
    assert names(found) == expected
    with app.app_context():  # the next example starts from an empty catalogue
        db.session.execute(Product.__table__.delete())
        db.session.commit()
