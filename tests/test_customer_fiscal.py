"""Customers' fiscal data (issue 11, points 2 and 6): country, tax id checked by country,
the structured address and recargo de equivalencia, through the API, CSV and the pages.

A customer's tax id is checked against the customer's country, else the organisation's;
the answers carry ``address: {"street", "postalCode", "city", "region", "country"}``, and a
plain string is still taken as the street.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.catalog.models import Customer
from portal.extensions import db
from tests.conftest import assert_envelope, bearer
from tests.test_catalog_csv import CUSTOMER_HEADER
from tests.test_pages import elements, field_error, logged_in, page, post_form, speak_english

CUSTOMERS = "/api/v1/customers"
EN = {"Accept-Language": "en"}
ES = {"Accept-Language": "es"}
INVALID_ES = "Identificación fiscal inválida"
INVALID_EN = "Invalid tax id"
VALID_CIF = "B12345674"  # a Spanish legal entity's NIF (the old CIF)
VALID_DNI = "12345678Z"
BAD_NIF = "12345678A"  # the DNI's check letter is Z
VALID_RFC = "GODE561231GR8"  # Mexico
BLANK_ADDRESS = {"street": "", "postalCode": "", "city": "", "region": "", "country": ""}


def set_country(app, organization_id: str, country: str) -> None:
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == organization_id)
        ).one()
        organization.country = country
        db.session.commit()


@pytest.fixture
def spanish_operator(app, make_user):
    """An OPERATOR of a Spanish organisation on PRO (CSV is a PRO feature)."""
    operator = make_user(role="OPERATOR", plan="PRO")
    set_country(app, operator.organization_id, "ES")
    return operator


def create(client, member, payload, headers=None, status=201, code=None) -> dict:
    response = client.post(CUSTOMERS, json=payload, headers=bearer(member, **(headers or {})))
    return assert_envelope(response, status, code)


def patch(client, member, public_id, payload, headers=None, status=200, code=None) -> dict:
    response = client.patch(
        f"{CUSTOMERS}/{public_id}", json=payload, headers=bearer(member, **(headers or {}))
    )
    return assert_envelope(response, status, code)


def errors_of(body: dict) -> dict:
    assert body["code"] == "VALIDATION_ERROR" and body["data"] is None
    assert body["error"] == next(iter(body["errors"].values()))
    return body["errors"]


def customer_row(app, public_id: str) -> Customer:
    with app.app_context():
        row = db.session.scalars(select(Customer).where(Customer.public_id == public_id)).one()
        db.session.expunge(row)
        return row


# --- The API: the structured address and the plain string ------------------------------------


def test_create_with_the_structured_address(app, client, spanish_operator):
    payload = {
        "name": "Frutas Hermanos García S.L.",
        "taxId": " b-1234567-4 ",
        "country": "es",
        "address": {
            "street": " Calle Mayor 5, 2º B ",
            "postalCode": "28013",
            "city": "Madrid",
            "region": "Madrid",
        },
        "surcharge": True,
    }
    data = create(client, spanish_operator, payload)["data"]
    assert data["taxId"] == VALID_CIF  # normalised: no separators, upper case
    assert data["country"] == "ES" and data["surcharge"] is True
    assert data["address"] == {
        "street": "Calle Mayor 5, 2º B",
        "postalCode": "28013",
        "city": "Madrid",
        "region": "Madrid",
        "country": "ES",
    }
    read = client.get(f"{CUSTOMERS}/{data['id']}", headers=bearer(spanish_operator))
    assert assert_envelope(read, 200)["data"] == data
    row = customer_row(app, data["id"])
    assert (row.address, row.postal_code, row.tax_id) == ("Calle Mayor 5, 2º B", "28013", VALID_CIF)


def test_the_country_may_come_inside_the_address(client, spanish_operator):
    data = create(
        client,
        spanish_operator,
        {"name": "Abarrotes", "taxId": VALID_RFC, "address": {"country": "MX", "city": "Puebla"}},
    )["data"]
    assert data["country"] == data["address"]["country"] == "MX"
    mismatch = create(
        client,
        spanish_operator,
        {"name": "Dos países", "country": "MX", "address": {"country": "PE"}},
        headers=EN,
        status=400,
        code="VALIDATION_ERROR",
    )
    assert errors_of(mismatch) == {"address.country": "Does not match the country"}


def test_a_plain_string_is_still_the_street(client, spanish_operator):
    data = create(client, spanish_operator, {"name": "Antiguo", "address": "Av. Reforma 1"})["data"]
    assert data["address"] == {**BLANK_ADDRESS, "street": "Av. Reforma 1"}
    assert data["country"] == "" and data["surcharge"] is False

    city = patch(client, spanish_operator, data["id"], {"address": {"city": "Toluca"}})["data"]
    assert city["address"] == {**BLANK_ADDRESS, "street": "Av. Reforma 1", "city": "Toluca"}
    street = patch(client, spanish_operator, data["id"], {"address": "Calle 2"})["data"]
    assert street["address"] == {**BLANK_ADDRESS, "street": "Calle 2", "city": "Toluca"}

    too_long = create(
        client,
        spanish_operator,
        {"name": "Largo", "address": "x" * 501},
        headers=EN,
        status=400,
        code="VALIDATION_ERROR",
    )
    assert errors_of(too_long) == {"address": "Must be at most 500 characters"}


def test_a_patch_changes_only_the_parts_it_names(client, spanish_operator):
    full = {"street": "Calle 1", "postalCode": "08001", "city": "Barcelona", "region": "BCN"}
    data = create(client, spanish_operator, {"name": "Cliente", "country": "ES", "address": full})[
        "data"
    ]
    postal = patch(client, spanish_operator, data["id"], {"address": {"postalCode": "08002"}})
    assert postal["data"]["address"] == {**full, "postalCode": "08002", "country": "ES"}
    cleared = patch(client, spanish_operator, data["id"], {"address": None})["data"]
    assert cleared["address"] == {**BLANK_ADDRESS, "country": "ES"}  # the country stays
    assert cleared["country"] == "ES"
    surcharge = patch(client, spanish_operator, data["id"], {"surcharge": True})["data"]
    assert surcharge["surcharge"] is True and surcharge["country"] == "ES"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"address": 5}, {"address": "Invalid value"}),
        ({"address": ["Calle"]}, {"address": "Invalid value"}),
        (  # text as JSON strings, as everywhere
            {"address": {"postalCode": 28001, "city": True}},
            {"address.postalCode": "Invalid value", "address.city": "Invalid value"},
        ),
        (
            {"address": {"postalCode": "1" * 21, "region": "r" * 101}},
            {
                "address.postalCode": "Must be at most 20 characters",
                "address.region": "Must be at most 100 characters",
            },
        ),
        ({"country": "XX"}, {"country": "Unknown country"}),
        ({"country": "Spain"}, {"country": "Unknown country"}),
        ({"country": "EU"}, {"country": "Unknown country"}),
        ({"address": {"country": "ZZ"}}, {"address.country": "Unknown country"}),
        ({"surcharge": "maybe"}, {"surcharge": "Invalid value"}),
    ],
)
def test_bad_fiscal_fields_are_named(client, spanish_operator, payload, errors):
    body = create(
        client,
        spanish_operator,
        {"name": "C", **payload},
        headers=EN,
        status=400,
        code="VALIDATION_ERROR",
    )
    assert errors_of(body) == errors


# --- Tax ids by country ------------------------------------------------------------------------


def test_a_valid_spanish_cif_is_accepted_and_normalised(client, spanish_operator):
    for raw in ("B12345674", "b 1234567 4", "ES-B12345674", "b.12345674"):
        data = create(client, spanish_operator, {"name": raw, "taxId": raw})["data"]
        assert data["taxId"] == VALID_CIF, raw
        assert data["country"] == ""  # checked against the organisation's country


@pytest.mark.parametrize(("headers", "message"), [(ES, INVALID_ES), (EN, INVALID_EN)])
def test_a_bad_nif_is_refused_in_the_callers_language(client, spanish_operator, headers, message):
    for payload in (
        {"name": "Mal", "taxId": BAD_NIF},  # against the organisation's country
        {"name": "Mal", "taxId": BAD_NIF, "country": "ES"},
        {"name": "Mal", "taxId": VALID_CIF, "country": "MX"},  # the customer's country wins
        {"name": "Mal", "taxId": "R" * 33},  # no country takes it
    ):
        body = create(client, spanish_operator, payload, headers, 400, "VALIDATION_ERROR")
        assert errors_of(body) == {"taxId": message}, payload
        assert body["error"] == message
    listing = client.get(CUSTOMERS, headers=bearer(spanish_operator))
    assert assert_envelope(listing, 200)["data"]["items"] == []


def test_the_tax_id_follows_the_customers_country(client, spanish_operator):
    mexican = create(
        client, spanish_operator, {"name": "MX", "country": "MX", "taxId": VALID_RFC.lower()}
    )["data"]
    assert mexican["taxId"] == VALID_RFC
    # A PATCH of the tax id alone is checked against the country the customer keeps…
    assert (
        patch(client, spanish_operator, mexican["id"], {"taxId": "GODE 561231 GR8"})["data"][
            "taxId"
        ]
        == VALID_RFC
    )
    refused = patch(
        client, spanish_operator, mexican["id"], {"taxId": VALID_DNI}, EN, 400, "VALIDATION_ERROR"
    )
    assert errors_of(refused) == {"taxId": INVALID_EN}
    # …and a change of country checks the tax id it keeps: blank means the organisation's.
    moved = patch(
        client, spanish_operator, mexican["id"], {"country": ""}, EN, 400, "VALIDATION_ERROR"
    )
    assert errors_of(moved) == {"taxId": INVALID_EN}
    both = patch(client, spanish_operator, mexican["id"], {"country": "", "taxId": VALID_DNI})
    assert (both["data"]["country"], both["data"]["taxId"]) == ("", VALID_DNI)
    # A country without checks takes free text.
    french = patch(
        client, spanish_operator, mexican["id"], {"country": "FR", "taxId": " FR 40 303 265 045 "}
    )
    assert french["data"]["taxId"] == "FR 40 303 265 045"


def test_an_organisation_without_country_takes_any_tax_id_as_text(client, make_user):
    operator = make_user(role="OPERATOR")
    data = create(client, operator, {"name": "Libre", "taxId": " RFC-123 "})["data"]
    assert data["taxId"] == "RFC-123"


def test_another_tenants_customer_stays_not_found(app, client, make_user, spanish_operator):
    mine = create(client, spanish_operator, {"name": "Mío", "taxId": VALID_CIF})["data"]
    stranger = make_user(role="OWNER")
    set_country(app, stranger.organization_id, "ES")
    for payload in ({"taxId": BAD_NIF}, {"address": {"city": "Otra"}}, {"country": "XX"}):
        response = client.patch(f"{CUSTOMERS}/{mine['id']}", json=payload, headers=bearer(stranger))
        assert assert_envelope(response, 404, "NOT_FOUND")["error"] == "Cliente no encontrado"
    read = client.get(f"{CUSTOMERS}/{mine['id']}", headers=bearer(stranger))
    assert assert_envelope(read, 404, "NOT_FOUND")["errors"] is None
    listing = client.get(CUSTOMERS, headers=bearer(stranger))
    assert assert_envelope(listing, 200)["data"]["items"] == []
    assert customer_row(app, mine["id"]).tax_id == VALID_CIF


def test_search_finds_the_normalised_tax_id(client, spanish_operator):
    create(client, spanish_operator, {"name": "Buscado", "taxId": "b-1234567-4"})
    create(client, spanish_operator, {"name": "Otro", "taxId": VALID_DNI})
    for q in ("b1234", "B-1234567-4", "1234567 4"):
        found = client.get(CUSTOMERS, query_string={"q": q}, headers=bearer(spanish_operator))
        assert [c["name"] for c in assert_envelope(found, 200)["data"]["items"]] == ["Buscado"]


# --- CSV ---------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def upload(client, member, content: bytes, headers=None):
    return client.post(
        f"{CUSTOMERS}/import",
        data={"file": (io.BytesIO(content), "clientes.csv")},
        headers=bearer(member, **(headers or {})),
    )


def listing(client, member) -> list[dict]:
    response = client.get(CUSTOMERS, query_string={"limit": 100}, headers=bearer(member))
    items = assert_envelope(response, 200)["data"]["items"]
    return [{k: v for k, v in item.items() if k not in ("id", "createdAt")} for item in items]


def test_csv_round_trip_of_the_fiscal_columns(app, client, make_user, spanish_operator):
    create(
        client,
        spanish_operator,
        {
            "name": "Frutería Ana",
            "taxId": VALID_DNI,
            "country": "ES",
            "address": {
                "street": "Calle Real 3\nBajo",
                "postalCode": "41001",
                "city": "Sevilla",
                "region": "Sevilla",
            },
            "surcharge": True,
        },
    )
    create(client, spanish_operator, {"name": "Abarrotes", "country": "MX", "taxId": VALID_RFC})
    create(client, spanish_operator, {"name": "=Sin datos"})
    exported = client.get(f"{CUSTOMERS}/export", headers=bearer(spanish_operator))
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True), newline="")))
    assert rows[0] == CUSTOMER_HEADER
    by_name = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_name["Frutería Ana"] == {
        "name": "Frutería Ana",
        "email": "",
        "phone": "",
        "taxId": VALID_DNI,
        "street": "Calle Real 3\nBajo",
        "postalCode": "41001",
        "city": "Sevilla",
        "region": "Sevilla",
        "country": "ES",
        "surcharge": "true",
        "locale": "",
    }
    assert by_name["Abarrotes"]["country"] == "MX" and by_name["Abarrotes"]["surcharge"] == "false"

    target = make_user(role="OPERATOR", plan="PRO")
    set_country(app, target.organization_id, "ES")
    imported = upload(client, target, exported.get_data())
    assert assert_envelope(imported, 201)["data"] == {"imported": 3}
    assert listing(client, target) == listing(client, spanish_operator)
    again = client.get(f"{CUSTOMERS}/export", headers=bearer(target))
    assert again.get_data() == exported.get_data()


def test_an_old_csv_with_one_address_column_still_imports(client, spanish_operator):
    content = csv_bytes(
        [
            ["name", "email", "taxId", "address", "phone"],
            ["Ana", "ana@example.com", "12345678-z", "Calle 1, Col. Centro", "555"],
            ["Beto", "", "", "", ""],
        ]
    )
    assert assert_envelope(upload(client, spanish_operator, content), 201)["data"] == {
        "imported": 2
    }
    ana, beto = listing(client, spanish_operator)
    assert ana["address"] == {**BLANK_ADDRESS, "street": "Calle 1, Col. Centro"}
    assert (ana["taxId"], ana["country"], ana["surcharge"]) == (VALID_DNI, "", False)
    assert beto["address"] == BLANK_ADDRESS


def test_the_street_column_wins_over_the_old_address_column(client, spanish_operator):
    content = csv_bytes([["name", "address", "street"], ["Ana", "Vieja 1", "Nueva 2"]])
    assert assert_envelope(upload(client, spanish_operator, content), 201)
    assert listing(client, spanish_operator)[0]["address"]["street"] == "Nueva 2"


def test_a_bad_tax_id_is_a_row_error_and_nothing_is_imported(client, spanish_operator):
    content = csv_bytes(
        [
            ["name", "taxId", "country", "postalCode", "surcharge"],
            ["Bien", VALID_CIF, "", "28001", "sí"],
            ["Mal", BAD_NIF, "", "", ""],  # checked against the organisation's country
            ["México", VALID_CIF, "MX", "", ""],  # against the row's own
            ["Lejos", "", "Atlantis", "1" * 21, "quizá"],
        ]
    )
    body = assert_envelope(upload(client, spanish_operator, content, EN), 400, "VALIDATION_ERROR")
    assert body["errors"] == {
        "rows[3].taxId": INVALID_EN,
        "rows[4].taxId": INVALID_EN,
        "rows[5].country": "Unknown country",
        "rows[5].postalCode": "Must be at most 20 characters",
        "rows[5].surcharge": "Invalid value",
    }
    assert listing(client, spanish_operator) == []
    spanish = assert_envelope(upload(client, spanish_operator, content), 400, "VALIDATION_ERROR")
    assert spanish["errors"]["rows[3].taxId"] == INVALID_ES


def test_an_old_address_column_reports_its_own_name(client, spanish_operator):
    content = csv_bytes([["name", "address"], ["Ana", "x" * 501]])
    body = assert_envelope(upload(client, spanish_operator, content, EN), 400, "VALIDATION_ERROR")
    assert body["errors"] == {"rows[2].address": "Must be at most 500 characters"}


# --- The pages (CSRF on) -----------------------------------------------------------------------


def customer_form(**values) -> dict:
    data = {
        "name": "Frutas García",
        "country": "",
        "tax_id": "",
        "address-street": "Calle Mayor 5",
        "address-postal_code": "28013",
        "address-city": "Madrid",
        "address-region": "Madrid",
        "email": "",
        "phone": "",
    }
    data.update(values)
    return data


def test_the_form_shows_the_fiscal_fields(app, spanish_operator):
    client = logged_in(app, spanish_operator)
    html = page(client, "/customers/new")
    for name in ("address-postal_code", "address-city", "address-region", "tax_id"):
        assert elements(html, "input", name=name), name
    assert elements(html, "textarea", name="address-street")
    assert elements(html, "input", name="surcharge", type="checkbox")
    assert "recargo de equivalencia" in html
    assert not elements(html, name="address-country")  # one country select, the customer's
    names = [e["attrs"].get("name", "") for e in elements(html) if e["tag"] != "label"]
    assert [n for n in names if n.startswith("address-")] == [
        "address-street",
        "address-postal_code",
        "address-city",
        "address-region",
    ]
    options = [e for e in elements(html, "option") if e["attrs"].get("value") is not None]
    values = [e["attrs"]["value"] for e in options]
    assert values[:10] == ["", "ES", "MX", "CO", "AR", "CL", "PE", "EC", "US", "-"]
    assert "FR" in values and "EU" not in values and len(values) > 200
    assert "disabled" in options[9]["attrs"]  # the separator cannot be chosen
    assert options[1]["text"].strip() == "España"


def test_a_bad_tax_id_is_shown_beside_the_field(app, spanish_operator):
    client = speak_english(logged_in(app, spanish_operator))
    response = post_form(client, "/customers/new", customer_form(tax_id=BAD_NIF))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "tax_id") == INVALID_EN
    assert elements(html, "input", name="tax_id", value=BAD_NIF)  # kept as typed
    assert elements(html, "input", name="address-city", value="Madrid")
    assert listing(client, spanish_operator) == []


def test_a_bad_tax_id_on_the_page_speaks_spanish(app, spanish_operator):
    client = logged_in(app, spanish_operator)
    response = post_form(client, "/customers/new", customer_form(tax_id=VALID_CIF, country="MX"))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "tax_id") == INVALID_ES


def test_create_and_edit_through_the_page(app, spanish_operator):
    client = logged_in(app, spanish_operator)
    response = post_form(
        client, "/customers/new", customer_form(tax_id="b-1234567-4", surcharge="y")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    public_id = response.headers["Location"].rsplit("/", 1)[-1]
    row = customer_row(app, public_id)
    assert (row.tax_id, row.country, row.surcharge) == (VALID_CIF, "", True)
    assert (row.address, row.postal_code, row.city, row.region) == (
        "Calle Mayor 5",
        "28013",
        "Madrid",
        "Madrid",
    )
    detail = page(client, f"/customers/{public_id}")
    assert "28013 Madrid" in detail and VALID_CIF in detail

    edit = page(client, f"/customers/{public_id}/edit")
    assert elements(edit, "input", name="address-postal_code", value="28013")
    assert elements(edit, "input", name="surcharge", checked="")
    response = post_form(
        client,
        f"/customers/{public_id}/edit",
        customer_form(country="MX", tax_id=VALID_RFC, **{"address-city": "Puebla"}),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = customer_row(app, public_id)
    assert (row.country, row.tax_id, row.city, row.surcharge) == ("MX", VALID_RFC, "Puebla", False)
    detail = page(client, f"/customers/{public_id}")
    assert "México" in detail


# --- Whatever the JSON, never a 500 ------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["ES", "es", "MX", "", " ", VALID_CIF, BAD_NIF, VALID_RFC, "XX", "-"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
address_values = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            key: json_values for key in ("street", "postalCode", "city", "region", "country")
        },
    ),
)
fiscal_payloads = st.fixed_dictionaries(
    {"name": st.just("Cliente")},
    optional={
        "taxId": json_values,
        "country": json_values,
        "address": address_values,
        "surcharge": json_values,
    },
)


@pytest.fixture
def api(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    operator = make_user(role="OPERATOR")
    set_country(client.application, operator.organization_id, "ES")
    customer = assert_envelope(
        client.post(CUSTOMERS, json={"name": "Base"}, headers=bearer(operator)), 201
    )["data"]
    return client, operator, customer["id"]


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=fiscal_payloads, method=st.sampled_from(["POST", "PATCH"]))
def test_any_json_for_the_fiscal_fields_is_an_answer(api, payload, method):
    client, operator, public_id = api
    url = CUSTOMERS if method == "POST" else f"{CUSTOMERS}/{public_id}"
    body = json.dumps(payload)  # keys and strings as hypothesis made them
    response = client.open(
        url, method=method, data=body, content_type="application/json", headers=bearer(operator)
    )
    assert response.status_code in (200, 201, 400), response.get_data(as_text=True)
    answer = response.get_json()
    if response.status_code == 400:
        assert answer["code"] == "VALIDATION_ERROR" and answer["errors"]
    else:
        data = answer["data"]
        assert set(data["address"]) == set(BLANK_ADDRESS)
        assert data["country"] == data["address"]["country"]
        assert isinstance(data["surcharge"], bool)
