"""The catalog pages (issue 3) through the Flask test client: products and customers.

Create, edit, detail and delete through the forms (with CSRF), messages beside their fields
in both languages, duplicate SKUs, escaping of hostile names, search and cursor pagination,
roles, tenancy, the PRO-only CSV export and all-or-nothing import, and money by locale.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from sqlalchemy import select

from portal.catalog.models import Customer, Product
from portal.extensions import db
from tests.conftest import csrf_from
from tests.test_catalog_csv import CUSTOMER_HEADER
from tests.test_pages import (
    count,
    elements,
    field_error,
    location,
    logged_in,
    org_row,
    page,
    post_form,
    speak_english,
    text_of,
)

HOSTILE_NAMES = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']

# --- helpers ----------------------------------------------------------------------------------


def product_form(**values) -> dict:
    data = {
        "name": "Martillo",
        "sku": "MART-1",
        "price": "10.50",
        "tax_rate": "16",
        "unit": "pieza",
        "active": "y",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def customer_form(**values) -> dict:
    data = {
        "name": "Ferretería Ñandú",
        "email": "compras@nandu.example.com",
        "tax_id": "XAXX010101000",
        "address": "Av. Siempre Viva 742",
        "phone": "+52 55 1234 5678",
    }
    data.update(values)
    data["address-street"] = data.pop("address")  # the address sub-form's street
    return data


def created_id(response, slug: str) -> str:
    """The public id of the row a successful create redirected to."""
    assert response.status_code == 302, response.get_data(as_text=True)
    path, _query = location(response)
    match = re.fullmatch(rf"/{slug}/((?:prod|cus)_[A-Za-z0-9_-]+)", path)
    assert match, path
    return match.group(1)


def add_product(client, **values) -> str:
    return created_id(post_form(client, "/products/new", product_form(**values)), "products")


def add_customer(client, **values) -> str:
    return created_id(post_form(client, "/customers/new", customer_form(**values)), "customers")


def _org_pk(app, organization_id: str) -> int:
    return org_row(app, organization_id).id


def seed_products(
    app, organization_id: str, names: list[str], price: str = "10.00", first_sku: int = 0
) -> list[str]:
    """Insert products straight into the database (fast set-up); their public ids.

    SKUs are ``SKU-0000``, ``SKU-0001``… from ``first_sku``, in the order of ``names``.
    """
    pk = _org_pk(app, organization_id)
    with app.app_context():
        rows = [
            Product(organization_id=pk, name=name, sku=f"SKU-{n:04d}", price=Decimal(price))
            for n, name in enumerate(names, start=first_sku)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [row.public_id for row in rows]


def seed_customer(app, organization_id: str, name: str = "Cliente Ajeno") -> str:
    pk = _org_pk(app, organization_id)
    with app.app_context():
        row = Customer(organization_id=pk, name=name, email="ajeno@example.com")
        db.session.add(row)
        db.session.commit()
        return row.public_id


def product_row(app, public_id: str) -> Product | None:
    with app.app_context():
        row = db.session.scalar(select(Product).where(Product.public_id == public_id))
        if row is not None:
            db.session.expunge(row)
        return row


def customer_row(app, public_id: str) -> Customer | None:
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.public_id == public_id))
        if row is not None:
            db.session.expunge(row)
        return row


def squash(text: str) -> str:
    """Whitespace (including the no-break space Babel puts in amounts) folded to one space."""
    return " ".join(text.split())


def money(amount: str, locale: str, currency: str = "USD") -> str:
    return squash(format_currency(Decimal(amount), currency, locale=locale))


def table_rows(html: str) -> list[list[str]]:
    """The list page's body rows, as the whitespace-folded text of their cells."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.DOTALL)
    if body is None:
        return []
    chunks = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.DOTALL)
    return [[squash(cell["text"]) for cell in elements(chunk, "td")] for chunk in chunks]


def row_links(html: str, slug: str) -> dict[str, str]:
    """Name → href of every row link in the list's table."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.DOTALL)
    if body is None:
        return {}
    return {
        squash(a["text"]): a["attrs"]["href"]
        for a in elements(body.group(1), "a")
        if a["attrs"]["href"].startswith(f"/{slug}/")
    }


def facts(html: str) -> dict[str, str]:
    """The detail page's label → value pairs."""
    labels = [squash(e["text"]) for e in elements(html, "dt")]
    values = [squash(e["text"]) for e in elements(html, "dd")]
    assert len(labels) == len(values)
    return dict(zip(labels, values, strict=True))


def hrefs(html: str) -> set[str]:
    return {e["attrs"].get("href", "") for e in elements(html, "a")}


def link_texts(html: str, href: str) -> list[str]:
    return [squash(a["text"]) for a in elements(html, "a", href=href)]


def form_actions(html: str) -> set[str]:
    return {e["attrs"].get("action", "") for e in elements(html, "form")}


def next_link(html: str) -> dict | None:
    links = elements(html, "a", rel="next")
    assert len(links) <= 1
    return links[0] if links else None


def flashes(html: str) -> list[str]:
    return [
        squash(e["text"]) for e in elements(html, "p") if "flash" in e["attrs"].get("class", "")
    ]


def input_value(html: str, name: str) -> str:
    controls = [e for e in elements(html, name=name) if e["tag"] in {"input", "textarea"}]
    assert len(controls) == 1, name
    control = controls[0]
    if control["tag"] == "textarea":  # a browser drops one newline right after <textarea>
        return re.sub(r"^\r?\n", "", control["text"])
    return control["attrs"].get("value", "")


def assert_no_injected_markup(html: str) -> None:
    """Only the page's own script and no attacker elements or event-handler attributes."""
    scripts = elements(html, "script")
    assert all(s["attrs"].get("src", "").startswith("/static/") for s in scripts), scripts
    assert all(not s["text"].strip() for s in scripts)
    assert elements(html, "img") == []
    for element in elements(html):
        assert not any(name.startswith("on") for name in element["attrs"]), element


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def upload(client, slug: str, content: bytes | None, filename: str = "datos.csv", **kwargs):
    """POST the import form with ``content`` as its ``file`` (none when ``content`` is None)."""
    token = csrf_from(page(client, f"/{slug}/import"))
    data: dict = {"csrf_token": token}
    if content is not None:
        data["file"] = (io.BytesIO(content), filename, "text/csv")
    return client.post(f"/{slug}/import", data=data, content_type="multipart/form-data", **kwargs)


PRODUCT_HEADER = ["name", "sku", "price", "taxRate", "unit", "active"]


# --- 1. create, detail, edit, delete ----------------------------------------------------------


def test_product_lifecycle_through_the_forms(app, make_user):
    admin = make_user(role="ADMIN")
    client = logged_in(app, admin)

    html = page(client, "/products/")
    assert text_of(html, "h1") == "Productos"
    assert "Aún no hay nada aquí." in html
    assert "/products/new" in hrefs(html)

    new_page = page(client, "/products/new")
    assert text_of(new_page, "h1") == "Nuevo producto"
    for name in ("name", "sku", "price", "tax_rate", "unit", "active"):
        assert elements(new_page, "input", name=name), name
    assert text_of(new_page, "label", for_="price") == "Precio"

    response = post_form(client, "/products/new", product_form(price="10,50"))
    public_id = created_id(response, "products")
    assert public_id.startswith("prod_")
    detail = page(client, f"/products/{public_id}")
    assert flashes(detail) == ["Producto creado"]
    assert text_of(detail, "h1") == "Martillo"
    shown = facts(detail)
    assert shown["SKU"] == "MART-1"
    assert shown["Precio"] == money("10.50", "es") == "10,50 US$"
    assert shown["Impuesto (%)"] == "16 %"
    assert shown["Unidad"] == "pieza"
    assert shown["Activo"] == "Sí"
    row = product_row(app, public_id)
    assert (row.name, row.sku, row.price, row.tax_rate, row.unit, row.active) == (
        "Martillo",
        "MART-1",
        Decimal("10.50"),
        Decimal("16"),
        "pieza",
        True,
    )
    assert f"/products/{public_id}/edit" in hrefs(detail)
    assert f"/products/{public_id}/delete" in form_actions(detail)

    # the edit form is filled with the row
    edit_page = page(client, f"/products/{public_id}/edit")
    assert text_of(edit_page, "h1") == "Editar: Martillo"
    assert input_value(edit_page, "name") == "Martillo"
    assert input_value(edit_page, "sku") == "MART-1"
    assert input_value(edit_page, "price") == "10,50"  # the locale's decimal mark
    assert "checked" in elements(edit_page, "input", name="active")[0]["attrs"]

    # edit: new price, box unticked (inactive)
    response = post_form(
        client,
        f"/products/{public_id}/edit",
        product_form(name="Martillo de uña", price="12.75", active=None),
    )
    assert response.status_code == 302
    assert location(response)[0] == f"/products/{public_id}"
    detail = page(client, f"/products/{public_id}")
    assert flashes(detail) == ["Producto actualizado"]
    assert text_of(detail, "h1") == "Martillo de uña"
    assert facts(detail)["Precio"] == "12,75 US$"
    assert facts(detail)["Activo"] == "No"
    row = product_row(app, public_id)
    assert (row.name, row.price, row.active) == ("Martillo de uña", Decimal("12.75"), False)

    # listed
    listing = page(client, "/products/")
    assert table_rows(listing) == [["Martillo de uña", "MART-1", "12,75 US$"]]
    assert row_links(listing, "products") == {"Martillo de uña": f"/products/{public_id}"}

    # delete, with the token of the detail page's form
    response = post_form(
        client, f"/products/{public_id}/delete", {}, token_from=f"/products/{public_id}"
    )
    assert response.status_code == 302
    assert location(response)[0] == "/products/"
    listing = page(client, "/products/")
    assert flashes(listing) == ["Producto eliminado"]
    assert table_rows(listing) == []
    assert product_row(app, public_id) is None
    assert text_of(page(client, f"/products/{public_id}", status=404), "h1") == (
        "Producto no encontrado"
    )


def test_customer_lifecycle_through_the_forms(app, make_user):
    admin = make_user(role="ADMIN")
    client = logged_in(app, admin)

    new_page = page(client, "/customers/new")
    assert text_of(new_page, "h1") == "Nuevo cliente"
    for name in ("name", "email", "tax_id", "phone"):
        assert elements(new_page, "input", name=name), name
    assert elements(new_page, "textarea", name="address-street")

    public_id = add_customer(client, email="  Compras@Nandu.Example.COM ")
    assert public_id.startswith("cus_")
    detail = page(client, f"/customers/{public_id}")
    assert flashes(detail) == ["Cliente creado"]
    assert text_of(detail, "h1") == "Ferretería Ñandú"
    shown = facts(detail)
    assert shown["Correo electrónico"] == "compras@nandu.example.com"
    assert shown["Identificación fiscal"] == "XAXX010101000"
    assert shown["Dirección"] == "Av. Siempre Viva 742"
    assert shown["Teléfono"] == "+52 55 1234 5678"

    edit_page = page(client, f"/customers/{public_id}/edit")
    assert text_of(edit_page, "h1") == "Editar: Ferretería Ñandú"
    assert input_value(edit_page, "address-street") == "Av. Siempre Viva 742"
    response = post_form(
        client,
        f"/customers/{public_id}/edit",
        customer_form(name="Ñandú S.A.", email="", phone="", address="Calle 2"),
    )
    assert response.status_code == 302
    assert location(response)[0] == f"/customers/{public_id}"
    detail = page(client, f"/customers/{public_id}")
    assert flashes(detail) == ["Cliente actualizado"]
    assert facts(detail)["Correo electrónico"] == "—"
    assert facts(detail)["Dirección"] == "Calle 2"
    row = customer_row(app, public_id)
    assert (row.name, row.email, row.phone, row.address) == ("Ñandú S.A.", "", "", "Calle 2")

    listing = page(client, "/customers/")
    assert text_of(listing, "h1") == "Clientes"
    assert table_rows(listing) == [["Ñandú S.A.", "—", "XAXX010101000"]]

    response = post_form(
        client, f"/customers/{public_id}/delete", {}, token_from=f"/customers/{public_id}"
    )
    assert response.status_code == 302
    assert location(response)[0] == "/customers/"
    assert flashes(page(client, "/customers/")) == ["Cliente eliminado"]
    assert customer_row(app, public_id) is None


def test_catalog_pages_need_a_login(client):
    for path in ("/products/", "/customers/new", "/products/export", "/products/import"):
        response = client.get(path)
        assert response.status_code == 302
        target, query = location(response)
        assert (target, query["next"]) == ("/login", [path])


# --- 2. messages beside their fields ----------------------------------------------------------


def test_product_form_errors_in_spanish(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    response = post_form(client, "/products/new", product_form(name="  ", price="0"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "El nombre es requerido"
    assert field_error(html, "price") == "El precio debe ser mayor a 0"
    assert not elements(html, "p", id="sku-error")
    assert text_of(html, "div", class_="form-errors", role="alert") == (
        "Corrige los campos señalados abajo."
    )
    assert input_value(html, "price") == "0"  # what was typed is kept
    assert input_value(html, "sku") == "MART-1"
    assert count(app, Product) == 0

    for price, message in [
        ("-3", "El precio debe ser mayor a 0"),
        ("abc", "Debe ser un número"),
        ("", "El precio es requerido"),
    ]:
        response = post_form(client, "/products/new", product_form(price=price))
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), "price") == message
    assert count(app, Product) == 0


def test_product_form_errors_in_english(app, make_user):
    client = speak_english(logged_in(app, make_user(role="OPERATOR")))
    response = post_form(client, "/products/new", product_form(name="", price="0", sku=""))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "Name is required"
    assert field_error(html, "price") == "Price must be greater than 0"
    assert field_error(html, "sku") == "SKU is required"
    assert "Please correct the fields marked below." in html
    assert count(app, Product) == 0


def test_product_form_follows_the_users_saved_language(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR", locale="en"))
    response = post_form(client, "/products/new", product_form(price="0"))
    assert field_error(response.get_data(as_text=True), "price") == "Price must be greater than 0"


@pytest.mark.parametrize(
    ("accept", "name_message", "email_message"),
    [
        ("es", "El nombre es requerido", "Correo electrónico inválido"),
        ("en", "Name is required", "Invalid email address"),
    ],
)
def test_customer_form_errors(app, make_user, accept, name_message, email_message):
    client = logged_in(app, make_user(role="OPERATOR"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    response = post_form(client, "/customers/new", customer_form(name="", email="no-es-correo"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == name_message
    assert field_error(html, "email") == email_message
    assert input_value(html, "email") == "no-es-correo"
    assert count(app, Customer) == 0


@pytest.mark.parametrize("price", ["0.001", "0,004"])
def test_a_price_that_rounds_to_zero_is_refused(app, make_user, price):
    client = logged_in(app, make_user(role="OPERATOR"))
    response = post_form(client, "/products/new", product_form(price=price))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "price")
    assert count(app, Product) == 0


def test_a_nul_character_in_a_field_does_not_500(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    response = post_form(client, "/products/new", product_form(name="Marti\x00llo"))
    assert response.status_code in (302, 400)
    response = post_form(client, "/customers/new", customer_form(address="Calle\x00 1"))
    assert response.status_code in (302, 400)


def test_invalid_edit_shows_the_message_and_changes_nothing(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    public_id = add_product(client)
    response = post_form(
        client, f"/products/{public_id}/edit", product_form(name="Otro", price="0")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "price") == "El precio debe ser mayor a 0"
    assert text_of(html, "h1") == "Editar: Martillo"
    row = product_row(app, public_id)
    assert (row.name, row.price) == ("Martillo", Decimal("10.50"))


# --- 3. duplicate SKU -------------------------------------------------------------------------


@pytest.mark.parametrize("sku", ["MART-1", "mart-1", "  Mart-1  "])
def test_duplicate_sku_is_shown_on_the_sku_field(app, make_user, sku):
    client = logged_in(app, make_user(role="OPERATOR"))
    add_product(client, sku="MART-1")
    response = post_form(client, "/products/new", product_form(name="Otro martillo", sku=sku))
    assert response.status_code in (400, 409)
    html = response.get_data(as_text=True)
    assert field_error(html, "sku") == "Ya existe un producto con ese SKU"
    assert not elements(html, "p", id="name-error")
    assert input_value(html, "name") == "Otro martillo"
    assert count(app, Product) == 1


def test_duplicate_sku_in_english_and_on_edit(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    add_product(client, sku="MART-1")
    other = add_product(client, name="Clavo", sku="CLAV-1")
    response = post_form(
        speak_english(client), f"/products/{other}/edit", product_form(name="Clavo", sku="mart-1 ")
    )
    assert response.status_code in (400, 409)
    html = response.get_data(as_text=True)
    assert field_error(html, "sku") == "A product with that SKU already exists"
    assert text_of(html, "h1") == "Edit: Clavo"
    assert product_row(app, other).sku == "CLAV-1"


def test_a_product_may_keep_or_recase_its_own_sku(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    public_id = add_product(client, sku="MART-1")
    response = post_form(client, f"/products/{public_id}/edit", product_form(sku="mart-1"))
    assert response.status_code == 302
    assert product_row(app, public_id).sku == "mart-1"


def test_the_same_sku_in_another_organisation_is_fine(app, make_user):
    add_product(logged_in(app, make_user(role="OPERATOR")), sku="MART-1")
    add_product(logged_in(app, make_user(role="OPERATOR")), sku="MART-1")
    assert count(app, Product) == 2


# --- 4. hostile names are escaped everywhere --------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["script", "attribute-breakout"])
def test_hostile_product_name_is_escaped_everywhere(app, make_user, name):
    client = logged_in(app, make_user(role="ADMIN"))
    public_id = add_product(client, name=name, sku=name)

    detail = page(client, f"/products/{public_id}")  # carries the "created" flash
    assert flashes(detail) == ["Producto creado"]
    listing = page(client, "/products/")
    edit_page = page(client, f"/products/{public_id}/edit")
    found = page(client, "/products/", query_string={"q": name})
    nothing = page(client, "/products/", query_string={"q": name + "zz"})
    for html in (detail, listing, edit_page, found, nothing):
        assert name not in html
        assert "<script>alert" not in html
        assert "<img" not in html
        assert_no_injected_markup(html)

    assert text_of(detail, "h1") == name
    assert facts(detail)["SKU"] == name
    assert f"<title>{name}" not in detail
    assert row_links(listing, "products") == {name: f"/products/{public_id}"}
    assert table_rows(listing)[0][1] == name
    assert input_value(edit_page, "name") == name
    assert input_value(edit_page, "sku") == name
    assert text_of(edit_page, "h1") == f"Editar: {name}"
    assert row_links(found, "products") == {name: f"/products/{public_id}"}
    assert input_value(found, "q") == name
    assert (
        text_of(nothing, "section", class_="card empty-state") == f"Nada coincide con «{name}zz»."
    )

    # after an edit (flash page) and after a refused edit (form page, 400)
    response = post_form(client, f"/products/{public_id}/edit", product_form(name=name, sku=name))
    assert response.status_code == 302
    after_edit = page(client, f"/products/{public_id}")
    refused = post_form(
        client, f"/products/{public_id}/edit", product_form(name=name, sku=name, price="0")
    )
    assert refused.status_code == 400
    for html in (after_edit, refused.get_data(as_text=True)):
        assert name not in html
        assert_no_injected_markup(html)
    assert input_value(refused.get_data(as_text=True), "name") == name

    # and on the list page after the delete (its flash)
    post_form(client, f"/products/{public_id}/delete", {}, token_from=f"/products/{public_id}")
    listing = page(client, "/products/")
    assert flashes(listing) == ["Producto eliminado"]
    assert name not in listing


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["script", "attribute-breakout"])
def test_hostile_customer_fields_are_escaped(app, make_user, name):
    client = logged_in(app, make_user(role="OPERATOR"))
    public_id = add_customer(client, name=name, address=name, tax_id=name[:32], phone=name[:40])
    for html in (
        page(client, f"/customers/{public_id}"),
        page(client, "/customers/"),
        page(client, f"/customers/{public_id}/edit"),
    ):
        assert name not in html
        assert_no_injected_markup(html)
    detail = page(client, f"/customers/{public_id}")
    assert text_of(detail, "h1") == name
    assert facts(detail)["Dirección"] == name
    assert input_value(page(client, f"/customers/{public_id}/edit"), "address-street") == name


# --- 5. search and pagination -----------------------------------------------------------------


def walk(client, first: str, slug: str = "products") -> list[list[str]]:
    """Follow the "next page" link from ``first``; the row names of each page visited."""
    pages, path = [], first
    while path is not None:
        html = page(client, path)
        pages.append(list(row_links(html, slug)))
        link = next_link(html)
        if link is not None:
            assert squash(link["text"]) == "Página siguiente"
            assert len(pages) < 10, "the pager does not end"
        path = link["attrs"]["href"] if link else None
    return pages


def test_next_page_link_visits_every_row_once(app, make_user):
    viewer = make_user(role="VIEWER")
    names = [f"Producto {n:03d}" for n in range(120)]
    seed_products(app, viewer.organization_id, list(reversed(names)))
    seed_products(app, make_user().organization_id, ["Producto ajeno"])
    client = logged_in(app, viewer)

    pages = walk(client, "/products/")
    assert [len(p) for p in pages] == [50, 50, 20]
    visited = [name for p in pages for name in p]
    assert visited == names  # ordered by name, each exactly once, nobody else's

    first = page(client, "/products/")
    assert "Primera página" not in first
    second = page(client, next_link(first)["attrs"]["href"])
    assert link_texts(second, "/products/") == ["Productos", "Primera página"]  # nav, pager
    assert elements(second, "nav", class_="pager", **{"aria-label": "Páginas"})


def test_next_page_link_in_english(app, make_user):
    owner = make_user(locale="en")
    seed_products(app, owner.organization_id, [f"Item {n:02d}" for n in range(51)])
    html = page(logged_in(app, owner), "/products/")
    assert squash(next_link(html)["text"]) == "Next page"


def test_search_filters_by_name_or_sku_and_pages_keep_the_query(app, make_user):
    viewer = make_user(role="VIEWER")
    names = [f"{'Martillo' if n % 2 else 'Clavo'} {n:03d}" for n in range(130)]
    seed_products(app, viewer.organization_id, names)
    client = logged_in(app, viewer)

    pages = walk(client, "/products/?q=MARTILLO")
    assert [len(p) for p in pages] == [50, 15]
    visited = [name for p in pages for name in p]
    assert visited == sorted(n for n in names if n.startswith("Martillo"))
    html = page(client, "/products/?q=MARTILLO")
    assert "q=MARTILLO" in next_link(html)["attrs"]["href"]
    assert input_value(html, "q") == "MARTILLO"
    assert link_texts(html, "/products/") == ["Productos", "Limpiar"]

    by_sku = page(client, "/products/?q=sku-0007")  # seeded SKUs are SKU-0000…
    assert list(row_links(by_sku, "products")) == [names[7]]
    assert next_link(by_sku) is None

    none = page(client, "/products/?q=destornillador")
    assert table_rows(none) == []
    assert (
        text_of(none, "section", class_="card empty-state") == "Nada coincide con «destornillador»."
    )


def test_search_wildcards_are_literal(app, make_user):
    owner = make_user()
    seed_products(app, owner.organization_id, ["100% algodón", "Camisa", "tuerca_m8", "tuercaXm8"])
    client = logged_in(app, owner)
    assert list(row_links(page(client, "/products/?q=%25"), "products")) == ["100% algodón"]
    assert list(row_links(page(client, "/products/?q=a_m"), "products")) == ["tuerca_m8"]
    assert list(row_links(page(client, "/products/?q=  camisa  "), "products")) == ["Camisa"]


def test_customer_search_by_email_and_tax_id(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    add_customer(client, name="Ana", email="ana@uno.example.com", tax_id="RFC-A")
    add_customer(client, name="Beto", email="beto@dos.example.com", tax_id="RFC-B")
    assert list(row_links(page(client, "/customers/?q=dos.example"), "customers")) == ["Beto"]
    assert list(row_links(page(client, "/customers/?q=rfc-a"), "customers")) == ["Ana"]


def test_search_ignores_the_case_of_accented_letters(app, make_user):
    owner = make_user()
    seed_products(app, owner.organization_id, ["CAMIÓN ÑANDÚ", "Camioneta"])
    client = logged_in(app, owner)
    assert list(row_links(page(client, "/products/?q=camión ñandú"), "products")) == [
        "CAMIÓN ÑANDÚ"
    ]


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "%%%",
        "x" * 5000,
        _cursor({"a": 1}),
        _cursor(["only one"]),
        _cursor(["a", 1]),
        _cursor([None, None]),
        base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    ],
)
def test_a_mangled_cursor_does_not_break_the_list(app, make_user, cursor):
    owner = make_user()
    seed_products(app, owner.organization_id, [f"P{n:02d}" for n in range(60)])
    client = logged_in(app, owner)
    response = client.get("/products/", query_string={"cursor": cursor, "q": "p"})
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        path, query = location(response)
        assert path == "/products/"
        assert "cursor" not in query
        html = page(client, response.headers["Location"])
        assert len(row_links(html, "products")) == 50


@pytest.mark.parametrize("args", [{"q": "a\x00b"}, {"cursor": _cursor(["a\x00", "prod_x"])}])
def test_a_nul_character_in_the_query_does_not_500(app, make_user, args):
    owner = make_user()
    seed_products(app, owner.organization_id, ["Producto"])
    response = logged_in(app, owner).get("/products/", query_string=args)
    assert response.status_code in (200, 302, 400)


def test_a_deeply_nested_cursor_does_not_500(app, make_user):
    owner = make_user()
    cursor = base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("=")  # fits a 4 KB URL
    response = logged_in(app, owner).get("/products/", query_string={"cursor": cursor})
    assert response.status_code in (200, 302, 400)


# --- 6. roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["products", "customers"])
def test_viewer_reads_but_has_no_write_buttons_and_gets_403s(app, make_user, slug):
    viewer = make_user(role="VIEWER")
    if slug == "products":
        (public_id,) = seed_products(app, viewer.organization_id, ["Martillo"])
    else:
        public_id = seed_customer(app, viewer.organization_id, "Martillo")
    client = logged_in(app, viewer)

    listing = page(client, f"/{slug}/")
    assert f"/{slug}/new" not in hrefs(listing)
    assert f"/{slug}/import" not in hrefs(listing)
    assert list(row_links(listing, slug)) == ["Martillo"]
    detail = page(client, f"/{slug}/{public_id}")
    assert text_of(detail, "h1") == "Martillo"
    assert f"/{slug}/{public_id}/edit" not in hrefs(detail)
    assert f"/{slug}/{public_id}/delete" not in form_actions(detail)
    assert "Eliminar" not in detail and "Editar" not in detail

    for path in (f"/{slug}/new", f"/{slug}/{public_id}/edit", f"/{slug}/import"):
        assert text_of(page(client, path, status=403), "h1") == "Sin permisos", path
    before = count(app, Product if slug == "products" else Customer)
    data = product_form() if slug == "products" else customer_form()
    for path in (f"/{slug}/new", f"/{slug}/{public_id}/edit", f"/{slug}/{public_id}/delete"):
        response = post_form(client, path, data, token_from=f"/{slug}/")
        assert response.status_code == 403, path
    assert count(app, Product if slug == "products" else Customer) == before
    row = (product_row if slug == "products" else customer_row)(app, public_id)
    assert row.name == "Martillo"

    english = page(speak_english(client), f"/{slug}/new", status=403)
    assert text_of(english, "h1") == "Access denied — OPERATOR role required"


@pytest.mark.parametrize("slug", ["products", "customers"])
def test_operator_creates_and_edits_but_cannot_delete(app, make_user, slug):
    operator = make_user(role="OPERATOR")
    client = logged_in(app, operator)
    listing = page(client, f"/{slug}/")
    assert {f"/{slug}/new", f"/{slug}/import"} <= hrefs(listing)
    public_id = add_product(client) if slug == "products" else add_customer(client)
    detail = page(client, f"/{slug}/{public_id}")
    assert f"/{slug}/{public_id}/edit" in hrefs(detail)
    assert f"/{slug}/{public_id}/delete" not in form_actions(detail)
    assert "Eliminar" not in detail

    response = post_form(client, f"/{slug}/{public_id}/delete", {}, token_from=f"/{slug}/")
    assert response.status_code == 403
    assert text_of(response.get_data(as_text=True), "h1") == "Sin permisos"
    assert (product_row if slug == "products" else customer_row)(app, public_id) is not None


@pytest.mark.parametrize("role", ["ADMIN", "OWNER"])
def test_admin_and_owner_see_the_delete_button(app, make_user, role):
    member = make_user(role=role)
    (public_id,) = seed_products(app, member.organization_id, ["Martillo"])
    detail = page(logged_in(app, member), f"/products/{public_id}")
    (form,) = [
        e for e in elements(detail, "form") if e["attrs"].get("action", "").endswith("/delete")
    ]
    assert form["attrs"]["action"] == f"/products/{public_id}/delete"
    assert form["attrs"]["method"] == "post"
    assert text_of(detail, "button", type="submit", class_="button danger") == "Eliminar"


# --- 7. tenancy -------------------------------------------------------------------------------


def test_another_organisations_product_is_a_404(app, make_user):
    admin = make_user(role="ADMIN")
    stranger = make_user()
    (theirs,) = seed_products(app, stranger.organization_id, ["Secreto ajeno"], price="99.00")
    client = logged_in(app, admin)

    for path in (f"/products/{theirs}", f"/products/{theirs}/edit"):
        html = page(client, path, status=404)
        assert text_of(html, "h1") == "Producto no encontrado", path
        assert "Secreto ajeno" not in html
    response = post_form(
        client,
        f"/products/{theirs}/edit",
        product_form(name="Robado", price="1"),
        token_from="/products/",
    )
    assert response.status_code == 404
    assert text_of(response.get_data(as_text=True), "h1") == "Producto no encontrado"
    response = post_form(client, f"/products/{theirs}/delete", {}, token_from="/products/")
    assert response.status_code == 404
    row = product_row(app, theirs)
    assert (row.name, row.price) == ("Secreto ajeno", Decimal("99.00"))
    assert "Secreto ajeno" not in page(client, "/products/")
    assert "Secreto ajeno" not in page(client, "/products/?q=secreto")

    for unknown in ("prod_doesnotexist", "x" * 200):
        assert text_of(page(client, f"/products/{unknown}", status=404), "h1") == (
            "Producto no encontrado"
        )
    english = page(speak_english(client), f"/products/{theirs}", status=404)
    assert text_of(english, "h1") == "Product not found"


def test_another_organisations_customer_is_a_404(app, make_user):
    admin = make_user(role="ADMIN")
    theirs = seed_customer(app, make_user().organization_id, "Cliente ajeno")
    client = logged_in(app, admin)
    for path in (f"/customers/{theirs}", f"/customers/{theirs}/edit"):
        html = page(client, path, status=404)
        assert text_of(html, "h1") == "Cliente no encontrado", path
        assert "Cliente ajeno" not in html
    response = post_form(
        client, f"/customers/{theirs}/edit", customer_form(name="Robado"), token_from="/customers/"
    )
    assert response.status_code == 404
    response = post_form(client, f"/customers/{theirs}/delete", {}, token_from="/customers/")
    assert response.status_code == 404
    assert text_of(response.get_data(as_text=True), "h1") == "Cliente no encontrado"
    row = customer_row(app, theirs)
    assert (row.name, row.email) == ("Cliente ajeno", "ajeno@example.com")


def test_a_product_id_on_the_customer_pages_is_not_found(app, make_user):
    owner = make_user()
    (public_id,) = seed_products(app, owner.organization_id, ["Martillo"])
    html = page(logged_in(app, owner), f"/customers/{public_id}", status=404)
    assert text_of(html, "h1") == "Cliente no encontrado"


# --- 8. CSV import ----------------------------------------------------------------------------


def test_import_page_and_a_good_file(app, make_user):
    operator = make_user(role="OPERATOR")
    client = logged_in(app, operator)
    html = page(client, "/products/import")
    assert text_of(html, "h1") == "Importar CSV · Productos"
    assert "name, sku, price, taxRate, unit, active" in html
    (file_input,) = elements(html, "input", type="file")
    assert file_input["attrs"]["name"] == "file"
    (form,) = [e for e in elements(html, "form") if e["attrs"].get("enctype")]
    assert form["attrs"]["enctype"] == "multipart/form-data"

    content = csv_bytes(
        [
            PRODUCT_HEADER,
            ["Tornillo", "TOR-1", "0.25", "16", "pieza", "true"],
            ["Tuerca", "TUE-1", "0,30", "", "", "false"],
            ["Arandela", "ARA-1", "1234.50", "0", "caja", ""],
        ]
    )
    response = upload(client, "products", b"\xef\xbb\xbf" + content)  # with a BOM, as Excel does
    assert response.status_code == 302
    assert location(response)[0] == "/products/"
    listing = page(client, "/products/")
    assert flashes(listing) == ["3 productos importados"]
    assert table_rows(listing) == [
        ["Arandela", "ARA-1", money("1234.50", "es")],
        ["Tornillo", "TOR-1", "0,25 US$"],
        ["Tuerca", "TUE-1", "0,30 US$"],
    ]
    with app.app_context():
        rows = {p.sku: p for p in db.session.scalars(select(Product))}
        assert rows["TOR-1"].tax_rate == Decimal("16")
        assert rows["TUE-1"].active is False
        assert rows["ARA-1"].unit == "caja"
        assert all(p.public_id.startswith("prod_") for p in rows.values())


def test_import_customers(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    assert text_of(page(client, "/customers/import"), "h1") == "Importar CSV · Clientes"
    content = csv_bytes(
        [
            ["name", "email", "taxId", "address", "phone"],
            ["Ana", "ANA@example.com", "RFC1", "Calle 1, Col. Centro", "555"],
            ["Beto", "", "", "", ""],
        ]
    )
    response = upload(client, "customers", content)
    assert response.status_code == 302
    listing = page(client, "/customers/")
    assert flashes(listing) == ["2 clientes importados"]
    assert table_rows(listing) == [["Ana", "ana@example.com", "RFC1"], ["Beto", "—", "—"]]


def _error_lines(html: str) -> list[str]:
    """The import page's list of errors, one "Fila <line>, columna «<column>»: message" per
    item (the column as the file names it), or a file's own error."""
    found = re.search(r'<ul[^>]*class="[^"]*import-errors[^"]*"[^>]*>(.*?)</ul>', html, re.DOTALL)
    assert found, "no list of import errors"
    return [squash(e["text"]) for e in elements(found.group(1), "li")]


def test_a_file_with_bad_rows_imports_nothing_and_lists_the_errors(app, make_user):
    operator = make_user(role="OPERATOR")
    seed_products(app, operator.organization_id, ["Ya existente"])  # its SKU is SKU-0000
    client = logged_in(app, operator)
    content = csv_bytes(
        [
            PRODUCT_HEADER,
            ["Bueno", "OK-1", "5", "", "", ""],
            ["Gratis", "OK-2", "0", "", "", ""],
            ["", "OK-3", "5", "", "", ""],
            ["Repetido", "ok-1", "5", "", "", ""],
            ["Existente", "sku-0000", "5", "", "", ""],
            ["Caro", "OK-6", "5", "150", "", ""],
        ]
    )
    response = upload(client, "products", content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    alert = text_of(html, "div", class_="form-errors", role="alert")
    assert alert.startswith("No se importó nada. Corrige estas filas e inténtalo de nuevo:")
    by_line = sorted(_error_lines(html), key=lambda line: int(re.findall(r"\d+", line)[0]))
    assert by_line == [
        "Fila 3, columna «price»: El precio debe ser mayor a 0",
        "Fila 4, columna «name»: El nombre es requerido",
        "Fila 5, columna «sku»: Ya existe un producto con ese SKU",  # line 2's, case aside
        "Fila 6, columna «sku»: Ya existe un producto con ese SKU",  # already in the catalog
        "Fila 7, columna «taxRate»: Debe estar entre 0 y 100",
    ]
    assert count(app, Product) == 1  # only the seeded one: the good row was not imported
    assert csrf_from(html)  # the form is there to try again


def test_import_errors_in_english(app, make_user):
    client = speak_english(logged_in(app, make_user(role="OPERATOR")))
    content = csv_bytes([PRODUCT_HEADER, ["Free", "F-1", "0", "", "", ""]])
    response = upload(client, "products", content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported." in html
    assert _error_lines(html) == ["Row 2, column “price”: Price must be greater than 0"]
    assert count(app, Product) == 0


def test_customer_import_with_a_bad_email_imports_nothing(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    content = csv_bytes([["name", "email"], ["Ana", "ana@example.com"], ["Beto", "beto@"]])
    response = upload(client, "customers", content)
    assert response.status_code == 400
    assert _error_lines(response.get_data(as_text=True)) == [
        "Fila 3, columna «email»: Correo electrónico inválido"
    ]
    assert count(app, Customer) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Elige un archivo CSV para importar"),
        (b"", "El archivo no tiene filas para importar"),
        (b"name,sku,price\r\n", "El archivo no tiene filas para importar"),
        (b"name,price\r\nA,1\r\n", "Falta la columna: sku"),
        ("name,sku,price\r\nCañón,C-1,1\r\n".encode("latin-1"), None),
    ],
    ids=["no-file", "empty", "header-only", "missing-column", "latin-1"],
)
def test_import_file_problems_are_shown(app, make_user, content, message):
    client = logged_in(app, make_user(role="OPERATOR"))
    response = upload(client, "products", content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    lines = _error_lines(html)
    assert len(lines) == 1, lines
    if message:
        assert lines[0] == message
    else:
        assert lines[0] == "El archivo debe ser un CSV codificado en UTF-8"
    assert count(app, Product) == 0


@pytest.mark.parametrize("cell", ["FALSE", "False", "0", "no"])
def test_import_never_reads_a_false_cell_as_active(app, make_user, cell):
    client = logged_in(app, make_user(role="OPERATOR"))
    response = upload(
        client, "products", csv_bytes([PRODUCT_HEADER, ["A", "A-1", "1", "", "", cell]])
    )
    if response.status_code == 400:  # refused, with the cell named, is fine too
        assert _error_lines(response.get_data(as_text=True))[0].startswith("rows[2].active: ")
        assert count(app, Product) == 0
    else:
        assert response.status_code == 302
        with app.app_context():
            assert db.session.scalars(select(Product.active)).one() is False


def test_import_needs_csrf(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    page(client, "/products/import")
    response = client.post(
        "/products/import",
        data={
            "file": (io.BytesIO(csv_bytes([PRODUCT_HEADER, ["A", "A", "1", "", "", ""]])), "a.csv")
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(app, Product) == 0


# --- 9. export, and the PRO gate --------------------------------------------------------------


def test_export_downloads_the_organisations_rows_as_csv(app, make_user):
    viewer = make_user(role="VIEWER")
    seed_products(app, viewer.organization_id, ["Martillo", "=HYPERLINK(1)"], price="10.50")
    seed_products(app, make_user().organization_id, ["Ajeno"])
    client = logged_in(app, viewer)
    assert "/products/export" in hrefs(page(client, "/products/"))

    response = client.get("/products/export")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "products.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == PRODUCT_HEADER
    assert sorted(rows[1:]) == [
        ["'=HYPERLINK(1)", "SKU-0001", "10.50", "0.00", "", "true"],
        ["Martillo", "SKU-0000", "10.50", "0.00", "", "true"],
    ]

    customers = client.get("/customers/export")
    assert customers.status_code == 200
    assert customers.mimetype == "text/csv"
    assert next(csv.reader(io.StringIO(customers.get_data(as_text=True)))) == CUSTOMER_HEADER


def test_an_export_imports_back_into_another_organisation(app, make_user):
    source = logged_in(app, make_user(role="OPERATOR"))
    add_product(source, name="=SUM(A1)", sku="EQ-1", price="3.10", tax_rate="8", active=None)
    add_product(source, name="Tornillo, largo", sku="TOR-L", price="0.99")
    exported = source.get("/products/export").get_data()

    target_member = make_user(role="OPERATOR")
    target = logged_in(app, target_member)
    response = upload(target, "products", exported)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert flashes(page(target, "/products/")) == ["2 productos importados"]
    assert target.get("/products/export").get_data() == exported


@pytest.mark.parametrize("path", ["/products/export", "/products/import", "/customers/export"])
def test_free_plan_owner_gets_the_plan_page_with_a_plans_link(app, make_user, path):
    owner = make_user(plan="FREE")
    client = logged_in(app, owner)
    html = page(client, path, status=403)
    assert text_of(html, "h1") == "Función disponible en el plan Pro"
    assert text_of(html, "a", class_="button", href="/settings/billing") == "Ver planes"
    english = page(speak_english(client), path, status=403)
    assert text_of(english, "h1") == "Feature available on the Pro plan"
    assert text_of(english, "a", class_="button", href="/settings/billing") == "See plans"


@pytest.mark.parametrize("role", ["ADMIN", "OPERATOR"])
def test_free_plan_non_owner_gets_the_plan_page_without_the_link(app, make_user, role):
    member = make_user(role=role, plan="FREE")
    html = page(logged_in(app, member), "/customers/import", status=403)
    assert text_of(html, "h1") == "Función disponible en el plan Pro"
    assert "Ver planes" not in html
    assert "/settings/billing" not in hrefs(html)
    assert "Pide al propietario de tu organización que cambie el plan." in html


def test_free_plan_import_post_imports_nothing(app, make_user):
    owner = make_user(plan="FREE")
    client = logged_in(app, owner)
    token = csrf_from(page(client, "/products/"))
    content = csv_bytes([PRODUCT_HEADER, ["A", "A-1", "1", "", "", ""]])
    response = client.post(
        "/products/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), "a.csv", "text/csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert text_of(response.get_data(as_text=True), "h1") == "Función disponible en el plan Pro"
    assert count(app, Product) == 0


def test_free_plan_still_has_the_rest_of_the_catalog(app, make_user):
    client = logged_in(app, make_user(plan="FREE"))
    add_product(client)
    add_customer(client)
    assert count(app, Product) == count(app, Customer) == 1


# --- 10. CSRF on delete -----------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "forged"])
def test_delete_without_a_valid_csrf_token_is_refused(app, make_user, token):
    admin = make_user(role="ADMIN")
    (product,) = seed_products(app, admin.organization_id, ["Martillo"])
    customer = seed_customer(app, admin.organization_id, "Ana")
    client = logged_in(app, admin)
    page(client, f"/products/{product}")
    data = {} if token is None else {"csrf_token": token}
    for path in (f"/products/{product}/delete", f"/customers/{customer}/delete"):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert text_of(response.get_data(as_text=True), "h1") == (
            "El formulario expiró o no proviene de este sitio; inténtalo de nuevo"
        )
    assert product_row(app, product) is not None
    assert customer_row(app, customer) is not None


def test_delete_by_get_is_not_allowed(app, make_user):
    admin = make_user(role="ADMIN")
    (product,) = seed_products(app, admin.organization_id, ["Martillo"])
    response = logged_in(app, admin).get(f"/products/{product}/delete")
    assert response.status_code == 405
    assert product_row(app, product) is not None


# --- 11. money by locale ----------------------------------------------------------------------


def test_price_is_formatted_in_spanish(app, make_user):
    owner = make_user()
    (public_id,) = seed_products(app, owner.organization_id, ["Martillo"], price="10.50")
    seed_products(app, owner.organization_id, ["Taladro"], price="1234.50", first_sku=1)
    client = logged_in(app, owner)
    rows = table_rows(page(client, "/products/"))
    assert rows == [
        ["Martillo", "SKU-0000", "10,50 US$"],
        ["Taladro", "SKU-0001", money("1234.50", "es")],
    ]
    assert "1234,50" in rows[1][2] or "1.234,50" in rows[1][2]
    assert facts(page(client, f"/products/{public_id}"))["Precio"] == "10,50 US$"


def test_price_is_formatted_in_english(app, make_user):
    owner = make_user(locale="en")
    (public_id,) = seed_products(app, owner.organization_id, ["Hammer"], price="10.50")
    seed_products(app, owner.organization_id, ["Drill"], price="1234.50", first_sku=1)
    client = logged_in(app, owner)
    rows = table_rows(page(client, "/products/"))
    assert [row[2] for row in rows] == ["$1,234.50", "$10.50"]
    detail = page(client, f"/products/{public_id}")
    assert facts(detail)["Price"] == "$10.50"
    assert "10,50" not in detail


def test_price_follows_the_organisation_currency(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    post_form(client, "/settings/", {"name": "Acme", "currency": "EUR", "locale": "es"})
    public_id = add_product(client, price="10.5")
    assert facts(page(client, f"/products/{public_id}"))["Precio"] == money("10.50", "es", "EUR")
    english = page(client, f"/products/{public_id}", headers={"Accept-Language": "en"})
    assert facts(english)["Price"] == "€10.50"
