"""``/api/docs``: the API's description as a page of the portal — public, every operation
listed with what it takes and answers, in the reader's language, no outside script."""

from __future__ import annotations

import re

from portal.openapi.spec import api_routes

EN = {"Accept-Language": "en"}


def test_the_page_is_public_and_lists_every_operation(app, client):
    response = client.get("/api/docs", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for route in api_routes(app):
        anchor = route.endpoint.split(".", 1)[1]
        assert f'id="{anchor}"' in html, route.endpoint
        assert f'href="#{anchor}"' in html, route.endpoint
    assert html.count('class="card api-op"') == len(api_routes(app))
    assert 'href="/api/v1/openapi.json"' in html


def test_each_operation_shows_role_body_fields_limits_and_codes(client):
    html = client.get("/api/docs", headers=EN).get_data(as_text=True)
    start = html.index('id="products_create_row"')
    card = html[start : html.index("</article>", start)]
    assert "POST" in card and "/api/v1/products" in card
    assert "Role needed: Operator or above" in card
    assert "Accepts Idempotency-Key" in card
    assert "<code>price</code>" in card and "&gt; 0" in card
    assert "<code>DUPLICATE_SKU</code>" in card and "<code>RATE_LIMITED</code>" in card
    login = html[html.index('id="create_token"') :]
    assert "Public: no token needed" in login[: login.index("</article>")]
    export = html[html.index('id="products_export_rows"') :]
    assert "Pro plan" in export[: export.index("</article>")]


def test_spanish_by_default_english_on_request(client):
    spanish = client.get("/api/docs").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Productos" in spanish and "Descripción" in spanish
    english = client.get("/api/docs", headers=EN).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Create an invoice" in english and "Products" in english


def test_no_script_or_style_from_elsewhere(client):
    html = client.get("/api/docs").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
