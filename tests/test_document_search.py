"""Issue 15.5 for documents: quote, invoice and recurring-invoice lists search a number or a
customer's name ignoring case and accents, on the pages and in the API, on both backends."""

import pytest

from tests.conftest import assert_envelope, bearer, org_today
from tests.test_api_quotes import new_customer, simple_line
from tests.test_pages import elements, logged_in, page

LISTS = ("quotes", "invoices", "recurring-invoices")


def _body(kind: str, customer_id: str) -> dict:
    today = org_today().isoformat()
    body = {"customerId": customer_id, "lines": [simple_line()]}
    if kind == "quotes":
        return {**body, "issueDate": today}
    if kind == "invoices":
        return {**body, "invoiceDate": today}
    return {**body, "frequency": "MONTHLY", "startDate": today}


@pytest.fixture
def documents(client, make_user):
    """Per list, the numbers made for Ramón Núñez, Café Sol and Nunes Lda, in that order."""
    owner = make_user(role="OWNER", plan="PRO")
    customers = [
        new_customer(client, owner, "Ramón Núñez", "ramon@example.com"),
        new_customer(client, owner, "Café Sol", "cafe@example.com"),
        new_customer(client, owner, "Nunes Lda", "nunes@example.com"),
    ]
    numbers = {}
    for kind in LISTS:
        numbers[kind] = []
        for customer in customers:
            made = client.post(f"/api/v1/{kind}", json=_body(kind, customer), headers=bearer(owner))
            numbers[kind].append(_number(assert_envelope(made, 201)["data"]))
    return owner, numbers


def _number(item: dict) -> str:
    """A document's number, whatever the type calls it (quoteNumber, invoiceNumber…)."""
    (number,) = [value for key, value in item.items() if key == "number" or key.endswith("Number")]
    return number


def _found(client, owner, kind: str, q: str) -> list[str]:
    answer = client.get(f"/api/v1/{kind}", query_string={"q": q}, headers=bearer(owner))
    return [_number(item) for item in assert_envelope(answer, 200)["data"]["items"]]


@pytest.mark.parametrize("kind", LISTS)
def test_the_api_finds_a_customer_ignoring_case_and_accents(client, documents, kind):
    owner, numbers = documents
    nunez, cafe, nunes = numbers[kind]
    assert _found(client, owner, kind, "nunez") == [nunez]
    assert _found(client, owner, kind, "NÚÑEZ") == [nunez]
    assert _found(client, owner, kind, "CAFE") == [cafe]
    assert _found(client, owner, kind, "nun") == [nunez, nunes]
    assert _found(client, owner, kind, "  ") == [nunez, cafe, nunes]  # blank: no filter


@pytest.mark.parametrize("kind", LISTS)
def test_the_api_finds_a_number_and_takes_wildcards_literally(client, documents, kind):
    owner, numbers = documents
    second = numbers[kind][1]
    assert _found(client, owner, kind, second.lower()) == [second]
    assert _found(client, owner, kind, "%") == []
    assert _found(client, owner, kind, "_") == []


def test_search_combines_with_the_other_filters_and_stays_in_the_tenant(
    client, documents, make_user
):
    owner, _ = documents
    answer = client.get(
        "/api/v1/invoices",
        query_string={"q": "nun", "status": "PAID"},
        headers=bearer(owner),
    )
    assert assert_envelope(answer, 200)["data"]["items"] == []  # all are drafts
    stranger = make_user(role="OWNER", plan="PRO")
    assert _found(client, stranger, "invoices", "nunez") == []


@pytest.mark.parametrize(
    "path, kind",
    [("/quotes/", "quotes"), ("/invoices/", "invoices"), ("/recurring-invoices/", None)],
)
def test_the_list_pages_search_and_keep_the_text(app, client, documents, path, kind):
    owner, numbers = documents
    kind = kind or "recurring-invoices"
    nunez, cafe, nunes = numbers[kind]
    browser = logged_in(app, owner)
    html = page(browser, path, query_string={"q": "nuñez"})
    assert nunez in html and cafe not in html and nunes not in html
    (box,) = elements(html, "input", name="q")
    assert box["attrs"]["value"] == "nuñez"
