"""Recurring invoices (issue 13.5): the API of a profile, and the scheduler that turns it into
one invoice per period — across simulated months, after an outage, under concurrent runs,
from the command line and from the worker.

Dates come from the suite's clock (``org_today``); the simulated days move it with
``time_machine`` (one travel per simulated moment, ``tick=False``).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.clock import zone
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.jobs.worker import run_forever
from portal.mail.models import OutgoingMessage
from portal.recurring.models import RecurringInvoice
from portal.recurring.schedule import Schedule
from portal.scheduled import run_scheduled
from portal.security.tokens import issue_token
from tests.conftest import TEST_TIME_ZONE, assert_envelope, bearer, org_today
from tests.test_api_quotes import new_customer, simple_line

RECURRING = "/api/v1/recurring-invoices"
INVOICES = "/api/v1/invoices"
EN = {"Accept-Language": "en"}


# --- helpers ------------------------------------------------------------------------------


def body(customer_id, **extra) -> dict:
    return {
        "customerId": customer_id,
        "frequency": "MONTHLY",
        "startDate": org_today().isoformat(),
        "lines": [simple_line()],
        **extra,
    }


def create(client, member, customer_id, **extra) -> dict:
    response = client.post(RECURRING, json=body(customer_id, **extra), headers=bearer(member))
    return assert_envelope(response, 201)["data"]


def errors_of(response) -> dict:
    return assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]


def at(day, hour: int) -> datetime:
    """``day`` at ``hour`` in the test organisations' zone."""
    return datetime.combine(day, time(hour), tzinfo=zone(TEST_TIME_ZONE))


def run_at(app, moment: datetime):
    with time_machine.travel(moment, tick=False), app.app_context():
        return run_scheduled()


def fresh_token(app, member) -> str:
    """A token issued now (inside a travel: valid at the simulated moment)."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == member.id)).one()
        return issue_token(user)[0]


def invoices_of(app, profile_id: str) -> list[Invoice]:
    with app.app_context():
        rows = db.session.scalars(
            select(Invoice)
            .join(RecurringInvoice, RecurringInvoice.id == Invoice.recurring_id)
            .where(RecurringInvoice.public_id == profile_id)
            .order_by(Invoice.recurring_period)
        ).all()
        db.session.expunge_all()
        return list(rows)


def messages(app, purpose: str) -> list[OutgoingMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutgoingMessage)
            .where(OutgoingMessage.purpose == purpose)
            .order_by(OutgoingMessage.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def monthly_dates(start, count: int) -> list:
    schedule = Schedule("MONTHLY", 1, start)
    return [schedule.period(n) for n in range(count)]


# --- the API --------------------------------------------------------------------------------


def test_create_answers_the_profile_with_its_next_five_runs(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    start = org_today() + timedelta(days=3)
    profile = create(client, owner, customer, startDate=start.isoformat(), autoIssue=True)
    assert profile["number"] == "REC-0001"
    assert profile["status"] == "ACTIVE"
    assert profile["customerId"] == customer
    assert profile["frequency"] == "MONTHLY" and profile["interval"] == 1
    assert profile["autoIssue"] is True and profile["autoSend"] is False
    assert profile["nextRuns"] == [d.isoformat() for d in monthly_dates(start, 5)]
    assert profile["invoicesCreated"] == 0 and profile["invoices"] == []
    assert len(profile["lines"]) == 1 and profile["total"]
    second = create(client, owner, customer, frequency="DAYS", interval=10, count=2)
    assert second["number"] == "REC-0002"
    today = org_today()
    assert second["nextRuns"] == [today.isoformat(), (today + timedelta(days=10)).isoformat()]
    # A start in the past begins at today's first period, not with the missed ones.
    past = create(
        client,
        owner,
        customer,
        frequency="DAYS",
        interval=7,
        startDate=(today - timedelta(days=10)).isoformat(),
    )
    assert past["nextRuns"][0] == (today + timedelta(days=4)).isoformat()


def test_validation_names_each_field(client, make_user):
    owner = make_user()
    stranger = make_user()
    customer = new_customer(client, owner)
    theirs = new_customer(client, stranger)
    today = org_today()

    def post(**changes):
        payload = body(customer)
        for key, value in changes.items():
            if value is ...:
                payload.pop(key, None)
            else:
                payload[key] = value
        return client.post(RECURRING, json=payload, headers=bearer(owner, **EN))

    assert "customerId" in errors_of(post(customerId=...))
    assert "customerId" in errors_of(post(customerId="cus_doesnotexist"))
    assert "customerId" in errors_of(post(customerId=theirs))
    assert "frequency" in errors_of(post(frequency="WEEKLY"))
    for interval in (0, "abc", 10**6, -1):
        assert "interval" in errors_of(post(interval=interval)), interval
    assert "startDate" in errors_of(post(startDate=...))
    assert "endDate" in errors_of(post(endDate=(today - timedelta(days=1)).isoformat()))
    assert "count" in errors_of(post(count=0))
    assert "autoSend" in errors_of(post(autoSend=True, autoIssue=False))
    assert "lines" in errors_of(post(lines=[]))
    # An end date the schedule never reaches again: nothing left to make.
    nothing = post(
        startDate=(today - timedelta(days=10)).isoformat(),
        endDate=(today - timedelta(days=1)).isoformat(),
    )
    assert "endDate" in errors_of(nothing)
    # Nothing was made by the refusals.
    listed = client.get(RECURRING, headers=bearer(owner))
    assert assert_envelope(listed, 200)["data"]["items"] == []


def test_read_list_and_filter_by_status(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    one = create(client, owner, customer)
    two = create(client, owner, customer, frequency="QUARTERLY")
    act = client.post(f"{RECURRING}/{two['id']}/pause", headers=bearer(owner))
    assert assert_envelope(act, 200)["data"]["status"] == "PAUSED"
    got = assert_envelope(client.get(f"{RECURRING}/{one['id']}", headers=bearer(owner)), 200)
    assert got["data"]["id"] == one["id"] and got["data"]["nextRuns"] == one["nextRuns"]
    listed = assert_envelope(client.get(RECURRING, headers=bearer(owner)), 200)["data"]
    assert {p["id"] for p in listed["items"]} == {one["id"], two["id"]}
    for status, expected in (("ACTIVE", one), ("PAUSED", two)):
        page = client.get(f"{RECURRING}?status={status}", headers=bearer(owner))
        assert [p["id"] for p in assert_envelope(page, 200)["data"]["items"]] == [expected["id"]]
    paused = next(p for p in listed["items"] if p["id"] == two["id"])
    assert paused["nextRuns"] == []  # nothing runs while paused


def test_patch_reschedules_on_a_schedule_change_and_keeps_it_for_new_lines(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profile = create(client, owner, customer, frequency="DAYS", interval=7, autoIssue=True)
    run_at(app, at(today, 9))  # makes today's period
    made = client.get(f"{RECURRING}/{profile['id']}", headers=bearer(owner))
    made = assert_envelope(made, 200)["data"]
    assert made["invoicesCreated"] == 1
    assert made["nextRuns"][0] == (today + timedelta(days=7)).isoformat()
    # New lines: same schedule, same next run.
    lines = [simple_line("250.00"), simple_line("10.00")]
    changed = client.patch(
        f"{RECURRING}/{profile['id']}",
        json=body(customer, frequency="DAYS", interval=7, autoIssue=True, lines=lines),
        headers=bearer(owner),
    )
    changed = assert_envelope(changed, 200)["data"]
    assert changed["nextRuns"] == made["nextRuns"] and len(changed["lines"]) == 2
    # A new interval: the next run is the first new period after the last one made.
    faster = client.patch(
        f"{RECURRING}/{profile['id']}",
        json=body(customer, frequency="DAYS", interval=2, autoIssue=True, lines=lines),
        headers=bearer(owner),
    )
    faster = assert_envelope(faster, 200)["data"]
    assert faster["nextRuns"][:2] == [
        (today + timedelta(days=2)).isoformat(),
        (today + timedelta(days=4)).isoformat(),
    ]
    # Running again today makes nothing more (today's period exists).
    assert run_at(app, at(today, 21)).invoices == 0
    assert len(invoices_of(app, profile["id"])) == 1
    history = client.get(f"{RECURRING}/{profile['id']}/history", headers=bearer(owner))
    actions = [e["action"] for e in assert_envelope(history, 200)["data"]["items"]]
    assert actions.count("edited") == 2 and "created" in actions


def test_pause_and_resume_skip_the_paused_periods(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profile = create(client, owner, customer, frequency="DAYS", interval=1)
    run_at(app, at(today, 9))
    assert (
        client.post(f"{RECURRING}/{profile['id']}/pause", headers=bearer(owner)).status_code == 200
    )
    again = client.post(f"{RECURRING}/{profile['id']}/pause", headers=bearer(owner))
    assert_envelope(again, 409, "INVALID_STATE")
    for offset in (1, 2, 3):  # paused: the scheduler makes nothing
        assert run_at(app, at(today + timedelta(days=offset), 9)).invoices == 0
    resume_day = today + timedelta(days=4)
    with time_machine.travel(at(resume_day, 8), tick=False):
        token = fresh_token(app, owner)
        resumed = client.post(f"{RECURRING}/{profile['id']}/resume", headers=bearer(token))
    resumed = assert_envelope(resumed, 200)["data"]
    assert resumed["status"] == "ACTIVE"
    assert resumed["nextRuns"][0] == resume_day.isoformat()
    run_at(app, at(resume_day, 9))
    periods = [i.recurring_period for i in invoices_of(app, profile["id"])]
    assert periods == [today, resume_day]  # none for the three paused days
    history = client.get(f"{RECURRING}/{profile['id']}/history", headers=bearer(owner))
    actions = [e["action"] for e in assert_envelope(history, 200)["data"]["items"]]
    assert "paused" in actions and "resumed" in actions


def test_roles_and_other_organisations(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    profile = create(client, owner, customer)
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    operator = make_user(role="OPERATOR", organization_id=owner.organization_id)
    accountant = make_user(role="ACCOUNTANT", organization_id=owner.organization_id)
    path = f"{RECURRING}/{profile['id']}"
    for reader in (viewer, operator):
        assert_envelope(client.get(path, headers=bearer(reader)), 200)
        assert_envelope(client.get(RECURRING, headers=bearer(reader)), 200)
        assert_envelope(client.get(f"{path}/history", headers=bearer(reader)), 200)
        writes = [
            client.post(RECURRING, json=body(customer), headers=bearer(reader)),
            client.patch(path, json=body(customer), headers=bearer(reader)),
            client.post(f"{path}/pause", headers=bearer(reader)),
            client.post(f"{path}/resume", headers=bearer(reader)),
        ]
        for response in writes:
            assert_envelope(response, 403, "FORBIDDEN")
    assert_envelope(client.post(RECURRING, json=body(customer), headers=bearer(accountant)), 201)
    stranger = make_user()
    for method, suffix in (
        ("get", ""),
        ("patch", ""),
        ("get", "/history"),
        ("post", "/pause"),
        ("post", "/resume"),
    ):
        for target in (profile["id"], "rec_doesnotexist"):
            response = getattr(client, method)(
                f"{RECURRING}/{target}{suffix}", json=body(customer), headers=bearer(stranger)
            )
            assert_envelope(response, 404, "NOT_FOUND")
    still = assert_envelope(client.get(path, headers=bearer(owner)), 200)["data"]
    assert still["status"] == "ACTIVE"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    changes=st.dictionaries(
        st.sampled_from(
            [
                "customerId",
                "frequency",
                "interval",
                "startDate",
                "endDate",
                "count",
                "autoIssue",
                "autoSend",
                "lines",
                "notes",
                "withholdingPercent",
            ]
        ),
        st.none()
        | st.booleans()
        | st.integers(-(10**12), 10**12)
        | st.text(max_size=12)
        | st.lists(st.integers(), max_size=2)
        | st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)
        | st.dates(org_today() - timedelta(days=1500), org_today() + timedelta(days=1500)).map(
            lambda d: d.isoformat()
        ),
        max_size=4,
    )
)
def test_any_body_is_answered_without_a_server_error(client, make_user, changes):
    """Created or refused field by field, on POST and on PATCH: never a 5xx."""
    key = id(client)
    if key not in _FUZZED:  # one organisation per test run (the fixtures are per function)
        owner = make_user()
        customer = new_customer(client, owner)
        _FUZZED.clear()
        _FUZZED[key] = (owner, customer, create(client, owner, customer)["id"])
    owner, customer, profile_id = _FUZZED[key]
    payload = {**body(customer), **changes}
    for response, success in (
        (client.post(RECURRING, json=payload, headers=bearer(owner)), 201),
        (client.patch(f"{RECURRING}/{profile_id}", json=payload, headers=bearer(owner)), 200),
    ):
        assert response.status_code in (success, 400), response.get_data(as_text=True)
        code = None if response.status_code == success else "VALIDATION_ERROR"
        assert_envelope(response, response.status_code, code)


_FUZZED: dict = {}


# --- the scheduler across simulated days ----------------------------------------------------

DAYS_SIMULATED = 90


def test_ninety_days_twice_a_day_make_each_period_once(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    monthly = create(client, owner, customer, autoIssue=True, autoSend=True)
    weekly = create(client, owner, customer, frequency="DAYS", interval=7)
    for offset in range(DAYS_SIMULATED):
        day = today + timedelta(days=offset)
        for hour in (9, 21):
            run = run_at(app, at(day, hour))
            assert run.failures == 0
            if hour == 21:
                assert run.invoices == 0  # the morning made the day's periods
    last = today + timedelta(days=DAYS_SIMULATED - 1)
    expected_monthly = [d for d in monthly_dates(today, 5) if d <= last]
    expected_weekly = [today + timedelta(days=7 * n) for n in range(DAYS_SIMULATED // 7 + 1)]
    expected_weekly = [d for d in expected_weekly if d <= last]

    made = invoices_of(app, monthly["id"])
    assert [i.recurring_period for i in made] == expected_monthly
    assert all(i.status == "ISSUED" for i in made)  # autoIssue
    assert [i.invoice_date for i in made] == expected_monthly  # dated the day it is made
    assert len({i.number for i in made}) == len(made)
    sent = messages(app, "document")
    assert Counter(m.document_id for m in sent) == Counter(i.id for i in made)  # autoSend
    assert all(m.to_addresses == ["cliente@example.com"] for m in sent)

    drafts = invoices_of(app, weekly["id"])
    assert [i.recurring_period for i in drafts] == expected_weekly
    assert all(i.status == "DRAFT" for i in drafts)  # neither issued nor sent
    assert not {m.document_id for m in sent} & {i.id for i in drafts}

    shown = client.get(f"{RECURRING}/{monthly['id']}", headers=bearer(owner))
    shown = assert_envelope(shown, 200)["data"]
    assert shown["invoicesCreated"] == len(expected_monthly)
    assert [i["period"] for i in shown["invoices"]] == [
        d.isoformat() for d in reversed(expected_monthly)
    ]
    invoice = client.get(f"{INVOICES}/{made[0].public_id}", headers=bearer(owner))
    invoice = assert_envelope(invoice, 200)["data"]
    assert invoice["recurringInvoiceId"] == monthly["id"]
    assert invoice["recurringPeriod"] == today.isoformat()


def test_a_count_ends_the_profile(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profile = create(client, owner, customer, frequency="DAYS", interval=1, count=2)
    for offset in range(4):
        run_at(app, at(today + timedelta(days=offset), 9))
    assert [i.recurring_period for i in invoices_of(app, profile["id"])] == [
        today,
        today + timedelta(days=1),
    ]
    shown = assert_envelope(client.get(f"{RECURRING}/{profile['id']}", headers=bearer(owner)), 200)
    assert shown["data"]["status"] == "ENDED" and shown["data"]["nextRuns"] == []
    ended = client.patch(f"{RECURRING}/{profile['id']}", json=body(customer), headers=bearer(owner))
    assert_envelope(ended, 409, "INVALID_STATE")


def test_after_a_sixty_day_outage_missed_periods_are_drafts_and_nothing_old_is_sent(
    app, client, make_user
):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profile = create(
        client, owner, customer, frequency="DAYS", interval=7, autoIssue=True, autoSend=True
    )
    run_at(app, at(today, 9))
    assert len(messages(app, "document")) == 1
    back = today + timedelta(days=63)  # 60 days without a run; back on a period's day
    run = run_at(app, at(back, 9))
    assert run.invoices == 9 and run.drafts == 8 and run.issued == 1 and run.sent == 1
    made = invoices_of(app, profile["id"])
    assert [i.recurring_period for i in made] == [today + timedelta(days=7 * n) for n in range(10)]
    missed = made[1:-1]
    assert all(i.status == "DRAFT" for i in missed)
    assert all(i.invoice_date == back for i in missed)
    assert made[-1].status == "ISSUED"
    sent = messages(app, "document")
    assert [m.document_id for m in sent] == [made[0].id, made[-1].id]  # nothing old sent
    assert run_at(app, at(back, 21)).invoices == 0
    # Back on a day without a period: only drafts.
    other = create(
        client,
        owner,
        customer,
        frequency="DAYS",
        interval=7,
        autoIssue=True,
        startDate=back.isoformat(),
    )
    run_at(app, at(back, 10))
    later = back + timedelta(days=61)
    run = run_at(app, at(later, 9))
    other_made = invoices_of(app, other["id"])
    assert [i.status for i in other_made] == ["ISSUED"] + ["DRAFT"] * 8
    assert other_made[-1].recurring_period == back + timedelta(days=56) < later
    assert run.sent == 0 and len(messages(app, "document")) == 2


# --- concurrent runs -------------------------------------------------------------------------
# PostgreSQL serialises them with the profile's row lock, SQLite with BEGIN IMMEDIATE; the
# unique (profile, period) key is the backstop (a duplicate would be a failure, raised here).


def race(app, moment: datetime, count: int) -> list:
    barrier = threading.Barrier(count)

    def start(_n):
        barrier.wait(timeout=60)
        with app.app_context():
            return run_scheduled()

    with time_machine.travel(moment, tick=False), ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


def test_concurrent_runs_make_each_period_once(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profiles = [
        create(client, owner, customer, frequency="DAYS", interval=1, autoIssue=True)
        for _ in range(3)
    ]
    for day_offset in (0, 3):
        results = race(app, at(today + timedelta(days=day_offset), 9), 6)
        assert sum(r.failures for r in results) == 0
    for profile in profiles:
        periods = [i.recurring_period for i in invoices_of(app, profile["id"])]
        assert periods == [today + timedelta(days=n) for n in range(4)]


# --- the command line and the worker --------------------------------------------------------


def test_the_cli_runs_the_scheduled_work_once(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    create(client, owner, customer, autoIssue=True)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "run-scheduled"])
    assert first.exit_code == 0, first.output
    assert "1 recurring invoices made (0 drafts for missed periods, 1 issued, 0 sent)" in (
        first.output
    )
    again = runner.invoke(args=["portal", "run-scheduled"])
    assert again.exit_code == 0, again.output
    assert "0 recurring invoices made" in again.output and "0 failures" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_the_worker_runs_the_scheduled_work(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    profile = create(client, owner, customer)
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever,
        args=(app,),
        kwargs={"poll": 0.01, "stop": stop, "kinds": [], "scheduled_every": 3600},
        daemon=True,
    )
    worker.start()
    for _ in range(500):
        if invoices_of(app, profile["id"]):
            break
        stop.wait(0.01)
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert [i.recurring_period for i in invoices_of(app, profile["id"])] == [org_today()]


def test_a_send_that_cannot_go_is_kept_on_the_profile(app, client, make_user):
    owner = make_user()
    response = client.post("/api/v1/customers", json={"name": "Sin Correo"}, headers=bearer(owner))
    no_email = assert_envelope(response, 201)["data"]["id"]
    profile = create(client, owner, no_email, autoIssue=True, autoSend=True)
    run = run_at(app, at(org_today(), 9))
    assert run.failures == 0 and run.issued == 1 and run.sent == 0
    [invoice] = invoices_of(app, profile["id"])
    assert invoice.status == "ISSUED"
    assert messages(app, "document") == []
    shown = assert_envelope(client.get(f"{RECURRING}/{profile['id']}", headers=bearer(owner)), 200)
    assert invoice.number in shown["data"]["lastError"]
    assert shown["data"]["lastRunAt"] is not None


def test_a_count_below_what_was_made_is_refused(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    profile = create(client, owner, customer, frequency="DAYS", interval=1, count=5)
    for offset in range(3):
        run_at(app, at(today + timedelta(days=offset), 9))
    path = f"{RECURRING}/{profile['id']}"
    for count in (2, 3):
        refused = client.patch(
            path,
            json=body(customer, frequency="DAYS", interval=1, count=count),
            headers=bearer(owner, **EN),
        )
        assert "count" in errors_of(refused)
    shown = assert_envelope(client.get(path, headers=bearer(owner)), 200)["data"]
    assert shown["count"] == 5 and shown["invoicesCreated"] == 3


def test_the_day_is_the_organisations_not_the_servers(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    tomorrow = org_today() + timedelta(days=1)
    profile = create(client, owner, customer, startDate=tomorrow.isoformat(), autoIssue=True)
    late_evening = datetime.combine(org_today(), time(23, 30), tzinfo=zone(TEST_TIME_ZONE))
    assert run_at(app, late_evening).invoices == 0
    just_after_midnight = datetime.combine(tomorrow, time(0, 30), tzinfo=zone(TEST_TIME_ZONE))
    assert run_at(app, just_after_midnight).invoices == 1
    [invoice] = invoices_of(app, profile["id"])
    assert invoice.recurring_period == tomorrow and invoice.invoice_date == tomorrow


def test_moving_the_start_to_another_year_and_filtering_by_customer(client, make_user):
    owner = make_user()
    first = new_customer(client, owner)
    second = new_customer(client, owner, name="Cliente Dos", email="dos@example.com")
    profile = create(client, owner, first, frequency="YEARLY")
    create(client, owner, second)
    next_year = org_today() + timedelta(days=400)
    moved = client.patch(
        f"{RECURRING}/{profile['id']}",
        json=body(first, frequency="YEARLY", startDate=next_year.isoformat()),
        headers=bearer(owner),
    )
    moved = assert_envelope(moved, 200)["data"]
    assert moved["number"] == "REC-0001" and moved["nextRuns"][0] == next_year.isoformat()
    page = client.get(f"{RECURRING}?customerId={first}", headers=bearer(owner))
    assert [p["id"] for p in assert_envelope(page, 200)["data"]["items"]] == [profile["id"]]


def test_resuming_past_the_end_date_is_refused_clearly(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    today = org_today()
    end = today + timedelta(days=2)
    profile = create(client, owner, customer, frequency="DAYS", interval=1, endDate=end.isoformat())
    path = f"{RECURRING}/{profile['id']}"
    assert_envelope(client.post(f"{path}/pause", headers=bearer(owner)), 200)
    with time_machine.travel(at(end + timedelta(days=1), 9), tick=False):
        token = fresh_token(app, owner)
        refused = client.post(f"{path}/resume", headers=bearer(token, **EN))
        assert "endDate" in errors_of(refused)
        still = assert_envelope(client.get(path, headers=bearer(token)), 200)["data"]
        assert still["status"] == "PAUSED"
        later = (end + timedelta(days=10)).isoformat()
        edited = client.patch(
            path,
            json=body(customer, frequency="DAYS", interval=1, endDate=later),
            headers=bearer(token),
        )
        assert_envelope(edited, 200)
        resumed = client.post(f"{path}/resume", headers=bearer(token))
        resumed = assert_envelope(resumed, 200)["data"]
    assert resumed["nextRuns"][0] == (end + timedelta(days=1)).isoformat()
    assert invoices_of(app, profile["id"]) == []
