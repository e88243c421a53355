"""The answers' shapes, written once per resource (``components.schemas``), with the
envelope every answer is wrapped in. Status lists come from the code (roles, plans, each
document type's states); ``tests/test_openapi.py`` checks real answers against them."""

from __future__ import annotations

from typing import Any

from portal.invoices.document import INVOICES
from portal.invoices.forms import PAYMENT_METHODS
from portal.jobs.models import JobStatus
from portal.quotes.document import QUOTES
from portal.recurring.document import RECURRING
from portal.recurring.models import Frequency
from portal.security.roles import Plan, Role

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
MONEY: Schema = {"$ref": "#/components/schemas/Money"}
DATE: Schema = {"type": "string", "format": "date"}
MOMENT: Schema = {"type": "string", "format": "date-time"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    return {**schema, "type": [*kinds, "null"]}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    """An object whose every property is present but those named ``optional``."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required}


def page_of(item: Schema) -> Schema:
    """A page of a list: ``items`` and the cursor of the next page (``null``: the last)."""
    return obj({"items": {"type": "array", "items": item}, "nextCursor": nullable(STRING)})


def enum(values: Any) -> Schema:
    return {"type": "string", "enum": [str(value) for value in values]}


def _maybe(**properties: Schema) -> dict[str, Schema]:
    return {name: nullable(schema) for name, schema in properties.items()}


ADDRESS = obj(
    {
        **_maybe(street=STRING, postalCode=STRING, city=STRING, region=STRING),
        "country": nullable(STRING),
    }
)

LIMITS = obj(
    {
        "requestsPerMinute": INTEGER,
        "concurrentRequests": INTEGER,
        "maxUsers": nullable(INTEGER),
        "proFeatures": BOOLEAN,
    }
)

ORGANIZATION_SUMMARY: dict[str, Schema] = {
    "id": STRING,
    "name": STRING,
    "currency": STRING,
    "locale": STRING,
    "timeZone": STRING,
    "plan": enum(Plan),
    "limits": LIMITS,
    "createdAt": MOMENT,
}

ORGANIZATION = obj(
    {
        **ORGANIZATION_SUMMARY,
        **_maybe(legalName=STRING, taxId=STRING, country=STRING),
        "address": ADDRESS,
        **_maybe(email=STRING, phone=STRING, iban=STRING, bankDetails=STRING),
        "paymentTermsDays": nullable(INTEGER),
        **_maybe(invoiceFooter=STRING, invoicePrefix=STRING, quotePrefix=STRING),
        "taxRates": {"type": "array", "items": {"type": "object"}},
        "mailReplyTo": nullable(STRING),
        "mailTemplates": {"type": "object"},
        "reminders": obj(
            {"enabled": BOOLEAN, "days": {"type": "array", "items": INTEGER}},
        ),
        "logoUrl": nullable(STRING),
    }
)

USER = obj(
    {
        "id": STRING,
        "name": STRING,
        "email": {"type": "string", "format": "email"},
        "role": enum(Role),
        "active": BOOLEAN,
        "locale": nullable(STRING),
        "createdAt": MOMENT,
        "lastLoginAt": nullable(MOMENT),
    }
)

TOKEN = obj({"token": STRING, "expiresAt": MOMENT, "role": enum(Role)})

ME = obj(
    {
        "user": ref("User"),
        "role": enum(Role),
        "organization": ref("Organization"),
        "plan": enum(Plan),
    }
)

ACCOUNT = obj({"organization": ref("Organization"), "user": ref("User"), **TOKEN["properties"]})

PRODUCT = obj(
    {
        "id": STRING,
        "name": STRING,
        "sku": STRING,
        "price": MONEY,
        "taxRate": MONEY,
        "unit": nullable(STRING),
        "active": BOOLEAN,
        "createdAt": MOMENT,
    }
)

CUSTOMER = obj(
    {
        "id": STRING,
        "name": STRING,
        "email": nullable(STRING),
        "taxId": nullable(STRING),
        "address": ADDRESS,
        "country": nullable(STRING),
        "surcharge": BOOLEAN,
        "phone": nullable(STRING),
        "locale": nullable(STRING),
        "createdAt": MOMENT,
    }
)

LINE = obj(
    {
        "productId": nullable(STRING),
        "description": STRING,
        "quantity": {"type": "string", "format": "decimal"},
        "unitPrice": MONEY,
        "discountPercent": MONEY,
        "taxPercent": MONEY,
        "taxName": nullable(STRING),
        "surchargePercent": MONEY,
        **{name: MONEY for name in ("gross", "discount", "net", "tax", "surcharge", "total")},
    }
)

BREAKDOWN_ROW = obj(
    {name: MONEY for name in ("taxPercent", "base", "tax", "surchargePercent", "surcharge")}
)

TOTALS: dict[str, Schema] = {
    name: MONEY
    for name in (
        "subtotal",
        "discountTotal",
        "taxTotal",
        "surchargeTotal",
        "withholdingPercent",
        "withholdingTotal",
        "total",
    )
}

LINES = {"type": "array", "items": ref("Line")}
BREAKDOWN = {"type": "array", "items": ref("TaxBreakdownRow")}

QUOTE_SUMMARY: dict[str, Schema] = {
    "id": STRING,
    "quoteNumber": STRING,
    "status": enum(QUOTES.statuses),
    "customerId": nullable(STRING),
    "customerName": nullable(STRING),
    "issueDate": DATE,
    "validUntil": DATE,
    "currency": STRING,
    **TOTALS,
    "createdAt": MOMENT,
}
QUOTE_DETAIL: dict[str, Schema] = {
    **_maybe(notes=STRING, decisionReason=STRING, publicUrl=STRING, invoiceId=STRING),
    "lines": LINES,
    "taxBreakdown": BREAKDOWN,
}

INVOICE_SUMMARY: dict[str, Schema] = {
    "id": STRING,
    "invoiceNumber": STRING,
    "status": enum(INVOICES.statuses),
    "overdue": BOOLEAN,
    "customerId": nullable(STRING),
    "customerName": nullable(STRING),
    "invoiceDate": DATE,
    "dueDate": nullable(DATE),
    "currency": STRING,
    **TOTALS,
    "amountPaid": MONEY,
    "balance": MONEY,
    "createdAt": MOMENT,
}
INVOICE_DETAIL: dict[str, Schema] = {
    "notes": nullable(STRING),
    **_maybe(issuedAt=MOMENT, voidedAt=MOMENT),
    "remindersEnabled": BOOLEAN,
    "recurringInvoiceId": nullable(STRING),
    "recurringPeriod": nullable(DATE),
    "lines": LINES,
    "taxBreakdown": BREAKDOWN,
}

RECURRING_SUMMARY: dict[str, Schema] = {
    "id": STRING,
    "number": STRING,
    "status": enum(RECURRING.statuses),
    "customerId": nullable(STRING),
    "customerName": nullable(STRING),
    "frequency": enum(Frequency.ALL),
    "interval": INTEGER,
    "startDate": DATE,
    "endDate": nullable(DATE),
    "count": nullable(INTEGER),
    "autoIssue": BOOLEAN,
    "autoSend": BOOLEAN,
    "currency": STRING,
    **TOTALS,
    "invoicesCreated": INTEGER,
    "nextRuns": {"type": "array", "items": DATE},
    "lastRunAt": nullable(MOMENT),
    "lastError": nullable(STRING),
    "createdAt": MOMENT,
}
MADE_INVOICE = obj(
    {
        "id": STRING,
        "invoiceNumber": STRING,
        "status": enum(INVOICES.statuses),
        "period": nullable(DATE),
        "total": MONEY,
    }
)
RECURRING_DETAIL: dict[str, Schema] = {
    "notes": nullable(STRING),
    "lines": LINES,
    "invoices": {"type": "array", "items": MADE_INVOICE},
}


def document(summary: dict[str, Schema], detail: dict[str, Schema]) -> Schema:
    """A document's schema: the detail's parts are absent from list items."""
    return obj({**summary, **detail}, optional=tuple(detail))


EMAIL = obj(
    {
        "id": STRING,
        "status": enum(("QUEUED", "SENT", "FAILED")),
        "to": {"type": "array", "items": STRING},
        "cc": {"type": "array", "items": STRING},
        "subject": STRING,
        "attempts": INTEGER,
        "lastReply": nullable(STRING),
        "sentAt": nullable(MOMENT),
        "createdAt": nullable(MOMENT),
    }
)

HISTORY_EVENT = obj(
    {
        "action": STRING,
        "at": MOMENT,
        "actor": nullable(obj({"id": STRING, "name": STRING})),
        "actorLabel": nullable(STRING),
        "changes": {"type": ["object", "null"]},
    }
)

PAYMENT = obj(
    {
        "id": STRING,
        "amount": MONEY,
        "paidOn": DATE,
        "method": enum(PAYMENT_METHODS),
        "reference": nullable(STRING),
        "createdAt": MOMENT,
    }
)

REMINDERS = obj(
    {
        "enabled": BOOLEAN,
        "organizationEnabled": BOOLEAN,
        "items": {
            "type": "array",
            "items": obj({"step": INTEGER, "sentOn": DATE, "outcome": nullable(STRING)}),
        },
        "nextOn": nullable(DATE),
    }
)

WEBHOOK = obj(
    {
        "id": STRING,
        "url": {"type": "string", "format": "uri"},
        "description": nullable(STRING),
        "events": {"type": "array", "items": STRING},
        "active": BOOLEAN,
        "disabledReason": nullable(STRING),
        "disabledAt": nullable(MOMENT),
        "failingSince": nullable(MOMENT),
        "previousSecretExpiresAt": nullable(MOMENT),
        "createdAt": MOMENT,
        "secret": STRING,
    },
    optional=("secret",),
)

DELIVERY: dict[str, Schema] = {
    "id": STRING,
    "eventId": STRING,
    "eventType": STRING,
    "status": enum(JobStatus.ALL),
    "attemptCount": INTEGER,
    "lastStatusCode": nullable(INTEGER),
    "durationMs": nullable(INTEGER),
    "lastError": nullable(STRING),
    "nextAttemptAt": nullable(MOMENT),
    "finishedAt": nullable(MOMENT),
    "createdAt": MOMENT,
}
ATTEMPT = obj(
    {
        "at": MOMENT,
        "statusCode": nullable(INTEGER),
        "durationMs": nullable(INTEGER),
        "error": nullable(STRING),
        "responseExcerpt": nullable(STRING),
        "nextAttemptAt": nullable(MOMENT),
    }
)

STATEMENT = obj(
    {
        "customer": ref("Customer"),
        "currency": STRING,
        "from": DATE,
        "to": DATE,
        "asOf": DATE,
        **{
            name: MONEY
            for name in (
                "openingBalance",
                "invoiced",
                "paid",
                "closingBalance",
                "openBalance",
                "overdueBalance",
            )
        },
        "openCount": INTEGER,
        "overdueCount": INTEGER,
        "movements": {"type": "object"},
        "quotes": {"type": "object"},
    }
)

DASHBOARD = obj(
    {
        "from": DATE,
        "to": DATE,
        "currency": STRING,
        "revenue": MONEY,
        "invoiced": MONEY,
        "outstanding": MONEY,
        "overdue": MONEY,
        "quotesOpen": INTEGER,
        "monthly": {
            "type": "array",
            "items": obj({"month": STRING, "invoiced": MONEY, "paid": MONEY}),
        },
    }
)

COMPONENTS: dict[str, Schema] = {
    "Money": {
        "type": "string",
        "pattern": r"^-?[0-9]+\.[0-9]{2}$",
        "description": "A decimal amount with two places, never a float",
        "examples": ["1234.50"],
    },
    "Address": ADDRESS,
    "Organization": ORGANIZATION,
    "User": USER,
    "Token": TOKEN,
    "Me": ME,
    "Account": ACCOUNT,
    "Product": PRODUCT,
    "Customer": CUSTOMER,
    "Line": LINE,
    "TaxBreakdownRow": BREAKDOWN_ROW,
    "Quote": document(QUOTE_SUMMARY, QUOTE_DETAIL),
    "Invoice": document(INVOICE_SUMMARY, INVOICE_DETAIL),
    "RecurringInvoice": document(RECURRING_SUMMARY, RECURRING_DETAIL),
    "Payment": PAYMENT,
    "Email": EMAIL,
    "HistoryEvent": HISTORY_EVENT,
    "Reminders": REMINDERS,
    "Webhook": WEBHOOK,
    "Delivery": obj(DELIVERY),
    "DeliveryDetail": obj(
        {
            **DELIVERY,
            "payload": {"type": "object"},
            "attempts": {"type": "array", "items": ATTEMPT},
        }
    ),
    "Statement": STATEMENT,
    "Dashboard": DASHBOARD,
    "Report": {"type": "object", "description": "The report's figures (see /api/docs)"},
    "Envelope": obj(
        {
            "success": {"const": True},
            "message": STRING,
            "data": {},
            "errors": {"type": "null"},
        }
    ),
    "Error": obj(
        {
            "success": {"const": False},
            "message": STRING,
            "error": STRING,
            "code": STRING,
            "data": {"type": "null"},
            "errors": {"type": ["object", "null"], "additionalProperties": STRING},
        }
    ),
}


def envelope_of(data: Schema | None) -> Schema:
    """A successful answer carrying ``data`` (``None``: no data, ``null``)."""
    return {
        "allOf": [
            ref("Envelope"),
            {"properties": {"data": data if data is not None else {"type": "null"}}},
        ]
    }


def error_of(codes: list[str]) -> Schema:
    return {"allOf": [ref("Error"), {"properties": {"code": {"enum": codes}}}]}
