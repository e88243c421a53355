"""Ranking reports cut at ``?limit=``: the aging (customers owing most first) and the sales
(best products and customers first) answer their ``limit`` best rows and add up the rest in
one "others" row, so that what is shown still sums to the totals exactly; the CSV download
has every row whatever the limit; ties at the cut follow the names, on every backend.
"""

from __future__ import annotations

from decimal import Decimal

from portal.reports.aging import BUCKETS
from tests.conftest import assert_envelope, bearer, login
from tests.test_reports import (
    AGING_ROWS,
    EN,
    RANGE,
    REPORTS,
    SALES_CUSTOMERS,
    SALES_PRODUCTS,
    build_books,
    csv_rows,
    day,
    issue,
    line,
    money_text,
    page_tables,
    report,
)


def _sum(rows: list[dict], key: str) -> Decimal:
    return sum((Decimal(row[key]) for row in rows), Decimal(0))


def test_a_ranking_cut_at_its_limit_is_the_whole_rankings_head_and_still_adds_up(client, make_user):
    books = build_books(client, make_user)
    owner = books.owner
    whole_aging = report(client, owner, "aging", "limit=100")
    whole_sales = report(client, owner, "sales", f"limit=100&{RANGE}")
    assert whole_aging["otherCustomers"] is None and whole_aging["customerCount"] == 3
    assert whole_sales["otherProducts"] is whole_sales["otherCustomers"] is None
    assert (whole_sales["productCount"], whole_sales["customerCount"]) == (7, 3)
    # Without a limit: the lists' default (50), which holds these books whole.
    assert report(client, owner, "aging") == whole_aging

    for limit in range(1, 9):
        aging = report(client, owner, "aging", f"limit={limit}")
        shown = whole_aging["customers"][:limit]
        assert aging["customers"] == shown and aging["customerCount"] == 3
        assert aging["totals"] == whole_aging["totals"]
        others = aging["otherCustomers"]
        if limit >= 3:
            assert others is None
            continue
        rest = whole_aging["customers"][limit:]
        assert others["customerCount"] == len(rest)
        assert others["invoiceCount"] == sum(row["invoiceCount"] for row in rest)
        for key in (*BUCKETS, "total"):
            assert Decimal(others[key]) == _sum(rest, key)
            assert _sum(shown, key) + Decimal(others[key]) == Decimal(aging["totals"][key])

        sales = report(client, owner, "sales", f"limit={limit}&{RANGE}")
        assert sales["totals"] == whole_sales["totals"]
        for rows, count, other, noun in (
            ("byProduct", "productCount", "otherProducts", "product"),
            ("byCustomer", "customerCount", "otherCustomers", "customer"),
        ):
            assert sales[rows] == whole_sales[rows][:limit]
            assert sales[count] == whole_sales[count]
            rest = whole_sales[rows][limit:]
            if not rest:
                assert sales[other] is None
                continue
            assert sales[other][f"{noun}Count"] == len(rest)
            assert Decimal(sales[other]["net"]) == _sum(rest, "net")
            net = _sum(sales[rows], "net") + Decimal(sales[other]["net"])
            assert net == Decimal(sales["totals"]["net"])
        # An invoice has one customer: the others' invoices add up; a product's do not.
        assert "invoiceCount" not in (sales["otherProducts"] or {})
        if sales["otherCustomers"]:
            counted = sum(c["invoiceCount"] for c in sales["byCustomer"])
            others_count = sales["otherCustomers"]["invoiceCount"]
            assert counted + others_count == sales["totals"]["invoiceCount"]


def test_the_csv_has_every_row_whatever_the_limit(client, make_user):
    books = build_books(client, make_user)
    owner = books.owner
    aging = csv_rows(client.get(f"{REPORTS}/aging?limit=1&format=csv", headers=bearer(owner)))
    assert [row[1] for row in aging[1:]] == [row[0] for row in AGING_ROWS] + ["Total"]
    sales = csv_rows(
        client.get(f"{REPORTS}/sales?limit=1&{RANGE}&format=csv", headers=bearer(owner))
    )
    names = [row[3] for row in sales[1:]]
    products = [row[0] for row in SALES_PRODUCTS]
    customers = [row[0] for row in SALES_CUSTOMERS]
    assert names == [*products, "Total", *customers, "Total"]


def test_a_bad_limit_is_refused_and_a_large_one_served_as_the_largest(client, make_user):
    owner = make_user()
    for name in ("aging", "sales"):
        for bad in ("0", "-1", "abc", "1.5", ""):
            response = client.get(f"{REPORTS}/{name}?limit={bad}", headers=bearer(owner))
            body = assert_envelope(response, 400, "VALIDATION_ERROR")
            assert "limit" in body["errors"]
        assert_envelope(client.get(f"{REPORTS}/{name}?limit=100000", headers=bearer(owner)), 200)
    # The reports without a ranking have no limit to read.
    for name in ("quotes", "taxes"):
        assert_envelope(client.get(f"{REPORTS}/{name}?limit=abc", headers=bearer(owner)), 200)


def test_ties_at_the_cut_follow_the_names_not_the_order_they_were_written(client, make_user):
    owner = make_user()
    # The same amount for three names written on invoices, in no particular order.
    for name in ("Zorro", "Ábaco", "mango"):
        issue(client, owner, name, 5, -10, [line(f"Servicio {name}", "1", "40.00", "0")])
    aging = report(client, owner, "aging", "limit=2")
    assert [c["customerName"] for c in aging["customers"]] == ["Ábaco", "mango"]
    assert aging["otherCustomers"]["customerCount"] == 1
    assert aging["otherCustomers"]["total"] == "40.00"
    sales = report(client, owner, "sales", f"from={day(10)}&to={day(0)}&limit=1")
    assert [p["name"] for p in sales["byProduct"]] == ["Servicio Ábaco"]
    assert [c["customerName"] for c in sales["byCustomer"]] == ["Ábaco"]
    assert sales["otherProducts"] == {"productCount": 2, "net": "80.00"}
    assert sales["otherCustomers"] == {"customerCount": 2, "net": "80.00", "invoiceCount": 2}


def test_the_pages_show_the_others_row_and_say_the_csv_has_them_all(client, make_user):
    books = build_books(client, make_user)
    login(client, books.owner.email)
    for locale, headers in (("es", {}), ("en", EN)):
        html, tables = page_tables(client, "/reports/aging?limit=1", **headers)
        others = "2 otros clientes" if locale == "es" else "2 other customers"
        rows = tables["report"]
        assert rows[1][0] == AGING_ROWS[0][0]
        assert rows[2][0] == others and rows[3][0] == "Total"
        assert rows[2][-1] == money_text("91.66", locale)  # 73.35 + 18.31
        hint = "lists every one" if locale == "en" else "los incluye a todos"
        assert hint in html

        html, tables = page_tables(client, f"/reports/sales?limit=2&{RANGE}", **headers)
        products = tables["report by-product"]
        five = "5 otros productos" if locale == "es" else "5 other products"
        assert [row[0] for row in products[3:]] == [five, "Total"]
        customers = tables["report by-customer"]
        one = "1 otro cliente" if locale == "es" else "1 other customer"
        assert customers[3] == [one, "1", money_text("48.50", locale)]
