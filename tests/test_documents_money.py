"""Document money: line amounts and totals, half-up to cents as each amount is made."""

from decimal import Decimal

import pytest

from portal.documents.calc import LineAmounts, Totals, document_totals, line_amounts
from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    new_customer,
    quote_body,
    simple_line,
)

D = Decimal

ZERO = D("0.00")


def amounts(quantity, price, discount="0", tax="0") -> LineAmounts:
    return line_amounts(D(quantity), D(price), D(discount), D(tax))


def as_strings(line: LineAmounts) -> tuple[str, ...]:
    return tuple(str(v) for v in (line.gross, line.discount, line.net, line.tax, line.total))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # quantity, unit price, discount %, tax %  →  gross, discount, net, tax, total
        (("1", "0.35", "0", "16"), ("0.35", "0.00", "0.35", "0.06", "0.41")),  # tax 0.056
        (("1", "0.25", "0", "10"), ("0.25", "0.00", "0.25", "0.03", "0.28")),  # tax 0.025 ↑
        (("1", "0.15", "0", "10"), ("0.15", "0.00", "0.15", "0.02", "0.17")),  # tax 0.015 ↑
        (("1", "10.05", "50", "0"), ("10.05", "5.03", "5.02", "0.00", "5.02")),  # disc 5.025 ↑
        (("3", "19.99", "10", "16"), ("59.97", "6.00", "53.97", "8.64", "62.61")),
        (("2.5", "40.10", "12.5", "8"), ("100.25", "12.53", "87.72", "7.02", "94.74")),
        (("0.333", "3.00", "0", "0"), ("1.00", "0.00", "1.00", "0.00", "1.00")),  # gross 0.999
        (("0.005", "1.00", "0", "0"), ("0.01", "0.00", "0.01", "0.00", "0.01")),  # gross 0.005 ↑
        (("1", "0.01", "50", "0"), ("0.01", "0.01", "0.00", "0.00", "0.00")),  # disc 0.005 ↑
        (("7", "0.00", "0", "16"), ("0.00", "0.00", "0.00", "0.00", "0.00")),
        (("2", "100", "100", "16"), ("200.00", "200.00", "0.00", "0.00", "0.00")),
        (("1", "100", "0", "100"), ("100.00", "0.00", "100.00", "100.00", "200.00")),
        # Tax is on the *rounded* net: 33.33 × 16 % = 5.3328, not 33.333… × 16 % = 5.3333.
        (("1", "100", "66.67", "16"), ("100.00", "66.67", "33.33", "5.33", "38.66")),
        (
            ("999999", "9999.99", "0", "16"),
            ("9999980000.01", "0.00", "9999980000.01", "1599996800.00", "11599976800.01"),
        ),
    ],
)
def test_line_amounts_round_half_up_as_they_are_made(line, expected):
    assert as_strings(amounts(*line)) == expected


def test_line_amounts_are_decimals_with_two_places():
    line = amounts("1.5", "0.33", "3", "7")
    for value in (line.gross, line.discount, line.net, line.tax, line.total):
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2
    assert line.net == line.gross - line.discount
    assert line.total == line.net + line.tax


def test_half_up_is_not_bankers_rounding():
    # ROUND_HALF_EVEN would give 0.02, 2.32 and 0.00; half-up gives 0.03, 2.33 and 0.01.
    assert amounts("1", "0.25", "0", "10").tax == D("0.03")
    assert amounts("1", "46.50", "0", "5").tax == D("2.33")  # 2.325
    assert amounts("0.5", "0.01").gross == D("0.01")  # 0.005


def test_document_totals_are_sums_of_the_rounded_line_amounts():
    lines = [
        amounts("1", "0.35", "0", "16"),
        amounts("3", "19.99", "10", "16"),
        amounts("2.5", "40.10", "12.5", "8"),
        amounts("1", "0.25", "0", "10"),
        amounts("1", "10.05", "50", "0"),
    ]
    totals = document_totals(lines)
    assert totals == Totals(D("170.87"), D("23.56"), D("15.75"), ZERO, ZERO, D("163.06"))
    assert totals.total == totals.subtotal - totals.discount_total + totals.tax_total
    assert totals.total == sum(line.total for line in lines)
    # Rounding only once at the end would lose a cent here.
    exact = sum(
        (q * p * (1 - d / 100)) * (1 + t / 100)
        for q, p, d, t in [
            (D("1"), D("0.35"), D("0"), D("16")),
            (D("3"), D("19.99"), D("10"), D("16")),
            (D("2.5"), D("40.10"), D("12.5"), D("8")),
            (D("1"), D("0.25"), D("0"), D("10")),
            (D("1"), D("10.05"), D("50"), D("0")),
        ]
    )
    assert exact.quantize(D("0.01")) == D("163.05") != totals.total


def test_many_small_taxes_add_up_per_line():
    # Ten lines of 0.35 at 16 %: each tax 0.056 → 0.06, so 0.60 (not 0.56).
    totals = document_totals([amounts("1", "0.35", "0", "16")] * 10)
    assert totals == Totals(D("3.50"), D("0.00"), D("0.60"), ZERO, ZERO, D("4.10"))


def test_empty_document_totals_are_zero():
    assert document_totals([]) == Totals(D("0.00"), D("0.00"), D("0.00"), ZERO, ZERO, D("0.00"))
    assert str(document_totals([]).total) == "0.00"


# --- through the API -----------------------------------------------------------------------


def test_api_amounts_follow_the_same_rules_and_are_strings(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    lines = [
        simple_line("0.35", taxPercent="16"),
        simple_line("46.50", taxPercent="5"),
        simple_line("0.01", quantity="0.5"),
        simple_line("100", discountPercent="66.67", taxPercent="16"),
    ]
    quote = create_quote(client, owner, customer, lines)
    assert [(line["tax"], line["total"]) for line in quote["lines"]] == [
        ("0.06", "0.41"),
        ("2.33", "48.83"),
        ("0.00", "0.01"),
        ("5.33", "38.66"),
    ]
    assert quote["lines"][2]["gross"] == "0.01"
    assert quote["lines"][3]["discount"] == "66.67"
    assert (quote["subtotal"], quote["discountTotal"], quote["taxTotal"], quote["total"]) == (
        "146.86",
        "66.67",
        "7.72",
        "87.91",
    )
    for key in ("subtotal", "discountTotal", "taxTotal", "total"):
        assert isinstance(quote[key], str)


def test_decimal_input_accepts_a_comma_and_rounds_prices_to_cents(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(
        client,
        accountant,
        [
            simple_line("12,50", quantity="2", taxPercent="16"),
            simple_line("0.125", quantity="1,5"),  # price → 0.13
            simple_line(10.004, quantity=1),
        ],
    )
    assert [line["unitPrice"] for line in invoice["lines"]] == ["12.50", "0.13", "10.00"]
    assert [line["quantity"] for line in invoice["lines"]] == ["2.000", "1.500", "1.000"]
    assert [line["total"] for line in invoice["lines"]] == ["29.00", "0.20", "10.00"]
    assert invoice["total"] == "39.20"


def test_amounts_beyond_the_columns_are_refused(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    big = [simple_line("9999999999.99", quantity="999999999.999")]
    response = client.post(QUOTES, json=quote_body(customer, big), headers=bearer(owner))
    errors = assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]
    assert errors == {"lines": "Los importes son demasiado grandes"}
    over = [simple_line("10000000000")]
    response = client.post(QUOTES, json=quote_body(customer, over), headers=bearer(owner))
    errors = assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]
    assert errors == {"lines[0].unitPrice": "Debe ser como máximo 9999999999.99"}
    for value in ("NaN", "Infinity", "1e400"):
        bad = [simple_line(value)]
        response = client.post(QUOTES, json=quote_body(customer, bad), headers=bearer(owner))
        assert set(assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]) == {
            "lines[0].unitPrice"
        }


def test_payments_bring_the_balance_exactly_to_zero(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, [simple_line("0.35", taxPercent="16")] * 3)
    assert invoice["total"] == "1.23"  # 3 × 0.41
    url = f"{INVOICES}/{invoice['id']}"
    act(client, accountant, f"{url}/issue")
    balances = []
    for amount in ("0.10", "0.20", "0.93"):
        body = {"amount": amount, "paidOn": invoice["invoiceDate"], "method": "CASH"}
        data = act(client, accountant, f"{url}/payments", 201, json=body)["data"]["invoice"]
        balances.append((data["status"], data["amountPaid"], data["balance"]))
    assert balances == [
        ("PARTIALLY_PAID", "0.10", "1.13"),
        ("PARTIALLY_PAID", "0.30", "0.93"),
        ("PAID", "1.23", "0.00"),
    ]
