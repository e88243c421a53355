"""Issue 16.2: SQLite's writers queue at a gate (portal/writers.py), not in SQLite's busy
handler; the gate is given back however a transaction ends, and a writer that cannot have it
in time is answered 503 BUSY as before."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portal.db import is_busy, make_engine
from portal.writers import WriterGate
from tests.conftest import assert_envelope, bearer


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "gate.db"
    engine = make_engine(f"sqlite:///{path}", lock_timeout=0.3)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine, str(path)
    engine.dispose()


def other_process(path: str) -> WriterGate:
    """A gate with a descriptor of its own: to flock, another process."""
    return WriterGate(path, timeout=0.2)


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_gate_is_held_for_a_write_and_given_back_however_it_ends(database, end):
    engine, path = database
    conn = engine.connect()
    transaction = conn.begin()
    conn.execute(text("INSERT INTO t VALUES (1)"))
    outsider = other_process(path)
    with pytest.raises(OperationalError) as refused:
        outsider.enter({})
    assert is_busy(refused.value)  # what the portal answers 503 BUSY
    if end == "commit":
        transaction.commit()
    elif end == "rollback":
        transaction.rollback()
    conn.close()  # back to the pool ("close": without ending the transaction first)
    held: dict = {}
    outsider.enter(held)  # free again
    assert held
    outsider._leave()


def test_threads_of_one_process_take_turns(database):
    engine, _ = database
    inside = 0
    most = 0
    guard = threading.Lock()

    def write(n: int) -> None:
        nonlocal inside, most
        with engine.begin() as conn:
            with guard:
                inside += 1
                most = max(most, inside)
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            with guard:
                inside -= 1

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert most == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 8


def test_a_write_that_cannot_have_the_gate_is_answered_busy(make_app, make_user, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the gate is SQLite's")
    app = make_app(DB_LOCK_TIMEOUT_SECONDS=0.2)
    owner = make_user(role="OWNER")
    outsider = other_process(app.extensions["portal.db"].url.database)
    held: dict = {}
    outsider.enter(held)
    try:
        client = app.test_client()
        answer = client.post("/api/v1/customers", json={"name": "Nuevo"}, headers=bearer(owner))
        assert_envelope(answer, 503, "BUSY")
        assert_envelope(client.get("/api/v1/customers", headers=bearer(owner)), 200)  # reads
    finally:
        outsider._leave()
    answer = app.test_client().post(
        "/api/v1/customers", json={"name": "Nuevo"}, headers=bearer(owner)
    )
    assert_envelope(answer, 201)


def test_a_read_sees_one_snapshot_however_many_statements_it_runs(database):
    """A safe request's statements share one transaction (its ``BEGIN`` is said to the
    driver, not through SQLAlchemy): a write committed by another connection between two of
    them is not seen by the second, as it would be if each ran on its own."""
    from flask import Flask

    engine, _path = database
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (n) VALUES (1)"))
    request = Flask(__name__).test_request_context("/api/v1/things", method="GET")
    with request, engine.connect() as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        with engine.begin() as writer:  # another connection, outside the request
            writer.execute(text("INSERT INTO t (n) VALUES (2)"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
    with engine.connect() as after:
        assert after.execute(text("SELECT count(*) FROM t")).scalar() == 2
