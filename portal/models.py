"""Imports every model so that ``Base.metadata`` knows the whole schema (alembic, tests)."""

from portal.accounts.models import Organization, RevokedToken, User
from portal.catalog.models import Customer, Product
from portal.db import Base
from portal.organization.models import PlanChange

__all__ = [
    "Base",
    "Customer",
    "Organization",
    "PlanChange",
    "Product",
    "RevokedToken",
    "User",
]
