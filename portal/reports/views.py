"""Report pages: the list of reports, and each report with its period and CSV download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.documents.labels import QUOTE_STATUS_LABELS
from portal.errors import ValidationError
from portal.periods import PRESETS, Period
from portal.reports.aging import BUCKET_LABELS, BUCKETS
from portal.reports.http import csv_response, wants_csv
from portal.reports.kind import ReportKind
from portal.reports.registry import NAMES, REPORTS, run_report
from portal.reports.sales import other_products_label
from portal.reports.scope import other_customers_label
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import limits_for, require_pro

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("/")
@require("portal.read")
def index() -> ResponseReturnValue:
    organization = acting_user().organization
    return render_template(
        "reports/index.html",
        reports=REPORTS.values(),
        pro=limits_for(organization).pro_features,
    )


@bp.get(f"/<any({NAMES}):name>")
@require("portal.read")
@require_pro
def show(name: str) -> ResponseReturnValue:
    kind = REPORTS[name]
    as_csv = wants_csv("html")
    actor = acting_user()
    try:
        period, result = run_report(kind, actor, request.args, every_row=as_csv)
    except ValidationError as refused:
        return _page(kind, None, None, refused.errors), 400
    if as_csv:
        return csv_response(kind, result, period, actor.organization.today())
    return _page(kind, result, period)


def _page(
    kind: ReportKind, report: Any, period: Period | None, errors: dict[str, Any] | None = None
) -> str:
    """The report's page; with ``errors`` (a bad range) the form as typed and no figures."""
    typed = {field: request.args.get(field, "") for field in ("from", "to")}
    values: dict[str, str] = typed
    if period is not None:
        values = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    csv_args: dict[str, Any] = values if period is not None and kind.uses_period else {}
    return render_template(
        f"reports/{kind.name}.html",
        kind=kind,
        report=report,
        period=period,
        errors=errors or {},
        values=values,
        presets=[
            (key, label, url_for("reports.show", name=kind.name, period=key))
            for key, (label, _period) in PRESETS.items()
        ],
        preset=None if any(typed.values()) else request.args.get("period"),
        csv_url=url_for("reports.show", name=kind.name, format="csv", **csv_args),
        STATUS_LABELS=QUOTE_STATUS_LABELS,  # the quotes report's statuses
        BUCKETS=BUCKETS,
        BUCKET_LABELS=BUCKET_LABELS,
        OTHER_CUSTOMERS=other_customers_label,
        OTHER_PRODUCTS=other_products_label,
    )
