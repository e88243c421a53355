"""PATCH on quotes and invoices changes only what the body sends (JSON merge patch), and
``If-Match`` with the ``ETag`` a GET gave refuses a write over someone else's (412)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_envelope, bearer, org_today
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    new_customer,
)

EN = {"Accept-Language": "en"}
LINE = {"description": "Asesoría", "quantity": "2", "unitPrice": "50.00", "taxPercent": "21"}


def patch(client, member, url, body, status=200, code=None, **headers):
    return assert_envelope(
        client.patch(url, json=body, headers=bearer(member, **headers)), status, code
    )


def get(client, member, url):
    response = client.get(url, headers=bearer(member))
    assert_envelope(response, 200)
    return response


def test_an_invoice_patch_changes_only_the_fields_sent(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, lines=[LINE], notes="Primera nota")
    url = f"{INVOICES}/{invoice['id']}"
    data = patch(client, accountant, url, {"customerName": "Zed"})["data"]
    assert data["customerName"] == "Zed"
    for kept in ("invoiceDate", "dueDate", "notes", "lines", "total", "invoiceNumber"):
        assert data[kept] == invoice[kept], kept
    data = patch(client, accountant, url, {"notes": None})["data"]
    assert data["notes"] == "" and data["customerName"] == "Zed"
    # lines, when sent, replace the lines
    data = patch(client, accountant, url, {"lines": [{**LINE, "quantity": "1"}]})["data"]
    assert [line["quantity"] for line in data["lines"]] == ["1.000"] and data["total"] == "60.50"


def test_the_customer_stays_unless_the_body_names_another(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    first = new_customer(client, accountant, name="Primera SA")
    second = new_customer(client, accountant, name="Segunda SL")
    invoice = create_invoice(client, accountant, lines=[LINE], customerId=first, customerName="")
    url = f"{INVOICES}/{invoice['id']}"
    full = {k: invoice[k] for k in ("invoiceDate", "notes")} | {"lines": [LINE]}
    data = patch(client, accountant, url, full)["data"]  # a "full" body without customerId
    assert (data["customerId"], data["customerName"]) == (first, "Primera SA")
    data = patch(client, accountant, url, {"customerId": second})["data"]
    assert (data["customerId"], data["customerName"]) == (second, "Segunda SL")  # name follows


def test_dates_the_portal_derived_follow_and_dates_written_stay(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    today = org_today()
    invoice = create_invoice(client, accountant, lines=[LINE])
    url = f"{INVOICES}/{invoice['id']}"
    terms = timedelta(days=30)
    assert invoice["dueDate"] == (today + terms).isoformat()
    moved = today + timedelta(days=1) if today.month == (today + timedelta(days=1)).month else today
    data = patch(client, accountant, url, {"invoiceDate": moved.isoformat()})["data"]
    assert data["dueDate"] == (moved + terms).isoformat()
    written = (moved + timedelta(days=10)).isoformat()
    patch(client, accountant, url, {"dueDate": written})
    data = patch(client, accountant, url, {"notes": "x", "invoiceDate": moved.isoformat()})["data"]
    assert data["dueDate"] == written


def test_lines_not_sent_are_kept_even_if_their_tax_left_the_table(client, make_user):
    owner = make_user(role="OWNER")
    table = [{"name": "IVA 21 %", "percent": "21"}, {"name": "IVA 10 %", "percent": "10"}]
    patch(client, owner, "/api/v1/organization", {"taxRates": table})
    invoice = create_invoice(client, owner, lines=[{**LINE, "taxName": "IVA 10 %"}])
    patch(client, owner, "/api/v1/organization", {"taxRates": table[:1]})
    url = f"{INVOICES}/{invoice['id']}"
    data = patch(client, owner, url, {"notes": "Sin tocar las líneas"})["data"]
    assert data["lines"] == invoice["lines"] and data["total"] == invoice["total"]


def test_a_quote_patch_changes_only_the_fields_sent(client, make_user):
    operator = make_user(role="OPERATOR")
    customer = new_customer(client, operator)
    quote = create_quote(client, operator, customer, [LINE], notes="Nota")
    url = f"{QUOTES}/{quote['id']}"
    data = patch(client, operator, url, {"notes": "Otra nota"})["data"]
    assert data["notes"] == "Otra nota"
    for kept in ("customerId", "issueDate", "validUntil", "lines", "total", "quoteNumber"):
        assert data[kept] == quote[kept], kept


def test_a_get_gives_an_etag_that_a_stale_if_match_cannot_pass(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, lines=[LINE])
    url = f"{INVOICES}/{invoice['id']}"
    first = get(client, accountant, url).headers["ETag"]
    assert first.startswith('"') and first.endswith('"')
    assert get(client, accountant, url).headers["ETag"] == first  # reading changes nothing
    # Someone else writes meanwhile (no If-Match: the last write wins, as before).
    changed = client.patch(url, json={"notes": "otra persona"}, headers=bearer(accountant))
    assert_envelope(changed, 200)
    second = changed.headers["ETag"]
    assert second != first
    stale = patch(
        client, accountant, url, {"notes": "yo"}, 412, "PRECONDITION_FAILED", **{"If-Match": first}
    )
    assert stale["message"] == "El documento cambió desde que lo leíste"
    english = client.patch(
        url, json={"notes": "yo"}, headers=bearer(accountant, **{"If-Match": first}, **EN)
    )
    assert english.get_json()["message"] == "The document changed since you read it"
    assert get(client, accountant, url).get_json()["data"]["notes"] == "otra persona"
    # The current tag, one of a list, or * pass; a weak tag never does.
    for as_list in (False, True):
        condition = f'"x", {second}' if as_list else second
        response = client.patch(
            url, json={"notes": condition}, headers=bearer(accountant, **{"If-Match": condition})
        )
        assert_envelope(response, 200)
        second = response.headers["ETag"]
    assert_envelope(
        client.patch(url, json={"notes": "*"}, headers=bearer(accountant, **{"If-Match": "*"})), 200
    )
    weak = f"W/{get(client, accountant, url).headers['ETag']}"
    patch(client, accountant, url, {"notes": "w"}, 412, "PRECONDITION_FAILED", **{"If-Match": weak})


def test_a_transition_or_a_line_edit_is_a_new_version(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, lines=[LINE])
    url = f"{INVOICES}/{invoice['id']}"
    before = get(client, accountant, url).headers["ETag"]
    words = client.patch(
        url, json={"lines": [{**LINE, "description": "Otra"}]}, headers=bearer(accountant)
    )
    assert words.headers["ETag"] != before  # same totals, new words: a new version
    issued = client.post(f"{url}/issue", headers=bearer(accountant))
    assert_envelope(issued, 200)
    assert issued.headers["ETag"] not in (before, words.headers["ETag"])
    patch(
        client,
        accountant,
        url,
        {"notes": "x"},
        409,
        "INVALID_STATE",
        **{"If-Match": issued.headers["ETag"]},
    )
    act(client, accountant, f"{url}/void")


FIELDS = {
    "customerName": st.one_of(st.none(), st.text(max_size=250), st.integers()),
    "invoiceDate": st.one_of(
        st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)
    ),
    "dueDate": st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.booleans()),
    "notes": st.one_of(st.none(), st.text(max_size=50)),
    "withholdingPercent": st.one_of(st.none(), st.decimals(allow_nan=True).map(str), st.just("15")),
    "customerId": st.one_of(st.none(), st.text(max_size=30)),
    "lines": st.one_of(st.none(), st.just([]), st.just([LINE]), st.just("x")),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.fixed_dictionaries({}, optional=FIELDS))
def test_any_partial_body_is_an_answer_never_a_500(client, make_user, body):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, lines=[LINE])
    response = client.patch(f"{INVOICES}/{invoice['id']}", json=body, headers=bearer(accountant))
    assert response.status_code in (200, 400), response.get_data(as_text=True)


def test_a_recurring_profile_patch_changes_only_the_fields_sent(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    customer = new_customer(client, accountant)
    body = {
        "customerId": customer,
        "frequency": "MONTHLY",
        "startDate": org_today().isoformat(),
        "autoIssue": True,
        "lines": [LINE],
    }
    response = client.post("/api/v1/recurring-invoices", json=body, headers=bearer(accountant))
    profile = assert_envelope(response, 201)["data"]
    url = f"/api/v1/recurring-invoices/{profile['id']}"
    data = patch(client, accountant, url, {"notes": "Cuota mensual"})["data"]
    assert data["notes"] == "Cuota mensual"
    for kept in (
        "customerId",
        "frequency",
        "interval",
        "startDate",
        "autoIssue",
        "lines",
        "nextRuns",
    ):
        assert data[kept] == profile[kept], kept
    data = patch(client, accountant, url, {"frequency": "QUARTERLY"})["data"]
    assert data["frequency"] == "QUARTERLY" and data["lines"] == profile["lines"]
    assert data["nextRuns"][1] != profile["nextRuns"][1]
