"""The catalog: products and customers that quotes and invoices draw from."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from portal.db import Base, FixedDecimal, PublicIdMixin
from portal.errors import DuplicateSku


class Product(PublicIdMixin, Base):
    __tablename__ = "products"
    __id_prefix__ = "prod"
    __table_args__ = (
        # The SKU is unique per organisation ignoring case and surrounding blanks: the
        # database decides, so racing requests get one winner.
        UniqueConstraint("organization_id", "sku_key"),
        Index("ix_products_organization_id_name", "organization_id", "name", "public_id"),
        Index("ix_products_organization_id_created_at", "organization_id", "created_at"),
    )
    __conflicts__ = {"uq_products_organization_id_sku_key": DuplicateSku}

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    sku_key: Mapped[str] = mapped_column(String(64))
    price: Mapped[Decimal] = mapped_column(FixedDecimal(12, 2))
    tax_rate: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2), default=Decimal("0"))
    unit: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(default=True)

    @validates("sku")
    def _keep_sku_key(self, _key: str, sku: str) -> str:
        self.sku_key = sku_key(sku)
        return sku


class Customer(PublicIdMixin, Base):
    __tablename__ = "customers"
    __id_prefix__ = "cus"
    __table_args__ = (
        Index("ix_customers_organization_id_name", "organization_id", "name", "public_id"),
        Index("ix_customers_organization_id_created_at", "organization_id", "created_at"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    tax_id: Mapped[str] = mapped_column(String(32), default="")
    # The street (a plain address string of old is kept as the street); the API answers the
    # structured ``address`` object (street, postalCode, city, region, country).
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    # Subject to Spain's recargo de equivalencia: lines add it to their tax.
    surcharge: Mapped[bool] = mapped_column(default=False)
    # The language of the e-mails and public pages the customer gets ("": the organisation's).
    locale: Mapped[str] = mapped_column(String(5), default="")


def sku_key(sku: str) -> str:
    return sku.strip().lower()
