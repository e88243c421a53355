"""Payment reminders on the pages: the settings' ladder, and each invoice's card (the
reminders sent, the next one, the switch) and the recurring invoice that made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select, update

from portal.accounts.models import Organization
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.mail.models import OutgoingMessage
from portal.reminders.services import remind
from portal.scheduled import run_scheduled
from tests.conftest import csrf_from, org_today
from tests.test_document_pages import Api, action_forms, flashes, links
from tests.test_pages import elements, field_error, logged_in, org_row, page, speak_english

LADDER_WRONG = "Write days from the due date as whole numbers, such as -3, 0, 7, 30"
LADDER_RANGE = "Each day must be from -90 to 365"


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")


@pytest.fixture
def api(app, owner):
    return Api(app, owner)


@pytest.fixture
def browser(app, owner):
    return speak_english(logged_in(app, owner))


def settings_post(client, fields: dict):
    data = {
        "csrf_token": csrf_from(page(client, "/settings/")),
        "name": "Acme",
        "currency": "USD",
        "locale": "es",
        "invoice_prefix": "INV",
        "quote_prefix": "COT",
        "payment_terms_days": "30",
        **fields,
    }
    return client.post("/settings/", data=data)


def reminder_fields(html: str) -> tuple[bool, str]:
    """Whether the checkbox is ticked, and the ladder as the text field shows it."""
    (box,) = elements(html, "input", name="reminders_enabled")
    (days,) = elements(html, "input", name="reminder_days")
    return "checked" in box["attrs"], days["attrs"].get("value", "")


def invoice_row(app, public_id: str) -> Invoice:
    with app.app_context():
        invoice = db.session.scalars(select(Invoice).where(Invoice.public_id == public_id)).one()
        db.session.expunge(invoice)
        return invoice


def send_reminder(app, public_id: str, today) -> None:
    """What the scheduled job does for this invoice today."""
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.public_id == public_id))
        assert remind(invoice_id, today) is not None
        db.session.commit()


def set_organization(app, organization_id: str, **values) -> None:
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == organization_id)
        ).one()
        for name, value in values.items():
            setattr(organization, name, value)
        db.session.commit()


def card(html: str) -> str:
    """The text of the invoice's payment reminders card ("" when there is none)."""
    found = elements(html, "section", id="reminders")
    assert len(found) <= 1
    return " ".join(found[0]["text"].split()) if found else ""


def reminder_rows(html: str) -> list[tuple[str, ...]]:
    """The cells of each reminder sent, as the card lists them."""
    rows: list[list[str] | None] = []
    for element in elements(html):
        if element["tag"] == "tr":
            rows.append([] if "data-reminder-row" in element["attrs"] else None)
        elif element["tag"] == "td" and rows and rows[-1] is not None:
            rows[-1].append(" ".join(element["text"].split()))
    return [tuple(row) for row in rows if row is not None]


def api_reminders(api: Api, public_id: str) -> dict:
    return api.get(f"/invoices/{public_id}/reminders")


# --- the settings page ----------------------------------------------------------------------


def test_the_settings_show_the_ladder_and_save_it(app, owner, browser):
    html = page(browser, "/settings/")
    assert elements(html, "section", id="reminders")
    assert reminder_fields(html) == (True, "-3, 0, 7, 30")
    assert elements(html, "p", id="reminder_days-hint")
    # The checkbox left unticked is "off"; the ladder is sorted and without repeats.
    response = settings_post(browser, {"reminder_days": "30; 7, 7, -1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = org_row(app, owner.organization_id)
    assert (saved.reminders_enabled, saved.reminder_days) == (False, [-1, 7, 30])
    assert reminder_fields(page(browser, "/settings/")) == (False, "-1, 7, 30")
    # Ticked again, and an empty ladder: no reminder at all.
    response = settings_post(browser, {"reminders_enabled": "y", "reminder_days": " "})
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = org_row(app, owner.organization_id)
    assert (saved.reminders_enabled, saved.reminder_days) == (True, [])
    assert reminder_fields(page(browser, "/settings/")) == (True, "")


def test_a_post_without_the_reminder_fields_leaves_them_alone(app, owner, browser):
    response = settings_post(browser, {"legal_name": "Acme S.L."})
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = org_row(app, owner.organization_id)
    assert saved.legal_name == "Acme S.L."
    assert (saved.reminders_enabled, saved.reminder_days) == (True, [-3, 0, 7, 30])


@pytest.mark.parametrize(
    ("typed", "message"),
    [("a, 2", LADDER_WRONG), ("1.5", LADDER_WRONG), ("999", LADDER_RANGE), ("-91", LADDER_RANGE)],
)
def test_a_bad_ladder_is_shown_beside_its_field_and_nothing_changes(
    app, owner, browser, typed, message
):
    response = settings_post(
        browser, {"reminder_days": typed, "legal_name": "Nueva S.L.", "reminders_enabled": "y"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "reminder_days") == message
    assert reminder_fields(html) == (True, typed)  # as typed, to correct it
    saved = org_row(app, owner.organization_id)
    assert (saved.legal_name, saved.reminder_days) == ("", [-3, 0, 7, 30])


def test_too_many_steps_are_refused(app, owner, browser):
    typed = ", ".join(str(day) for day in range(11))
    response = settings_post(browser, {"reminder_days": typed, "reminders_enabled": "y"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "reminder_days") == "At most 10 reminders"
    assert org_row(app, owner.organization_id).reminder_days == [-3, 0, 7, 30]


def test_a_ladder_error_shows_with_the_other_fields_errors(app, owner, browser):
    response = settings_post(browser, {"reminder_days": "x", "payment_terms_days": "400"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "reminder_days") == LADDER_WRONG
    assert field_error(html, "payment_terms_days") == "Must be a whole number of days from 0 to 365"


def test_a_preview_keeps_the_ladder_as_typed(app, owner, browser):
    response = settings_post(browser, {"reminder_days": "5, 1", "preview": "1"})
    assert response.status_code == 200
    assert reminder_fields(response.get_data(as_text=True)) == (False, "5, 1")
    assert org_row(app, owner.organization_id).reminder_days == [-3, 0, 7, 30]


def test_only_the_owner_changes_the_reminders(app, make_user, owner):
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    client = logged_in(app, admin)
    token = csrf_from(page(client, "/"))
    refused = client.post("/settings/", data={"csrf_token": token, "reminder_days": "1"})
    assert refused.status_code == 403
    assert org_row(app, owner.organization_id).reminder_days == [-3, 0, 7, 30]


# --- the invoice page -----------------------------------------------------------------------


def test_an_open_invoice_shows_its_reminders_and_the_next_one(api, browser):
    due = org_today() + timedelta(days=10)
    invoice = api.issued_invoice(dueDate=due.isoformat())
    html = page(browser, f"/invoices/{invoice['id']}")
    text = card(html)
    assert "Reminders on" in text
    next_on = due - timedelta(days=3)
    assert api_reminders(api, invoice["id"])["nextOn"] == next_on.isoformat()
    assert "Next reminder:" in text
    assert "No reminders sent yet." in text
    assert "reminders" in action_forms(html)
    (button,) = [e for e in elements(html, "button") if "reminders" in e["text"]]
    assert button["text"] == "Turn off reminders for this invoice"


def test_the_switch_turns_them_off_and_on_again(app, api, browser):
    invoice = api.issued_invoice(dueDate=(org_today() + timedelta(days=10)).isoformat())
    path = f"/invoices/{invoice['id']}"
    token = csrf_from(page(browser, path))
    response = browser.post(f"{path}/reminders", data={"csrf_token": token, "enabled": "0"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(path)
    assert invoice_row(app, invoice["id"]).reminders_enabled is False
    assert api_reminders(api, invoice["id"])["enabled"] is False
    html = page(browser, path)
    assert "Reminders off" in flashes(html)
    text = card(html)
    assert "Reminders off" in text and "Next reminder" not in text
    assert "Payment reminders turned off" in " ".join(html.split())  # the history
    assert any(e["text"] == "Turn on reminders for this invoice" for e in elements(html, "button"))
    token = csrf_from(html)
    response = browser.post(f"{path}/reminders", data={"csrf_token": token, "enabled": "1"})
    assert response.status_code == 302
    assert api_reminders(api, invoice["id"])["enabled"] is True
    html = page(browser, path)
    assert "Reminders on" in flashes(html)
    assert "Payment reminders turned on" in " ".join(html.split())
    assert "Next reminder:" in card(html)


def test_the_switch_needs_its_csrf_token(app, api, browser):
    invoice = api.issued_invoice(dueDate=(org_today() + timedelta(days=10)).isoformat())
    response = browser.post(f"/invoices/{invoice['id']}/reminders", data={"enabled": "0"})
    assert response.status_code == 400
    assert invoice_row(app, invoice["id"]).reminders_enabled is True


def test_the_reminders_sent_are_listed_with_their_step_and_outcome(app, api, browser):
    today = org_today()
    customer = api.customer("Ferretería Sol")  # with an e-mail address
    mailed = api.issued_invoice(
        customerId=customer, dueDate=(today + timedelta(days=3)).isoformat()
    )
    unmailed = api.issued_invoice(dueDate=today.isoformat())
    week_later = today + timedelta(days=7)
    send_reminder(app, mailed["id"], today)
    send_reminder(app, unmailed["id"], week_later)
    html = page(browser, f"/invoices/{mailed['id']}")
    assert reminder_rows(html) == [(_short(today), "3 days before the due date", "E-mail queued")]
    assert "Next reminder:" in card(html)  # the day of the due date
    assert api_reminders(api, mailed["id"])["nextOn"] == (today + timedelta(days=3)).isoformat()
    html = page(browser, f"/invoices/{unmailed['id']}")
    assert reminder_rows(html) == [
        (
            _short(week_later),
            "7 days after the due date",
            "Not sent: the customer has no e-mail address",
        )
    ]


@pytest.mark.parametrize(
    ("status", "shown"), [("DONE", "E-mail sent"), ("FAILED", "E-mail failed")]
)
def test_the_outcome_follows_the_e_mail_queue(app, api, browser, status, shown):
    today = org_today()
    customer = api.customer()
    invoice = api.issued_invoice(customerId=customer, dueDate=today.isoformat())
    send_reminder(app, invoice["id"], today)
    with app.app_context():
        db.session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.purpose == "reminder")
            .values(status=status)
        )
        db.session.commit()
    rows = reminder_rows(page(browser, f"/invoices/{invoice['id']}"))
    assert rows == [(_short(today), "On the due date", shown)]


def test_one_day_and_the_due_date_itself_are_written_in_words(app, api, browser):
    today = org_today()
    set_organization(app, api.member.organization_id, reminder_days=[-1, 0, 1])
    invoice = api.issued_invoice(dueDate=(today + timedelta(days=1)).isoformat())
    send_reminder(app, invoice["id"], today)
    send_reminder(app, invoice["id"], today + timedelta(days=1))
    send_reminder(app, invoice["id"], today + timedelta(days=2))
    rows = reminder_rows(page(browser, f"/invoices/{invoice['id']}"))
    assert [step for _sent_on, step, _outcome in rows] == [
        "1 day before the due date",
        "On the due date",
        "1 day after the due date",
    ]


def test_a_scheduled_run_lists_the_reminder_on_the_page(app, api, owner):
    invoice = api.issued_invoice(dueDate=org_today().isoformat())
    with app.app_context():
        assert run_scheduled().reminders == 1
    spanish = logged_in(app, owner)
    rows = reminder_rows(page(spanish, f"/invoices/{invoice['id']}"))
    assert len(rows) == 1


def test_the_organisation_turned_off_is_said_with_a_link_for_the_owner(
    app, api, browser, make_user, owner
):
    set_organization(app, owner.organization_id, reminders_enabled=False)
    invoice = api.issued_invoice(dueDate=(org_today() + timedelta(days=10)).isoformat())
    path = f"/invoices/{invoice['id']}"
    html = page(browser, path)
    (note,) = elements(html, "p", id="reminders-organization-off")
    assert "Your organisation does not send payment reminders." in note["text"]
    assert "/settings/#reminders" in links(html)
    assert "Next reminder" not in card(html)
    accountant = speak_english(
        logged_in(app, make_user(role="ACCOUNTANT", organization_id=owner.organization_id))
    )
    html = page(accountant, path)
    assert elements(html, "p", id="reminders-organization-off")
    assert "/settings/#reminders" not in links(html)
    assert "reminders" in action_forms(html)  # the invoice's own switch is theirs


def test_a_viewer_sees_the_reminders_but_no_switch(app, api, make_user, owner):
    invoice = api.issued_invoice(dueDate=(org_today() + timedelta(days=10)).isoformat())
    viewer = speak_english(
        logged_in(app, make_user(role="VIEWER", organization_id=owner.organization_id))
    )
    path = f"/invoices/{invoice['id']}"
    html = page(viewer, path)
    assert "Reminders on" in card(html)
    assert "reminders" not in action_forms(html)
    response = viewer.post(
        f"{path}/reminders", data={"csrf_token": csrf_from(html), "enabled": "0"}
    )
    assert response.status_code == 403
    assert invoice_row(app, invoice["id"]).reminders_enabled is True


def test_another_organisations_invoice_is_not_found(app, api, make_user):
    invoice = api.issued_invoice(dueDate=(org_today() + timedelta(days=10)).isoformat())
    stranger = logged_in(app, make_user(role="OWNER"))
    token = csrf_from(page(stranger, "/"))
    path = f"/invoices/{invoice['id']}"
    assert stranger.get(path).status_code == 404
    response = stranger.post(f"{path}/reminders", data={"csrf_token": token, "enabled": "0"})
    assert response.status_code == 404
    assert invoice_row(app, invoice["id"]).reminders_enabled is True


def test_a_draft_has_no_card_and_a_paid_one_keeps_its_history_without_switch(app, api, browser):
    draft = api.invoice(dueDate=org_today().isoformat())
    assert card(page(browser, f"/invoices/{draft['id']}")) == ""
    today = org_today()
    invoice = api.issued_invoice(dueDate=today.isoformat())
    send_reminder(app, invoice["id"], today)
    api.post(
        f"/invoices/{invoice['id']}/payments",
        {"amount": invoice["balance"], "paidOn": today.isoformat(), "method": "TRANSFER"},
    )
    html = page(browser, f"/invoices/{invoice['id']}")
    assert len(reminder_rows(html)) == 1
    assert "reminders" not in action_forms(html)
    assert "Next reminder" not in card(html)
    paid = api.issued_invoice(dueDate=today.isoformat())
    api.post(
        f"/invoices/{paid['id']}/payments",
        {"amount": paid["balance"], "paidOn": today.isoformat(), "method": "TRANSFER"},
    )
    assert card(page(browser, f"/invoices/{paid['id']}")) == ""


def test_an_invoice_made_by_a_recurring_invoice_links_to_it(app, api, browser):
    customer = api.customer()
    profile = api.post(
        "/recurring-invoices",
        {
            "customerId": customer,
            "frequency": "MONTHLY",
            "startDate": org_today().isoformat(),
            "autoIssue": True,
            "lines": [{"description": "Cuota", "quantity": "1", "unitPrice": "50"}],
        },
    )
    with app.app_context():
        assert run_scheduled().invoices == 1
    (made,) = api.get(f"/recurring-invoices/{profile['id']}")["invoices"]
    made_id = made["id"] if isinstance(made, dict) else made
    html = page(browser, f"/invoices/{made_id}")
    (line,) = elements(html, "p", id="made-by-recurring")
    assert " ".join(line["text"].split()).startswith(
        f"Made by recurring invoice {profile['number']} (period of "
    )
    assert f"/recurring-invoices/{profile['id']}" in links(html)


def _short(day) -> str:
    """A date as the page writes it in English (the medium format)."""
    return format_date(day, "medium", locale="en")
