"""Every organisation lives on its own date: numbering years, default dates, overdue and
expiry follow its IANA time zone; timestamps stay UTC and are shown on its wall clock.

Each test moves the clock itself (``time_machine.travel``) to the moments that matter: the
last half hour of a year in Mexico City (already 1 January in UTC) and UTC midnight.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from portal.clock import zone
from tests.conftest import PASSWORD, assert_envelope, csrf_from, login
from tests.test_api_quotes import QUOTES, new_customer, simple_line

MEXICO = "America/Mexico_City"
MADRID = "Europe/Madrid"
NYE_2330 = datetime(2026, 12, 31, 23, 30, tzinfo=zone(MEXICO))  # 2027-01-01 05:30 UTC
NEW_YEAR_0030 = datetime(2027, 1, 1, 0, 30, tzinfo=zone(MEXICO))


def token(client, member) -> dict:
    """A Bearer header minted now (the clock moves in these tests; old tokens expire)."""
    answer = client.post("/api/v1/auth/token", json={"email": member.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {assert_envelope(answer, 200)['data']['token']}"}


def set_zone(client, owner, name: str) -> None:
    answer = client.patch(
        "/api/v1/organization", json={"timeZone": name}, headers=token(client, owner)
    )
    assert assert_envelope(answer, 200)["data"]["timeZone"] == name


def new_quote(client, headers, customer_id, **extra) -> dict:
    body = {"customerId": customer_id, "lines": [simple_line()], **extra}
    return assert_envelope(client.post(QUOTES, json=body, headers=headers), 201)["data"]


def converted(client, headers, quote_id) -> dict:
    for action in ("send", "accept"):
        assert_envelope(client.post(f"{QUOTES}/{quote_id}/{action}", headers=headers), 200)
    answer = client.post(f"{QUOTES}/{quote_id}/convert", headers=headers)
    return assert_envelope(answer, 201)["data"]


def test_the_last_half_hour_of_the_year_in_mexico_city_numbers_in_that_year(client, make_user):
    owner = make_user(role="OWNER")
    set_zone(client, owner, MEXICO)
    customer = new_customer(client, owner)
    with time_machine.travel(NYE_2330, tick=False):
        headers = token(client, owner)
        quote = new_quote(client, headers, customer)
        assert (quote["quoteNumber"], quote["issueDate"]) == ("COT-2026-0001", "2026-12-31")
        assert quote["validUntil"] == "2027-01-30"
        invoice = converted(client, headers, quote["id"])
        assert (invoice["invoiceNumber"], invoice["invoiceDate"]) == ("INV-2026-0001", "2026-12-31")
        assert invoice["dueDate"] == "2027-01-30"
    with time_machine.travel(NEW_YEAR_0030, tick=False):
        headers = token(client, owner)
        quote = new_quote(client, headers, customer)
        assert (quote["quoteNumber"], quote["issueDate"]) == ("COT-2027-0001", "2027-01-01")
        invoice = converted(client, headers, quote["id"])
        assert (invoice["invoiceNumber"], invoice["invoiceDate"]) == ("INV-2027-0001", "2027-01-01")


def test_the_same_instant_is_a_different_day_in_madrid_and_mexico_city(client, make_user):
    """UTC midnight: 00:30 UTC on 1 July is already 1 July in Madrid, still 30 June in Mexico."""
    madrid, mexico = make_user(role="OWNER"), make_user(role="OWNER")
    set_zone(client, madrid, MADRID)
    set_zone(client, mexico, MEXICO)
    customers = {m.id: new_customer(client, m) for m in (madrid, mexico)}
    with time_machine.travel(datetime(2026, 7, 1, 0, 30, tzinfo=zone("UTC")), tick=False):
        dates = {
            m.id: new_quote(client, token(client, m), customers[m.id])["issueDate"]
            for m in (madrid, mexico)
        }
    assert dates == {madrid.id: "2026-07-01", mexico.id: "2026-06-30"}


def test_overdue_flips_at_the_organisations_midnight_not_at_utc_midnight(client, make_user):
    accountant = make_user(role="OWNER")
    set_zone(client, accountant, MEXICO)
    with time_machine.travel(datetime(2026, 12, 20, 12, 0, tzinfo=zone(MEXICO)), tick=False):
        headers = token(client, accountant)
        body = {
            "customerName": "Tortillería",
            "invoiceDate": "2026-12-20",
            "dueDate": "2026-12-31",
            "lines": [simple_line()],
        }
        invoice = assert_envelope(client.post("/api/v1/invoices", json=body, headers=headers), 201)
        invoice_id = invoice["data"]["id"]
        assert_envelope(client.post(f"/api/v1/invoices/{invoice_id}/issue", headers=headers), 200)

    def overdue_now() -> tuple[bool, int]:
        headers = token(client, accountant)
        one = client.get(f"/api/v1/invoices/{invoice_id}", headers=headers)
        listed = client.get("/api/v1/invoices?overdue=true", headers=headers)
        return (
            assert_envelope(one, 200)["data"]["overdue"],
            len(assert_envelope(listed, 200)["data"]["items"]),
        )

    with time_machine.travel(NYE_2330, tick=False):  # 1 January in UTC already
        assert overdue_now() == (False, 0)
    with time_machine.travel(datetime(2027, 1, 1, 0, 0, 30, tzinfo=zone(MEXICO)), tick=False):
        assert overdue_now() == (True, 1)


def test_a_quote_expires_at_the_organisations_midnight(app, client, make_user):
    owner = make_user(role="OWNER")
    set_zone(client, owner, MEXICO)
    customer = new_customer(client, owner)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=zone(MEXICO)), tick=False):
        headers = token(client, owner)
        quote = new_quote(client, headers, customer, validUntil="2026-12-31")
        sent = client.post(f"{QUOTES}/{quote['id']}/send", headers=headers)
        link = assert_envelope(sent, 200)["data"]["publicUrl"].removeprefix("http://localhost")

    def status_now() -> tuple[str, int]:
        answer = client.get(f"{QUOTES}/{quote['id']}", headers=token(client, owner))
        return assert_envelope(answer, 200)["data"]["status"], app.test_client().get(
            link
        ).status_code

    with time_machine.travel(NYE_2330, tick=False):
        assert status_now() == ("SENT", 200)
    with time_machine.travel(datetime(2027, 1, 1, 0, 0, 30, tzinfo=zone(MEXICO)), tick=False):
        assert status_now() == ("EXPIRED", 200)  # the page stays and says it expired


def test_default_dates_on_the_pages_are_the_organisations_today(app, make_user):
    owner = make_user(role="OWNER")
    client = app.test_client()
    set_zone(client, owner, MEXICO)
    with time_machine.travel(NYE_2330, tick=False):
        assert login(client, owner.email).status_code == 302
        page = client.get("/invoices/new").get_data(as_text=True)
    assert 'name="invoice_date" type="date" value="2026-12-31"' in page


def test_timestamps_are_shown_on_the_organisations_wall_clock(app, make_user):
    owner = make_user(role="OWNER")
    client = app.test_client()
    set_zone(client, owner, MEXICO)
    with time_machine.travel(NYE_2330, tick=False):
        assert login(client, owner.email).status_code == 302
        created = client.get("/customers/new")
        token_ = csrf_from(created.get_data(as_text=True))
        saved = client.post("/customers/new", data={"csrf_token": token_, "name": "Reloj"})
        assert saved.status_code == 302
        detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    # Stored as 05:30 UTC on 1 January; shown as the shop's 23:30 on 31 December.
    assert "31 dic 2026, 23:30:00" in detail, detail


def test_time_zone_in_the_api_settings_and_sign_up(client, make_user):
    owner = make_user(role="OWNER")
    headers = token(client, owner)
    wrong = client.patch("/api/v1/organization", json={"timeZone": "Mars/Base"}, headers=headers)
    assert assert_envelope(wrong, 400, "VALIDATION_ERROR")["errors"] == {
        "timeZone": "Elige una zona horaria de la lista, por ejemplo Europe/Madrid"
    }
    typed = client.patch("/api/v1/organization", json={"timeZone": 5}, headers=headers)
    assert_envelope(typed, 400, "VALIDATION_ERROR")
    set_zone(client, owner, "America/Bogota")
    me = assert_envelope(client.get("/api/v1/me", headers=headers), 200)["data"]
    assert me["organization"]["timeZone"] == "America/Bogota"

    def register(email: str, **extra) -> str:
        body = {"organizationName": "Nueva", "name": "Ana", "email": email, "password": "x" * 10}
        answer = client.post("/api/v1/auth/register", json=body | extra.pop("body", {}), **extra)
        return assert_envelope(answer, 201)["data"]["organization"]["timeZone"]

    assert register("a@tz.example.com", body={"timeZone": "America/Lima"}) == "America/Lima"
    languages = {"Accept-Language": "es-AR,es;q=0.8"}
    assert register("b@tz.example.com", headers=languages) == "America/Argentina/Buenos_Aires"
    assert (
        register("c@tz.example.com", headers={"Accept-Language": "es"})
        == client.application.config["DEFAULT_TIME_ZONE"]
    )


@pytest.mark.parametrize(
    ("languages", "expected"),
    [("es-MX,es;q=0.9", MEXICO), ("es-ES", MADRID), ("en-US", "America/New_York")],
)
def test_sign_up_page_suggests_a_zone_and_the_owner_can_change_it(app, languages, expected):
    client = app.test_client()
    page = client.get("/signup", headers={"Accept-Language": languages}).get_data(as_text=True)
    assert f'<option selected value="{expected}">' in page
    assert "data-detect-time-zone" in page
    form = {
        "csrf_token": csrf_from(page),
        "organization_name": "Panadería",
        "name": "Lucía",
        "email": f"lucia-{expected.replace('/', '-').lower()}@pan.example.com",
        "password": "password-123",
        "time_zone": "America/Montevideo",
    }
    assert client.post("/signup", data=form).status_code == 302
    settings = client.get("/settings/").get_data(as_text=True)
    assert '<option selected value="America/Montevideo">' in settings
    saved = client.post(
        "/settings/",
        data={
            "csrf_token": csrf_from(settings),
            "name": "Panadería",
            "currency": "UYU",
            "locale": "es",
            "time_zone": "Nowhere/Land",
        },
    )
    assert saved.status_code == 400
    assert "Elige una zona horaria de la lista" in saved.get_data(as_text=True)
