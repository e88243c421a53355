"""Downloads hold a tenant's data: no cache along the way may keep them."""

from tests.conftest import bearer, login
from tests.test_api_quotes import create_invoice, create_quote, new_customer


def test_page_and_api_downloads_are_never_stored(app, make_user):
    owner = make_user(role="OWNER", plan="PRO")
    client = app.test_client()
    quote = create_quote(client, owner, new_customer(client, owner))
    invoice = create_invoice(client, owner)
    assert login(client, owner.email).status_code == 302

    def get(path: str, **kwargs):
        response = client.get(path, **kwargs)
        response.get_data()  # a CSV export streams: read it to its end
        response.close()
        return response

    downloads = {
        "quote PDF page": get(f"/quotes/{quote['id']}/pdf"),
        "invoice PDF page": get(f"/invoices/{invoice['id']}/pdf"),
        "products CSV page": get("/products/export"),
        "customers CSV page": get("/customers/export"),
        "invoice PDF API": get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=bearer(owner)),
        "products CSV API": get("/api/v1/products/export", headers=bearer(owner)),
    }
    for label, response in downloads.items():
        assert response.status_code == 200, label
        assert response.mimetype in ("application/pdf", "text/csv"), label
        assert response.headers["Cache-Control"] == "no-store", label
    static = get("/static/css/portal.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
