"""Organisation settings, its fiscal profile, its logo and plan changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from portal.accounts.models import Organization, User
from portal.accounts.services import fiscal_ids
from portal.documents.models import DocumentCounter
from portal.errors import InvalidState, ValidationError
from portal.extensions import db
from portal.fiscal.logo import Logo, clean_logo
from portal.invoices.models import Invoice
from portal.mail.services import clean_mail_templates
from portal.organization.models import PlanChange
from portal.quotes.models import Quote
from portal.reminders.ladder import clean_ladder
from portal.security.plans import PLAN_LIMITS, plan_label
from portal.security.roles import Plan
from portal.team.services import active_user_count
from portal.tenancy import lock_organization

TOO_MANY_USERS_FOR_PLAN = _l(
    "The %(plan)s plan allows up to %(n)s active users; deactivate users first"
)
CURRENCY_LOCKED = _l("The currency cannot be changed once quotes or invoices exist")
INVOICE_PREFIX_LOCKED = _l(
    "Invoices are already numbered in %(year)s with %(prefix)s: the prefix can change only "
    "before the first invoice of a year"
)
QUOTE_PREFIX_LOCKED = _l(
    "Quotes are already numbered in %(year)s with %(prefix)s: the prefix can change only "
    "before the first quote of a year"
)
PREFIXES_EQUAL = _l("Invoices and quotes need different prefixes")

# What ``update_profile`` may change: the model's attribute names.
PROFILE_FIELDS = frozenset(
    {
        "name",
        "legal_name",
        "tax_id",
        "country",
        "street",
        "postal_code",
        "city",
        "region",
        "email",
        "phone",
        "iban",
        "bank_details",
        "payment_terms_days",
        "invoice_footer",
        "invoice_prefix",
        "quote_prefix",
        "tax_rates",
        "currency",
        "locale",
        "time_zone",
        "mail_reply_to",
        "mail_templates",
        "reminders_enabled",
        "reminder_days",
    }
)
# (prefix attribute, the documents it numbers, the message when it is locked)
_SERIES = (
    ("invoice_prefix", Invoice, INVOICE_PREFIX_LOCKED),
    ("quote_prefix", Quote, QUOTE_PREFIX_LOCKED),
)


def update_profile(organization: Organization, changes: Mapping[str, Any]) -> Organization:
    """Change the settings and fiscal profile named in ``changes`` (attribute names).

    Every rule is checked before anything changes: a refusal leaves the organisation as it
    was. The tax id is checked against the country it will have (a new country re-checks
    the kept id). Changing the country changes nothing else: currency, time zone, tax table
    and series are each the organisation's own choice once it exists.
    """
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    values = dict(changes)
    if values.get("mail_templates") is not None:
        values["mail_templates"] = clean_mail_templates(values["mail_templates"])
    if values.get("reminder_days") is not None:
        values["reminder_days"] = clean_ladder(values["reminder_days"], "reminders.days")
    organization = lock_organization(organization.id)
    country = values.get("country", organization.country) or ""
    if {"tax_id", "iban", "country"} & values.keys():
        values["tax_id"], values["iban"] = fiscal_ids(
            country,
            values.get("tax_id", organization.tax_id),
            values.get("iban", organization.iban),
        )
    _check_series(organization, values)
    currency = values.get("currency")
    if (
        currency is not None
        and currency != organization.currency
        and has_documents(organization.id)
    ):
        raise InvalidState(CURRENCY_LOCKED, field="currency")
    for name, value in values.items():
        if value is not None:
            setattr(organization, name, value)
    db.session.flush()
    return organization


def has_documents(organization_id: int) -> bool:
    """Whether the organisation has any quote or invoice (drafts and voids included)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(Invoice.organization_id == organization_id)
                | exists().where(Quote.organization_id == organization_id)
            )
        )
    )


def series_in_use(organization: Organization, attribute: str) -> bool:
    """Whether the series the prefix ``attribute`` names has numbered a document in the
    organisation's current year: its counter has moved, or a document carries its number."""
    for name, model, _message in _SERIES:
        if name == attribute:
            return _series_used(organization, model, getattr(organization, name))
    raise KeyError(attribute)


def _series_used(organization: Organization, model: Any, prefix: str) -> bool:
    year = organization.today().year
    counter = db.session.scalar(
        select(DocumentCounter.next_value).where(
            DocumentCounter.organization_id == organization.id,
            DocumentCounter.series == prefix,
            DocumentCounter.year == year,
        )
    )
    if counter is not None and counter > 1:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    model.organization_id == organization.id,
                    model.number.startswith(f"{prefix}-{year}-", autoescape=True),
                )
            )
        )
    )


def _check_series(organization: Organization, values: dict[str, Any]) -> None:
    invoice_prefix = values.get("invoice_prefix") or organization.invoice_prefix
    quote_prefix = values.get("quote_prefix") or organization.quote_prefix
    if invoice_prefix == quote_prefix:
        # One counter per prefix and year: shared, it would leave gaps in both series.
        field = "quote_prefix" if "quote_prefix" in values else "invoice_prefix"
        raise ValidationError({field: PREFIXES_EQUAL})
    for name, model, message in _SERIES:
        current = getattr(organization, name)
        wanted = values.get(name)
        if wanted is None or wanted == current:
            continue
        if _series_used(organization, model, current):
            year = organization.today().year
            raise InvalidState(message % {"year": year, "prefix": current}, field=name)


def set_logo(organization: Organization, upload: bytes) -> Organization:
    """Keep the logo made from ``upload`` (re-encoded: ``fiscal.logo``)."""
    logo = clean_logo(upload)
    organization.logo = logo.data
    organization.logo_type = logo.media_type
    db.session.flush()
    return organization


def remove_logo(organization: Organization) -> Organization:
    organization.logo = None
    organization.logo_type = ""
    db.session.flush()
    return organization


def logo_of(organization_id: int) -> Logo | None:
    """The organisation's logo as kept, or ``None``."""
    row = db.session.execute(
        select(Organization.logo, Organization.logo_type).where(Organization.id == organization_id)
    ).one_or_none()
    if row is None or not row.logo or not row.logo_type:
        return None
    return Logo(bytes(row.logo), row.logo_type)


def change_plan(
    organization: Organization,
    plan: str,
    *,
    changed_by: User | None,
    requests_per_minute: int | None = None,
    concurrent_requests: int | None = None,
) -> Organization:
    """Record the new plan (no payment is processed), who chose it and when.

    Under the organisation's row lock: a user added at the same moment is counted.
    """
    plan = Plan(plan)
    organization = lock_organization(organization.id)
    cap = PLAN_LIMITS[plan].max_users
    if cap is not None and active_user_count(organization.id) > cap:
        raise InvalidState(TOO_MANY_USERS_FOR_PLAN % {"plan": plan_label(plan), "n": cap})
    if plan != organization.plan:
        db.session.add(
            PlanChange(
                organization_id=organization.id,
                from_plan=organization.plan,
                to_plan=plan,
                changed_by_id=changed_by.id if changed_by else None,
            )
        )
        organization.plan = plan
    if plan == Plan.ENTERPRISE:
        if requests_per_minute is not None:
            organization.custom_requests_per_minute = requests_per_minute
        if concurrent_requests is not None:
            organization.custom_concurrent_requests = concurrent_requests
    db.session.flush()
    return organization


def plan_changes(organization_id: int, limit: int = 20) -> list[tuple[PlanChange, User | None]]:
    return list(
        db.session.execute(
            select(PlanChange, User)
            .outerjoin(User, User.id == PlanChange.changed_by_id)
            .where(PlanChange.organization_id == organization_id)
            .order_by(PlanChange.id.desc())
            .limit(limit)
        ).all()
    )
