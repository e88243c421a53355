"""Webhook pages (ADMIN, PRO): endpoints, the secret shown once, the test button, the
delivery log with resend and recover. Every action is a POST form with its CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import PortalError, ValidationError, WebhookDeliveryFailed
from portal.forms import apply_error
from portal.jobs.models import JobStatus
from portal.pagination import DEFAULT_LIMIT
from portal.security.identity import acting_user, current_identity
from portal.security.permissions import can, require
from portal.security.plans import require_pro
from portal.web import refusals_go_back
from portal.webhooks import services
from portal.webhooks.delivery import DISABLED_FAILING, DISABLED_GONE
from portal.webhooks.events import EVENT_TYPES
from portal.webhooks.forms import (
    SINCE_REQUIRED,
    EndpointForm,
    RecoverForm,
    moment_of,
    page_values,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

DELIVERY_STATUS_LABELS = {
    JobStatus.PENDING: _l("Pending"),
    JobStatus.DONE: _l("Delivered"),
    JobStatus.FAILED: _l("Failed"),
}
DISABLED_LABELS = {
    DISABLED_GONE: _l("The receiver answered 410 Gone"),
    DISABLED_FAILING: _l("Nothing could be delivered for 5 days"),
}
EXCERPT_SHOWN = 200  # characters of a response in the log; the delivery's page has 1 KB


def managed(view: Callable) -> Callable:
    """ADMIN and above (403 otherwise), then a plan with webhooks (403 PLAN_REQUIRED)."""
    return require("webhooks.manage")(require_pro(view))


def page_of(public_id: str, **_kwargs: Any) -> str:
    return url_for("webhooks.show", public_id=public_id)


@bp.app_template_global()
def webhooks_turned_off() -> int:
    """For the menu: how many of the caller's endpoints the portal turned off (ADMINs)."""
    user = current_identity()
    if user is None or not can("webhooks.manage", user):
        return 0
    return services.disabled_by_portal(user.organization_id)


def _context() -> dict[str, Any]:
    return {
        "EVENT_TYPES": EVENT_TYPES,
        "DELIVERY_STATUS_LABELS": DELIVERY_STATUS_LABELS,
        "DISABLED_LABELS": DISABLED_LABELS,
    }


@bp.get("/")
@managed
def index() -> ResponseReturnValue:
    actor = acting_user()
    cursor = request.args.get("cursor") or None
    try:
        endpoints, next_cursor = services.list_endpoints(actor, limit=DEFAULT_LIMIT, cursor=cursor)
    except ValidationError:  # a mangled cursor in the address bar: start over
        return redirect(url_for("webhooks.index"))
    return render_template(
        "webhooks/index.html",
        endpoints=endpoints,
        cursor=cursor,
        next_cursor=next_cursor,
        turned_off=[e for e in endpoints if not e.active and e.disabled_reason],
        **_context(),
    )


@bp.route("/new", methods=["GET", "POST"])
@managed
def new() -> ResponseReturnValue:
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = services.create_endpoint(acting_user(), page_values(form))
        except PortalError as exc:
            if not apply_error(form, exc):
                raise
        else:
            flash(_("Webhook created"), "success")
            return _secret_page(endpoint, secret, created=True)
    return _form_page(form, None)


@bp.get("/<public_id>")
@managed
def show(public_id: str) -> ResponseReturnValue:
    endpoint = services.get_endpoint(acting_user(), public_id)
    cursor = request.args.get("cursor") or None
    try:
        deliveries, next_cursor = services.list_deliveries(
            endpoint, limit=DEFAULT_LIMIT, cursor=cursor
        )
    except ValidationError:
        return redirect(page_of(public_id))
    return render_template(
        "webhooks/detail.html",
        endpoint=endpoint,
        deliveries=deliveries,
        last_attempts=services.last_attempts(deliveries),
        cursor=cursor,
        next_cursor=next_cursor,
        recover_form=RecoverForm(formdata=None),
        EXCERPT_SHOWN=EXCERPT_SHOWN,
        **_context(),
    )


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@managed
def edit(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    endpoint = services.get_endpoint(actor, public_id)
    form = EndpointForm(obj=endpoint if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_endpoint(actor, public_id, page_values(form))
        except PortalError as exc:
            if not apply_error(form, exc):
                raise
        else:
            flash(_("Webhook updated"), "success")
            return redirect(page_of(public_id))
    return _form_page(form, endpoint)


@bp.post("/<public_id>/delete")
@managed
def delete(public_id: str) -> ResponseReturnValue:
    services.delete_endpoint(acting_user(), public_id)
    flash(_("Webhook deleted"), "success")
    return redirect(url_for("webhooks.index"))


@bp.post("/<public_id>/rotate-secret")
@managed
def rotate_secret(public_id: str) -> ResponseReturnValue:
    endpoint, secret = services.rotate_secret(acting_user(), public_id)
    flash(_("New signing secret issued"), "success")
    return _secret_page(endpoint, secret, created=False)


@bp.post("/<public_id>/test")
@managed
def test(public_id: str) -> ResponseReturnValue:
    try:
        result = services.send_test(acting_user(), public_id)
    except WebhookDeliveryFailed as failed:
        flash(_failure_text(failed.detail), "error")
    else:
        flash(
            _(
                "Test event delivered: HTTP %(status)s in %(ms)s ms",
                status=result.status_code,
                ms=result.duration_ms,
            ),
            "success",
        )
    return redirect(page_of(public_id))


@bp.get("/<public_id>/deliveries/<delivery_id>")
@managed
def delivery(public_id: str, delivery_id: str) -> ResponseReturnValue:
    actor = acting_user()
    endpoint = services.get_endpoint(actor, public_id)
    found = services.get_delivery(endpoint, delivery_id)
    return render_template(
        "webhooks/delivery.html",
        endpoint=endpoint,
        delivery=found,
        attempts=services.attempts_of(found),
        payload=services.payload_of(found, actor.organization.public_id),
        **_context(),
    )


@bp.post("/<public_id>/deliveries/<delivery_id>/resend")
@managed
@refusals_go_back(page_of)
def resend(public_id: str, delivery_id: str) -> ResponseReturnValue:
    endpoint = services.get_endpoint(acting_user(), public_id)
    services.resend(endpoint, delivery_id)
    flash(_("Delivery queued again"), "success")
    return redirect(page_of(public_id))


@bp.post("/<public_id>/recover")
@managed
@refusals_go_back(page_of)
def recover(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    endpoint = services.get_endpoint(actor, public_id)
    form = RecoverForm()
    if not form.validate_on_submit():
        raise ValidationError({"since": (form.since.errors or [SINCE_REQUIRED])[0]})
    count = services.recover(endpoint, moment_of(form.since.data, actor.organization.time_zone))
    flash(_("Failed deliveries queued again: %(n)s", n=count), "success")
    return redirect(page_of(public_id))


def _failure_text(result: Any) -> str:
    """Why the test failed, as the flash says it: the receiver's status, or the error."""
    if result is not None and result.status_code is not None:
        return _(
            "Webhook delivery failed: HTTP %(status)s in %(ms)s ms",
            status=result.status_code,
            ms=result.duration_ms,
        )
    if result is not None and result.error:
        return _("Webhook delivery failed: %(error)s", error=result.error)
    return _("Webhook delivery failed")


def _form_page(form: EndpointForm, endpoint: Any) -> ResponseReturnValue:
    status = 400 if form.errors else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


def _secret_page(endpoint: Any, secret: str, *, created: bool) -> ResponseReturnValue:
    """The secret, this once: the answer to the POST itself, never stored for a later page."""
    response = render_template(
        "webhooks/secret.html", endpoint=endpoint, secret=secret, created=created
    )
    return response, 200, {"Cache-Control": "no-store"}
