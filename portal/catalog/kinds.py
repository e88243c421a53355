"""What distinguishes products from customers; everything else about them is shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.catalog.forms import CustomerForm, ProductForm
from portal.catalog.models import Customer, Product
from portal.envelope import camelize
from portal.errors import CustomerNotFound, NotFound, ProductNotFound
from portal.forms import DecimalInput, FlexibleBoolean
from portal.money import money
from portal.sqljson import amount, json_bool, json_object, utc_text


@dataclass(frozen=True)
class CatalogKind:
    slug: str  # URL segment and endpoint prefix: "products", "customers"
    model: type[Any]
    form: type[FlaskForm]
    not_found: type[NotFound]
    fields: tuple[str, ...]  # the form's fields, in the page's order
    # The form's data (or a record's column values, as the demo gives them) → the columns.
    columns: Callable[[dict[str, Any]], dict[str, Any]]
    csv_columns: tuple[str, ...]  # CSV header, in order (camelCase)
    # Each CSV column (and older names still read) → the form input it fills.
    csv_inputs: dict[str, str]
    csv_cells: Callable[[Any], dict[str, Any]]  # a row as CSV cells by column
    # Each CSV column → its Excel (es) header, then other names import accepts for it
    # (the form's labels); the camelCase name is always accepted (docs/decisions.md).
    csv_names: dict[str, tuple[str, ...]]
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
    # Each row's ``to_json`` as JSON text written by the database (``portal.sqljson``):
    # what the API's list embeds, 50 rows without a Python dict each (issue 16).
    item: Any

    @property
    def order_columns(self) -> tuple:
        return (self.model.name, self.model.public_id)

    @cached_property
    def csv_headers_es(self) -> tuple[str, ...]:
        """The Excel (es) export's header."""
        return tuple(self.csv_names[column][0] for column in self.csv_columns)

    def _csv_columns_of(self, field_class: type) -> frozenset[str]:
        return frozenset(
            column
            for column, name in self.csv_inputs.items()
            if issubclass(getattr(getattr(self.form, name, None), "field_class", type), field_class)
        )

    @cached_property
    def csv_decimals(self) -> frozenset[str]:
        """The CSV columns holding decimals (written with the format's decimal mark)."""
        return self._csv_columns_of(DecimalInput)

    @cached_property
    def csv_booleans(self) -> frozenset[str]:
        return self._csv_columns_of(FlexibleBoolean)


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


PRODUCT_ITEM = json_object(
    (
        ("id", Product.public_id),
        ("name", Product.name),
        ("sku", Product.sku),
        ("price", amount(Product.price)),
        ("taxRate", amount(Product.tax_rate)),
        ("unit", Product.unit),
        ("active", json_bool(Product.active)),
        ("createdAt", utc_text(Product.created_at)),
    )
)


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.public_id,
        "name": customer.name,
        "email": customer.email,
        "taxId": customer.tax_id,
        "address": {
            "street": customer.address,
            "postalCode": customer.postal_code,
            "city": customer.city,
            "region": customer.region,
            "country": customer.country,
        },
        "country": customer.country,
        "surcharge": customer.surcharge,
        "phone": customer.phone,
        "locale": customer.locale,
        "createdAt": customer.created_at.isoformat(),
    }


CUSTOMER_ITEM = json_object(
    (
        ("id", Customer.public_id),
        ("name", Customer.name),
        ("email", Customer.email),
        ("taxId", Customer.tax_id),
        (
            "address",
            json_object(
                (
                    ("street", Customer.address),
                    ("postalCode", Customer.postal_code),
                    ("city", Customer.city),
                    ("region", Customer.region),
                    ("country", Customer.country),
                ),
                inner=True,
            ),
        ),
        ("country", Customer.country),
        ("surcharge", json_bool(Customer.surcharge)),
        ("phone", Customer.phone),
        ("locale", Customer.locale),
        ("createdAt", utc_text(Customer.created_at)),
    )
)


PRODUCT_FIELDS = ("name", "sku", "price", "tax_rate", "unit", "active")


def product_columns(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in PRODUCT_FIELDS if name in values}


def product_cells(product: Product) -> dict[str, Any]:
    document = product_json(product)
    return {camelize(name): document[camelize(name)] for name in PRODUCT_FIELDS}


CUSTOMER_COLUMNS = ("name", "email", "phone", "surcharge", "locale")


def customer_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Form data (``address`` a sub-form's dict) or column values (``address`` the street)."""
    columns = {name: values[name] for name in CUSTOMER_COLUMNS if name in values}
    if isinstance(values.get("address"), str):
        values = {**values, "address": {"street": values["address"]}}
    columns.update(CustomerForm.fiscal_columns(values))
    return columns


# Old files name the street "address" (the whole address was one text then).
CUSTOMER_CSV_INPUTS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "taxId": "tax_id",
    "street": "address-street",
    "postalCode": "address-postal_code",
    "city": "address-city",
    "region": "address-region",
    "country": "country",
    "surcharge": "surcharge",
    "locale": "locale",  # the language of the customer's e-mails: "es", "en" or blank
}


# Fixed Spanish, the forms' Spanish labels of today: a file format does not follow a
# change of translation. Each tuple: the Excel (es) header first, then other names read.
PRODUCT_CSV_NAMES = {
    "name": ("Nombre", "Name"),
    "sku": ("SKU",),
    "price": ("Precio", "Price"),
    "taxRate": ("Impuesto (%)", "Tax rate (%)"),
    "unit": ("Unidad", "Unit"),
    "active": ("Activo", "Activa", "Active"),
}

CUSTOMER_CSV_NAMES = {
    "name": ("Nombre", "Name"),
    "email": ("Correo electrónico", "Email"),
    "phone": ("Teléfono", "Phone"),
    "taxId": ("Identificación fiscal", "Tax ID"),
    "street": ("Calle y número", "Street"),
    "postalCode": ("Código postal", "Postal code"),
    "city": ("Ciudad", "City"),
    "region": ("Provincia / estado", "Province / state"),
    "country": ("País", "Country"),
    "surcharge": (
        "Recargo de equivalencia",
        "Sujeto a recargo de equivalencia",
        "Subject to recargo de equivalencia",
    ),
    "locale": ("Idioma de los correos", "Language of e-mails"),
    "address": ("Dirección", "Address"),  # an old file's one-text address: the street
}


def customer_cells(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "taxId": customer.tax_id,
        "street": customer.address,
        "postalCode": customer.postal_code,
        "city": customer.city,
        "region": customer.region,
        "country": customer.country,
        "surcharge": customer.surcharge,
        "locale": customer.locale,
    }


PRODUCTS = CatalogKind(
    slug="products",
    model=Product,
    form=ProductForm,
    not_found=ProductNotFound,
    fields=PRODUCT_FIELDS,
    columns=product_columns,
    csv_columns=tuple(camelize(name) for name in PRODUCT_FIELDS),
    csv_inputs={camelize(name): name for name in PRODUCT_FIELDS},
    csv_cells=product_cells,
    csv_names=PRODUCT_CSV_NAMES,
    required_columns=("name", "sku", "price"),
    to_json=product_json,
    item=PRODUCT_ITEM,
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
    fields=("name", "country", "tax_id", "address", "email", "phone", "surcharge", "locale"),
    columns=customer_columns,
    csv_columns=tuple(CUSTOMER_CSV_INPUTS),
    csv_inputs={**CUSTOMER_CSV_INPUTS, "address": "address-street"},
    csv_cells=customer_cells,
    csv_names=CUSTOMER_CSV_NAMES,
    required_columns=("name",),
    to_json=customer_json,
    item=CUSTOMER_ITEM,
    title=_l("Customers"),
    title_one=_l("Customer"),
    new_title=_l("New customer"),
    created=_l("Customer created"),
    updated=_l("Customer updated"),
    deleted=_l("Customer deleted"),
    imported=_l("%(n)s customers imported"),
    list_columns=(("name", _l("Name")), ("email", _l("Email")), ("tax_id", _l("Tax ID"))),
)
