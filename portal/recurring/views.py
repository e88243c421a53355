"""Recurring invoice pages: the document pages of the kernel (new, edit, show, pause,
resume), the list, and the schedule's preview on the profile's page."""

from flask import Blueprint

from portal.documents.views import document_pages, list_page
from portal.recurring.document import RECURRING, made_invoices
from portal.recurring.forms import FREQUENCY_LABELS
from portal.recurring.serializers import next_runs
from portal.security.identity import acting_user

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
        "history_values": {"frequency": FREQUENCY_LABELS},
    },
    new_defaults=_new_defaults,
)


list_page(bp, RECURRING, items="profiles", FREQUENCY_LABELS=FREQUENCY_LABELS)
