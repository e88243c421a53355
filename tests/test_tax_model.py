"""The tax model: named rates, recargo de equivalencia, withholding (IRPF) and the breakdown.

The worked example (every figure by hand, half-up per line, withholding once on the base):

  line 1  2 × 150,00, 10 % discount, "IVA 21 %" with recargo 5,2 %
          gross 300,00 − discount 30,00 = net 270,00; IVA 56,70; recargo 14,04
  line 2  3 × 12,35, "IVA 10 %"      net 37,05; IVA 3,705 → 3,71
  line 3  1 × 19,99, taxPercent 21   net 19,99; IVA 4,1979 → 4,20
  subtotal 357,04 · discounts 30,00 · base 327,04 · IVA 64,61 · recargo 14,04
  IRPF 15 % of 327,04 = 49,056 → 49,06 · total 327,04 + 64,61 + 14,04 − 49,06 = 356,63
  breakdown (21 %, RE 5,2 %) 270,00 / 56,70 / 14,04 · (21 %) 19,99 / 4,20 · (10 %) 37,05 / 3,71
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from portal.accounts.models import Organization
from portal.catalog.models import Customer
from portal.documents.calc import document_totals, line_amounts, tax_breakdown
from portal.extensions import db
from portal.fiscal.countries import default_tax_rates
from tests.conftest import assert_envelope, bearer, org_today
from tests.test_pages import elements, logged_in, page

D = Decimal

WORKED_LINES = [
    {
        "description": "Diseño web",
        "quantity": "2",
        "unitPrice": "150.00",
        "discountPercent": "10",
        "taxName": "IVA 21 %",
        "surchargePercent": "5.2",
    },
    {"description": "Libros", "quantity": "3", "unitPrice": "12.35", "taxName": "iva 10 %"},
    {"description": "Material", "quantity": "1", "unitPrice": "19.99", "taxPercent": "21"},
]
WORKED_TOTALS = {
    "subtotal": "357.04",
    "discountTotal": "30.00",
    "taxTotal": "64.61",
    "surchargeTotal": "14.04",
    "withholdingPercent": "15.00",
    "withholdingTotal": "49.06",
    "total": "356.63",
}
WORKED_BREAKDOWN = [
    {
        "taxPercent": "21.00",
        "base": "270.00",
        "tax": "56.70",
        "surchargePercent": "5.20",
        "surcharge": "14.04",
    },
    {
        "taxPercent": "21.00",
        "base": "19.99",
        "tax": "4.20",
        "surchargePercent": "0.00",
        "surcharge": "0.00",
    },
    {
        "taxPercent": "10.00",
        "base": "37.05",
        "tax": "3.71",
        "surchargePercent": "0.00",
        "surcharge": "0.00",
    },
]


def spanish(app, member) -> None:
    """Make the member's organisation a Spanish one (EUR, the IVA table)."""
    with app.app_context():
        db.session.execute(
            update(Organization)
            .where(Organization.public_id == member.organization_id)
            .values(country="ES", currency="EUR", tax_rates=default_tax_rates("ES"))
        )
        db.session.commit()


def customer(client, member, name: str = "Librería Cervantes", surcharge: bool = False) -> str:
    response = client.post(
        "/api/v1/customers",
        json={"name": name, "email": "cliente@example.com"},
        headers=bearer(member),
    )
    public_id = assert_envelope(response, 201)["data"]["id"]
    if surcharge:
        with client.application.app_context():
            db.session.execute(
                update(Customer).where(Customer.public_id == public_id).values(surcharge=True)
            )
            db.session.commit()
    return public_id


def create(client, member, path: str, body: dict, status: int = 201) -> dict:
    response = client.post(f"/api/v1/{path}", json=body, headers=bearer(member))
    return assert_envelope(response, status, None if status < 400 else "VALIDATION_ERROR")


def worked_invoice(client, member, **extra) -> dict:
    body = {
        "customerId": customer(client, member),
        "invoiceDate": org_today().isoformat(),
        "withholdingPercent": "15",
        "lines": WORKED_LINES,
        **extra,
    }
    return create(client, member, "invoices", body)["data"]


def test_the_worked_invoice_in_the_api(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    invoice = worked_invoice(client, owner)
    assert {key: invoice[key] for key in WORKED_TOTALS} == WORKED_TOTALS
    assert invoice["taxBreakdown"] == WORKED_BREAKDOWN
    first, second, third = invoice["lines"]
    assert (first["taxName"], first["taxPercent"], first["surchargePercent"]) == (
        "IVA 21 %",
        "21.00",
        "5.20",
    )
    assert (first["net"], first["tax"], first["surcharge"], first["total"]) == (
        "270.00",
        "56.70",
        "14.04",
        "340.74",
    )
    # The name is matched without regard to case and stored as the table writes it.
    assert (second["taxName"], second["taxPercent"], second["tax"]) == ("IVA 10 %", "10.00", "3.71")
    assert (third["taxName"], third["taxPercent"], third["surcharge"]) == ("", "21.00", "0.00")
    # The balance owed is the total after the withholding.
    assert invoice["balance"] == "356.63"
    again = client.get(f"/api/v1/invoices/{invoice['id']}", headers=bearer(owner))
    assert assert_envelope(again, 200)["data"]["taxBreakdown"] == WORKED_BREAKDOWN


def test_the_worked_invoice_on_the_page(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    invoice = worked_invoice(client, owner)
    html = page(logged_in(app, owner), f"/invoices/{invoice['id']}")
    rows = [" ".join(row["text"].split()) for row in elements(html, "tr")]
    breakdown = [row for row in rows if "%" in row and "€" in row and "Diseño" not in row]

    def euros(text: str) -> str:
        return text.replace("\xa0", " ").replace("\u202f", " ")

    breakdown = [euros(row) for row in breakdown]
    assert "270,00 € 21 % 56,70 € 5,2 % 14,04 €" in breakdown
    assert "19,99 € 21 % 4,20 € 0 % 0,00 €" in breakdown
    assert "37,05 € 10 % 3,71 € 0 % 0,00 €" in breakdown
    totals = euros(" ".join(" ".join(e["text"].split()) for e in elements(html, "dl")))
    for expected in ("357,04 €", "−30,00 €", "327,04 €", "64,61 €", "14,04 €", "−49,06 €"):
        assert expected in totals
    assert "356,63 €" in totals
    assert "Retención (15 %)" in totals


def test_recargo_follows_the_customer_when_the_line_does_not_say(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    subject = customer(client, owner, "Droguería Ruiz", surcharge=True)
    lines = [
        {"description": "A", "quantity": "1", "unitPrice": "100.00", "taxName": "IVA 21 %"},
        {"description": "B", "quantity": "1", "unitPrice": "100.00", "taxPercent": "10"},
        {"description": "C", "quantity": "1", "unitPrice": "100.00", "taxPercent": "4"},
        {
            "description": "D",
            "quantity": "1",
            "unitPrice": "100.00",
            "taxPercent": "21",
            "surchargePercent": "0",
        },
    ]
    quote = create(client, owner, "quotes", {"customerId": subject, "lines": lines})["data"]
    assert [line["surchargePercent"] for line in quote["lines"]] == [
        "5.20",
        "1.40",
        "0.50",
        "0.00",
    ]
    assert quote["surchargeTotal"] == "7.10"
    assert quote["total"] == "463.10"  # 400 + 21 + 10 + 4 + 21 + 5.20 + 1.40 + 0.50
    # A customer who is not subject gets none unless a line asks for it.
    plain = customer(client, owner, "Cliente final")
    quote = create(client, owner, "quotes", {"customerId": plain, "lines": lines[:1]})["data"]
    assert quote["lines"][0]["surchargePercent"] == "0.00"
    assert quote["surchargeTotal"] == "0.00"


def test_conversion_keeps_rates_recargo_and_withholding(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    body = {
        "customerId": customer(client, owner),
        "withholdingPercent": "15",
        "lines": WORKED_LINES,
    }
    quote = create(client, owner, "quotes", body)["data"]
    assert quote["taxBreakdown"] == WORKED_BREAKDOWN
    for action in ("send", "accept"):
        response = client.post(f"/api/v1/quotes/{quote['id']}/{action}", headers=bearer(owner))
        assert_envelope(response, 200)
    response = client.post(f"/api/v1/quotes/{quote['id']}/convert", headers=bearer(owner))
    invoice = assert_envelope(response, 201)["data"]
    assert {key: invoice[key] for key in WORKED_TOTALS} == WORKED_TOTALS
    assert invoice["taxBreakdown"] == WORKED_BREAKDOWN
    assert [line["taxName"] for line in invoice["lines"]] == ["IVA 21 %", "IVA 10 %", ""]


def test_exempt_rates_carry_their_legal_reason(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    lines = [{"description": "Curso", "quantity": "1", "unitPrice": "80.00", "taxName": "Exento"}]
    invoice = worked_invoice(client, owner, lines=lines, withholdingPercent=None)
    assert invoice["lines"][0]["taxPercent"] == "0.00"
    assert invoice["total"] == "80.00"
    html = page(logged_in(app, owner), f"/invoices/{invoice['id']}")
    assert "art. 20 Ley 37/1992" in html


def test_bad_tax_input_is_a_400_beside_the_line(app, client, make_user):
    owner = make_user("OWNER")
    spanish(app, owner)
    target = customer(client, owner)
    line = {"description": "X", "quantity": "1", "unitPrice": "1.00"}
    cases = [
        ({"lines": [{**line, "taxName": "IVA 99 %"}]}, "lines[0].taxName"),
        ({"lines": [{**line, "surchargePercent": "101"}]}, "lines[0].surchargePercent"),
        ({"lines": [{**line, "surchargePercent": "abc"}]}, "lines[0].surchargePercent"),
        ({"lines": [line], "withholdingPercent": "-1"}, "withholdingPercent"),
        ({"lines": [line], "withholdingPercent": "100.5"}, "withholdingPercent"),
        ({"lines": [line], "withholdingPercent": ["15"]}, "withholdingPercent"),
    ]
    for extra, key in cases:
        body = create(client, owner, "quotes", {"customerId": target, **extra}, status=400)
        assert key in body["errors"], (extra, body["errors"])


def test_plain_tax_percent_keeps_working_without_a_table(app, client, make_user):
    owner = make_user("OWNER")  # no country: an empty table, INV series, as before
    lines = [{"description": "X", "quantity": "1", "unitPrice": "10.00", "taxPercent": "16"}]
    invoice = create(
        client,
        owner,
        "invoices",
        {"customerName": "Walk-in", "invoiceDate": org_today().isoformat(), "lines": lines},
    )["data"]
    assert invoice["invoiceNumber"].startswith("INV-")
    assert (invoice["taxTotal"], invoice["surchargeTotal"], invoice["total"]) == (
        "1.60",
        "0.00",
        "11.60",
    )
    assert invoice["taxBreakdown"] == [
        {
            "taxPercent": "16.00",
            "base": "10.00",
            "tax": "1.60",
            "surchargePercent": "0.00",
            "surcharge": "0.00",
        }
    ]


# --- the breakdown adds up, whatever the document ----------------------------------------

percents = st.decimals(min_value=0, max_value=100, places=2)
lines_strategy = st.lists(
    st.tuples(
        st.decimals(min_value="0.001", max_value=10000, places=3),  # quantity
        st.decimals(min_value=0, max_value=100000, places=2),  # unit price
        percents,  # discount
        st.sampled_from([D(21), D(10), D(4), D(0), D("16"), D("10.5")]) | percents,
        st.sampled_from([D(0), D("5.2"), D("1.4"), D("0.5")]) | percents,
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(lines=lines_strategy, withholding=st.sampled_from([D(0), D(15), D(7)]) | percents)
def test_breakdown_sums_equal_the_totals_exactly(lines, withholding):
    amounts = [line_amounts(*line) for line in lines]

    class Line:  # what the breakdown reads of a stored line
        def __init__(self, values, made) -> None:
            self.tax_percent, self.surcharge_percent = values[3], values[4]
            self.net, self.tax, self.surcharge = made.net, made.tax, made.surcharge

    rows = tax_breakdown(Line(v, a) for v, a in zip(lines, amounts, strict=True))
    totals = document_totals(amounts, withholding)
    assert sum((r.base for r in rows), D(0)) == totals.base
    assert sum((r.tax for r in rows), D(0)) == totals.tax_total
    assert sum((r.surcharge for r in rows), D(0)) == totals.surcharge_total
    assert totals.total == (
        totals.subtotal
        - totals.discount_total
        + totals.tax_total
        + totals.surcharge_total
        - totals.withholding_total
    )
    assert totals.total == sum((a.total for a in amounts), D(0)) - totals.withholding_total
    assert 0 <= totals.withholding_total <= totals.base
    assert len({(r.tax_percent, r.surcharge_percent) for r in rows}) == len(rows)
    for value in (totals.total, totals.withholding_total, *(r.base for r in rows)):
        assert value == value.quantize(D("0.01"))


def test_the_taxes_report_carries_recargo_and_withholding(app, client, make_user):
    owner = make_user("OWNER")  # PRO: reports
    spanish(app, owner)
    invoice = worked_invoice(client, owner)
    response = client.post(f"/api/v1/invoices/{invoice['id']}/issue", headers=bearer(owner))
    assert_envelope(response, 200)
    day = org_today().isoformat()
    response = client.get(f"/api/v1/reports/taxes?from={day}&to={day}", headers=bearer(owner))
    data = assert_envelope(response, 200)["data"]
    keys = ("taxPercent", "base", "tax", "surcharge", "total", "invoiceCount")
    assert [[row[k] for k in keys] for row in data["rates"]] == [
        ["10.00", "37.05", "3.71", "0.00", "40.76", 1],
        ["21.00", "289.99", "60.90", "14.04", "364.93", 1],
    ]
    totals = data["totals"]
    assert (totals["base"], totals["tax"], totals["surcharge"], totals["total"]) == (
        "327.04",
        "64.61",
        "14.04",
        "405.69",
    )
    assert totals["withholding"] == "49.06"
    assert Decimal(totals["total"]) - Decimal(totals["withholding"]) == Decimal("356.63")


def test_the_worked_invoice_in_the_pdf(app, client, make_user):
    """The same figures as the API and the page, read back from the PDF's text."""
    import io

    import pypdf

    owner = make_user("OWNER")
    spanish(app, owner)
    invoice = worked_invoice(client, owner)
    response = client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=bearer(owner))
    assert response.status_code == 200
    pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    text = text.replace("\xa0", " ").replace("\u202f", " ")
    for amount in (
        "270,00",  # base at 21 % with recargo
        "56,70",
        "14,04",  # recargo
        "19,99",  # base at 21 % without
        "4,20",
        "37,05",  # base at 10 %
        "3,71",
        "357,04",  # subtotal
        "−30,00",  # discounts, negative
        "64,61",  # IVA
        "−49,06",  # IRPF, negative
        "356,63",  # total
    ):
        assert amount in text, amount
    assert "Retención IRPF 15 %" in text
    assert "Página" not in text  # one page: no page numbers
