"""What the code cannot say about each ``/api/v1`` endpoint, declared once as data: its
summary, the form (or schema) of its body, the data it answers, its 201, the 409s its
services raise, its query parameters. Routes, methods, path parameters, permissions, PRO
gates, idempotency and most statuses come from the URL map (``spec``). The document types'
endpoints are declared from their kernel table (``documents.kernel``), one set per type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal.accounts.forms import LoginForm, SignupForm
from portal.catalog.kinds import CUSTOMERS, PRODUCTS
from portal.documents.kernel import DocumentType
from portal.invoices.document import INVOICES
from portal.invoices.forms import PaymentForm
from portal.openapi.schemas import (
    BOOLEAN,
    DATE,
    INTEGER,
    STRING,
    Schema,
    enum,
    obj,
    page_of,
    ref,
)
from portal.organization.forms import OrganizationUpdateForm
from portal.periods import PRESETS
from portal.quotes.document import QUOTES
from portal.recurring.document import RECURRING
from portal.reports.registry import REPORTS
from portal.team.forms import UserCreateForm, UserUpdateForm
from portal.webhooks.forms import EndpointFields


@dataclass(frozen=True)
class Body:
    """A request body: a form's fields (camelized) or a schema; ``partial``: a PATCH."""

    form: type[FlaskForm] | None = None
    schema: Schema | None = None
    partial: bool = False
    media: tuple[str, ...] = ("application/json",)
    required: bool = True
    extra: Schema | None = None  # properties the view reads beside the form's


@dataclass(frozen=True)
class Operation:
    summary: Any
    data: Schema | None = None  # the envelope's data on success (None: null)
    body: Body | None = None
    status: int = 200
    conflicts: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    media: str | None = None  # a success that is not the JSON envelope (a PDF, a CSV)
    description: Any = None
    etag: bool = False  # answers an ETag (documents)
    if_match: bool = False  # honours If-Match (412 PRECONDITION_FAILED)
    token: bool = False  # needs a token though the view names no permission
    failures: tuple[tuple[int, str], ...] = ()  # other refusals its service raises


PAGED = ("limit", "cursor")
PERIOD = ("from", "to", "period")

QUERY: dict[str, tuple[Schema, Any]] = {
    "limit": (
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
        _l("How many items per page (at most 100)"),
    ),
    "cursor": (STRING, _l("The nextCursor of the previous page")),
    "limit:reports": (
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
        _l(
            "Aging and sales: how many rows of each ranking (at most 100); the rest is "
            "added up in one row. The CSV has every row"
        ),
    ),
    "q": (
        STRING,
        _l(
            "Search text, ignoring case and accents: a product's name or SKU, a customer's "
            "name, e-mail or tax id, a document's number or customer"
        ),
    ),
    "status": (STRING, _l("Only items in this status")),
    "customerId": (STRING, _l("Only this customer's items")),
    "overdue": (enum(("true", "false")), _l("Only overdue invoices")),
    "from": (DATE, _l("First day of the period (YYYY-MM-DD)")),
    "to": (DATE, _l("Last day of the period (YYYY-MM-DD)")),
    "period": (enum(PRESETS), _l("A named period instead of from and to")),
    "format": (enum(("json", "csv")), _l("csv answers the report as a CSV file")),
    # A name used twice with another meaning: "<parameter>:<where>".
    "format:catalog": (
        {**enum(("csv", "excel-es")), "default": "csv"},
        _l(
            "excel-es answers CSV for Excel in Spanish: a BOM, semicolons, decimal commas, "
            "Spanish headers"
        ),
    ),
}

ID = STRING
NO_BODY = None
OPTIONAL_JSON = ("application/json",)

SEND_BODY = Body(
    schema={
        "type": "object",
        "properties": {
            "to": {
                "type": ["array", "string", "null"],
                "items": {"type": "string", "format": "email"},
                "description": _l("Recipients (default: the customer's e-mail)"),
            },
            "cc": {
                "type": ["array", "string", "null"],
                "items": {"type": "string", "format": "email"},
                "description": _l("Copy to these addresses"),
            },
            "message": {
                "type": ["string", "null"],
                "maxLength": 2000,
                "description": _l("A message added to the e-mail"),
            },
        },
    },
    required=False,
)

CSV_BODY = Body(
    schema={
        "type": "object",
        "properties": {"file": {"type": "string", "contentMediaType": "text/csv"}},
        "required": ["file"],
    },
    media=("multipart/form-data", "text/csv"),
)


def document_operations(kind: DocumentType, texts: dict[str, Any]) -> dict[str, Operation]:
    """Every route ``api.documents.document_routes`` adds for ``kind``, keyed by view name."""
    key, schema = kind.key, ref(texts["schema"])
    conflicts = tuple(texts.get("conflicts", ()))
    ops = {
        f"create_{key}": Operation(
            texts["create"],
            schema,
            Body(form=kind.form),
            status=201,
            conflicts=("INVALID_STATE", *conflicts),
        ),
        f"get_{key}": Operation(texts["read"], schema, etag=True),
        f"update_{key}": Operation(
            texts["update"],
            schema,
            Body(form=kind.form, partial=kind.input_of is not None),
            conflicts=("INVALID_STATE", *conflicts),
            etag=True,
            if_match=True,
            description=_l(
                "A JSON merge patch: the fields sent change, null blanks one, the rest stay; "
                "lines, when sent, replace the lines. With If-Match, only the version read."
            )
            if kind.input_of is not None
            else _l("Replaces the whole document with the body."),
        ),
        f"{key}_history": Operation(texts["history"], page_of(ref("HistoryEvent"))),
    }
    if kind.render_pdf is not None:
        ops[f"{key}_pdf"] = Operation(texts["pdf"], media="application/pdf")
    for transition in kind.routed_transitions:
        body = Body(form=transition.form, required=False) if transition.form else None
        ops[f"{transition.action}_{key}"] = Operation(
            texts.get(transition.action, transition.done),
            schema,
            body,
            conflicts=("INVALID_STATE",),
            etag=True,
        )
    if kind.sending is not None:
        ops[f"send_{key}"] = Operation(
            texts["send"],
            {"allOf": [schema, obj({"email": ref("Email")})]},
            SEND_BODY,
            conflicts=("INVALID_STATE",),
        )
        ops[f"renew_{key}_link"] = Operation(
            texts["public-link"], schema, conflicts=("INVALID_STATE",)
        )
    return ops


def catalog_operations(slug: str, texts: dict[str, Any]) -> dict[str, Operation]:
    """The routes ``api.catalog`` adds for one kind (products, customers)."""
    schema = ref(texts["schema"])
    form = PRODUCTS.form if slug == PRODUCTS.slug else CUSTOMERS.form
    conflicts = tuple(texts.get("conflicts", ()))
    return {
        f"{slug}_list_rows": Operation(texts["list"], page_of(schema), query=(*PAGED, "q")),
        f"{slug}_create_row": Operation(
            texts["create"], schema, Body(form=form), status=201, conflicts=conflicts
        ),
        f"{slug}_get_row": Operation(texts["read"], schema),
        f"{slug}_update_row": Operation(
            texts["update"],
            schema,
            Body(form=form, partial=True),
            conflicts=conflicts,
            description=_l("Changes only the fields sent."),
        ),
        f"{slug}_delete_row": Operation(texts["delete"]),
        f"{slug}_export_rows": Operation(
            texts["export"], media="text/csv", query=("format:catalog",)
        ),
        f"{slug}_import_rows": Operation(
            texts["import"],
            obj({"imported": INTEGER}),
            CSV_BODY,
            status=201,
            description=_l(
                "A CSV file (multipart field file, or a text/csv body); any bad row refuses "
                "the whole file with each row's errors."
            ),
        ),
    }


def _build() -> dict[str, Operation]:
    ops: dict[str, Operation] = {
        "api_auth.register_account": Operation(
            _l("Sign up: a new organisation and its owner"),
            ref("Account"),
            Body(form=SignupForm),
            status=201,
            conflicts=("DUPLICATE_EMAIL",),
        ),
        "api_auth.create_token": Operation(
            _l("Log in: a Bearer token for e-mail and password"),
            ref("Token"),
            Body(form=LoginForm),
            failures=((401, "UNAUTHORIZED"),),  # wrong e-mail or password
        ),
        "api_auth.revoke_current_token": Operation(
            _l("Revoke the token of this request"), token=True
        ),
        "api_auth.me": Operation(_l("The caller: user, role, organisation and plan"), ref("Me")),
        "api_users.list_users": Operation(
            _l("List the team's users"), page_of(ref("User")), query=PAGED
        ),
        "api_users.create_user": Operation(
            _l("Add a user"),
            ref("User"),
            Body(form=UserCreateForm),
            status=201,
            conflicts=("DUPLICATE_EMAIL",),
            failures=((403, "PLAN_REQUIRED"),),  # the plan's team is full
        ),
        "api_users.get_user": Operation(_l("Read a user"), ref("User")),
        "api_users.update_user": Operation(
            _l("Change a user's role or deactivate them"),
            ref("User"),
            Body(form=UserUpdateForm, partial=True),
            conflicts=("INVALID_STATE",),
        ),
        "api_organization.get_organization": Operation(
            _l("The organisation: settings, plan and fiscal profile"), ref("Organization")
        ),
        "api_organization.update_organization": Operation(
            _l("Change the organisation's settings or plan"),
            ref("Organization"),
            Body(
                form=OrganizationUpdateForm,
                partial=True,
                extra={
                    "mailTemplates": {
                        "type": ["object", "null"],
                        "description": _l("E-mail texts by purpose and language"),
                    },
                    "reminders": {
                        "type": "object",
                        "properties": {
                            "enabled": BOOLEAN,
                            "days": {"type": ["array", "null"], "items": INTEGER},
                        },
                        "additionalProperties": False,
                        "description": _l("Payment reminders: on or off, and their days"),
                    },
                },
            ),
            conflicts=("INVALID_STATE",),
            description=_l("Changes only the fields sent (inside address too)."),
        ),
        "api_organization.get_logo": Operation(
            _l("The organisation's logo"), media="image/*", failures=((404, "NOT_FOUND"),)
        ),
        "api_organization.put_logo": Operation(
            _l("Upload the logo"),
            ref("Organization"),
            Body(
                schema={"type": "string", "contentMediaType": "image/*"},
                media=("image/png", "image/jpeg", "multipart/form-data"),
            ),
            description=_l("The image as the body, or as the multipart field logo."),
        ),
        "api_organization.delete_logo": Operation(_l("Remove the logo"), ref("Organization")),
        "api_invoices.list_invoices": Operation(
            _l("List invoices"),
            page_of(ref("Invoice")),
            query=(*PAGED, "q", "status", "overdue", "customerId"),
        ),
        "api_invoices.list_payments": Operation(
            _l("An invoice's payments"), page_of(ref("Payment"))
        ),
        "api_invoices.record_payment": Operation(
            _l("Record a payment"),
            obj({"payment": ref("Payment"), "invoice": ref("Invoice")}),
            Body(form=PaymentForm),
            status=201,
            conflicts=("INVALID_STATE",),
        ),
        "api_invoices.get_reminders": Operation(
            _l("An invoice's payment reminders"), ref("Reminders")
        ),
        "api_invoices.set_reminders": Operation(
            _l("Turn an invoice's payment reminders on or off"),
            ref("Reminders"),
            Body(schema=obj({"enabled": BOOLEAN})),
        ),
        "api_quotes.list_quotes": Operation(
            _l("List quotes"), page_of(ref("Quote")), query=(*PAGED, "q", "status", "customerId")
        ),
        "api_quotes.convert_quote": Operation(
            _l("Convert an accepted quote into an invoice"),
            ref("Invoice"),
            status=201,
            conflicts=("INVALID_STATE",),
        ),
        "api_recurring.list_recurring": Operation(
            _l("List recurring invoices"),
            page_of(ref("RecurringInvoice")),
            query=(*PAGED, "q", "status", "customerId"),
        ),
        "api_statements.customer_statement": Operation(
            _l("A customer's statement for a period"),
            ref("Statement"),
            query=(*PERIOD, *PAGED),
        ),
        "api_statements.customer_statement_pdf": Operation(
            _l("A customer's statement as a PDF"), media="application/pdf", query=PERIOD
        ),
        "api_dashboard.get_dashboard": Operation(
            _l("The managers' figures for a period"), ref("Dashboard"), query=PERIOD
        ),
        "api_reports.report": Operation(
            _l("A report (aging, quotes, sales or taxes), as JSON or CSV"),
            ref("Report"),
            query=(*PERIOD, "format", "limit:reports"),
            description=_l("With format=csv (or Accept: text/csv) the answer is a CSV file."),
        ),
        "api_webhooks.list_endpoints": Operation(
            _l("List webhooks"), page_of(ref("Webhook")), query=PAGED
        ),
        "api_webhooks.create_endpoint": Operation(
            _l("Create a webhook (its signing secret is shown once)"),
            ref("Webhook"),
            Body(
                form=EndpointFields, extra={"events": {"type": ["array", "null"], "items": STRING}}
            ),
            status=201,
        ),
        "api_webhooks.get_endpoint": Operation(_l("Read a webhook"), ref("Webhook")),
        "api_webhooks.update_endpoint": Operation(
            _l("Change a webhook"),
            ref("Webhook"),
            Body(
                form=EndpointFields,
                partial=True,
                extra={"events": {"type": ["array", "null"], "items": STRING}},
            ),
        ),
        "api_webhooks.delete_endpoint": Operation(_l("Delete a webhook")),
        "api_webhooks.rotate_secret": Operation(_l("Issue a new signing secret"), ref("Webhook")),
        "api_webhooks.test_endpoint": Operation(
            _l("Send a test event"),
            obj({"statusCode": INTEGER, "durationMs": INTEGER}),
            conflicts=("INVALID_STATE",),
            failures=((502, "WEBHOOK_DELIVERY_FAILED"),),
        ),
        "api_webhooks.list_deliveries": Operation(
            _l("A webhook's deliveries"), page_of(ref("Delivery")), query=PAGED
        ),
        "api_webhooks.get_delivery": Operation(
            _l("A delivery with its payload and attempts"), ref("DeliveryDetail")
        ),
        "api_webhooks.resend_delivery": Operation(
            _l("Queue a delivery again"), ref("Delivery"), conflicts=("INVALID_STATE",)
        ),
        "api_webhooks.recover_deliveries": Operation(
            _l("Queue again the deliveries that failed since a moment"),
            obj({"count": INTEGER}),
            Body(schema=obj({"since": {"type": "string", "format": "date-time"}})),
        ),
        "api_openapi.description": Operation(
            _l("This description (OpenAPI 3.1)"), media="application/json"
        ),
    }
    catalog = {
        PRODUCTS.slug: {
            "schema": "Product",
            "list": _l("List products"),
            "create": _l("Create a product"),
            "read": _l("Read a product"),
            "update": _l("Change a product"),
            "delete": _l("Delete a product"),
            "export": _l("Export products as CSV"),
            "import": _l("Import products from CSV"),
            "conflicts": ("DUPLICATE_SKU",),
        },
        CUSTOMERS.slug: {
            "schema": "Customer",
            "list": _l("List customers"),
            "create": _l("Create a customer"),
            "read": _l("Read a customer"),
            "update": _l("Change a customer"),
            "delete": _l("Delete a customer"),
            "export": _l("Export customers as CSV"),
            "import": _l("Import customers from CSV"),
        },
    }
    for slug, texts in catalog.items():
        ops.update({f"api_catalog.{k}": v for k, v in catalog_operations(slug, texts).items()})
    documents = (
        (
            "api_quotes",
            QUOTES,
            {
                "schema": "Quote",
                "create": _l("Create a quote"),
                "read": _l("Read a quote"),
                "update": _l("Change a quote"),
                "history": _l("A quote's history"),
                "pdf": _l("A quote as a PDF"),
                "accept": _l("Record that the customer accepted the quote"),
                "reject": _l("Record that the customer rejected the quote"),
                "send": _l("E-mail the quote to the customer"),
                "public-link": _l("Replace the quote's public link"),
            },
        ),
        (
            "api_invoices",
            INVOICES,
            {
                "schema": "Invoice",
                "create": _l("Create an invoice"),
                "read": _l("Read an invoice"),
                "update": _l("Change an invoice"),
                "history": _l("An invoice's history"),
                "pdf": _l("An invoice as a PDF"),
                "issue": _l("Issue an invoice (it takes its number)"),
                "void": _l("Void an invoice (it keeps its number)"),
                "send": _l("E-mail the invoice to the customer"),
                "public-link": _l("Replace the invoice's public link"),
                "conflicts": ("DUPLICATE_INVOICE_NUMBER",),
            },
        ),
        (
            "api_recurring",
            RECURRING,
            {
                "schema": "RecurringInvoice",
                "create": _l("Create a recurring invoice"),
                "read": _l("Read a recurring invoice"),
                "update": _l("Change a recurring invoice"),
                "history": _l("A recurring invoice's history"),
                "pause": _l("Pause a recurring invoice"),
                "resume": _l("Resume a recurring invoice"),
            },
        ),
    )
    for blueprint, kind, texts in documents:
        ops.update({f"{blueprint}.{k}": v for k, v in document_operations(kind, texts).items()})
    return ops


OPERATIONS: dict[str, Operation] = _build()

# The path parameter of report names: one value per report the registry holds.
REPORT_NAMES = tuple(REPORTS)

TAGS: dict[str, Any] = {
    "auth": _l("Authentication"),
    "me": _l("Authentication"),
    "openapi.json": _l("Authentication"),
    "users": _l("Team"),
    "organization": _l("Organisation"),
    "products": _l("Products"),
    "customers": _l("Customers"),
    "quotes": _l("Quotes"),
    "invoices": _l("Invoices"),
    "recurring-invoices": _l("Recurring invoices"),
    "dashboard": _l("Dashboard"),
    "reports": _l("Reports"),
    "webhooks": _l("Webhooks"),
}
