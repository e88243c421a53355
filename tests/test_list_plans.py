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
