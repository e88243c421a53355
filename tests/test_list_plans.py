"""Filtered document lists read their rows in the list's order from an index (issue 16's
growth table): no sort of every document in the filter, whatever their number."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from portal.accounts.models import User
from portal.documents import services as documents
from portal.extensions import db
from portal.invoices.document import INVOICES
from portal.quotes.document import QUOTES


@pytest.mark.parametrize(
    ("kind", "status"),
    [(QUOTES, "SENT"), (QUOTES, "EXPIRED"), (QUOTES, "ACCEPTED"), (INVOICES, "ISSUED")],
)
def test_a_status_filter_walks_an_index_in_list_order(app, make_user, kind, status):
    if app.extensions["portal.db"].dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's (PostgreSQL's planner weighs its statistics)")
    member = make_user()
    engine = app.extensions["portal.db"]
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    with app.test_request_context():
        actor = db.session.scalar(select(User).where(User.public_id == member.id))
        event.listen(engine, "before_cursor_execute", record)
        try:
            documents.list_documents(
                kind, actor, status=status, customer_id=None, limit=50, cursor=None
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        statement, parameters = seen[-1]
        plan = " / ".join(
            row[3]
            for row in db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
    table = kind.model.__tablename__
    assert f"SEARCH {table} USING INDEX ix_{table}_organization_id_status" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_a_mostly_empty_unique_column_is_looked_up_by_index_after_analyze(make_app, tmp_path):
    """SQLite's ANALYZE counts the NULLs of a unique constraint's index as one group of equal
    keys, after which its planner scanned every invoice for a quote's invoice or a public
    link. The partial indexes of the filled rows keep those lookups on an index."""
    from portal.accounts.models import Organization
    from portal.migrate import upgrade
    from portal.security.tokens import issue_token
    from tests.conftest import TEST_TIME_ZONE
    from tests.test_api_quotes import create_invoice

    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'analyzed.db'}")
    engine = app.extensions["portal.db"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    upgrade(engine)
    with app.app_context():
        organization = Organization(
            name="Acme", plan="PRO", currency="USD", locale="es", time_zone=TEST_TIME_ZONE
        )
        user = User(
            organization=organization,
            name="O",
            email="o@acme.example.com",
            role="OWNER",
            password_hash="-",
        )
        db.session.add_all([organization, user])
        db.session.commit()
        token, _ = issue_token(user)
    first = create_invoice(app.test_client(), token)
    with engine.begin() as conn:
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(invoices)")]
        copied = [c for c in columns if c != "id"]
        chosen = {"public_id": "'inv_copy_' || n", "number": "'COPY-' || n"}
        into, values = ", ".join(copied), ", ".join(chosen.get(c, c) for c in copied)
        sequence = (
            "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)"
        )
        copy = f"{sequence} INSERT INTO invoices ({into}) SELECT {values} FROM invoices, seq WHERE invoices.public_id = ?"  # noqa: S608, E501 (the table's own columns)
        conn.exec_driver_sql(copy, (first["id"],))
        conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        for where in ("quote_id = 7", "public_token = 'x'", "recurring_id = 3"):
            query = f"EXPLAIN QUERY PLAN SELECT * FROM invoices LEFT OUTER JOIN customers ON customers.id = invoices.customer_id WHERE invoices.{where}"  # noqa: S608, E501
            plan = " / ".join(row[3] for row in conn.exec_driver_sql(query))
            assert "SCAN invoices" not in plan, (where, plan)
