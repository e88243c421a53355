"""``/api/v1/webhooks`` (ADMIN, PRO): endpoints, their secret, the test ping and the
delivery log with resend and recover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.envelope import created, ok
from portal.pagination import page_args
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import require_pro
from portal.webhooks import services
from portal.webhooks.forms import endpoint_input, since_input
from portal.webhooks.serializers import delivery_detail_json, delivery_json, endpoint_json

bp = api_blueprint("webhooks", __name__)


def managed(view: Callable) -> Callable:
    """ADMIN and above, on a plan with webhooks: the role is checked first (403 FORBIDDEN),
    then the plan (403 PLAN_REQUIRED)."""
    return require("webhooks.manage")(require_pro(view))


@bp.get("/webhooks")
@managed
def list_endpoints() -> Response:
    limit, cursor = page_args()
    endpoints, next_cursor = services.list_endpoints(acting_user(), limit=limit, cursor=cursor)
    return ok(
        _("Request completed"),
        {"items": [endpoint_json(e) for e in endpoints], "nextCursor": next_cursor},
    )


@bp.post("/webhooks")
@managed
def create_endpoint() -> Response:
    values = endpoint_input()
    endpoint, secret = services.create_endpoint(acting_user(), values)
    return created(_("Webhook created"), endpoint_json(endpoint, secret=secret))


@bp.get("/webhooks/<public_id>")
@managed
def get_endpoint(public_id: str) -> Response:
    endpoint = services.get_endpoint(acting_user(), public_id)
    return ok(_("Request completed"), endpoint_json(endpoint))


@bp.patch("/webhooks/<public_id>")
@managed
def update_endpoint(public_id: str) -> Response:
    actor = acting_user()
    services.get_endpoint(actor, public_id)  # another tenant's id: 404 before any 400
    values = endpoint_input(partial=True)
    endpoint = services.update_endpoint(actor, public_id, values)
    return ok(_("Webhook updated"), endpoint_json(endpoint))


@bp.delete("/webhooks/<public_id>")
@managed
def delete_endpoint(public_id: str) -> Response:
    services.delete_endpoint(acting_user(), public_id)
    return ok(_("Webhook deleted"))


@bp.post("/webhooks/<public_id>/rotate-secret")
@managed
def rotate_secret(public_id: str) -> Response:
    endpoint, secret = services.rotate_secret(acting_user(), public_id)
    return ok(_("New signing secret issued"), endpoint_json(endpoint, secret=secret))


@bp.post("/webhooks/<public_id>/test")
@managed
def test_endpoint(public_id: str) -> Response:
    result = services.send_test(acting_user(), public_id)
    return ok(
        _("Test event delivered"),
        {"statusCode": result.status_code, "durationMs": result.duration_ms},
    )


@bp.get("/webhooks/<public_id>/deliveries")
@managed
def list_deliveries(public_id: str) -> Response:
    endpoint = services.get_endpoint(acting_user(), public_id)
    limit, cursor = page_args()
    deliveries, next_cursor = services.list_deliveries(endpoint, limit=limit, cursor=cursor)
    return ok(
        _("Request completed"),
        {"items": [delivery_json(d) for d in deliveries], "nextCursor": next_cursor},
    )


@bp.get("/webhooks/<public_id>/deliveries/<delivery_id>")
@managed
def get_delivery(public_id: str, delivery_id: str) -> Response:
    actor = acting_user()
    endpoint = services.get_endpoint(actor, public_id)
    delivery = services.get_delivery(endpoint, delivery_id)
    return ok(_("Request completed"), _delivery_detail(delivery, actor))


@bp.post("/webhooks/<public_id>/deliveries/<delivery_id>/resend")
@managed
def resend_delivery(public_id: str, delivery_id: str) -> Response:
    endpoint = services.get_endpoint(acting_user(), public_id)
    delivery = services.resend(endpoint, delivery_id)
    return ok(_("Delivery queued again"), delivery_json(delivery))


@bp.post("/webhooks/<public_id>/recover")
@managed
def recover_deliveries(public_id: str) -> Response:
    actor = acting_user()
    endpoint = services.get_endpoint(actor, public_id)
    since = since_input(actor.organization.time_zone)
    count = services.recover(endpoint, since)
    return ok(_("Failed deliveries queued again: %(n)s", n=count), {"count": count})


def _delivery_detail(delivery: Any, actor: Any) -> dict[str, Any]:
    return delivery_detail_json(
        delivery,
        services.attempts_of(delivery),
        services.payload_of(delivery, actor.organization.public_id),
    )
