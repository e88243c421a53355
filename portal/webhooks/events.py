"""Events: written in the transaction of the change they tell about (the outbox).

``emit`` adds the event and one delivery per active endpoint of the organisation that wants
its type, so a rolled-back change sends nothing and a committed one is in the worker's queue
(``portal.jobs``) before the request answers; nothing is sent from the request itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select

from portal.accounts.models import Organization
from portal.db import in_constants
from portal.extensions import db
from portal.security.plans import PLAN_LIMITS
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, wants

# The plans whose organisations have webhooks.
WEBHOOK_PLANS = tuple(plan for plan, limits in PLAN_LIMITS.items() if limits.pro_features)

EVENT_TYPES = (
    "quote.sent",
    "quote.accepted",
    "quote.rejected",
    "quote.converted",
    "invoice.created",
    "invoice.issued",
    "invoice.paid",
    "invoice.voided",
    "payment.recorded",
    "product.created",
    "product.updated",
    "customer.created",
    "customer.updated",
)


def subscribers(organization_id: int, event_type: str) -> list[int]:
    """The ids of the organisation's active endpoints that want ``event_type`` (one query
    of two columns: a change pays for no endpoint objects, secrets and all).

    Only on a plan with webhooks: an organisation moved to FREE keeps its endpoints, but
    cannot see or turn them off, so nothing is sent to them until it is back on Pro."""
    if event_type not in EVENT_TYPES:
        return []
    rows = db.session.execute(_SUBSCRIBERS, {"organization_id": organization_id})
    return [endpoint_id for endpoint_id, events in rows if wants(events, event_type)]


# Built once: every change that may announce runs it, and a statement object built anew is
# built, and its cache key walked, on each run.
_SUBSCRIBERS = (
    select(WebhookEndpoint.id, WebhookEndpoint.events)
    .join(Organization, Organization.id == WebhookEndpoint.organization_id)
    .where(
        WebhookEndpoint.organization_id == bindparam("organization_id"),
        WebhookEndpoint.active.is_(True),
        in_constants(Organization.plan, WEBHOOK_PLANS),
    )
    .order_by(WebhookEndpoint.id)
)


def emit(
    organization_id: int,
    event_type: str,
    data: dict[str, Any],
    endpoints: Sequence[int] | None = None,
) -> WebhookEvent | None:
    """Queue ``event_type`` with ``data`` (the resource as the API shows it) for every
    endpoint that wants it (``endpoints``: their ids, when the caller already looked them up
    with ``subscribers``); nothing is written when none does."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    if endpoints is None:
        endpoints = subscribers(organization_id, event_type)
    if not endpoints:
        return None
    event = WebhookEvent(organization_id=organization_id, type=event_type, data=data)
    db.session.add(event)
    for endpoint_id in endpoints:
        db.session.add(
            WebhookDelivery(organization_id=organization_id, endpoint_id=endpoint_id, event=event)
        )
    return event


def event_body(event: WebhookEvent, organization_public_id: str) -> dict[str, Any]:
    """What a receiver gets: ``{"id", "type", "createdAt", "organizationId", "data"}``."""
    return {
        "id": event.public_id,
        "type": event.type,
        "createdAt": event.created_at.isoformat(),
        "organizationId": organization_public_id,
        "data": event.data,
    }
