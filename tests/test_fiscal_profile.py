"""The organisation's fiscal profile (issue 11): every field through the API and the settings
page, who may change it, tenancy, tax ids and IBANs, the currency and series locks, the tax
table and the logo."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin
from sqlalchemy import select, update

from portal.accounts.models import Organization
from portal.extensions import db
from tests.conftest import assert_envelope, bearer, csrf_from, org_today
from tests.test_api_quotes import create_invoice, create_quote, new_customer
from tests.test_pages import elements, field_error, logged_in, org_row, page

ORG = "/api/v1/organization"
LOGO = "/api/v1/organization/logo"
EN = {"Accept-Language": "en"}
YEAR = org_today().year

SPANISH_TABLE = [
    {"name": "IVA 21 %", "percent": "21", "surchargePercent": "5.2", "exemptReason": ""},
    {"name": "IVA 10 %", "percent": 10, "surchargePercent": 1.4},
    {"name": "Exento", "percent": "0", "exemptReason": "Operación exenta (art. 20 LIVA)"},
]
FULL_PROFILE = {
    "name": "Panadería Sol",
    "legalName": "Panadería Sol S.L.",
    "taxId": "b-1234567-4",
    "country": "ES",
    "address": {
        "street": "Calle Mayor 1, 2º B",
        "postalCode": "28013",
        "city": "Madrid",
        "region": "Madrid",
        "country": "ES",
    },
    "email": "Facturas@Panaderia.example.com",
    "phone": "+34 910 000 000",
    "iban": "es91 2100 0418 4502 0005 1332",
    "bankDetails": "CaixaBank, BIC CAIXESBBXXX",
    "paymentTermsDays": 45,
    "invoiceFooter": "Inscrita en el Registro Mercantil de Madrid, tomo 1, folio 2.",
    "invoicePrefix": "pan",
    "quotePrefix": "PRE",
    "taxRates": SPANISH_TABLE,
    "currency": "eur",
    "timeZone": "Europe/Madrid",
    "locale": "es",
}
OLD_KEYS = {"id", "name", "currency", "locale", "timeZone", "plan", "limits", "createdAt"}


def patch(client, member, body, status=200, code=None, **headers):
    return assert_envelope(
        client.patch(ORG, json=body, headers=bearer(member, **headers)), status, code
    )


def errors_of(client, member, body, **headers) -> dict:
    return patch(client, member, body, 400, "VALIDATION_ERROR", **headers)["errors"]


def read(client, member) -> dict:
    return assert_envelope(client.get(ORG, headers=bearer(member)), 200)["data"]


# --- every field through the API -----------------------------------------------------------


def test_owner_sets_every_field_and_reads_it_back(client, make_user):
    owner = make_user(role="OWNER")
    data = patch(client, owner, FULL_PROFILE)["data"]
    assert data.keys() >= OLD_KEYS
    assert data == read(client, owner)
    assert {k: data[k] for k in FULL_PROFILE if k not in ("address", "taxRates")} == {
        "name": "Panadería Sol",
        "legalName": "Panadería Sol S.L.",
        "taxId": "B12345674",
        "country": "ES",
        "email": "facturas@panaderia.example.com",
        "phone": "+34 910 000 000",
        "iban": "ES9121000418450200051332",
        "bankDetails": "CaixaBank, BIC CAIXESBBXXX",
        "paymentTermsDays": 45,
        "invoiceFooter": "Inscrita en el Registro Mercantil de Madrid, tomo 1, folio 2.",
        "invoicePrefix": "PAN",
        "quotePrefix": "PRE",
        "currency": "EUR",
        "timeZone": "Europe/Madrid",
        "locale": "es",
    }
    assert data["address"] == FULL_PROFILE["address"]
    assert data["taxRates"] == [
        {"name": "IVA 21 %", "percent": "21.00", "surchargePercent": "5.20", "exemptReason": ""},
        {"name": "IVA 10 %", "percent": "10.00", "surchargePercent": "1.40", "exemptReason": ""},
        {
            "name": "Exento",
            "percent": "0.00",
            "surchargePercent": "0.00",
            "exemptReason": "Operación exenta (art. 20 LIVA)",
        },
    ]
    assert data["logoUrl"] is None


def test_a_patch_changes_only_what_it_names_even_inside_the_address(client, make_user):
    owner = make_user(role="OWNER")
    patch(client, owner, FULL_PROFILE)
    data = patch(client, owner, {"address": {"city": "Toledo"}, "phone": ""})["data"]
    assert data["address"] == {**FULL_PROFILE["address"], "city": "Toledo"}
    assert data["phone"] == ""
    assert (data["taxId"], data["legalName"], data["paymentTermsDays"]) == (
        "B12345674",
        "Panadería Sol S.L.",
        45,
    )
    assert len(data["taxRates"]) == 3


def test_the_address_country_is_the_country(client, make_user):
    owner = make_user(role="OWNER")
    data = patch(client, owner, {"address": {"country": "mx"}})["data"]
    assert data["country"] == data["address"]["country"] == "MX"
    errors = errors_of(client, owner, {"country": "ES", "address": {"country": "MX"}}, **EN)
    assert errors == {"address.country": "Does not match the country"}
    assert errors_of(client, owner, {"country": "XX"}, **EN) == {"country": "Unknown country"}
    assert read(client, owner)["country"] == "MX"


def test_payment_terms_are_used_for_the_default_due_date(client, make_user):
    owner = make_user(role="OWNER")
    patch(client, owner, {"paymentTermsDays": 15})
    invoice = create_invoice(client, owner)
    issued = org_today()
    assert invoice["dueDate"] == (issued + timedelta(days=15)).isoformat()


@pytest.mark.parametrize("days", [0, 365, "30"])
def test_payment_terms_in_range(client, make_user, days):
    owner = make_user(role="OWNER")
    assert patch(client, owner, {"paymentTermsDays": days})["data"]["paymentTermsDays"] == int(days)


@pytest.mark.parametrize("days", [-1, 366, 1.5, "x", "1_0", "", None, True, [30]])
def test_payment_terms_out_of_range_or_not_whole(client, make_user, days):
    owner = make_user(role="OWNER")
    errors = errors_of(client, owner, {"paymentTermsDays": days}, **EN)
    assert list(errors) == ["paymentTermsDays"]
    assert read(client, owner)["paymentTermsDays"] == 30


def test_lengths_are_limited(client, make_user):
    owner = make_user(role="OWNER")
    assert (
        patch(client, owner, {"invoiceFooter": "x" * 2000})["data"]["invoiceFooter"] == "x" * 2000
    )
    body = {
        "invoiceFooter": "x" * 2001,
        "legalName": "x" * 201,
        "bankDetails": "x" * 501,
        "phone": "x" * 41,
        "address": {"postalCode": "x" * 21},
        "email": "not-an-address",
    }
    errors = errors_of(client, owner, body, **EN)
    assert errors == {
        "legalName": "Must be at most 200 characters",
        "address.postalCode": "Must be at most 20 characters",
        "email": "Invalid email address",
        "phone": "Must be at most 40 characters",
        "bankDetails": "Must be at most 500 characters",
        "invoiceFooter": "Must be at most 2000 characters",
    }


# --- who may change it, and whose it is ----------------------------------------------------


@pytest.mark.parametrize("role", ["ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER"])
def test_only_the_owner_changes_the_profile_and_the_logo(client, make_user, role):
    owner = make_user(role="OWNER")
    member = make_user(role=role, organization_id=owner.organization_id)
    for response in (
        client.patch(ORG, json={"legalName": "Otra S.L."}, headers=bearer(member)),
        client.put(LOGO, data=png_bytes(), headers=bearer(member)),
        client.delete(LOGO, headers=bearer(member)),
    ):
        body = assert_envelope(response, 403, "FORBIDDEN")
        assert body["error"] == "Sin permisos"
    assert read(client, member)["legalName"] == ""  # every member reads it


def test_each_organisation_has_its_own_profile(client, make_user):
    first = make_user(role="OWNER")
    second = make_user(role="OWNER")
    patch(client, first, FULL_PROFILE)
    other = read(client, second)
    assert other["id"] == second.organization_id
    assert (other["taxId"], other["legalName"], other["invoicePrefix"], other["taxRates"]) == (
        "",
        "",
        "INV",
        [],
    )


# --- tax ids and IBANs ---------------------------------------------------------------------

TAX_IDS = [
    ("ES", "b 1234567 4", "B12345674", "B12345675"),
    ("ES", "12345678z", "12345678Z", "12345678A"),
    ("MX", "GODE561231GR8", "GODE561231GR8", "GODE5612"),
    ("CO", "900.123.456-8", "900123456-8", "900123456-7"),
    ("CL", "12.345.678-5", "12345678-5", "12345678-K"),
    ("AR", "20123456786", "20-12345678-6", "20-12345678-7"),
    ("PE", "20512333797", "20512333797", "20512333798"),
    ("EC", "1790011674001", "1790011674001", "1790011674002"),
    ("US", " 12-3456789 ", "12-3456789", "x" * 33),
]


@pytest.mark.parametrize(("country", "typed", "kept", "bad"), TAX_IDS)
def test_tax_ids_are_checked_by_the_country(client, make_user, country, typed, kept, bad):
    owner = make_user(role="OWNER")
    assert patch(client, owner, {"country": country, "taxId": typed})["data"]["taxId"] == kept
    errors = errors_of(client, owner, {"taxId": bad}, **EN)
    assert errors == {"taxId": "Invalid tax id"}
    assert read(client, owner)["taxId"] == kept


def test_a_bad_tax_id_is_refused_in_spanish(client, make_user):
    owner = make_user(role="OWNER")
    errors = errors_of(client, owner, {"country": "ES", "taxId": "12345678A"})
    assert errors == {"taxId": "Identificación fiscal inválida"}


def test_a_new_country_checks_the_tax_id_kept(client, make_user):
    owner = make_user(role="OWNER")
    patch(client, owner, {"country": "ES", "taxId": "B12345674"})
    assert errors_of(client, owner, {"country": "MX"}, **EN) == {"taxId": "Invalid tax id"}
    assert read(client, owner)["country"] == "ES"
    moved = patch(client, owner, {"country": "MX", "taxId": "GODE561231GR8"})["data"]
    assert (moved["country"], moved["taxId"]) == ("MX", "GODE561231GR8")
    # Changing the country changes nothing else: the currency and table stay the owner's.
    assert (moved["currency"], moved["invoicePrefix"]) == ("USD", "INV")


def test_iban_is_checked_and_kept_compact(client, make_user):
    owner = make_user(role="OWNER")
    assert patch(client, owner, {"iban": "GB82 WEST 1234 5698 7654 32"})["data"]["iban"] == (
        "GB82WEST12345698765432"
    )
    for bad in ("ES9121000418450200051333", "ES91", "not an iban"):
        assert errors_of(client, owner, {"iban": bad}, **EN) == {"iban": "Invalid IBAN"}
    assert patch(client, owner, {"iban": ""})["data"]["iban"] == ""


# --- currency lock -------------------------------------------------------------------------

CURRENCY_LOCKED_EN = "The currency cannot be changed once quotes or invoices exist"


def switch_currency_as_before_the_lock(app, organization_id: str, code: str) -> None:
    """Change the currency in the database, past the lock: what an organisation that switched
    before the lock existed has, documents in two currencies (reports and statements must
    still keep them apart)."""
    with app.app_context():
        db.session.execute(
            update(Organization)
            .where(Organization.public_id == organization_id)
            .values(currency=code)
        )
        db.session.commit()


def test_currency_changes_freely_before_any_document(client, make_user):
    owner = make_user(role="OWNER")
    assert patch(client, owner, {"currency": "EUR"})["data"]["currency"] == "EUR"
    assert patch(client, owner, {"currency": "MXN"})["data"]["currency"] == "MXN"


@pytest.mark.parametrize("document", ["invoice", "quote"])
def test_currency_is_locked_after_the_first_document(client, make_user, document):
    owner = make_user(role="OWNER")
    if document == "invoice":
        create_invoice(client, owner)
    else:
        create_quote(client, owner, new_customer(client, owner))
    response = client.patch(
        ORG, json={"currency": "EUR", "legalName": "Nueva S.L."}, headers=bearer(owner, **EN)
    )
    body = assert_envelope(response, 409, "INVALID_STATE")
    assert body["error"] == CURRENCY_LOCKED_EN
    data = read(client, owner)
    assert (data["currency"], data["legalName"]) == ("USD", "")  # nothing changed
    # The same currency is no change, and the rest of the profile stays editable.
    assert (
        patch(client, owner, {"currency": "usd", "legalName": "Nueva S.L."})["data"]["legalName"]
        == "Nueva S.L."
    )


# --- series --------------------------------------------------------------------------------


def test_prefixes_are_letters_upper_cased_and_distinct(client, make_user):
    owner = make_user(role="OWNER")
    data = patch(client, owner, {"invoicePrefix": " fac ", "quotePrefix": "pre"})["data"]
    assert (data["invoicePrefix"], data["quotePrefix"]) == ("FAC", "PRE")
    for bad in ("", "FAC1", "FAC-", "ABCDEFGHIJK", "ÑU", None):
        errors = errors_of(client, owner, {"invoicePrefix": bad}, **EN)
        assert errors == {"invoicePrefix": "Use 1 to 10 letters from A to Z"}, bad
    assert errors_of(client, owner, {"quotePrefix": "fac"}, **EN) == {
        "quotePrefix": "Invoices and quotes need different prefixes"
    }


def test_a_new_prefix_numbers_the_next_invoice(client, make_user):
    owner = make_user(role="OWNER")
    patch(client, owner, {"invoicePrefix": "FAC", "quotePrefix": "PRE"})
    invoice = create_invoice(client, owner)
    quote = create_quote(client, owner, new_customer(client, owner))
    assert invoice["invoiceNumber"] == f"FAC-{YEAR}-0001"
    assert quote["quoteNumber"] == f"PRE-{YEAR}-0001"


@pytest.mark.parametrize(
    ("key", "make", "message"),
    [
        (
            "invoicePrefix",
            lambda client, owner: create_invoice(client, owner),
            f"Invoices are already numbered in {YEAR} with INV: the prefix can change only "
            "before the first invoice of a year",
        ),
        (
            "quotePrefix",
            lambda client, owner: create_quote(client, owner, new_customer(client, owner)),
            f"Quotes are already numbered in {YEAR} with COT: the prefix can change only "
            "before the first quote of a year",
        ),
    ],
)
def test_a_prefix_is_locked_once_its_series_numbered_this_year(
    client, make_user, key, make, message
):
    owner = make_user(role="OWNER")
    make(client, owner)
    response = client.patch(ORG, json={key: "NEW"}, headers=bearer(owner, **EN))
    assert assert_envelope(response, 409, "INVALID_STATE")["error"] == message
    assert read(client, owner)[key] in ("INV", "COT")
    # Sending the prefix it has is no change.
    patch(client, owner, {key: read(client, owner)[key]})


def test_documents_of_an_earlier_year_do_not_lock_the_prefix(client, make_user):
    owner = make_user(role="OWNER")
    create_invoice(client, owner, invoiceDate=f"{YEAR - 1}-06-01")
    patch(client, owner, {"invoicePrefix": "FAC"})
    assert create_invoice(client, owner)["invoiceNumber"] == f"FAC-{YEAR}-0001"


# --- the tax table -------------------------------------------------------------------------


def test_the_tax_table_round_trips_and_lines_use_it(client, make_user):
    owner = make_user(role="OWNER")
    table = [
        {"name": "General", "percent": "16", "surchargePercent": "0", "exemptReason": ""},
        {"name": "Reducido", "percent": "8.5"},
    ]
    data = patch(client, owner, {"taxRates": table})["data"]
    assert [(r["name"], r["percent"]) for r in data["taxRates"]] == [
        ("General", "16.00"),
        ("Reducido", "8.50"),
    ]
    line = {"description": "Pan", "quantity": "1", "unitPrice": "100.00", "taxName": "reducido"}
    invoice = create_invoice(client, owner, [line])
    assert invoice["taxTotal"] == "8.50"
    assert patch(client, owner, {"taxRates": []})["data"]["taxRates"] == []


def test_the_tax_table_is_validated_row_by_row(client, make_user):
    owner = make_user(role="OWNER")
    table = [
        {"name": "IVA", "percent": "21"},
        {"name": " iva ", "percent": "10"},
        {"name": "", "percent": "101"},
        {"name": "x" * 61, "percent": "21.555"},
        {"name": "Sin", "exemptReason": "x" * 301},
        {"name": "Raro", "percent": "5", "surchargePercent": "-1"},
        "IVA 4 %",
    ]
    errors = errors_of(client, owner, {"taxRates": table}, **EN)
    assert errors == {
        "taxRates[1].name": "Another tax of the table has this name",
        "taxRates[2].name": "Name is required",
        "taxRates[2].percent": "Must be between 0 and 100",
        "taxRates[3].name": "Must be at most 60 characters",
        "taxRates[3].percent": "At most two decimals",
        "taxRates[4].percent": "Percent is required",
        "taxRates[4].exemptReason": "Must be at most 300 characters",
        "taxRates[5].surchargePercent": "Must be between 0 and 100",
        "taxRates[6]": "Invalid value",
    }
    assert read(client, owner)["taxRates"] == []
    assert list(errors_of(client, owner, {"taxRates": {"name": "IVA"}})) == ["taxRates"]
    too_many = [{"name": f"T{n}", "percent": "1"} for n in range(31)]
    assert list(errors_of(client, owner, {"taxRates": too_many})) == ["taxRates"]


# --- the settings page ---------------------------------------------------------------------


def settings_post(client, fields: dict, headers=None):
    html = page(client, "/settings/", headers=headers or {})
    data = {
        "csrf_token": csrf_from(html),
        "name": "Acme",
        "currency": "USD",
        "locale": "es",
        "invoice_prefix": "INV",
        "quote_prefix": "COT",
        "payment_terms_days": "30",
        **fields,
    }
    return client.post("/settings/", data=data, headers=headers or {})


def test_the_page_shows_and_saves_every_field(app, make_user):
    owner = make_user(role="OWNER")
    client = logged_in(app, owner)
    html = page(client, "/settings/")
    names = {
        e["attrs"].get("name")
        for e in elements(html)
        if e["tag"] in ("input", "select", "textarea")
    }
    assert names >= {
        "name",
        "legal_name",
        "tax_id",
        "country",
        "address-street",
        "address-postal_code",
        "address-city",
        "address-region",
        "email",
        "phone",
        "iban",
        "bank_details",
        "payment_terms_days",
        "invoice_footer",
        "invoice_prefix",
        "quote_prefix",
        "currency",
        "locale",
        "time_zone",
        "tax_rates-0-name",
        "tax_rates-2-exempt_reason",
        "logo",
    }
    response = settings_post(
        client,
        {
            "name": "Panadería Sol",
            "legal_name": "Panadería Sol S.L.",
            "country": "ES",
            "tax_id": "B-1234567-4",
            "address-street": "Calle Mayor 1",
            "address-postal_code": "28013",
            "address-city": "Madrid",
            "address-region": "Madrid",
            "email": "facturas@sol.example.com",
            "phone": "910000000",
            "iban": "ES91 2100 0418 4502 0005 1332",
            "bank_details": "CaixaBank",
            "payment_terms_days": "60",
            "invoice_footer": "Gracias",
            "invoice_prefix": "fac",
            "quote_prefix": "pre",
            "currency": "EUR",
            "time_zone": "Europe/Madrid",
            "tax_rates-0-name": "IVA 21 %",
            "tax_rates-0-percent": "21",
            "tax_rates-0-surcharge_percent": "5,2",
            "tax_rates-0-exempt_reason": "",
            "tax_rates-1-name": "",  # a spare row left empty
            "tax_rates-1-percent": "",
            "tax_rates-2-name": "Exento",
            "tax_rates-2-percent": "0",
            "tax_rates-2-exempt_reason": "Art. 20 LIVA",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = org_row(app, owner.organization_id)
    assert (saved.legal_name, saved.tax_id, saved.country, saved.iban) == (
        "Panadería Sol S.L.",
        "B12345674",
        "ES",
        "ES9121000418450200051332",
    )
    assert (saved.street, saved.postal_code, saved.city, saved.region) == (
        "Calle Mayor 1",
        "28013",
        "Madrid",
        "Madrid",
    )
    assert (saved.payment_terms_days, saved.invoice_prefix, saved.quote_prefix) == (
        60,
        "FAC",
        "PRE",
    )
    assert (saved.currency, saved.time_zone, saved.invoice_footer) == (
        "EUR",
        "Europe/Madrid",
        "Gracias",
    )
    assert saved.tax_rates == [
        {"name": "IVA 21 %", "percent": "21.00", "surchargePercent": "5.20", "exemptReason": ""},
        {
            "name": "Exento",
            "percent": "0.00",
            "surchargePercent": "0.00",
            "exemptReason": "Art. 20 LIVA",
        },
    ]
    html = page(client, "/settings/")
    assert elements(html, "input", name="tax_id")[0]["attrs"]["value"] == "B12345674"
    assert elements(html, "input", name="tax_rates-1-name")[0]["attrs"]["value"] == "Exento"
    # The two rates and three spare rows to add more.
    assert len(elements(html, "input", name="tax_rates-4-name")) == 1
    assert not elements(html, "input", name="tax_rates-5-name")


def test_a_post_without_table_rows_keeps_the_table(app, client, make_user):
    owner = make_user(role="OWNER")
    patch(client, owner, {"taxRates": SPANISH_TABLE})
    browser = logged_in(app, owner)
    assert settings_post(browser, {"legal_name": "Sol S.L."}).status_code == 302
    saved = org_row(app, owner.organization_id)
    assert (saved.legal_name, len(saved.tax_rates)) == ("Sol S.L.", 3)


def test_the_page_shows_each_error_beside_its_field(app, make_user):
    owner = make_user(role="OWNER")
    client = logged_in(app, owner)
    response = settings_post(
        client,
        {
            "country": "ES",
            "tax_id": "12345678A",
            "iban": "ES00 1234",
            "payment_terms_days": "400",
            "invoice_prefix": "F4C",
            "tax_rates-0-name": "IVA",
            "tax_rates-0-percent": "21",
            "tax_rates-1-name": "iva",
            "tax_rates-1-percent": "abc",
        },
        headers=EN,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "tax_id") == "Invalid tax id"
    assert field_error(html, "iban") == "Invalid IBAN"
    assert field_error(html, "payment_terms_days") == "Must be a whole number of days from 0 to 365"
    assert field_error(html, "invoice_prefix") == "Use 1 to 10 letters from A to Z"
    assert field_error(html, "tax_rates-1-name") == "Another tax of the table has this name"
    assert field_error(html, "tax_rates-1-percent") == "Must be a number"
    assert org_row(app, owner.organization_id).country == ""


def test_the_page_refuses_a_locked_currency_and_changes_nothing(app, client, make_user):
    owner = make_user(role="OWNER")
    create_invoice(client, owner)
    browser = logged_in(app, owner)
    html = page(browser, "/settings/", headers=EN)
    assert CURRENCY_LOCKED_EN in html  # said before anyone tries
    response = settings_post(browser, {"currency": "EUR", "legal_name": "Nueva S.L."}, headers=EN)
    assert response.status_code == 409
    assert field_error(response.get_data(as_text=True), "currency") == CURRENCY_LOCKED_EN
    saved = org_row(app, owner.organization_id)
    assert (saved.currency, saved.legal_name) == ("USD", "")


def test_the_page_refuses_a_locked_prefix(app, client, make_user):
    owner = make_user(role="OWNER")
    create_invoice(client, owner)
    browser = logged_in(app, owner)
    response = settings_post(browser, {"invoice_prefix": "FAC"}, headers=EN)
    assert response.status_code == 409
    message = field_error(response.get_data(as_text=True), "invoice_prefix")
    assert message.startswith(f"Invoices are already numbered in {YEAR} with INV")
    assert org_row(app, owner.organization_id).invoice_prefix == "INV"


def test_the_page_is_the_owners(app, make_user):
    owner = make_user(role="OWNER")
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    client = logged_in(app, admin)
    assert client.get("/settings/").status_code == 403
    token = csrf_from(page(client, "/"))
    refused = client.post("/settings/", data={"csrf_token": token, "legal_name": "X"})
    assert refused.status_code == 403
    assert client.post("/settings/logo/remove", data={"csrf_token": token}).status_code == 403


def test_the_page_needs_its_csrf_token(app, make_user):
    owner = make_user(role="OWNER")
    client = logged_in(app, owner)
    response = client.post(
        "/settings/", data={"name": "Hijacked", "currency": "EUR", "locale": "es"}
    )
    assert response.status_code == 400
    upload = client.post(
        "/settings/logo",
        data={"logo": (io.BytesIO(png_bytes()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400
    saved = org_row(app, owner.organization_id)
    assert (saved.name, saved.logo_type) == ("Acme", "")


# --- the logo ------------------------------------------------------------------------------


def png_bytes(size=(1200, 400), mode="RGBA", **save) -> bytes:
    color = (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG", **save)
    return buffer.getvalue()


def photo_bytes(size=(900, 600), **save) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise(size, 70).convert("RGB").save(buffer, "JPEG", quality=85, **save)
    return buffer.getvalue()


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0131] = "Secret Editor 1.0"  # Software
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0)}  # GPS
    return exif.tobytes()


def put_logo(client, member, data: bytes, status=200, code=None, **kwargs):
    response = client.put(LOGO, data=data, headers=bearer(member), **kwargs)
    return assert_envelope(response, status, code)


def stored_logo(app, public_id: str) -> tuple[bytes | None, str]:
    with app.app_context():
        row = db.session.execute(
            select(Organization.logo, Organization.logo_type).where(
                Organization.public_id == public_id
            )
        ).one()
        return row.logo, row.logo_type


def test_a_png_logo_is_re_encoded_shrunk_and_served(app, client, make_user):
    owner = make_user(role="OWNER")
    upload = png_bytes((1200, 400))
    data = put_logo(client, owner, upload, content_type="image/png")["data"]
    assert data["logoUrl"] == LOGO
    served = client.get(LOGO, headers=bearer(owner))
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "no-store"
    assert served.data != upload
    image = Image.open(io.BytesIO(served.data))
    assert (image.format, image.size, image.mode) == ("PNG", (600, 200), "RGBA")
    assert stored_logo(app, owner.organization_id) == (served.data, "image/png")


def test_a_photo_is_kept_as_jpeg_without_its_metadata(client, make_user):
    owner = make_user(role="OWNER")
    upload = photo_bytes(exif=camera_exif(), comment=b"shot at home")
    assert b"Canon" in upload and b"shot at home" in upload
    put_logo(client, owner, upload, content_type="application/octet-stream")
    served = client.get(LOGO, headers=bearer(owner))
    assert served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (450, 300)
    assert not image.getexif() and "comment" not in image.info and "exif" not in image.info
    for secret in (b"Canon", b"Secret Editor", b"shot at home", b"Exif"):
        assert secret not in served.data


def test_png_text_chunks_and_profiles_are_dropped(client, make_user):
    owner = make_user(role="OWNER")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Juana Secreta")
    info.add_itxt("Comment", "dirección privada")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = png_bytes((300, 100), pnginfo=info, icc_profile=profile, exif=camera_exif())
    put_logo(client, owner, upload)
    served = client.get(LOGO, headers=bearer(owner)).data
    image = Image.open(io.BytesIO(served))
    assert image.format == "PNG"
    assert not image.text and "icc_profile" not in image.info and not image.getexif()
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf"):
        assert chunk not in served
    assert b"Juana" not in served


def test_a_logo_over_one_megabyte_is_refused(client, make_user):
    owner = make_user(role="OWNER")
    big = photo_bytes((2000, 2000))
    big += b"\0" * (1024 * 1024 + 1 - len(big))  # JPEG readers ignore trailing bytes
    response = client.put(LOGO, data=big, headers=bearer(owner, **EN))
    body = assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")
    assert body["errors"] == {"logo": "The logo must be at most 1 MB"}
    assert read(client, owner)["logoUrl"] is None


@pytest.mark.parametrize(
    "upload",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.4 not an image",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40,  # a signature and nothing behind it
        b"\xff\xd8\xff\xe0" + b"\0" * 40,
    ],
    ids=["gif", "svg", "pdf", "png-signature-only", "jpeg-signature-only"],
)
def test_anything_but_a_png_or_jpeg_is_refused(client, make_user, upload):
    owner = make_user(role="OWNER")
    body = assert_envelope(
        client.put(LOGO, data=upload, headers=bearer(owner, **EN)), 400, "VALIDATION_ERROR"
    )
    assert body["errors"] == {"logo": "The logo must be a PNG or JPEG image"}


def test_a_truncated_or_corrupted_png_is_refused(client, make_user):
    owner = make_user(role="OWNER")
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 50).save(buffer, "PNG")
    whole = buffer.getvalue()
    middle = len(whole) // 2
    for upload in (whole[:middle], whole[:middle] + b"x" * 64 + whole[middle + 64 :]):
        body = put_logo(client, owner, upload, 400, "VALIDATION_ERROR")
        assert list(body["errors"]) == ["logo"]
    assert read(client, owner)["logoUrl"] is None
    put_logo(client, owner, whole)  # the whole file is fine


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` × ``height`` black pixels, some kilobytes long."""
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    raw = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "size", [(5000, 4000), (20000, 20000)], ids=["20-megapixels", "400-megapixels"]
)
def test_a_decompression_bomb_is_refused_without_decoding_it(client, make_user, size):
    owner = make_user(role="OWNER")
    upload = bomb_png(*size)
    assert len(upload) < 1024 * 1024
    response = client.put(LOGO, data=upload, headers=bearer(owner, **EN))
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == {"logo": "The image is too large: at most 16 megapixels"}


def test_a_logo_as_a_multipart_field_and_its_removal(client, make_user):
    owner = make_user(role="OWNER")
    response = client.put(
        LOGO,
        data={"logo": (io.BytesIO(png_bytes((100, 100))), "logo.png")},
        content_type="multipart/form-data",
        headers=bearer(owner),
    )
    assert assert_envelope(response, 200)["data"]["logoUrl"] == LOGO
    missing = client.put(
        LOGO,
        data={"other": (io.BytesIO(png_bytes()), "x.png")},
        content_type="multipart/form-data",
        headers=bearer(owner, **EN),
    )
    assert assert_envelope(missing, 400, "VALIDATION_ERROR")["errors"] == {
        "logo": "Choose a PNG or JPEG image"
    }
    removed = assert_envelope(client.delete(LOGO, headers=bearer(owner)), 200)["data"]
    assert removed["logoUrl"] is None
    assert_envelope(client.get(LOGO, headers=bearer(owner)), 404, "NOT_FOUND")


def test_the_logo_is_served_to_its_own_organisation_only(app, client, make_user):
    owner = make_user(role="OWNER")
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    stranger = make_user(role="OWNER")
    put_logo(client, owner, png_bytes())
    assert client.get(LOGO, headers=bearer(viewer)).status_code == 200
    assert_envelope(client.get(LOGO, headers=bearer(stranger)), 404, "NOT_FOUND")
    assert client.get(LOGO).status_code == 401
    assert client.get("/settings/logo").status_code == 302  # to the log-in page
    assert logged_in(app, stranger).get("/settings/logo").status_code == 404
    served = logged_in(app, viewer).get("/settings/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == stored_logo(app, owner.organization_id)[0]


def test_the_page_uploads_shows_and_removes_the_logo(app, make_user):
    owner = make_user(role="OWNER")
    client = logged_in(app, owner)
    html = page(client, "/settings/")
    (file_input,) = elements(html, "input", name="logo")
    assert file_input["attrs"]["type"] == "file"
    (upload_form,) = elements(html, "form", action="/settings/logo")
    assert upload_form["attrs"]["enctype"] == "multipart/form-data"
    response = client.post(
        "/settings/logo",
        data={"csrf_token": csrf_from(html), "logo": (io.BytesIO(photo_bytes()), "foto.jpg")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 302
    html = page(client, "/settings/", headers=EN)
    assert "Logo saved." in html
    assert elements(html, "img", src="/settings/logo")
    assert stored_logo(app, owner.organization_id)[1] == "image/jpeg"
    refused = client.post(
        "/settings/logo",
        data={"csrf_token": csrf_from(html), "logo": (io.BytesIO(b"GIF89a"), "x.gif")},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert refused.status_code == 302
    assert "The logo must be a PNG or JPEG image" in page(client, "/settings/", headers=EN)
    assert stored_logo(app, owner.organization_id)[1] == "image/jpeg"  # the old one stays
    removed = client.post("/settings/logo/remove", data={"csrf_token": csrf_from(html)})
    assert removed.status_code == 302
    assert stored_logo(app, owner.organization_id) == (None, "")
    assert not elements(page(client, "/settings/"), "img", src="/settings/logo")


# --- arbitrary JSON never breaks it --------------------------------------------------------

PROFILE_KEYS = [
    "name",
    "legalName",
    "taxId",
    "country",
    "address",
    "email",
    "phone",
    "iban",
    "bankDetails",
    "paymentTermsDays",
    "invoiceFooter",
    "invoicePrefix",
    "quotePrefix",
    "taxRates",
    "currency",
    "timeZone",
    "locale",
    "plan",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["ES", "es", "B12345674", "EUR", "FAC", "21.555", "", " ", "0", "365"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
address_values = st.dictionaries(
    st.sampled_from(["street", "postalCode", "city", "region", "country", "other"]),
    json_values,
    max_size=5,
)
tax_rate_values = st.lists(
    st.dictionaries(
        st.sampled_from(["name", "percent", "surchargePercent", "exemptReason"]),
        json_values,
        max_size=4,
    ),
    max_size=4,
)
profile_bodies = st.dictionaries(
    st.sampled_from(PROFILE_KEYS),
    st.one_of(json_values, address_values, tax_rate_values),
    max_size=7,
)


@pytest.fixture
def api(make_app, make_user):
    """A client without rate limits and an OWNER whose organisation has an invoice."""
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    owner = make_user(role="OWNER", plan="PRO")
    create_invoice(client, owner)
    return client, owner


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(profile_bodies)
def test_any_json_for_the_profile_is_an_answer_never_a_500(api, body):
    client, owner = api
    response = client.patch(ORG, json=body, headers=bearer(owner))
    assert response.status_code in (200, 400, 409), response.get_data(as_text=True)
    answer = assert_envelope(
        response,
        response.status_code,
        {200: None, 400: "VALIDATION_ERROR", 409: "INVALID_STATE"}[response.status_code],
    )
    if response.status_code == 200:
        assert answer["data"] == read(client, owner)


def test_the_page_warns_what_a_currency_change_affects(app, make_user):
    """Issue 15.6: before any document the hint says what the currency governs; a change
    is saved with a warning that product prices were not converted."""
    owner = make_user(role="OWNER")
    browser = logged_in(app, owner)
    html = page(browser, "/settings/", headers=EN)
    assert "product prices are not converted" in html
    response = settings_post(browser, {"currency": "EUR"}, headers=EN)
    assert response.status_code == 302
    shown = page(browser, response.headers["Location"], headers=EN)
    assert "The currency is now EUR (it was USD)" in shown
    assert org_row(app, owner.organization_id).currency == "EUR"
    unchanged = settings_post(browser, {"currency": "EUR"}, headers=EN)
    assert "The currency is now" not in page(browser, unchanged.headers["Location"], headers=EN)
