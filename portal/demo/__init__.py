"""The demo organisation (``flask --app app portal seed-demo``): a PRO organisation, a Spanish
company with a complete fiscal profile (``portal.demo.identity``), with one user per role
and, unless asked for it empty, a year of business replayed through the services
(``portal.demo.replay``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer, Product
from portal.demo.catalog import FOREIGN_RATES
from portal.demo.identity import PROFILE, draw_logo
from portal.demo.replay import create_demo_activity
from portal.extensions import db
from portal.fiscal.countries import apply_country
from portal.invoices.models import Invoice, InvoiceStatus, Payment
from portal.organization.services import set_logo, update_profile
from portal.quotes.models import Quote, QuoteStatus
from portal.security.passwords import hash_password
from portal.security.roles import Plan, Role

__all__ = ["create_demo_activity", "create_demo_organization", "demo_counts", "demo_exists"]

DEMO_ORGANIZATION = "Demo Comercial"  # the trade name; the legal name is an S.L.
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo credential, local data only
DEMO_USERS = [
    ("Olivia Owner", "owner@demo.example.com", Role.OWNER),
    ("Adrián Admin", "admin@demo.example.com", Role.ADMIN),
    ("Carmen Contable", "accountant@demo.example.com", Role.ACCOUNTANT),
    ("Óscar Operador", "operator@demo.example.com", Role.OPERATOR),
    ("Valeria Visora", "viewer@demo.example.com", Role.VIEWER),
]


def demo_exists() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][1])) is not None


def create_demo_organization(time_zone: str) -> Organization:
    """The demo organisation (PRO) and its users, one per role, all with ``DEMO_PASSWORD``.

    A Spanish company, as sign-up makes one (EUR, Spain's IVA table with recargo, the FAC/COT
    series) in ``time_zone``; its profile and logo go through the settings' services, so the
    tax id and IBAN are checked and the logo re-encoded as an upload would be."""
    organization = Organization(name=DEMO_ORGANIZATION, locale="es", plan=Plan.PRO)
    apply_country(organization, "ES", time_zone=time_zone)
    password_hash = hash_password(DEMO_PASSWORD)
    db.session.add(organization)
    for name, email, role in DEMO_USERS:
        db.session.add(
            User(
                organization=organization,
                name=name,
                email=email,
                role=role,
                password_hash=password_hash,
                active=True,
            )
        )
    db.session.flush()
    tax_rates = [*organization.tax_rates, *(dict(rate) for rate in FOREIGN_RATES)]
    update_profile(organization, {**PROFILE, "tax_rates": tax_rates})
    set_logo(organization, draw_logo())
    return organization


def demo_counts(organization: Organization) -> dict[str, int]:
    """What the organisation holds: rows of each kind, and quotes and invoices per status as
    people see them (``EXPIRED``, and ``OVERDUE`` among the open invoices, as of its today)."""
    today = organization.today()
    org = organization.id
    quotes = _by_status(Quote, org)
    expired = _count(
        Quote,
        Quote.organization_id == org,
        Quote.status == QuoteStatus.SENT,
        Quote.valid_until < today,
    )
    quotes[QuoteStatus.SENT] = quotes.get(QuoteStatus.SENT, 0) - expired
    quotes[QuoteStatus.EXPIRED] = expired
    invoices = _by_status(Invoice, org)
    overdue = _count(
        Invoice,
        Invoice.organization_id == org,
        Invoice.status.in_(InvoiceStatus.OPEN),
        Invoice.due_date < today,
    )
    return {
        "customers": _count(Customer, Customer.organization_id == org),
        "products": _count(Product, Product.organization_id == org),
        "quotes": _count(Quote, Quote.organization_id == org),
        **{f"quotes {status}": quotes.get(status, 0) for status in QuoteStatus.ALL},
        "invoices": _count(Invoice, Invoice.organization_id == org),
        **{f"invoices {status}": invoices.get(status, 0) for status in InvoiceStatus.ALL},
        "invoices overdue": overdue,
        "payments": _count(Payment, Payment.organization_id == org),
    }


def _by_status(model: Any, organization_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(model.status, func.count())
        .where(model.organization_id == organization_id)
        .group_by(model.status)
    )
    return {status: count for status, count in rows}


def _count(model: type, *conditions: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
