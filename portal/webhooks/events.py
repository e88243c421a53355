"""Events: written in the transaction of the change they tell about (the outbox).

``emit`` adds the event and one delivery per active endpoint of the organisation that wants
its type, so a rolled-back change sends nothing and a committed one is in the worker's queue
(``portal.jobs``) before the request answers; nothing is sent from the request itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

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


def emit(organization_id: int, event_type: str, data: dict[str, Any]) -> WebhookEvent | None:
    """Queue ``event_type`` with ``data`` (the resource as the API shows it) for every active
    endpoint that wants it; nothing is written when none does."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.organization_id == organization_id,
                WebhookEndpoint.active.is_(True),
            )
        )
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return None
    event = WebhookEvent(organization_id=organization_id, type=event_type, data=data)
    db.session.add(event)
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(organization_id=organization_id, endpoint=endpoint, event=event)
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
