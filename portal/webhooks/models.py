"""Webhooks: an organisation's endpoints, its events (the outbox) and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, PublicIdMixin, UTCDateTime, utcnow
from portal.jobs.models import QueueMixin


class WebhookEndpoint(PublicIdMixin, Base):
    """Where an organisation wants its events sent, and the secret that signs them."""

    __tablename__ = "webhook_endpoints"
    __id_prefix__ = "whk"
    __table_args__ = (
        Index("ix_webhook_endpoints_organization_id", "organization_id", "created_at", "public_id"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every event
    active: Mapped[bool] = mapped_column(default=True)
    secret: Mapped[str] = mapped_column(String(120))  # "whsec_" + base64
    # After a rotation the old secret signs too, until ``previous_secret_expires_at``.
    previous_secret: Mapped[str | None] = mapped_column(String(120))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the portal turned it off ("gone": the receiver answered 410; "failing": nothing
    # delivered for days); "" when a person did, or while active.
    disabled_reason: Mapped[str] = mapped_column(String(20), default="")
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The first failure since the last success: failing for too long disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def wants(self, event_type: str) -> bool:
        return wants(self.events, event_type)


def wants(events: list[str] | None, event_type: str) -> bool:
    """Whether an endpoint subscribed to ``events`` gets ``event_type`` (none listed: all)."""
    return not events or event_type in events


class WebhookEvent(PublicIdMixin, Base):
    """Something that happened, written in the transaction of the change (the outbox)."""

    __tablename__ = "webhook_events"
    __id_prefix__ = "evt"
    __table_args__ = (Index("ix_webhook_events_organization_id", "organization_id", "created_at"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    type: Mapped[str] = mapped_column(String(50))
    # The resource exactly as the API shows it, when it happened.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebhookDelivery(QueueMixin, PublicIdMixin, Base):
    """One event for one endpoint: a row of the worker's queue, with its attempts."""

    __tablename__ = "webhook_deliveries"
    __id_prefix__ = "dlv"
    __table_args__ = (
        # What the worker claims: due rows, oldest first.
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # An endpoint's log, newest first.
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "public_id"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
    event: Mapped[WebhookEvent] = relationship(lazy="joined")


class WebhookAttempt(Base):
    """One try at a delivery: what the receiver answered, or why it could not be reached."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None: no answer
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    response_excerpt: Mapped[str] = mapped_column(Text, default="")  # the first 1 KB
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
