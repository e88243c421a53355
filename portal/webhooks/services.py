"""Webhook rules shared by the pages and the API: endpoints, their secret, the test ping,
the delivery log, resend and recover; and ``announce``, how every change tells its event.

Deliveries themselves are the worker's (``portal.webhooks.delivery``): here a delivery is
only ever put back in its queue (PENDING, due now), never sent from a request, except the
test ping, which is not an event and is sent at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from portal.accounts.models import Organization, User
from portal.clock import utcnow
from portal.errors import (
    DeliveryNotFound,
    InvalidState,
    ValidationError,
    WebhookDeliveryFailed,
    WebhookNotFound,
)
from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.pagination import keyset_page
from portal.tenancy import get_for_organization
from portal.webhooks.delivery import Result, send_now
from portal.webhooks.events import emit, event_body, subscribers
from portal.webhooks.forms import INVALID_URL
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.webhooks.signing import new_secret
from portal.webhooks.urls import InvalidWebhookUrl, check_url

# After a rotation the old secret keeps signing this long, so receivers can switch over.
PREVIOUS_SECRET_VALIDITY = timedelta(hours=24)
PING = "ping"

BEING_SENT = _l("This delivery is being sent right now; try again in a moment")
ENDPOINT_INACTIVE = _l("The endpoint is turned off: turn it on first")


# --- events ---------------------------------------------------------------------------------


def announce(organization_id: int, event_type: str, data: Callable[[], dict[str, Any]]) -> None:
    """Write ``event_type`` to the outbox in the caller's transaction when some endpoint
    wants it. ``data`` builds the resource as the API shows it, and is only called then:
    an organisation without webhooks pays one small query per change, no serialising."""
    endpoints = subscribers(organization_id, event_type)
    if endpoints:
        emit(organization_id, event_type, data(), endpoints)


# --- endpoints --------------------------------------------------------------------------------


def list_endpoints(
    actor: User, *, limit: int, cursor: str | None
) -> tuple[list[WebhookEndpoint], str | None]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.organization_id == actor.organization_id)
    return keyset_page(stmt, (WebhookEndpoint.created_at, WebhookEndpoint.public_id), limit, cursor)


def get_endpoint(actor: User, public_id: str) -> WebhookEndpoint:
    return get_for_organization(WebhookEndpoint, public_id, actor.organization_id, WebhookNotFound)


def checked_url(url: str) -> str:
    """``url`` normalised if it may receive webhooks (https, a public host unless private
    networks are allowed: its host is resolved now), else 400 on ``url``."""
    try:
        return check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"])
    except InvalidWebhookUrl as exc:
        raise ValidationError({"url": INVALID_URL}) from exc


def create_endpoint(actor: User, values: dict[str, Any]) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is shown this once."""
    url = checked_url(values["url"])
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organization_id=actor.organization_id,
        url=url,
        description=values.get("description") or "",
        events=list(values.get("events") or []),
        active=values.get("active", True) is not False,
        secret=secret,
        created_by_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def update_endpoint(actor: User, public_id: str, values: dict[str, Any]) -> WebhookEndpoint:
    """Change what ``values`` names. Turning an endpoint on again forgets why the portal
    turned it off and when it started failing: it gets a fresh start."""
    endpoint = get_endpoint(actor, public_id)
    if "url" in values:
        endpoint.url = checked_url(values["url"])
    if "description" in values:
        endpoint.description = values["description"] or ""
    if "events" in values:
        endpoint.events = list(values["events"] or [])
    if "active" in values and values["active"] is not None:
        reactivated = values["active"] and not endpoint.active
        endpoint.active = bool(values["active"])
        if reactivated:
            endpoint.disabled_reason = ""
            endpoint.disabled_at = None
            endpoint.failing_since = None
    db.session.flush()
    return endpoint


def delete_endpoint(actor: User, public_id: str) -> None:
    """Remove the endpoint with its delivery log; the events stay (the organisation's
    outbox, which other endpoints may share)."""
    endpoint = get_endpoint(actor, public_id)
    deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)))
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(actor: User, public_id: str) -> tuple[WebhookEndpoint, str]:
    """A new secret, shown this once; the one it replaces keeps signing for 24 hours (an
    older previous secret stops at once)."""
    endpoint = get_endpoint(actor, public_id)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + PREVIOUS_SECRET_VALIDITY
    endpoint.secret = secret
    db.session.flush()
    return endpoint, secret


def send_test(actor: User, public_id: str) -> Result:
    """Send a ``ping`` to the endpoint now: the receiver's answer if it was a 2xx, else
    502 with what the attempt got. Nothing is stored."""
    endpoint = get_endpoint(actor, public_id)
    data = {"endpointId": endpoint.public_id, "url": endpoint.url}
    db.session.get(Organization, endpoint.organization_id)  # send_now's read, done now
    # The receiver may take up to the timeout to answer. The request has written nothing,
    # so its transaction ends here rather than hold a database lock meanwhile (SQLite's
    # write lock is taken when a POST's transaction begins); with expire_on_commit off, the
    # rows read so far stay loaded and nothing is read again during the call.
    db.session.commit()
    result = send_now(endpoint, PING, data)
    if not result.ok:
        raise WebhookDeliveryFailed(result)
    return result


def disabled_by_portal(organization_id: int) -> int:
    """How many of the organisation's endpoints the portal turned off (410, or failing)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(
                WebhookEndpoint.organization_id == organization_id,
                WebhookEndpoint.active.is_(False),
                WebhookEndpoint.disabled_reason != "",
            )
        )
        or 0
    )


# --- the delivery log -------------------------------------------------------------------------


def list_deliveries(
    endpoint: WebhookEndpoint, *, limit: int, cursor: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    """A page of the endpoint's deliveries, newest first."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    columns = (WebhookDelivery.created_at, WebhookDelivery.public_id)
    return keyset_page(stmt, columns, limit, cursor, descending=True)


def get_delivery(endpoint: WebhookEndpoint, public_id: str) -> WebhookDelivery:
    """One of the endpoint's deliveries (another endpoint's or tenant's: 404)."""
    delivery = get_for_organization(
        WebhookDelivery, public_id, endpoint.organization_id, DeliveryNotFound
    )
    if delivery.endpoint_id != endpoint.id:
        raise DeliveryNotFound()
    return delivery


def payload_of(delivery: WebhookDelivery, organization_public_id: str) -> dict[str, Any]:
    """What the receiver gets for this delivery: the event's body."""
    return event_body(delivery.event, organization_public_id)


def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(
        db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.id)
        )
    )


def last_attempts(deliveries: Sequence[WebhookDelivery]) -> dict[int, WebhookAttempt]:
    """Each delivery's latest attempt, by delivery id (one query for a page of the log)."""
    ids = [delivery.id for delivery in deliveries]
    if not ids:
        return {}
    latest = (
        select(func.max(WebhookAttempt.id))
        .where(WebhookAttempt.delivery_id.in_(ids))
        .group_by(WebhookAttempt.delivery_id)
    )
    attempts = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.id.in_(latest)))
    return {attempt.delivery_id: attempt for attempt in attempts}


def _requeue_values(now: datetime) -> dict[str, Any]:
    """A delivery back in the queue: due now, with the whole retry schedule ahead of it
    (the attempts so far stay in its log), and the same event (one ``webhook-id``)."""
    return {
        "status": JobStatus.PENDING,
        "next_attempt_at": now,
        "attempts": 0,
        "locked_until": None,
        "finished_at": None,
    }


def _check_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.active:
        raise InvalidState(ENDPOINT_INACTIVE)


def resend(endpoint: WebhookEndpoint, public_id: str) -> WebhookDelivery:
    """Queue a delivery again, whatever became of it, unless a worker is sending it now."""
    delivery = get_delivery(endpoint, public_id)
    _check_active(endpoint)
    now = utcnow()
    if delivery.locked_until is not None and delivery.locked_until > now:
        raise InvalidState(BEING_SENT)
    for name, value in _requeue_values(now).items():
        setattr(delivery, name, value)
    db.session.flush()
    return delivery


def recover(endpoint: WebhookEndpoint, since: datetime) -> int:
    """Queue again every FAILED delivery of the endpoint created at or after ``since``;
    how many."""
    _check_active(endpoint)
    now = utcnow()
    result: Any = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == JobStatus.FAILED,
            WebhookDelivery.created_at >= since,
        )
        .values(**_requeue_values(now))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
