"""Recurring invoice pages through the Flask test client: the form without JavaScript, its
messages beside the fields, the profile's page (schedule, next dates, made invoices), pause
and resume, roles, tenancy and the list's filter.

Customers are made through the JSON API; pages are read with a logged-in cookie client. The
new texts have no Spanish yet, so assertions stick to data, ids and existing words.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date

from portal.extensions import db
from portal.recurring.models import RecurringInvoice
from portal.scheduled import run_scheduled
from tests.conftest import csrf_from, org_today
from tests.test_document_pages import Api, links, member_of, post_action
from tests.test_pages import count, elements, field_error, logged_in, page, speak_english


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")


@pytest.fixture
def api(app, owner):
    return Api(app, owner)


@pytest.fixture
def browser(app, owner):
    return logged_in(app, owner)


def profile_form(customer: str = "", **fields: str) -> dict:
    today = org_today()
    return {
        "customer_id": customer,
        "frequency": "MONTHLY",
        "interval": "1",
        "start_date": today.isoformat(),
        "end_date": "",
        "count": "",
        "lines-0-description": "Mantenimiento",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "100",
        "lines-1-description": "Hosting",
        "lines-1-quantity": "2",
        "lines-1-unit_price": "25",
        "notes": "Cuota mensual",
        **fields,
    }


def create_profile(browser, customer: str, **fields: str) -> str:
    response = post_action(
        browser,
        "/recurring-invoices/new",
        "/recurring-invoices/new",
        profile_form(customer, **fields),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    path = response.headers["Location"]
    assert path.startswith("/recurring-invoices/rec_"), path
    return path.rsplit("/", 1)[-1]


def next_dates(html: str) -> list[str]:
    return [e["attrs"]["datetime"] for e in elements(html, "time") if "datetime" in e["attrs"]]


def recurring_actions(html: str) -> set[str]:
    actions = [e["attrs"].get("action", "") for e in elements(html, "form", method="post")]
    return {a.rsplit("/", 1)[-1] for a in actions if a.startswith("/recurring-invoices/")}


# --- the form and the profile's page ------------------------------------------------------


def test_the_new_form_offers_customers_frequencies_and_today(api, browser):
    customer = api.customer("Ferretería Sol")
    html = page(browser, "/recurring-invoices/new")
    assert elements(html, "option", value=customer)
    assert elements(html, "select", id="frequency")
    for frequency in ("MONTHLY", "QUARTERLY", "YEARLY", "DAYS"):
        assert elements(html, "option", value=frequency), frequency
    (start,) = elements(html, "input", id="start_date")
    assert start["attrs"]["value"] == org_today().isoformat()
    for box in ("auto_issue", "auto_send"):
        (control,) = elements(html, "input", id=box, type="checkbox")
        assert f"{box}-hint" in control["attrs"]["aria-describedby"]
    assert elements(html, "p", class_="hint", id="interval-hint")
    assert elements(html, "p", class_="hint", id="count-hint")
    assert elements(html, "tr", **{"data-line-row": ""})
    assert csrf_from(html)


def test_a_profile_made_through_the_form_shows_its_schedule(api, browser):
    customer = api.customer("Ferretería Sol")
    profile_id = create_profile(browser, customer)
    html = page(browser, f"/recurring-invoices/{profile_id}")
    assert "REC-0001" in html
    assert "Ferretería Sol" in html
    assert "Mantenimiento" in html and "Hosting" in html
    assert "Cuota mensual" in html
    assert elements(html, "span", class_="badge badge-ACTIVE")
    today = org_today()
    dates = next_dates(html)
    assert len(dates) == 5
    assert dates[0] == today.isoformat()
    assert format_date(today, "long", locale="es") in html
    profile = api.get(f"/recurring-invoices/{profile_id}")
    assert profile["nextRuns"] == dates
    assert [line["description"] for line in profile["lines"]] == ["Mantenimiento", "Hosting"]
    assert profile["total"] == "150.00"


def test_the_schedule_is_written_in_words(api, browser):
    customer = api.customer()
    profile_id = create_profile(browser, customer, frequency="QUARTERLY", interval="2", count="3")
    speak_english(browser)
    html = page(browser, f"/recurring-invoices/{profile_id}")
    assert "Quarterly" in html and "every 2 quarters" in html
    assert "After 3 invoices" in html
    assert len(next_dates(html)) == 3


@pytest.mark.parametrize(
    ("fields", "field_id"),
    [
        ({"customer_id": ""}, "customer_id"),
        ({"end_date": "yesterday"}, "end_date"),
        ({"auto_send": "y"}, "auto_send"),
        ({"interval": "0"}, "interval"),
        ({"frequency": "WEEKLY"}, "frequency"),
    ],
)
def test_form_errors_are_shown_beside_their_fields(app, api, browser, fields, field_id):
    customer = api.customer()
    data = profile_form(customer, **fields)
    if data["end_date"] == "yesterday":
        data["end_date"] = (org_today() - timedelta(days=1)).isoformat()
    response = post_action(browser, "/recurring-invoices/new", "/recurring-invoices/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field_id)
    assert elements(html, "div", class_="form-errors", role="alert")
    (kept,) = elements(html, "input", id="lines-0-description")
    assert kept["attrs"]["value"] == "Mantenimiento"
    assert count(app, RecurringInvoice) == 0


def test_add_line_works_without_javascript(api, browser):
    data = profile_form(api.customer(), add_line="1")
    response = post_action(browser, "/recurring-invoices/new", "/recurring-invoices/new", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(elements(html, "tr", **{"data-line-row": ""})) == 3  # the two typed, one new
    assert elements(html, "input", id="lines-2-description")[0]["attrs"].get("value", "") == ""
    (second,) = elements(html, "input", id="lines-1-description")
    assert second["attrs"]["value"] == "Hosting"
    assert not elements(html, "p", class_="field-error")


def test_edit_changes_the_profile(api, browser):
    customer = api.customer("Ferretería Sol")
    other = api.customer("Librería Luna")
    profile_id = create_profile(browser, customer)
    edit = f"/recurring-invoices/{profile_id}/edit"
    html = page(browser, edit)
    assert elements(html, "option", value=customer, selected="")
    (first,) = elements(html, "input", id="lines-0-description")
    assert first["attrs"]["value"] == "Mantenimiento"
    data = profile_form(other, frequency="YEARLY", auto_issue="y", notes="Anual")
    response = post_action(browser, edit, edit, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"/recurring-invoices/{profile_id}"
    profile = api.get(f"/recurring-invoices/{profile_id}")
    assert (profile["customerName"], profile["frequency"]) == ("Librería Luna", "YEARLY")
    assert profile["autoIssue"] is True and profile["autoSend"] is False
    html = page(browser, f"/recurring-invoices/{profile_id}")
    assert "Librería Luna" in html and "Anual" in html


def test_pause_then_resume(api, browser):
    profile_id = create_profile(browser, api.customer())
    show = f"/recurring-invoices/{profile_id}"
    html = page(browser, show)
    assert recurring_actions(html) == {"pause"}
    assert f"{show}/edit" in links(html)

    response = post_action(browser, f"{show}/pause", show)
    assert response.status_code == 302 and response.headers["Location"] == show
    html = page(browser, show)
    assert elements(html, "span", class_="badge badge-PAUSED")
    assert "Pausada" in html
    assert recurring_actions(html) == {"resume"}
    assert next_dates(html) == []
    assert f"{show}/edit" in links(html)  # a paused profile may still be edited
    assert api.get(show)["status"] == "PAUSED"

    response = post_action(browser, f"{show}/resume", show)
    assert response.status_code == 302
    html = page(browser, show)
    assert elements(html, "span", class_="badge badge-ACTIVE")
    assert recurring_actions(html) == {"pause"}
    assert next_dates(html)[0] == org_today().isoformat()
    history = elements(html, "ol", class_="history")[0]["text"]
    assert "Pausada" in history and "Reanudada" in history


def test_resume_of_an_active_profile_is_refused_on_its_page(api, browser):
    profile_id = create_profile(browser, api.customer())
    show = f"/recurring-invoices/{profile_id}"
    response = post_action(browser, f"{show}/resume", show)
    assert response.status_code in {302, 409}
    assert api.get(show)["status"] == "ACTIVE"


def test_the_scheduler_lists_its_invoice_on_the_profile_page(app, api, browser):
    profile_id = create_profile(browser, api.customer("Ferretería Sol"), auto_issue="y")
    with app.app_context():
        result = run_scheduled()
        db.session.commit()
    assert result.invoices == 1
    show = f"/recurring-invoices/{profile_id}"
    html = page(browser, show)
    invoice_links = [
        e for e in elements(html, "a") if e["attrs"]["href"].startswith("/invoices/inv_")
    ]
    assert len(invoice_links) == 1
    number = invoice_links[0]["text"].strip()
    assert number.startswith("INV-")
    assert elements(html, "span", class_="badge badge-ISSUED")
    assert format_date(org_today(), locale="es") in html
    assert next_dates(html)[0] > org_today().isoformat()
    invoice = page(browser, invoice_links[0]["attrs"]["href"])
    assert number in invoice and "Ferretería Sol" in invoice


# --- roles, tenancy -----------------------------------------------------------------------


def test_a_viewer_reads_but_cannot_write(app, make_user, owner, api, browser):
    profile_id = create_profile(browser, api.customer())
    viewer = logged_in(app, member_of(make_user, owner, "VIEWER"))
    html = page(viewer, "/recurring-invoices/")
    assert f"/recurring-invoices/{profile_id}" in links(html)
    assert "/recurring-invoices/new" not in links(html)
    show = f"/recurring-invoices/{profile_id}"
    html = page(viewer, show)
    assert recurring_actions(html) == set()
    assert f"{show}/edit" not in links(html)
    assert viewer.get("/recurring-invoices/new").status_code == 403
    token = csrf_from(page(viewer, "/recurring-invoices/"))
    data = {"csrf_token": token, **profile_form(api.customer("Otro"))}
    assert viewer.post("/recurring-invoices/new", data=data).status_code == 403
    for action in ("pause", "edit"):
        assert viewer.post(f"{show}/{action}", data=data).status_code == 403, action
    assert api.get(show)["status"] == "ACTIVE"


def test_another_organisations_profile_is_not_found(app, make_user, browser):
    other_owner = make_user(role="OWNER")
    other = Api(app, other_owner)
    theirs = logged_in(app, other_owner)
    profile_id = create_profile(theirs, other.customer("Ajeno"))
    token = csrf_from(page(browser, "/recurring-invoices/"))
    show = f"/recurring-invoices/{profile_id}"
    for path in (show, f"{show}/edit"):
        assert browser.get(path).status_code == 404, path
    for path in (f"{show}/pause", f"{show}/edit"):
        assert browser.post(path, data={"csrf_token": token}).status_code == 404, path
    assert "Ajeno" not in page(browser, "/recurring-invoices/")
    assert other.get(show)["status"] == "ACTIVE"


# --- the list -----------------------------------------------------------------------------


def test_the_list_shows_profiles_and_filters_by_status(api, browser):
    html = page(browser, "/recurring-invoices/")
    assert not elements(html, "table")
    assert elements(html, "section", class_="card empty-state")
    assert "/recurring-invoices/new" in links(html)

    sol, luna = api.customer("Ferretería Sol"), api.customer("Librería Luna")
    active = create_profile(browser, sol)
    paused = create_profile(browser, luna, frequency="DAYS", interval="10")
    post_action(browser, f"/recurring-invoices/{paused}/pause", f"/recurring-invoices/{paused}")

    html = page(browser, "/recurring-invoices/")
    rows = elements(html, "tbody")[0]["text"]
    assert "REC-0001" in rows and "REC-0002" in rows
    assert "Ferretería Sol" in rows and "Librería Luna" in rows
    assert format_date(org_today(), locale="es") in rows  # the active one's next run
    assert f"/recurring-invoices/{active}" in links(html)

    html = page(browser, "/recurring-invoices/?status=PAUSED")
    assert f"/recurring-invoices/{paused}" in links(html)
    assert f"/recurring-invoices/{active}" not in links(html)
    assert elements(html, "option", value="PAUSED", selected="")

    html = page(browser, f"/recurring-invoices/?customer={sol}")
    assert f"/recurring-invoices/{active}" in links(html)
    assert f"/recurring-invoices/{paused}" not in links(html)

    html = page(browser, "/recurring-invoices/?status=ENDED")
    assert not elements(html, "table")


def test_the_navigation_links_the_list(browser):
    html = page(browser, "/recurring-invoices/")
    (link,) = [
        e
        for e in elements(html, "a", href="/recurring-invoices/")
        if e["attrs"].get("aria-current")
    ]
    assert link["attrs"]["aria-current"] == "page"


def test_output_is_escaped(api, browser):
    customer = api.customer("<b>Cliente</b>")
    profile_id = create_profile(browser, customer, notes="<script>alert(1)</script>")
    html = page(browser, f"/recurring-invoices/{profile_id}")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Cliente</b>" not in page(browser, "/recurring-invoices/")


# --- what the scheduler leaves on the page ------------------------------------------------


def test_a_profile_that_could_not_send_shows_why(app, api, browser):
    customer = api.post("/customers", {"name": "Sin Correo"})["id"]
    profile_id = create_profile(browser, customer, auto_issue="y", auto_send="y")
    with app.app_context():
        run_scheduled()
        db.session.commit()
    html = page(browser, f"/recurring-invoices/{profile_id}")
    (warning,) = elements(html, "section", class_="card", role="alert")
    error = api.get(f"/recurring-invoices/{profile_id}")["lastError"]
    assert error and error in " ".join(warning["text"].split())
    assert elements(html, "span", class_="badge badge-ISSUED")  # made and issued all the same


def test_a_profile_whose_last_invoice_is_made_ends(app, api, browser):
    profile_id = create_profile(browser, api.customer(), count="1")
    with app.app_context():
        run_scheduled()
        db.session.commit()
    show = f"/recurring-invoices/{profile_id}"
    html = page(browser, show)
    assert elements(html, "span", class_="badge badge-ENDED")
    assert "Finalizada" in html
    assert recurring_actions(html) == set()
    assert f"{show}/edit" not in links(html)
    assert next_dates(html) == []
    assert elements(html, "span", class_="badge badge-DRAFT")  # not issued automatically
    history = " ".join(elements(html, "ol", class_="history")[0]["text"].split())
    assert "Finalizada" in history and "Facturación recurrente" in history
    response = browser.get(f"{show}/edit")
    assert response.status_code == 302 and response.headers["Location"] == show
    html = page(browser, "/recurring-invoices/?status=ENDED")
    assert show in links(html)


def test_every_n_days_is_written_once(api, browser):
    profile_id = create_profile(browser, api.customer(), frequency="DAYS", interval="10")
    speak_english(browser)
    html = page(browser, f"/recurring-invoices/{profile_id}")
    dates = next_dates(html)
    assert dates[1] == (org_today() + timedelta(days=10)).isoformat()
    assert "Every 10 days" in html
    assert "Every N days" not in html
