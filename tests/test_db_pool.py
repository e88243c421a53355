"""Issue 16.1: PostgreSQL connections are pinged only after resting (portal.db._ping_if_idle),
and a connection the server dropped while it rested is replaced, not handed to a request."""

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DisconnectionError

from portal import db as portal_db
from tests.conftest import assert_envelope, bearer


def _postgresql(app) -> None:
    if app.extensions["portal.db"].dialect.name != "postgresql":
        pytest.skip("the ping policy is PostgreSQL's (SQLite has no server to lose)")


def test_a_connection_dropped_while_resting_is_replaced(app, client, make_user, monkeypatch):
    _postgresql(app)
    viewer = make_user(role="VIEWER")
    assert_envelope(client.get("/api/v1/me", headers=bearer(viewer)), 200)
    engine = app.extensions["portal.db"]
    killer = create_engine(engine.url)
    with killer.connect() as conn:  # the server drops every other connection to this database
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    killer.dispose()
    monkeypatch.setattr(portal_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled one rested
    try:
        for _ in range(3):
            assert_envelope(client.get("/api/v1/me", headers=bearer(viewer)), 200)
    finally:
        engine.dispose()  # whatever the requests did not take is closed, not left dead


def test_a_rested_connection_serves_reads_and_writes(app, client, make_user, monkeypatch):
    """The ping leaves no transaction behind: a read (autocommit) and a write after it."""
    _postgresql(app)
    owner = make_user(role="OWNER")
    monkeypatch.setattr(portal_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout pings
    for _ in range(3):
        assert_envelope(client.get("/api/v1/products", headers=bearer(owner)), 200)
        created = client.post(
            "/api/v1/customers", json={"name": "Tras la pausa"}, headers=bearer(owner)
        )
        assert_envelope(created, 201)


class _Record:
    def __init__(self, idle_for: float | None):
        self.info = {} if idle_for is None else {"idle_since": time.monotonic() - idle_for}


class _Connection:
    def __init__(self, fails: bool = False):
        self.executed: list[str] = []
        self.fails = fails

    def cursor(self):
        connection = self

        class Cursor:
            def execute(self, sql):
                if connection.fails:
                    raise OSError("server closed the connection unexpectedly")
                connection.executed.append((sql, connection.autocommit))

            def close(self):
                pass

        return Cursor()

    autocommit = False


@pytest.mark.parametrize(
    "idle_for, pinged",
    [(None, False), (0.0, False), (portal_db.PING_AFTER_IDLE_SECONDS / 2, False), (5.0, True)],
)
def test_only_a_rested_connection_is_pinged(idle_for, pinged):
    connection = _Connection()
    portal_db._ping_if_idle(connection, _Record(idle_for), None)
    # in autocommit: the ping leaves no transaction open (a read's autocommit is set after)
    assert connection.executed == ([("SELECT 1", True)] if pinged else [])
    assert connection.autocommit is False


def test_a_failed_ping_asks_the_pool_for_another_connection():
    with pytest.raises(DisconnectionError):
        portal_db._ping_if_idle(_Connection(fails=True), _Record(5.0), None)
