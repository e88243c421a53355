"""The generic job queue (portal.jobs): schedules, claiming and leases, the worker loop, the CLI.

Webhook deliveries are the one queue there is, so these tests use its table with job kinds of
their own (the webhook job itself is tested in test_webhook_delivery.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.accounts.models import Organization
from portal.clock import utcnow
from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.jobs import worker as worker_module
from portal.jobs.models import JobStatus
from portal.jobs.queue import (
    JobKind,
    LeaseLost,
    Outcome,
    claim,
    release,
    renew,
    retry_at,
)
from portal.jobs.worker import run_forever, run_once
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parent.parent
SCHEDULE = (0.0, 5.0, 300.0, 1800.0)


# ---------------------------------------------------------------------------------------
# The schedule


def test_retry_at_follows_the_schedule_then_gives_up():
    now = utcnow()
    no_jitter = lambda low, high: 0.0  # noqa: E731
    assert retry_at(SCHEDULE, 1, now, rng=no_jitter) == now + timedelta(seconds=5)
    assert retry_at(SCHEDULE, 3, now, rng=no_jitter) == now + timedelta(seconds=1800)
    assert retry_at(SCHEDULE, 4, now, rng=no_jitter) is None  # four attempts made: done


def test_jitter_stays_within_ten_percent_and_never_negative():
    now = utcnow()
    lowest = retry_at(SCHEDULE, 2, now, rng=lambda low, high: low)
    highest = retry_at(SCHEDULE, 2, now, rng=lambda low, high: high)
    assert lowest == now + timedelta(seconds=270)
    assert highest == now + timedelta(seconds=330)
    seen = {(retry_at(SCHEDULE, 2, now) - now).total_seconds() for _ in range(500)}
    assert all(270 <= s <= 330 for s in seen) and len(seen) > 100  # really random
    assert retry_at((0.0, 0.0), 1, now) == now  # a zero delay stays zero, never negative


def test_a_longer_retry_after_wins_up_to_the_longest_delay():
    now = utcnow()
    exact = lambda low, high: 0.0  # noqa: E731
    assert retry_at(SCHEDULE, 1, now, 60, rng=exact) == now + timedelta(seconds=60)
    assert retry_at(SCHEDULE, 1, now, 2, rng=exact) == now + timedelta(seconds=5)  # shorter
    capped = retry_at(SCHEDULE, 1, now, 10**6, rng=exact)
    assert capped == now + timedelta(seconds=1800)


def test_schedules_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", SECRET)
    monkeypatch.delenv("PORTAL_WEBHOOK_RETRY_SCHEDULE", raising=False)
    monkeypatch.delenv("PORTAL_MAIL_RETRY_SCHEDULE", raising=False)
    defaults = load_config(str(tmp_path), {"ENV_NAME": "testing"})
    assert defaults["WEBHOOK_RETRY_SCHEDULE"] == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    assert defaults["MAIL_RETRY_SCHEDULE"][0] == 0
    monkeypatch.setenv("PORTAL_WEBHOOK_RETRY_SCHEDULE", "0, 1,2.5")
    monkeypatch.setenv("PORTAL_MAIL_RETRY_SCHEDULE", "10")
    settings = load_config(str(tmp_path), {"ENV_NAME": "testing"})
    assert settings["WEBHOOK_RETRY_SCHEDULE"] == (0.0, 1.0, 2.5)
    assert settings["MAIL_RETRY_SCHEDULE"] == (10.0,)
    for wrong in ("soon", "0,,5", "-1,5", "5;10"):
        monkeypatch.setenv("PORTAL_WEBHOOK_RETRY_SCHEDULE", wrong)
        with pytest.raises(ConfigError, match="PORTAL_WEBHOOK_RETRY_SCHEDULE"):
            load_config(str(tmp_path), {"ENV_NAME": "testing"})


# ---------------------------------------------------------------------------------------
# Claiming and leases


@pytest.fixture
def queue(app):
    """Adds ``n`` queued rows (deliveries of one endpoint) and returns their ids."""

    def add(n: int = 1, **values) -> list[int]:
        with app.app_context():
            organization = db.session.scalar(select(Organization))
            if organization is None:
                organization = Organization(name="Acme", plan="PRO")
                db.session.add(organization)
                db.session.flush()
            endpoint = WebhookEndpoint(
                organization_id=organization.id, url="https://hooks.example.com/", secret="x"
            )
            rows = []
            for _ in range(n):
                event = WebhookEvent(organization_id=organization.id, type="invoice.created")
                rows.append(
                    WebhookDelivery(
                        organization_id=organization.id, endpoint=endpoint, event=event, **values
                    )
                )
            db.session.add_all(rows)
            db.session.commit()
            return [row.id for row in rows]

    return add


def rows(app) -> dict[int, WebhookDelivery]:
    with app.app_context():
        return {row.id: row for row in db.session.scalars(select(WebhookDelivery))}


def test_claim_takes_due_rows_oldest_first_and_leases_them(app, queue):
    now = utcnow()
    due = queue(3, next_attempt_at=now - timedelta(seconds=1))
    later = queue(1, next_attempt_at=now + timedelta(minutes=5))
    closed = queue(1, status=JobStatus.DONE, next_attempt_at=now - timedelta(minutes=1))
    leased = queue(
        1, next_attempt_at=now - timedelta(seconds=1), locked_until=now + timedelta(minutes=1)
    )
    with app.app_context():
        first = claim(WebhookDelivery, limit=2, lease_seconds=60, now=now)
        second = claim(WebhookDelivery, limit=10, lease_seconds=60, now=now)
        third = claim(WebhookDelivery, limit=10, lease_seconds=60, now=now)
    assert [c.id for c in first] == due[:2]
    assert [c.id for c in second] == due[2:]
    assert third == []
    stored = rows(app)
    for held in first + second:
        assert stored[held.id].locked_until == now + timedelta(seconds=60) == held.locked_until
    for row_id in later + closed:
        assert stored[row_id].locked_until is None
    assert stored[leased[0]].locked_until == now + timedelta(minutes=1)


def test_a_lease_that_ran_out_is_claimed_again_and_fences_the_first_worker(app, queue):
    [row_id] = queue(1)
    now = utcnow()
    with app.app_context():
        [first] = claim(WebhookDelivery, limit=5, lease_seconds=30, now=now)
        assert (
            claim(WebhookDelivery, limit=5, lease_seconds=30, now=now + timedelta(seconds=29)) == []
        )
        [second] = claim(
            WebhookDelivery, limit=5, lease_seconds=30, now=now + timedelta(seconds=31)
        )
        db.session.commit()
        assert second.id == first.id == row_id
        with pytest.raises(LeaseLost):
            renew(WebhookDelivery, first, lease_seconds=30, now=now + timedelta(seconds=32))
        assert release(WebhookDelivery, first) is False  # not the first worker's any more
        renewed = renew(WebhookDelivery, second, lease_seconds=30, now=now + timedelta(seconds=32))
        assert release(WebhookDelivery, renewed) is True
        db.session.commit()
    assert rows(app)[row_id].locked_until is None


# ---------------------------------------------------------------------------------------
# The worker


class Recorder:
    """A job kind over the deliveries' table whose steps do what a test says."""

    def __init__(self, *outcomes: Outcome, load_outcome: Outcome | None = None) -> None:
        self.outcomes = list(outcomes)
        self.load_outcome = load_outcome
        self.performed: list[int] = []
        self.recorded: list[tuple[int, str, object]] = []

    def kind(self, **options) -> JobKind:
        return JobKind(
            name="test-job",
            model=WebhookDelivery,
            schedule_setting="WEBHOOK_RETRY_SCHEDULE",
            load=self.load,
            perform=self.perform,
            record=self.record,
            **options,
        )

    def load(self, row, now):
        return self.load_outcome or row.id

    def perform(self, row_id):
        self.performed.append(row_id)
        outcome = self.outcomes.pop(0) if self.outcomes else Outcome.done()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def record(self, row, outcome, next_attempt_at, now):
        self.recorded.append((row.id, outcome.status, next_attempt_at))


def test_run_once_settles_each_row_and_records_the_attempt(make_app, queue):
    app = make_app(WEBHOOK_RETRY_SCHEDULE="0,60,120")
    ids = queue(3)
    recorder = Recorder(Outcome.done(), Outcome.retry("HTTP 500"), Outcome.fail("gone"))
    assert run_once(app, kinds=[recorder.kind()]) == 3
    assert recorder.performed == ids
    stored = rows(app)
    assert stored[ids[0]].status == JobStatus.DONE and stored[ids[0]].finished_at is not None
    assert stored[ids[1]].status == JobStatus.PENDING and stored[ids[1]].last_error == "HTTP 500"
    assert stored[ids[1]].next_attempt_at > utcnow() + timedelta(seconds=50)
    assert stored[ids[2]].status == JobStatus.FAILED and stored[ids[2]].last_error == "gone"
    assert all(row.attempts == 1 and row.locked_until is None for row in stored.values())
    next_at = {row_id: at for row_id, _status, at in recorder.recorded}
    assert next_at[ids[0]] is None and next_at[ids[2]] is None
    assert next_at[ids[1]] == stored[ids[1]].next_attempt_at
    assert run_once(app, kinds=[recorder.kind()]) == 0  # the retry is not due yet


def test_the_schedule_ends_in_failed(make_app, queue):
    app = make_app(WEBHOOK_RETRY_SCHEDULE="0,0,0")
    [row_id] = queue(1)
    recorder = Recorder(*[Outcome.retry("HTTP 503")] * 5)
    for _ in range(5):
        run_once(app, kinds=[recorder.kind()])
    row = rows(app)[row_id]
    assert (row.status, row.attempts, row.last_error) == (JobStatus.FAILED, 3, "HTTP 503")
    assert len(recorder.performed) == 3


def test_a_load_outcome_settles_without_performing(app, queue):
    [row_id] = queue(1)
    recorder = Recorder(load_outcome=Outcome.fail("endpoint disabled"))
    assert run_once(app, kinds=[recorder.kind()]) == 1
    assert recorder.performed == []
    assert rows(app)[row_id].status == JobStatus.FAILED


def test_a_job_that_raises_is_retried_not_lost(make_app, queue):
    app = make_app(PROPAGATE_INTERNAL_ERRORS=False, WEBHOOK_RETRY_SCHEDULE="0,0")
    [row_id] = queue(1)
    recorder = Recorder(RuntimeError("bug"))  # type: ignore[arg-type]
    run_once(app, kinds=[recorder.kind()])
    row = rows(app)[row_id]
    assert row.status == JobStatus.PENDING and row.attempts == 1
    assert row.last_error == "internal error (RuntimeError)"
    run_once(app, kinds=[recorder.kind()])
    assert rows(app)[row_id].status == JobStatus.DONE


def test_a_worker_that_dies_after_claiming_loses_nothing(app, queue):
    [row_id] = queue(1)
    recorder = Recorder()
    kind = recorder.kind(lease_seconds=60)
    with app.app_context():
        claim(WebhookDelivery, limit=10, lease_seconds=60, now=utcnow())  # then "killed"
    assert run_once(app, kinds=[kind]) == 0  # leased: nobody else takes it meanwhile
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=True):
        assert run_once(app, kinds=[kind]) == 1
    assert recorder.performed == [row_id]
    assert rows(app)[row_id].status == JobStatus.DONE


def test_a_stop_releases_the_rows_not_started(app, queue):
    ids = queue(3)
    stop = threading.Event()
    recorder = Recorder()
    original = recorder.perform

    def perform_then_stop(row_id):
        stop.set()
        return original(row_id)

    recorder.perform = perform_then_stop  # type: ignore[method-assign]
    assert run_once(app, kinds=[recorder.kind()], stop=stop) == 1
    stored = rows(app)
    assert stored[ids[0]].status == JobStatus.DONE
    for row_id in ids[1:]:  # released at once, not after the lease
        assert stored[row_id].status == JobStatus.PENDING and stored[row_id].locked_until is None


def test_run_forever_runs_until_stopped(app, queue):
    ids = queue(2)
    stop = threading.Event()
    recorder = Recorder()
    thread = threading.Thread(
        target=run_forever,
        args=(app,),
        kwargs={"poll": 0.02, "stop": stop, "kinds": [recorder.kind()]},
        daemon=True,
    )
    thread.start()
    for _ in range(500):
        if len(recorder.performed) == 2:
            break
        stop.wait(0.01)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert recorder.performed == ids


# ---------------------------------------------------------------------------------------
# The command


def test_worker_once_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["portal", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 jobs run."


def test_the_worker_process_stops_cleanly_on_sigterm(database_url):
    env = {
        **os.environ,
        "PORTAL_ENV": "testing",
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "portal", "worker", "--poll", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        while first and "Worker running" not in first:
            first = process.stdout.readline()
        assert "Worker running" in first
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "stopping after the job under way" in output
    assert output.rstrip().endswith("Worker stopped.")


def test_a_busy_database_makes_the_worker_wait_not_stop(make_app, queue, monkeypatch, caplog):
    app = make_app(PROPAGATE_INTERNAL_ERRORS=False)
    [row_id] = queue(1)
    recorder = Recorder()
    stop = threading.Event()
    calls = []

    def claim_once_locked(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        if recorder.performed:
            stop.set()
        return claim(*args, **kwargs)

    monkeypatch.setattr(worker_module, "claim", claim_once_locked)
    run_forever(app, poll=0.01, stop=stop, kinds=[recorder.kind()])
    assert recorder.performed == [row_id]
    assert "the database is busy" in caplog.text
