"""Sign-up with a country (issue 11): what it sets (currency, time zone, tax table, series),
the optional currency, the tax id and the rest of the fiscal profile, on the API and the
page; without a country nothing changes for existing clients."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.extensions import db
from tests.conftest import PASSWORD, assert_envelope, bearer, csrf_from, org_today
from tests.test_pages import count, elements, field_error, page

REGISTER = "/api/v1/auth/register"
EN = {"Accept-Language": "en"}
ACCOUNT = {
    "organizationName": "Panadería Sol",
    "name": "Lucía Sol",
    "email": "lucia@sol.example.com",
    "password": "s3gura-y-larga",
}
SPANISH_TABLE = [
    {"name": "IVA 21 %", "percent": "21.00", "surchargePercent": "5.20", "exemptReason": ""},
    {"name": "IVA 10 %", "percent": "10.00", "surchargePercent": "1.40", "exemptReason": ""},
    {"name": "IVA 4 %", "percent": "4.00", "surchargePercent": "0.50", "exemptReason": ""},
    {"name": "IVA 0 %", "percent": "0.00", "surchargePercent": "0.00", "exemptReason": ""},
    {
        "name": "Exento",
        "percent": "0.00",
        "surchargePercent": "0.00",
        "exemptReason": "Operación exenta de IVA (art. 20 Ley 37/1992)",
    },
]


def register(client, status=201, code=None, headers=None, **fields) -> dict:
    response = client.post(REGISTER, json={**ACCOUNT, **fields}, headers=headers or {})
    return assert_envelope(response, status, code)


def organization_of(client, **fields) -> dict:
    return register(client, **fields)["data"]["organization"]


# --- the API -------------------------------------------------------------------------------


def test_a_spanish_company_starts_in_euros_in_madrid_with_the_iva_table(client):
    data = register(client, country="ES", taxId="b-1234567-4")["data"]
    organization = data["organization"]
    assert (organization["currency"], organization["timeZone"], organization["country"]) == (
        "EUR",
        "Europe/Madrid",
        "ES",
    )
    assert organization["taxRates"] == SPANISH_TABLE
    assert (organization["invoicePrefix"], organization["quotePrefix"]) == ("FAC", "COT")
    assert organization["taxId"] == "B12345674"
    # The profile the owner reads afterwards says the same, and the first invoice is FAC.
    token = data["token"]
    profile = assert_envelope(client.get("/api/v1/organization", headers=bearer(token)), 200)
    assert profile["data"] == organization
    line = {"description": "Pan", "quantity": "2", "unitPrice": "10.00", "taxName": "IVA 10 %"}
    body = {"customerName": "Bar Pepe", "invoiceDate": org_today().isoformat(), "lines": [line]}
    invoice = assert_envelope(
        client.post("/api/v1/invoices", json=body, headers=bearer(token)), 201
    )["data"]
    assert invoice["invoiceNumber"].startswith(f"FAC-{org_today().year}-")
    assert (invoice["currency"], invoice["taxTotal"], invoice["total"]) == ("EUR", "2.00", "22.00")


def test_a_bad_nif_is_refused_in_spanish_and_nothing_is_created(app, client):
    body = register(client, 400, "VALIDATION_ERROR", country="ES", taxId="12345678A")
    assert body["errors"] == {"taxId": "Identificación fiscal inválida"}
    assert count(app, Organization) == 0


def test_a_bad_nif_in_english_and_the_same_id_elsewhere(client):
    body = register(client, 400, "VALIDATION_ERROR", headers=EN, country="ES", taxId="B12345675")
    assert body["errors"] == {"taxId": "Invalid tax id"}
    # Without a country the tax id is free text.
    assert organization_of(client, taxId="B12345675")["taxId"] == "B12345675"


def test_without_a_country_nothing_changes_for_existing_clients(client):
    organization = organization_of(client, headers={"Accept-Language": "es-AR,es;q=0.9"})
    assert organization.keys() >= {
        "id",
        "name",
        "currency",
        "locale",
        "timeZone",
        "plan",
        "limits",
        "createdAt",
    }
    assert (organization["currency"], organization["country"], organization["taxRates"]) == (
        "USD",
        "",
        [],
    )
    assert (organization["invoicePrefix"], organization["quotePrefix"]) == ("INV", "COT")
    assert organization["timeZone"] == "America/Argentina/Buenos_Aires"  # as before
    assert organization["paymentTermsDays"] == 30


@pytest.mark.parametrize(
    ("country", "currency", "zone", "prefix", "first_rate"),
    [
        ("ES", "EUR", "Europe/Madrid", "FAC", "IVA 21 %"),
        ("MX", "MXN", "America/Mexico_City", "FAC", "IVA 16 %"),
        ("CO", "COP", "America/Bogota", "FAC", "IVA 19 %"),
        ("AR", "ARS", "America/Argentina/Buenos_Aires", "FAC", "IVA 21 %"),
        ("CL", "CLP", "America/Santiago", "FAC", "IVA 19 %"),
        ("PE", "PEN", "America/Lima", "FAC", "IGV 18 %"),
        ("EC", "USD", "America/Guayaquil", "FAC", "IVA 15 %"),
        ("US", "USD", "America/New_York", "INV", "Sales tax 0 %"),
    ],
)
def test_each_portal_country_sets_its_defaults(client, country, currency, zone, prefix, first_rate):
    organization = organization_of(client, country=country.lower())
    assert organization["country"] == country
    assert (organization["currency"], organization["timeZone"]) == (currency, zone)
    assert (organization["invoicePrefix"], organization["quotePrefix"]) == (prefix, "COT")
    assert organization["taxRates"][0]["name"] == first_rate


@pytest.mark.parametrize(
    ("country", "currency", "zone", "prefix"),
    [
        ("FR", "EUR", "Europe/Paris", "INV"),
        ("UY", "UYU", "America/Montevideo", "FAC"),
        ("JP", "JPY", "Asia/Tokyo", "INV"),
    ],
)
def test_another_country_takes_its_legal_tender_and_zone(client, country, currency, zone, prefix):
    organization = organization_of(client, country=country)
    assert (organization["currency"], organization["timeZone"]) == (currency, zone)
    assert (organization["invoicePrefix"], organization["taxRates"]) == (prefix, [])


def test_the_currency_and_the_zone_sent_win_over_the_country(client):
    organization = organization_of(client, country="ES", currency="usd", timeZone="Atlantic/Canary")
    assert (organization["currency"], organization["timeZone"]) == ("USD", "Atlantic/Canary")
    assert organization["taxRates"] == SPANISH_TABLE


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"country": "XX"}, {"country": "Unknown country"}),
        ({"country": "Spain"}, {"country": "Unknown country"}),
        ({"country": 34}, {"country": "Unknown country"}),
        ({"currency": "EURO"}, {"currency": "Unknown currency code"}),
        (
            {"timeZone": "Europe/Atlantis"},
            {"timeZone": "Choose a time zone from the list, such as Europe/Madrid"},
        ),
        ({"iban": "ES00 0000"}, {"iban": "Invalid IBAN"}),
        (
            {"paymentTermsDays": 400},
            {"paymentTermsDays": "Must be a whole number of days from 0 to 365"},
        ),
        ({"legalName": "x" * 201}, {"legalName": "Must be at most 200 characters"}),
        (
            {"address": {"postalCode": "x" * 21}},
            {"address.postalCode": "Must be at most 20 characters"},
        ),
        (
            {"country": "ES", "address": {"country": "MX"}},
            {"address.country": "Does not match the country"},
        ),
    ],
)
def test_bad_fiscal_fields_are_field_errors(app, client, fields, errors):
    body = register(client, 400, "VALIDATION_ERROR", headers=EN, **fields)
    assert body["errors"] == errors
    assert count(app, Organization) == 0


def test_the_whole_profile_at_sign_up(app, client):
    organization = organization_of(
        client,
        address={
            "street": "Av. Reforma 10",
            "postalCode": "06600",
            "city": "CDMX",
            "region": "Ciudad de México",
            "country": "MX",
        },
        legalName="Panadería Sol S.A. de C.V.",
        taxId="GODE561231GR8",
        iban="GB82 WEST 1234 5698 7654 32",
        paymentTermsDays=15,
    )
    assert organization["country"] == "MX"  # the address's country is the country
    assert (organization["currency"], organization["timeZone"]) == ("MXN", "America/Mexico_City")
    assert organization["address"]["city"] == "CDMX"
    assert (organization["legalName"], organization["taxId"], organization["iban"]) == (
        "Panadería Sol S.A. de C.V.",
        "GODE561231GR8",
        "GB82WEST12345698765432",
    )
    assert organization["paymentTermsDays"] == 15
    with app.app_context():
        saved = db.session.scalars(select(Organization)).one()
        assert (saved.street, saved.postal_code, saved.region) == (
            "Av. Reforma 10",
            "06600",
            "Ciudad de México",
        )


def test_a_plain_string_address_is_the_street(client):
    organization = organization_of(client, country="CL", address="Av. Providencia 1234")
    assert organization["address"]["street"] == "Av. Providencia 1234"
    assert organization["address"]["country"] == "CL"


# --- the page ------------------------------------------------------------------------------


def signup(client, fields: dict, headers=None):
    html = page(client, "/signup", headers=headers or {})
    data = {
        "csrf_token": csrf_from(html),
        "organization_name": "Panadería Sol",
        "name": "Lucía",
        "email": "lucia@sol.example.com",
        "password": PASSWORD,
        **fields,
    }
    return client.post("/signup", data=data, headers=headers or {})


def only_organization(app) -> Organization:
    with app.app_context():
        organization = db.session.scalars(select(Organization)).one()
        db.session.expunge(organization)
        return organization


def test_the_page_asks_for_the_country_with_the_portals_countries_first(client):
    html = page(client, "/signup", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert len(elements(html, "select", name="country")) == 1
    values = [o["attrs"].get("value") for o in elements(html, "option") if "value" in o["attrs"]]
    start = values.index("ES")
    assert values[start - 1 : start + 8] == ["", "ES", "MX", "CO", "AR", "CL", "PE", "EC", "US"]
    assert {"FR", "UY", "JP", "DE"} <= set(values)  # every other country after them
    assert elements(html, "option", value="MX", selected="")  # from the browser's language
    assert elements(html, "select", name="currency")
    assert elements(html, "input", name="tax_id")
    assert "data-detect-time-zone" in html


def test_the_page_signs_up_a_spanish_company(app, client):
    response = signup(
        client,
        {"country": "ES", "tax_id": "B-1234567-4", "time_zone": "Europe/Madrid", "currency": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = only_organization(app)
    assert (saved.country, saved.currency, saved.time_zone) == ("ES", "EUR", "Europe/Madrid")
    assert (saved.invoice_prefix, saved.quote_prefix, saved.tax_id) == ("FAC", "COT", "B12345674")
    assert [rate["name"] for rate in saved.tax_rates][:3] == ["IVA 21 %", "IVA 10 %", "IVA 4 %"]


@pytest.mark.parametrize(
    ("posted", "kept"),
    [
        ("Atlantic/Canary", "Atlantic/Canary"),  # in Spain, and more precise than the country
        ("America/Mexico_City", "Europe/Madrid"),  # a browser abroad: the country decides
    ],
)
def test_the_page_keeps_the_browsers_zone_when_it_is_in_the_country(app, client, posted, kept):
    assert signup(client, {"country": "ES", "time_zone": posted}).status_code == 302
    assert only_organization(app).time_zone == kept


def test_the_page_takes_a_currency_choice(app, client):
    assert signup(client, {"country": "MX", "currency": "USD"}).status_code == 302
    assert only_organization(app).currency == "USD"


def test_the_page_needs_a_country_and_a_valid_tax_id(app, client):
    response = signup(client, {"country": "", "tax_id": ""}, headers=EN)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "country") == (
        "Choose your organisation's country"
    )
    response = signup(client, {"country": "ES", "tax_id": "12345678A"}, headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "tax_id") == "Invalid tax id"
    assert elements(html, "option", value="ES", selected="")  # what was chosen is kept
    assert count(app, Organization) == 0


def test_the_page_refuses_a_bad_nif_in_spanish(app, client):
    response = signup(client, {"country": "ES", "tax_id": "12345678A"})
    assert field_error(response.get_data(as_text=True), "tax_id") == (
        "Identificación fiscal inválida"
    )
