"""Recurring invoice pages: the document pages of the kernel (new, edit, show, pause,
resume), the list, and the schedule's preview on the profile's page."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.documents import pages
from portal.documents.labels import STATUS_LABELS
from portal.documents.views import document_pages
from portal.errors import PortalError
from portal.pagination import DEFAULT_LIMIT
from portal.recurring import services
from portal.recurring.document import RECURRING, made_invoices
from portal.recurring.forms import FREQUENCY_LABELS
from portal.recurring.models import RecurringStatus
from portal.recurring.serializers import next_runs
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = Blueprint("recurring", __name__, url_prefix="/recurring-invoices")


def _new_defaults(form) -> None:
    form.start_date.data = acting_user().organization.today()


recurring_page = document_pages(
    bp,
    RECURRING,
    edit_data=lambda profile: {
        "frequency": profile.frequency,
        "interval": profile.interval,
        "start_date": profile.start_date,
        "end_date": profile.end_date,
        "count": profile.count,
        "auto_issue": profile.auto_issue,
        "auto_send": profile.auto_send,
    },
    detail_context=lambda profile: {
        "next_runs": next_runs(profile),
        "made_invoices": made_invoices(profile),
        "FREQUENCY_LABELS": FREQUENCY_LABELS,
    },
    new_defaults=_new_defaults,
)


@bp.get("/")
@require("portal.read")
def index() -> ResponseReturnValue:
    actor = acting_user()
    status = request.args.get("status") or None
    customer = request.args.get("customer") or None
    try:
        profiles, next_cursor = services.list_recurring(
            actor,
            status=status,
            customer_id=customer,
            limit=DEFAULT_LIMIT,
            cursor=request.args.get("cursor") or None,
        )
    except PortalError:
        return redirect(url_for("recurring.index"))
    return render_template(
        "recurring-invoices/index.html",
        profiles=profiles,
        next_cursor=next_cursor,
        status=status,
        customer=customer,
        statuses=RecurringStatus.ALL,
        FREQUENCY_LABELS=FREQUENCY_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        **pages.choices(actor.organization_id),
    )
