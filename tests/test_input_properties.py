"""Property tests for the parsers (issue 8, item 4): money, quantities, dates, cursors, ids
and CSV cells. Whatever the input, the answer is a value, a validation message or a 4xx in
the envelope — never an exception.

Runs are bounded (``max_examples``) so that the file stays quick on SQLite.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import Form

from portal.accounts.models import Organization
from portal.catalog.forms import ProductForm
from portal.catalog.models import Product
from portal.documents.lines import LineForm
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.forms import DateInput
from portal.invoices.models import Invoice
from portal.money import LARGEST, parse_decimal, quantize
from portal.pagination import EARLIEST, LATEST, _decode
from portal.tenancy import get_for_organization
from tests.conftest import assert_envelope, bearer

PURE = settings(max_examples=300, deadline=None, database=None)
WITH_APP = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EN = {"Accept-Language": "en"}


SEQUENCE = iter(range(10**9))


@pytest.fixture
def api(make_app, make_user):
    """A client without rate limits (hundreds of requests a minute) and a PRO owner."""
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    return client, make_user(role="OWNER", plan="PRO")


# Characters that broke things once: controls, lone surrogates, CSV and formula syntax.
hostile_characters = st.one_of(
    st.characters(),
    st.characters(max_codepoint=0x1F),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from("\x00\r\n\t,;\"'=+-@.eE0123456789 "),
)
hostile_text = st.text(hostile_characters, max_size=40)
# What a browser or a JSON number can carry: never a lone surrogate (werkzeug decodes with
# replacement, the request hook refuses "\ud800" in JSON).
form_text = st.text(st.characters(), max_size=40)

exponent_numbers = st.builds(
    lambda mantissa, exponent: f"{mantissa}e{exponent}",
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, max_value=10**6, min_value=-(10**6)
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
)
finite_numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    exponent_numbers,
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"\A-?[0-9]{1,40}(\.[0-9]{0,40})?\Z"),
)
number_like = st.one_of(
    finite_numbers,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[ +-]?[0-9]{0,25}([.,][0-9]{0,25})?([eE][+-]?[0-9]{0,12})?\s*\Z"),
    form_text,
)


# --- money and quantities ------------------------------------------------------------------


@PURE
@given(st.one_of(number_like, hostile_text))
def test_parse_decimal_gives_a_bounded_finite_decimal_or_none(text):
    value = parse_decimal(text)
    if value is None:
        return
    assert value.is_finite() and abs(value) <= LARGEST
    # What follows parsing never traps: rounding to cents or thousandths, comparing.
    for places in (2, 3):
        quantize(value, places)
    assert (abs(value) > Decimal("9999999999.99")) in (True, False)


@PURE
@given(finite_numbers)
def test_parse_decimal_keeps_every_number_a_range_check_can_judge(text):
    exact = Decimal(text)
    value = parse_decimal(text)
    if exact.copy_abs() >= LARGEST:  # copy_abs: the exact value, no context to overflow
        assert value == LARGEST.copy_sign(exact)  # "too large" for any range check
    elif exact != 0 and exact.copy_abs() < Decimal("1e-20"):
        assert value == 0  # what rounding makes of it
    else:
        assert value == exact


def _expected(text: str, maximum: str, places: int, too_small: str):
    """The oracle: the exact number, rounded half-up, judged against the range."""
    exact = Decimal(text)
    half = Decimal(5).scaleb(-places - 1)
    if exact >= Decimal(maximum) + half:
        return None, [f"Must be at most {maximum}"]
    if exact < half:  # rounds to 0.00 or below: not greater than 0
        return None, [too_small]
    return quantize(exact, places), []


@WITH_APP
@given(finite_numbers)
def test_a_price_is_rounded_or_refused_with_the_right_message(app, text):
    with app.test_request_context("/", headers=EN):
        form = ProductForm(formdata=MultiDict({"price": text}), meta={"csrf": False})
        form.validate()
    value, errors = _expected(text, "9999999999.99", 2, "Price must be greater than 0")
    assert form.price.errors == errors
    if not errors:
        assert form.price.data == value and form.price.data.as_tuple().exponent == -2


@WITH_APP
@given(st.one_of(number_like, form_text))
def test_any_price_text_is_a_value_or_a_message(app, text):
    with app.test_request_context("/", headers=EN):
        form = ProductForm(formdata=MultiDict({"price": text}), meta={"csrf": False})
        form.validate()
    if form.price.errors:
        assert form.price.errors[0] in {
            "Must be a number",
            "Price is required",
            "Price must be greater than 0",
            "Must be at most 9999999999.99",
        }
    else:
        assert Decimal("0.01") <= form.price.data <= Decimal("9999999999.99")


@WITH_APP
@given(finite_numbers)
def test_a_quantity_keeps_three_places_or_is_refused(app, text):
    with app.test_request_context("/", headers=EN):
        form = LineForm(formdata=MultiDict({"quantity": text}))
        form.validate()
    value, errors = _expected(text, "999999999.999", 3, "Quantity must be greater than 0")
    assert form.quantity.errors == errors
    if not errors:
        assert form.quantity.data == value and form.quantity.data.as_tuple().exponent == -3


plausible_amounts = st.decimals(min_value=0, max_value=10**10, places=2).map(str)
json_numbers = st.one_of(
    plausible_amounts,
    number_like,
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@WITH_APP
@given(
    st.one_of(plausible_amounts, json_numbers),
    st.one_of(st.decimals(min_value=0, max_value=100, places=2).map(str), json_numbers),
)
def test_a_product_body_of_any_numbers_is_created_or_a_400(api, price, tax_rate):
    client, owner = api
    body = {"name": "Tuerca", "sku": f"T-{next(SEQUENCE)}", "price": price, "taxRate": tax_rate}
    response = client.post("/api/v1/products", json=body, headers=bearer(owner))
    if response.status_code == 201:
        stored = assert_envelope(response, 201)["data"]
        assert Decimal("0.01") <= Decimal(stored["price"]) <= Decimal("9999999999.99")
        event("created")
    else:
        assert_envelope(response, 400, "VALIDATION_ERROR")


# --- dates ---------------------------------------------------------------------------------


class DateProbe(Form):
    day = DateInput()


@WITH_APP
@given(st.one_of(st.dates().map(date.isoformat), hostile_text, form_text))
def test_a_date_is_a_date_in_range_or_invalid(app, text):
    with app.test_request_context("/", headers=EN):
        form = DateProbe(formdata=MultiDict({"day": text}))
        form.validate()
    if form.day.errors:
        assert form.day.errors == ["Invalid date"]
    elif text.strip():
        assert isinstance(form.day.data, date) and 2000 <= form.day.data.year <= 2100
        assert form.day.data.isoformat() == text.strip()


@WITH_APP
@given(st.dates())
def test_every_calendar_date_in_the_range_is_accepted(app, day):
    with app.test_request_context("/", headers=EN):
        form = DateProbe(formdata=MultiDict({"day": day.isoformat()}))
        form.validate()
    assert (form.day.data == day) == (2000 <= day.year <= 2100)


# --- cursors -------------------------------------------------------------------------------

offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
    ),
)
moments = st.datetimes(timezones=st.one_of(st.none(), offsets)).map(datetime.isoformat)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        hostile_text,
        moments,
        st.just("inv_x"),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=6,
)


def encode(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


cursors = st.one_of(
    st.lists(json_values, min_size=1, max_size=3).map(encode),
    st.tuples(moments, hostile_text).map(list).map(encode),
    st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
    hostile_text,
)


@WITH_APP
@given(cursors)
def test_decoding_a_cursor_gives_bindable_values_or_a_400(app, cursor):
    columns = (Invoice.created_at, Invoice.public_id)
    try:
        values = _decode(cursor, columns)
    except ValidationError as exc:
        assert set(exc.errors) == {"cursor"}
        return
    moment, public_id = values
    assert moment.tzinfo is not None and EARLIEST <= moment <= LATEST
    assert isinstance(public_id, str) and len(public_id) <= 40


@WITH_APP
@given(cursors, st.sampled_from(["/api/v1/invoices", "/api/v1/quotes", "/api/v1/products"]))
def test_listing_with_any_cursor_is_a_page_or_a_400(api, cursor, path):
    client, owner = api
    response = client.get(path, query_string={"cursor": cursor}, headers=bearer(owner))
    if response.status_code == 200:
        assert assert_envelope(response, 200)["data"]["items"] == []
    else:
        assert_envelope(response, 400, "VALIDATION_ERROR")


# --- ids -----------------------------------------------------------------------------------


@WITH_APP
@given(st.text(hostile_characters, min_size=1, max_size=80))
def test_the_tenant_loader_answers_not_found_for_any_id(app, public_id):
    with app.app_context():
        organization = db.session.scalar(select(Organization.id).limit(1)) or 1
        with pytest.raises(NotFound):
            get_for_organization(Product, public_id, organization)


@WITH_APP
@given(
    st.text(hostile_characters, min_size=1, max_size=80).filter(
        lambda text: text not in ("export", "import")  # the two other routes at that place
    )
)
def test_reading_a_product_by_any_id_is_a_4xx(api, public_id):
    client, owner = api
    path = "/api/v1/products/" + quote(public_id.encode("utf-8", "surrogatepass"), safe="")
    response = client.get(path, headers=bearer(owner))
    if response.status_code == 308:  # "%2F" is a slash: werkzeug merges "//" by redirecting
        assert response.headers["Location"].startswith("http://localhost/api/v1/products/")
        return
    code = "NOT_FOUND" if response.status_code == 404 else "VALIDATION_ERROR"
    assert_envelope(response, 404 if code == "NOT_FOUND" else 400, code)


# --- CSV cells -----------------------------------------------------------------------------

cells = st.one_of(hostile_text, finite_numbers, st.sampled_from(["", " ", "'=1", '"', "\r\n"]))


def csv_body(header, rows, newline) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8", "surrogatepass")


plausible_rows = st.lists(
    st.tuples(
        st.text(st.characters(min_codepoint=0x20), min_size=1, max_size=20),
        st.uuids().map(lambda u: u.hex[:12]),
        st.decimals(min_value="0.01", max_value=10**6, places=2).map(str),
    ).map(list),
    min_size=1,
    max_size=4,
)
newlines = st.sampled_from(["\r\n", "\n", "\r"])
csv_files = st.one_of(
    st.builds(csv_body, st.just(["name", "sku", "price"]), plausible_rows, newlines),
    st.builds(
        csv_body,
        st.just(["name", "sku", "price"]),
        st.lists(st.lists(cells, min_size=0, max_size=4), min_size=0, max_size=4),
        newlines,
    ),
    st.builds(
        csv_body,
        st.lists(cells, min_size=0, max_size=4),
        st.lists(st.lists(cells, max_size=4), max_size=2),
        newlines,
    ),
    st.binary(min_size=1, max_size=200),
    st.builds(lambda raw: b"name,sku,price\n" + raw, st.binary(min_size=1, max_size=200)),
)


@WITH_APP
@given(csv_files)
def test_importing_any_csv_is_all_rows_or_a_400(api, content):
    client, owner = api
    response = client.post(
        "/api/v1/products/import", data=content, content_type="text/csv", headers=bearer(owner)
    )
    if response.status_code == 201:
        assert assert_envelope(response, 201)["data"]["imported"] >= 1
        event("imported")
    else:
        body = assert_envelope(response, 400, "VALIDATION_ERROR")
        assert all(key == "file" or key.startswith("rows[") for key in body["errors"])
