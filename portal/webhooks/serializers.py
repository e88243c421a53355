"""Webhook endpoints, deliveries and attempts as the API shows them (the pages read the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.jobs.models import JobStatus
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def endpoint_json(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    """The endpoint; ``secret`` only in the answer that made it (creation, rotation)."""
    body: dict[str, Any] = {
        "id": endpoint.public_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events or []),  # empty: every event
        "active": endpoint.active,
        # Why the portal turned it off: "gone" (410) or "failing" (days without a delivery).
        "disabledReason": endpoint.disabled_reason or None,
        "disabledAt": _moment(endpoint.disabled_at),
        "failingSince": _moment(endpoint.failing_since),
        "previousSecretExpiresAt": _moment(endpoint.previous_secret_expires_at),
        "createdAt": endpoint.created_at.isoformat(),
    }
    if secret is not None:
        body["secret"] = secret
    return body


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    """One event for one endpoint: where it stands, and what the last attempt got."""
    pending = delivery.status == JobStatus.PENDING
    return {
        "id": delivery.public_id,
        "eventId": delivery.event.public_id,
        "eventType": delivery.event.type,
        "status": delivery.status,
        "attemptCount": delivery.attempts,
        "lastStatusCode": delivery.last_status_code,
        "durationMs": delivery.last_duration_ms,
        "lastError": delivery.last_error or None,
        "nextAttemptAt": _moment(delivery.next_attempt_at) if pending else None,
        "finishedAt": _moment(delivery.finished_at),
        "createdAt": delivery.created_at.isoformat(),
    }


def attempt_json(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "at": attempt.at.isoformat(),
        "statusCode": attempt.status_code,
        "durationMs": attempt.duration_ms,
        "error": attempt.error or None,
        "responseExcerpt": attempt.response_excerpt,
        "nextAttemptAt": _moment(attempt.next_attempt_at),
    }


def delivery_detail_json(
    delivery: WebhookDelivery, attempts: list[WebhookAttempt], payload: dict[str, Any]
) -> dict[str, Any]:
    """The delivery, what was sent (``payload``: the event's body) and every attempt."""
    return {
        **delivery_json(delivery),
        "payload": payload,
        "attempts": [attempt_json(attempt) for attempt in attempts],
    }
