"""Tenants and the people who work in them."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import DEFAULT_TIME_ZONE, today_in
from portal.db import Base, PublicIdMixin, UTCDateTime, utcnow
from portal.errors import DuplicateEmail
from portal.security.roles import PLANS, ROLES, Plan

# 3 days before the due date, on the day, a week and a month after.
DEFAULT_REMINDER_DAYS = (-3, 0, 7, 30)


class Organization(PublicIdMixin, Base):
    __tablename__ = "organizations"
    __id_prefix__ = "org"
    __table_args__ = (
        CheckConstraint(f"plan IN ({', '.join(repr(p.value) for p in PLANS)})", name="plan"),
    )

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    locale: Mapped[str] = mapped_column(String(5), default="es")
    # IANA zone: the organisation's "today" (numbering years, default dates, overdue, expiry)
    # and the wall clock its timestamps are shown in. Existing rows kept UTC (0005).
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    plan: Mapped[str] = mapped_column(String(20), default=Plan.FREE)
    # ENTERPRISE limits, set by the operator with ``portal set-plan``.
    custom_requests_per_minute: Mapped[int | None]
    custom_concurrent_requests: Mapped[int | None]

    # Fiscal profile (issue 11): what an invoice must say about its issuer. ``name`` is the
    # trade name; "" means not given. ``country`` is ISO 3166 alpha-2 ("" for none given).
    country: Mapped[str] = mapped_column(String(2), default="")
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str] = mapped_column(String(32), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    iban: Mapped[str] = mapped_column(String(34), default="")
    bank_details: Mapped[str] = mapped_column(String(500), default="")
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    invoice_footer: Mapped[str] = mapped_column(Text, default="")
    # Re-encoded on upload (``fiscal.logo``): never the bytes a person sent.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str] = mapped_column(String(20), default="")
    # Number series: FAC/COT where Spanish is spoken, INV/COT otherwise (``fiscal.countries``).
    invoice_prefix: Mapped[str] = mapped_column(String(10), default="INV")
    quote_prefix: Mapped[str] = mapped_column(String(10), default="COT")
    # The named rates lines choose from: [{"name", "percent", "surchargePercent",
    # "exemptReason"}], percents as decimal strings (``fiscal.taxes``).
    tax_rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # E-mail to customers: where their replies go ("" : the organisation's e-mail), and the
    # OWNER's own subjects and bodies by purpose and language ({} : the portal's wording).
    mail_reply_to: Mapped[str] = mapped_column(String(254), default="")
    mail_templates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Payment reminders (``portal.reminders``): days from the due date on which an open
    # invoice's customer is reminded (-3: three days before, 0: on the day, 7: a week after).
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    reminder_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_DAYS)
    )

    users: Mapped[list[User]] = relationship(back_populates="organization", lazy="raise")

    def today(self) -> date:
        """The organisation's own date now."""
        return today_in(self.time_zone)


class User(PublicIdMixin, Base):
    __tablename__ = "users"
    __id_prefix__ = "usr"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r.value) for r in ROLES)})", name="role"),
        Index("ix_users_organization_id_created_at", "organization_id", "created_at"),
    )
    __conflicts__ = {"uq_users_email": DuplicateEmail}

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased: one account per address across the whole portal.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of the browser session's identity; a new one ends every session of the user
    # (log-out), since signed-cookie sessions cannot be revoked one by one.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    # API tokens issued at or before this moment are dead (deactivation): reactivating the
    # user does not bring them back.
    tokens_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization] = relationship(back_populates="users", lazy="joined")

    # flask-login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.public_id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every browser session of the user stops being accepted."""
        self.session_token = secrets.token_hex(16)

    def revoke_credentials(self) -> None:
        """Every browser session and every API token issued until now, for good."""
        self.end_sessions()
        self.tokens_revoked_at = utcnow()

    def token_is_revoked(self, issued_at: int) -> bool:
        revoked_at = self.tokens_revoked_at
        return revoked_at is not None and issued_at <= int(revoked_at.timestamp())


class RevokedToken(Base):
    """A JWT revoked before its expiry (``DELETE /api/v1/auth/token``)."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
