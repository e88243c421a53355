"""Payment reminders (issue 13.4): the ladder sent once per step across simulated days, the
catch-up after an outage sending only the latest step, paid invoices and switches that stop
them, concurrent runs, and their API (the invoice's switch, the organisation's ladder).

Dates come from the suite's clock (``org_today``); each simulated moment is a
``time_machine`` travel with ``tick=False``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.extensions import db
from portal.invoices.models import Invoice
from portal.mail.compose import format_total
from portal.reminders.ladder import clean_ladder
from portal.reminders.models import InvoiceReminder, ReminderOutcome
from portal.reminders.services import step_due
from tests.conftest import assert_envelope, bearer, org_today
from tests.test_recurring import at, fresh_token, messages, race, run_at

INVOICES = "/api/v1/invoices"
ORGANIZATION = "/api/v1/organization"
EN = {"Accept-Language": "en"}
LADDER = [-3, 0, 7, 30]


# --- helpers ------------------------------------------------------------------------------


def customer(client, member, email="cliente@example.com", locale=None) -> str:
    payload = {"name": "Cliente Uno", "email": email}
    if locale:
        payload["locale"] = locale
    response = client.post("/api/v1/customers", json=payload, headers=bearer(member))
    return assert_envelope(response, 201)["data"]["id"]


def issued_invoice(client, member, customer_id, due_in=10, price="100.00") -> dict:
    today = org_today()
    body = {
        "customerId": customer_id,
        "invoiceDate": today.isoformat(),
        "dueDate": (today + timedelta(days=due_in)).isoformat(),
        "lines": [{"description": "Consultoría", "quantity": "1", "unitPrice": price}],
    }
    made = assert_envelope(client.post(INVOICES, json=body, headers=bearer(member)), 201)
    invoice_id = made["data"]["id"]
    issued = client.post(f"{INVOICES}/{invoice_id}/issue", headers=bearer(member))
    return assert_envelope(issued, 200)["data"]


def pay(client, token, invoice_id, amount, day) -> None:
    body = {"amount": amount, "paidOn": day.isoformat(), "method": "TRANSFER"}
    response = client.post(f"{INVOICES}/{invoice_id}/payments", json=body, headers=bearer(token))
    assert_envelope(response, 201)


def reminders_of(app, invoice_public_id: str) -> list[InvoiceReminder]:
    with app.app_context():
        rows = db.session.scalars(
            select(InvoiceReminder)
            .join(Invoice, Invoice.id == InvoiceReminder.invoice_id)
            .where(Invoice.public_id == invoice_public_id)
            .order_by(InvoiceReminder.days)
        ).all()
        db.session.expunge_all()
        return list(rows)


def internal_id(app, invoice_public_id: str) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Invoice.id).where(Invoice.public_id == invoice_public_id)
        ).one()


def simulate(app, first, last) -> None:
    """Run the scheduled work at 09:00 and 21:00 of every day from ``first`` to ``last``."""
    day = first
    while day <= last:
        for hour in (9, 21):
            assert run_at(app, at(day, hour)).failures == 0
        day += timedelta(days=1)


# --- the ladder, pure -----------------------------------------------------------------------


def test_step_due_picks_the_latest_step_come_and_not_sent():
    today = org_today()
    due = today + timedelta(days=3)
    issued = today - timedelta(days=20)
    assert step_due(LADDER, due, issued, today - timedelta(days=1), None) is None
    assert step_due(LADDER, due, issued, today, None) == -3
    assert step_due(LADDER, due, issued, today, -3) is None
    assert step_due(LADDER, due, issued, due + timedelta(days=40), None) == 30
    assert step_due(LADDER, due, issued, due + timedelta(days=40), 30) is None
    assert step_due(LADDER, due, issued, due + timedelta(days=8), 0) == 7
    # A step dated before the invoice was issued is not sent.
    assert step_due(LADDER, due, due - timedelta(days=1), due - timedelta(days=1), None) is None


def test_clean_ladder_sorts_and_refuses_what_is_not_a_ladder():
    assert clean_ladder([30, 0, -3, 7, 7]) == LADDER
    assert clean_ladder("7; -3, 0 ,30") == LADDER
    assert clean_ladder([]) == []
    for wrong in ("x", [1.5], [True], "1,,a", {"a": 1}, [-91], [366], list(range(11))):
        try:
            clean_ladder(wrong)
        except Exception as exc:
            assert type(exc).__name__ == "ValidationError"
        else:
            raise AssertionError(wrong)


# --- across simulated days ------------------------------------------------------------------


def test_each_step_goes_once_with_the_balance_in_the_customers_language(app, client, make_user):
    owner = make_user()
    today = org_today()
    spanish = issued_invoice(client, owner, customer(client, owner))
    english = issued_invoice(
        client, owner, customer(client, owner, "client@example.com", "en"), due_in=12
    )
    paid = issued_invoice(client, owner, customer(client, owner, "pagador@example.com"))
    off = issued_invoice(client, owner, customer(client, owner, "off@example.com"))
    switched = client.put(
        f"{INVOICES}/{off['id']}/reminders", json={"enabled": False}, headers=bearer(owner)
    )
    assert assert_envelope(switched, 200)["data"]["enabled"] is False
    pay(client, owner, spanish["id"], "40.00", today)  # a balance of 60
    due = today + timedelta(days=10)

    simulate(app, today, due - timedelta(days=2))  # step -3 sent for the open ones
    assert [r.days for r in reminders_of(app, paid["id"])] == [-3]
    with time_machine.travel(at(due - timedelta(days=2), 12), tick=False):
        pay(client, fresh_token(app, owner), paid["id"], "100.00", due - timedelta(days=2))
    simulate(app, due - timedelta(days=1), due + timedelta(days=35))

    for invoice, due_on in ((spanish, due), (english, due + timedelta(days=2))):
        rows = reminders_of(app, invoice["id"])
        assert [r.days for r in rows] == LADDER
        assert [r.sent_on for r in rows] == [due_on + timedelta(days=d) for d in LADDER]
        assert all(r.outcome == ReminderOutcome.QUEUED for r in rows)
    assert [r.days for r in reminders_of(app, paid["id"])] == [-3]  # none after payment
    assert reminders_of(app, off["id"]) == []

    sent = messages(app, "reminder")
    assert len(sent) == 9  # 4 + 4 + the paid one's first
    by_invoice = {
        key: [m for m in sent if m.document_id == internal_id(app, invoice["id"])]
        for key, invoice in (("es", spanish), ("en", english))
    }
    number = spanish["invoiceNumber"]
    assert all(
        m.locale == "es" and m.to_addresses == ["cliente@example.com"] for m in by_invoice["es"]
    )
    assert all(m.subject.startswith(f"Recordatorio: factura {number}") for m in by_invoice["es"])
    balance = format_total(Decimal("60.00"), "USD", "es")
    assert all(balance in m.text_body for m in by_invoice["es"])
    texts = [m.text_body for m in by_invoice["es"]]
    assert f"La factura {number} vence dentro de 3 días." in texts[0]
    assert f"La factura {number} vence hoy." in texts[1]
    assert f"La factura {number} venció hace 7 días." in texts[2]
    assert f"La factura {number} venció hace 30 días." in texts[3]
    english_number = english["invoiceNumber"]
    assert all(m.locale == "en" for m in by_invoice["en"])
    assert by_invoice["en"][0].subject.startswith(f"Reminder: invoice {english_number}")
    assert f"Invoice {english_number} is due in 3 days." in by_invoice["en"][0].text_body
    assert f"Invoice {english_number} was due 30 days ago." in by_invoice["en"][3].text_body
    assert format_total(Decimal("100.00"), "USD", "en") in by_invoice["en"][0].text_body

    history = client.get(f"{INVOICES}/{spanish['id']}/history", headers=bearer(owner))
    actions = [e["action"] for e in assert_envelope(history, 200)["data"]["items"]]
    assert actions.count("reminded") == 4


def test_an_organisation_with_reminders_off_sends_none(app, client, make_user):
    owner = make_user()
    switched = client.patch(
        ORGANIZATION, json={"reminders": {"enabled": False}}, headers=bearer(owner)
    )
    assert assert_envelope(switched, 200)["data"]["reminders"]["enabled"] is False
    invoice = issued_invoice(client, owner, customer(client, owner), due_in=3)
    today = org_today()
    for offset in (0, 3, 10, 33):
        run_at(app, at(today + timedelta(days=offset), 9))
    assert reminders_of(app, invoice["id"]) == []
    assert messages(app, "reminder") == []
    answer = client.get(f"{INVOICES}/{invoice['id']}/reminders", headers=bearer(owner))
    answer = assert_envelope(answer, 200)["data"]
    assert answer["organizationEnabled"] is False and answer["nextOn"] is None


def test_after_an_outage_only_the_latest_step_is_sent(app, client, make_user):
    owner = make_user()
    invoice = issued_invoice(client, owner, customer(client, owner), due_in=5)
    today = org_today()
    back = today + timedelta(days=5 + 40)  # no run since the invoice was issued
    assert run_at(app, at(back, 9)).reminders == 1
    assert run_at(app, at(back, 21)).reminders == 0
    run_at(app, at(back + timedelta(days=30), 9))
    rows = reminders_of(app, invoice["id"])
    assert [(r.days, r.sent_on) for r in rows] == [(30, back)]  # none for -3, 0, 7
    sent = messages(app, "reminder")
    assert len(sent) == 1
    assert "venció hace 40 días" in sent[0].text_body


def test_a_customer_without_an_address_is_recorded_not_mailed(app, client, make_user):
    owner = make_user()
    response = client.post("/api/v1/customers", json={"name": "Sin Correo"}, headers=bearer(owner))
    no_email = assert_envelope(response, 201)["data"]["id"]
    invoice = issued_invoice(client, owner, no_email, due_in=0)
    run_at(app, at(org_today(), 9))
    run_at(app, at(org_today(), 21))
    rows = reminders_of(app, invoice["id"])
    assert [(r.days, r.outcome) for r in rows] == [(0, ReminderOutcome.NO_EMAIL)]
    assert messages(app, "reminder") == []
    history = client.get(f"{INVOICES}/{invoice['id']}/history", headers=bearer(owner))
    actions = [e["action"] for e in assert_envelope(history, 200)["data"]["items"]]
    assert actions.count("reminder_not_sent") == 1


def test_concurrent_runs_send_each_step_once(app, client, make_user):
    owner = make_user()
    invoices = [
        issued_invoice(client, owner, customer(client, owner, f"c{n}@example.com"), due_in=3)
        for n in range(3)
    ]
    today = org_today()
    for offset in (0, 3):
        results = race(app, at(today + timedelta(days=offset), 9), 6)
        assert sum(r.failures for r in results) == 0
        assert sum(r.reminders for r in results) == len(invoices)
    for invoice in invoices:
        assert [r.days for r in reminders_of(app, invoice["id"])] == [-3, 0]
    assert len(messages(app, "reminder")) == 2 * len(invoices)


# --- the API --------------------------------------------------------------------------------


def test_the_invoices_switch(app, client, make_user):
    owner = make_user()
    invoice = issued_invoice(client, owner, customer(client, owner), due_in=10)
    path = f"{INVOICES}/{invoice['id']}/reminders"
    assert invoice["remindersEnabled"] is True
    assert invoice["recurringInvoiceId"] is None and invoice["recurringPeriod"] is None
    shown = assert_envelope(client.get(path, headers=bearer(owner)), 200)["data"]
    today = org_today()
    assert shown == {
        "enabled": True,
        "organizationEnabled": True,
        "items": [],
        "nextOn": (today + timedelta(days=7)).isoformat(),
    }
    for wrong in ("yes", 1, None, "true"):
        refused = client.put(path, json={"enabled": wrong}, headers=bearer(owner))
        assert_envelope(refused, 400, "VALIDATION_ERROR")
        assert "enabled" in refused.get_json()["errors"]
    assert_envelope(client.put(path, json=[], headers=bearer(owner)), 400, "VALIDATION_ERROR")
    off = assert_envelope(client.put(path, json={"enabled": False}, headers=bearer(owner)), 200)
    assert off["data"]["enabled"] is False and off["data"]["nextOn"] is None
    detail = assert_envelope(client.get(f"{INVOICES}/{invoice['id']}", headers=bearer(owner)), 200)
    assert detail["data"]["remindersEnabled"] is False
    on = assert_envelope(client.put(path, json={"enabled": True}, headers=bearer(owner)), 200)
    assert on["data"]["enabled"] is True
    history = client.get(f"{INVOICES}/{invoice['id']}/history", headers=bearer(owner))
    actions = [e["action"] for e in assert_envelope(history, 200)["data"]["items"]]
    assert actions.count("reminders_off") == 1 and actions.count("reminders_on") == 1
    run_at(app, at(today + timedelta(days=7), 9))
    after = assert_envelope(client.get(path, headers=bearer(owner)), 200)["data"]
    assert after["items"] == [
        {"step": -3, "sentOn": (today + timedelta(days=7)).isoformat(), "outcome": "QUEUED"}
    ]

    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    operator = make_user(role="OPERATOR", organization_id=owner.organization_id)
    assert_envelope(client.get(path, headers=bearer(viewer)), 200)
    for member in (viewer, operator):
        forbidden = client.put(path, json={"enabled": False}, headers=bearer(member))
        assert_envelope(forbidden, 403, "FORBIDDEN")
    stranger = make_user()
    assert_envelope(client.get(path, headers=bearer(stranger)), 404, "NOT_FOUND")
    foreign = client.put(path, json={"enabled": "no"}, headers=bearer(stranger))
    assert_envelope(foreign, 404, "NOT_FOUND")  # 404 before any 400


def test_the_organisations_ladder(client, make_user):
    owner = make_user()
    shown = assert_envelope(client.get(ORGANIZATION, headers=bearer(owner)), 200)["data"]
    assert shown["reminders"] == {"enabled": True, "days": LADDER}

    def patch(reminders):
        return client.patch(ORGANIZATION, json={"reminders": reminders}, headers=bearer(owner))

    for wrong, key in (
        ({"days": "x"}, "reminders.days"),
        ({"days": [1, "a"]}, "reminders.days"),
        ({"days": [400]}, "reminders.days"),
        ({"days": list(range(11))}, "reminders.days"),
        ({"enabled": "yes"}, "reminders.enabled"),
        ({"enabled": None}, "reminders.enabled"),
        ({"often": True}, "reminders"),
        ("on", "reminders"),
        ([1, 2], "reminders"),
    ):
        errors = assert_envelope(patch(wrong), 400, "VALIDATION_ERROR")["errors"]
        assert key in errors, (wrong, errors)
    unchanged = assert_envelope(client.get(ORGANIZATION, headers=bearer(owner)), 200)["data"]
    assert unchanged["reminders"] == {"enabled": True, "days": LADDER}

    changed = assert_envelope(patch({"days": [14, -1, 14, 2]}), 200)["data"]
    assert changed["reminders"] == {"enabled": True, "days": [-1, 2, 14]}
    changed = assert_envelope(patch({"enabled": False}), 200)["data"]
    assert changed["reminders"] == {"enabled": False, "days": [-1, 2, 14]}
    changed = assert_envelope(patch({"enabled": True, "days": "0, 5"}), 200)["data"]
    assert changed["reminders"] == {"enabled": True, "days": [0, 5]}
    again = assert_envelope(client.get(ORGANIZATION, headers=bearer(owner)), 200)["data"]
    assert again["reminders"] == {"enabled": True, "days": [0, 5]}
    cleared = assert_envelope(patch({"days": None}), 200)["data"]
    assert cleared["reminders"]["days"] == []


def test_next_on_is_the_day_the_next_run_sends_a_step(app, client, make_user):
    """Reminders turned back on after a step's day: the next run sends that step (the latest
    come), so the next reminder is today, not the ladder's next day."""
    owner = make_user()
    invoice = issued_invoice(client, owner, customer(client, owner), due_in=5)
    path = f"{INVOICES}/{invoice['id']}/reminders"
    assert_envelope(client.put(path, json={"enabled": False}, headers=bearer(owner)), 200)
    today = org_today()
    later = today + timedelta(days=5 + 8)  # a day after step 7's
    run_at(app, at(later, 9))
    assert reminders_of(app, invoice["id"]) == []
    with time_machine.travel(at(later, 10), tick=False):
        token = fresh_token(app, owner)
        turned_on = client.put(path, json={"enabled": True}, headers=bearer(token))
        assert assert_envelope(turned_on, 200)["data"]["nextOn"] == later.isoformat()
    run_at(app, at(later, 21))
    assert [r.days for r in reminders_of(app, invoice["id"])] == [7]
    with time_machine.travel(at(later, 22), tick=False):
        token = fresh_token(app, owner)
        shown = assert_envelope(client.get(path, headers=bearer(token)), 200)["data"]
    assert shown["nextOn"] == (today + timedelta(days=5 + 30)).isoformat()


_LADDER_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.text(max_size=10)
    | st.lists(st.integers(-400, 400) | st.text(max_size=3) | st.none(), max_size=12)
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    reminders=_LADDER_VALUES
    | st.dictionaries(st.sampled_from(["enabled", "days", "other"]), _LADDER_VALUES, max_size=3)
)
def test_any_reminders_value_is_saved_or_refused(client, make_user, reminders):
    key = id(client)
    if key not in _OWNERS:
        _OWNERS.clear()
        _OWNERS[key] = make_user()
    owner = _OWNERS[key]
    response = client.patch(ORGANIZATION, json={"reminders": reminders}, headers=bearer(owner))
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    answer = assert_envelope(
        response, response.status_code, None if response.status_code == 200 else "VALIDATION_ERROR"
    )
    if response.status_code == 200:
        days = answer["data"]["reminders"]["days"]
        assert days == sorted(set(days)) and len(days) <= 10
        assert all(-90 <= day <= 365 for day in days)


_OWNERS: dict = {}


def test_the_scheduler_follows_the_organisations_own_ladder(app, client, make_user):
    owner = make_user()
    ladder = {"reminders": {"days": [1, 4]}}
    changed = client.patch(ORGANIZATION, json=ladder, headers=bearer(owner))
    assert assert_envelope(changed, 200)["data"]["reminders"]["days"] == [1, 4]
    invoice = issued_invoice(client, owner, customer(client, owner), due_in=0)
    today = org_today()
    for offset in range(6):
        run_at(app, at(today + timedelta(days=offset), 9))
    rows = reminders_of(app, invoice["id"])
    assert [(r.days, r.sent_on) for r in rows] == [
        (1, today + timedelta(days=1)),
        (4, today + timedelta(days=4)),
    ]
    assert len(messages(app, "reminder")) == 2
