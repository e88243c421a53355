"""A person writes a quote, the customer accepts it by link, it becomes a paid invoice."""

import re

from tests.conftest import assert_envelope, bearer, csrf_from, login, org_today


def test_quote_to_paid_invoice_through_the_pages(client, make_user):
    """The whole paper trail in the browser: quote, public link, invoice, payment, PDF."""
    acc = make_user(role="OWNER")
    h = bearer(acc)
    c = assert_envelope(
        client.post("/api/v1/customers", json={"name": "Cliente <b>Uno</b>"}, headers=h), 201
    )["data"]
    p = assert_envelope(
        client.post(
            "/api/v1/products",
            json={"name": "Tornillo", "sku": "T1", "price": "0.35", "taxRate": "16"},
            headers=h,
        ),
        201,
    )["data"]
    login(client, acc.email)
    page = client.get("/quotes/new")
    assert page.status_code == 200, page.data
    tok = csrf_from(page.get_data(as_text=True))
    r = client.post(
        "/quotes/new",
        data={
            "csrf_token": tok,
            "customer_id": c["id"],
            "add_line": "1",
            "lines-0-description": "x",
        },
    )
    assert r.status_code == 200 and r.get_data(as_text=True).count("<tr data-line-row") == 3, (
        r.get_data(as_text=True).count("<tr data-line-row")
    )
    r = client.post(
        "/quotes/new",
        data={
            "csrf_token": tok,
            "customer_id": c["id"],
            "lines-0-product_id": p["id"],
            "lines-0-quantity": "3",
            "lines-1-description": "Serv",
            "lines-1-quantity": "abc",
        },
    )
    assert r.status_code == 400 and "Debe ser un número" in r.get_data(as_text=True)
    r = client.post(
        "/quotes/new",
        data={
            "csrf_token": tok,
            "customer_id": c["id"],
            "lines-0-product_id": p["id"],
            "lines-0-quantity": "3",
            "lines-1-description": "Serv",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "10",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    url = r.headers["Location"]
    d = client.get(url).get_data(as_text=True)
    assert f"COT-{org_today().year}-0001" in d and "Cliente &lt;b&gt;Uno" in d
    e = client.get(url + "/edit")
    assert e.status_code == 200 and "Tornillo" in e.get_data(as_text=True)
    r = client.post(url + "/send", data={"csrf_token": tok, "to": "cliente@example.com"})
    assert r.status_code == 302
    d = client.get(url).get_data(as_text=True)

    link = re.search(r'value="(http://localhost/q/[^"]+)"', d).group(1)
    pub = client.get(link.replace("http://localhost", ""))
    assert pub.status_code == 200
    ptok = csrf_from(pub.get_data(as_text=True))
    r = client.post(
        link.replace("http://localhost", "") + "/accept", data={"csrf_token": ptok, "reason": "ok"}
    )
    assert r.status_code == 200, r.data
    assert client.get(link.replace("http://localhost", "")).status_code == 200  # shows it
    r = client.post(url + "/convert", data={"csrf_token": tok})
    assert r.status_code == 302
    inv = r.headers["Location"]
    d = client.get(inv).get_data(as_text=True)
    assert f"INV-{org_today().year}-0001" in d
    r = client.post(inv + "/issue", data={"csrf_token": tok})
    assert r.status_code == 302
    r = client.post(
        inv + "/payments",
        data={
            "csrf_token": tok,
            "amount": "100000",
            "paid_on": org_today().isoformat(),
            "method": "CASH",
        },
    )
    assert r.status_code == 400 and "saldo" in r.get_data(as_text=True)
    r = client.post(
        inv + "/payments",
        data={
            "csrf_token": tok,
            "amount": "1",
            "paid_on": org_today().isoformat(),
            "method": "CASH",
        },
    )
    assert r.status_code == 302
    d = client.get(inv).get_data(as_text=True)
    assert "Pago registrado" in d and "Historial" in d
    assert client.get(inv + "/pdf").data[:4] == b"%PDF"
    assert client.get("/invoices/?overdue=1").status_code == 200
    assert client.get("/quotes/?status=SENT").status_code == 200
    n = client.get("/invoices/new")
    assert n.status_code == 200
    r = client.post(
        "/invoices/new", data={"csrf_token": tok, "customer_name": "", "invoice_date": ""}
    )
    t = r.get_data(as_text=True)
    assert (
        r.status_code == 400
        and "No debe estar vacío" in t
        and "La fecha de factura es requerida" in t
        and "Agrega al menos una línea" in t
    ), t
