"""Issue 16.1: a request with a safe method (GET, HEAD, OPTIONS) reads on PostgreSQL
without ``BEGIN`` and ``COMMIT`` round trips (each statement its own transaction,
``portal.db.reads_engine``) and may neither write nor lock; SQLite keeps its deferred
``BEGIN``. A streamed export still reads from one transaction, ended when the client stops."""

from decimal import Decimal

import pytest
from flask import request
from psycopg.pq import TransactionStatus
from sqlalchemy import event, select, text

from portal import db as portal_db
from portal.accounts.models import Organization
from portal.catalog.csvio import BATCH
from portal.catalog.models import Product
from portal.extensions import db
from tests.conftest import assert_envelope, bearer


def _postgresql(app) -> None:
    if app.extensions["portal.db"].dialect.name != "postgresql":
        pytest.skip("SQLite's reads keep their deferred BEGIN (no round trip to save)")


def test_sqlite_reads_use_the_one_engine(app):
    engine = app.extensions["portal.db"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert portal_db.reads_engine(engine) is engine
    assert app.extensions["portal.db.reads"] is engine


def test_a_read_runs_each_statement_outside_a_transaction(app, client, make_user):
    _postgresql(app)
    owner = make_user(role="OWNER")
    engine = app.extensions["portal.db"]
    seen: list[tuple[str, TransactionStatus]] = []

    def after(conn, _cursor, _statement, _parameters, _context, _many) -> None:
        seen.append((request.method, conn.connection.driver_connection.info.transaction_status))

    event.listen(engine, "after_cursor_execute", after)
    try:
        created = client.post("/api/v1/customers", json={"name": "Ana"}, headers=bearer(owner))
        assert_envelope(created, 201)
        for path in ("/api/v1/customers", "/api/v1/dashboard", "/api/v1/reports/sales"):
            response = client.get(path, headers=bearer(owner))
            assert response.status_code == 200, path
    finally:
        event.remove(engine, "after_cursor_execute", after)
    reads = [status for method, status in seen if method == "GET"]
    writes = [status for method, status in seen if method == "POST"]
    assert reads and set(reads) == {TransactionStatus.IDLE}  # no BEGIN was sent
    assert writes and set(writes) == {TransactionStatus.INTRANS}


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_read_that_writes_or_locks_is_refused(app, make_org, method):
    _postgresql(app)
    organization_id = make_org(name="Intacta")
    with app.test_request_context(method=method):
        with pytest.raises(portal_db.ReadOnlyRequest):
            db.session.execute(text("UPDATE organizations SET name = 'Cambiada'"))
        with pytest.raises(portal_db.ReadOnlyRequest):
            db.session.execute(select(Organization).with_for_update())
        db.session.rollback()
    with app.app_context():
        names = db.session.scalars(
            select(Organization.name).where(Organization.public_id == organization_id)
        ).all()
    assert names == ["Intacta"]


@pytest.mark.parametrize(
    "statement, refused",
    [
        ("INSERT INTO t (a) VALUES (1)", True),
        ("  update t SET a = 1", True),
        ("DELETE FROM t", True),
        ("MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", True),
        ("WITH gone AS (DELETE FROM t RETURNING a) SELECT a FROM gone", True),
        ("WITH moved AS (UPDATE t SET a = 2 RETURNING a) SELECT a FROM moved", True),
        ("SELECT t.a FROM t WHERE t.a = 1 FOR UPDATE", True),
        ("SELECT t.a FROM t FOR NO KEY UPDATE OF t", True),
        ("SELECT t.a FROM t FOR SHARE", True),
        ("SELECT t.updated_at, t.deleted, t.inserted FROM t", False),
        ("WITH recent AS (SELECT a FROM t) SELECT a FROM recent", False),
        ("SELECT 1", False),
    ],
)
def test_writes_and_locks_are_told_from_reads(statement, refused):
    if refused:
        with pytest.raises(portal_db.ReadOnlyRequest):
            portal_db._refuse_writes(None, None, statement, None, None, False)
    else:
        portal_db._refuse_writes(None, None, statement, None, None, False)


def _idle_in_transaction(app) -> int:
    with app.extensions["portal.db"].connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction'"
            )
        ).scalar_one()


def test_an_export_read_in_part_leaves_no_transaction_open(app, client, make_user):
    """The export's server-side cursor lives in a transaction of its own; a client that
    stops reading after the first batch ends it (the generator is closed)."""
    _postgresql(app)
    operator = make_user(role="OPERATOR")
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == operator.organization_id)
        ).one()
        db.session.add_all(
            Product(
                organization_id=organization.id,
                name=f"Tornillo {n:05d}",
                sku=f"T-{n:05d}",
                price=Decimal("1.50"),
            )
            for n in range(BATCH + 5)
        )
        db.session.commit()
    response = client.get("/api/v1/products/export", headers=bearer(operator), buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    first = next(chunks)
    assert "Tornillo 00000" in (first if isinstance(first, str) else first.decode())
    assert _idle_in_transaction(app) == 1  # the cursor's transaction, while the client waits
    response.close()
    assert _idle_in_transaction(app) == 0
    whole = client.get("/api/v1/products/export", headers=bearer(operator))
    assert whole.get_data(as_text=True).count("Tornillo") == BATCH + 5
    assert _idle_in_transaction(app) == 0
