"""What distinguishes products from customers; everything else about them is shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.catalog.forms import CustomerForm, ProductForm
from portal.catalog.models import Customer, Product
from portal.errors import CustomerNotFound, NotFound, ProductNotFound
from portal.money import money


@dataclass(frozen=True)
class CatalogKind:
    slug: str  # URL segment and endpoint prefix: "products", "customers"
    model: type[Any]
    form: type[FlaskForm]
    not_found: type[NotFound]
    fields: tuple[str, ...]  # the form's fields, in CSV column order
    search_columns: tuple[str, ...]
    required_columns: tuple[str, ...]  # CSV header must have these (camelCase)
    to_json: Callable[[Any], dict[str, Any]]
    title: Any
    title_one: Any
    new_title: Any
    created: Any
    updated: Any
    deleted: Any
    imported: Any
    list_columns: tuple[tuple[str, Any], ...]  # (attribute, label) on the list page

    @property
    def order_columns(self) -> tuple:
        return (self.model.name, self.model.public_id)


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.public_id,
        "name": product.name,
        "sku": product.sku,
        "price": money(product.price),
        "taxRate": money(product.tax_rate),
        "unit": product.unit,
        "active": product.active,
        "createdAt": product.created_at.isoformat(),
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.public_id,
        "name": customer.name,
        "email": customer.email,
        "taxId": customer.tax_id,
        "address": customer.address,
        "phone": customer.phone,
        "createdAt": customer.created_at.isoformat(),
    }


PRODUCTS = CatalogKind(
    slug="products",
    model=Product,
    form=ProductForm,
    not_found=ProductNotFound,
    fields=("name", "sku", "price", "tax_rate", "unit", "active"),
    search_columns=("name", "sku"),
    required_columns=("name", "sku", "price"),
    to_json=product_json,
    title=_l("Products"),
    title_one=_l("Product"),
    new_title=_l("New product"),
    created=_l("Product created"),
    updated=_l("Product updated"),
    deleted=_l("Product deleted"),
    imported=_l("%(n)s products imported"),
    list_columns=(("name", _l("Name")), ("sku", _l("SKU")), ("price", _l("Price"))),
)

CUSTOMERS = CatalogKind(
    slug="customers",
    model=Customer,
    form=CustomerForm,
    not_found=CustomerNotFound,
    fields=("name", "email", "tax_id", "address", "phone"),
    search_columns=("name", "email", "tax_id"),
    required_columns=("name",),
    to_json=customer_json,
    title=_l("Customers"),
    title_one=_l("Customer"),
    new_title=_l("New customer"),
    created=_l("Customer created"),
    updated=_l("Customer updated"),
    deleted=_l("Customer deleted"),
    imported=_l("%(n)s customers imported"),
    list_columns=(("name", _l("Name")), ("email", _l("Email")), ("tax_id", _l("Tax ID"))),
)
