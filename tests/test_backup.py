"""``portal backup`` / ``portal restore``: an online SQLite copy taken under concurrent writes."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine

from portal import create_app
from portal.migrate import upgrade
from tests.conftest import SECRET, assert_envelope, bearer, org_today

INVOICES = "/api/v1/invoices"
WRITERS_PER_ORGANIZATION = 2
WRITES_ON_EACH_SIDE = 50  # about a second of writing before the backup, and again after


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """This module's own SQLite database, on every CI leg: backup and restore are SQLite
    commands (PostgreSQL uses pg_dump), so the PostgreSQL leg tests them on SQLite too."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("backup-db") / "portal.db")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def app(make_app):
    # The writers measure the backup, not the plan's request limits.
    return make_app(RATELIMIT_ENABLED=False)


def invoice_body(n: int) -> dict:
    return {
        "customerName": f"Cliente {n}",
        "invoiceDate": org_today().isoformat(),
        "lines": [{"description": "Consultoría", "quantity": "1", "unitPrice": "10"}],
    }


@dataclass(frozen=True)
class Write:
    """One creation request as a writer saw it: sent and answered (monotonic seconds)."""

    organization_id: str
    invoice_id: str
    number: str
    sent: float
    answered: float


def keep_creating_invoices(
    url: str, member, stop: threading.Event, out: list, failures: list
) -> None:
    with requests.Session() as http:
        n = 0
        while not stop.is_set():
            n += 1
            sent = time.monotonic()
            response = http.post(
                url + INVOICES, json=invoice_body(n), headers=bearer(member), timeout=60
            )
            answered = time.monotonic()
            if response.status_code != 201:
                failures.append((response.status_code, response.text))
                return
            data = response.json()["data"]
            out.append(
                Write(member.organization_id, data["id"], data["invoiceNumber"], sent, answered)
            )


def wait_until(condition, failures: list, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and not failures:
        assert time.monotonic() < deadline, "the writers stalled"
        time.sleep(0.01)


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchall()


def test_backup_under_concurrent_writes_restores_every_committed_invoice(
    app, make_app, make_user, live_server, tmp_path
):
    members = [make_user(role="ACCOUNTANT") for _ in range(2)]
    writes: list[Write] = []
    failures: list = []
    stop = threading.Event()
    writers = [
        threading.Thread(
            target=keep_creating_invoices, args=(live_server.url, member, stop, writes, failures)
        )
        for member in members
        for _ in range(WRITERS_PER_ORGANIZATION)
    ]
    for writer in writers:
        writer.start()
    try:
        wait_until(lambda: len(writes) >= WRITES_ON_EACH_SIDE, failures)
        backup_path = tmp_path / "portal-backup.db"
        backup_started = time.monotonic()
        result = app.test_cli_runner().invoke(args=["portal", "backup", str(backup_path)])
        backup_ended = time.monotonic()
        wait_until(
            lambda: sum(w.sent > backup_ended for w in writes) >= WRITES_ON_EACH_SIDE, failures
        )
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    assert not failures, failures

    committed_before = {w.invoice_id for w in writes if w.answered < backup_started}
    sent_after = {w.invoice_id for w in writes if w.sent > backup_ended}
    during = [w for w in writes if w.sent < backup_ended and w.answered > backup_started]
    # The writers really did run on both sides of the backup, and while it ran.
    assert committed_before and sent_after and during, (len(writes), result.output)

    # Restore into a new database file, as after losing the server.
    restored_path = tmp_path / "restored" / "portal.db"
    restored_app = make_app(DATABASE_URL=f"sqlite:///{restored_path}")
    restored = restored_app.test_cli_runner().invoke(
        args=["portal", "restore", str(backup_path), "--yes"]
    )
    assert restored.exit_code == 0, restored.output
    assert "the latest" in restored.output

    assert rows(restored_path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(restored_path, "PRAGMA foreign_key_check") == []
    invoices = dict(rows(restored_path, "SELECT public_id, id FROM invoices"))
    present = set(invoices)
    # Every invoice committed before the backup started is there; none asked for after it
    # ended is; nothing is there that no writer was answered for.
    assert committed_before <= present
    assert not sent_after & present
    assert present <= {w.invoice_id for w in writes}

    # The snapshot is whole: each invoice with its line and its "created" event, and each
    # organisation's counter agreeing with the gap-free numbers present.
    lines = dict(rows(restored_path, "SELECT invoice_id, count(*) FROM invoice_lines GROUP BY 1"))
    events = dict(
        rows(
            restored_path,
            "SELECT document_id, count(*) FROM document_events "
            "WHERE document_type = 'invoice' AND action = 'created' GROUP BY 1",
        )
    )
    assert all(lines.get(pk) == 1 for pk in invoices.values())
    assert all(events.get(pk) == 1 for pk in invoices.values())
    assert set(lines) == set(events) == set(invoices.values())
    numbers = rows(
        restored_path,
        "SELECT o.public_id, i.number FROM invoices i "
        "JOIN organizations o ON o.id = i.organization_id",
    )
    counters = dict(
        rows(
            restored_path,
            "SELECT o.public_id, c.next_value FROM document_counters c "
            "JOIN organizations o ON o.id = c.organization_id "
            "WHERE c.series = 'INV' AND c.year = ?",
            (org_today().year,),
        )
    )
    for member in members:
        mine = sorted(number for org, number in numbers if org == member.organization_id)
        assert mine == [f"INV-{org_today().year}-{n:04d}" for n in range(1, len(mine) + 1)]
        assert counters[member.organization_id] == len(mine) + 1

    # And the restored portal serves them.
    first = min((w for w in writes if w.invoice_id in committed_before), key=lambda w: w.sent)
    member = next(m for m in members if m.organization_id == first.organization_id)
    response = restored_app.test_client().get(
        f"{INVOICES}/{first.invoice_id}", headers=bearer(member)
    )
    assert assert_envelope(response, 200)["data"]["invoiceNumber"] == first.number

    committed_during = [w for w in during if w.answered <= backup_ended]
    print(
        f"\n{len(writes)} invoices created by {len(writers)} writers in "
        f"{max(w.answered for w in writes) - min(w.sent for w in writes):.2f} s; "
        f"`portal backup` took {(backup_ended - backup_started) * 1000:.0f} ms "
        f"({result.output.strip()}); {len(during)} creations were in flight during it, "
        f"{len(committed_during)} of them committed before it ended; "
        f"{len(committed_before)} committed before it began, {len(present)} in the backup, "
        f"{len(sent_after)} sent after it ended."
    )


def test_backup_refuses_to_overwrite_without_force(app, make_user, tmp_path):
    make_user()
    runner = app.test_cli_runner()
    target = tmp_path / "portal-backup.db"
    target.write_text("an earlier backup")

    refused = runner.invoke(args=["portal", "backup", str(target)])
    assert refused.exit_code != 0
    assert "already exists" in refused.output and "--force" in refused.output
    assert target.read_text() == "an earlier backup"

    forced = runner.invoke(args=["portal", "backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert rows(target, "SELECT count(*) FROM organizations") == [(1,)]
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary left

    live = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    over_itself = runner.invoke(args=["portal", "backup", live, "--force"])
    assert over_itself.exit_code != 0 and "own database" in over_itself.output


def test_restore_refuses_files_that_are_not_sound_portal_databases(app, make_user, tmp_path):
    owner = make_user()
    client = app.test_client()
    invoice = client.post(INVOICES, json=invoice_body(1), headers=bearer(owner))
    assert_envelope(invoice, 201)
    runner = app.test_cli_runner()

    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("these are not the pages you are looking for\n" * 200)
    refused = runner.invoke(args=["portal", "restore", str(not_a_database), "--yes"])
    assert refused.exit_code != 0 and "not a readable SQLite database" in refused.output

    foreign = tmp_path / "other-app.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    refused = runner.invoke(args=["portal", "restore", str(foreign), "--yes"])
    assert refused.exit_code != 0 and "alembic_version" in refused.output

    corrupt = tmp_path / "corrupt.db"
    assert runner.invoke(args=["portal", "backup", str(corrupt)]).exit_code == 0
    with closing(sqlite3.connect(corrupt, isolation_level=None)) as conn:
        # An index whose entries no longer match its definition: the file opens and reads,
        # only the integrity check finds the damage.
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = "
            "'CREATE INDEX ix_invoices_organization_id_status ON invoices (id)' "
            "WHERE name = 'ix_invoices_organization_id_status'"
        )
    refused = runner.invoke(args=["portal", "restore", str(corrupt), "--yes"])
    assert refused.exit_code != 0 and "integrity check" in refused.output

    sound = tmp_path / "sound.db"
    assert runner.invoke(args=["portal", "backup", str(sound)]).exit_code == 0
    declined = runner.invoke(args=["portal", "restore", str(sound)], input="n\n")
    assert declined.exit_code != 0 and "Replace every row" in declined.output

    # Nothing above touched the live data.
    response = client.get(f"{INVOICES}/{invoice.get_json()['data']['id']}", headers=bearer(owner))
    assert_envelope(response, 200)


def test_restore_of_an_older_revision_says_to_run_init_db(make_app, tmp_path):
    older = tmp_path / "older.db"
    engine = create_engine(f"sqlite:///{older}")
    upgrade(engine, "0003")
    engine.dispose()
    scratch = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'scratch.db'}")
    runner = scratch.test_cli_runner()

    restored = runner.invoke(args=["portal", "restore", str(older), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "revision 0003; the latest is" in restored.output
    assert "portal init-db" in restored.output
    assert runner.invoke(args=["portal", "init-db"]).exit_code == 0
    upgraded = runner.invoke(args=["portal", "backup", str(tmp_path / "upgraded.db")])
    assert upgraded.exit_code == 0 and "revision 0003" not in upgraded.output

    with closing(sqlite3.connect(older)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    newer = runner.invoke(args=["portal", "restore", str(older), "--yes"])
    assert newer.exit_code == 0, newer.output
    assert "comes from a newer portal" in newer.output


def test_postgresql_urls_point_to_pg_dump_and_pg_restore(tmp_path):
    url = "postgresql://portal:s3cret-pw@db.example.com:5432/portal"
    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": SECRET, "DATABASE_URL": url})
    runner = app.test_cli_runner()
    try:
        dumped = runner.invoke(args=["portal", "backup", str(tmp_path / "portal.dump")])
        assert dumped.exit_code != 0
        assert "SQLite only" in dumped.output
        assert f"pg_dump --format=custom --file {tmp_path / 'portal.dump'} " in dumped.output
        assert "'postgresql://portal:***@db.example.com:5432/portal'" in dumped.output
        assert "s3cret-pw" not in dumped.output

        dump = tmp_path / "portal.dump"
        dump.write_bytes(b"PGDMP")
        restored = runner.invoke(args=["portal", "restore", str(dump), "--yes"])
        assert restored.exit_code != 0
        assert "pg_restore" in restored.output and "s3cret-pw" not in restored.output
    finally:
        app.extensions["portal.db"].dispose()
