"""Reports over HTTP: what their pages and the API share — the format asked for and CSV.

CSV has the JSON's names as its header and its figures as written in JSON (``1234.50``),
UTF-8 without a byte-order mark, like the catalogue's export; text cells are guarded
against spreadsheet formulas the same way.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from flask import Response, request
from flask_babel import lazy_gettext as _l

from portal.catalog.csvio import _safe_cell as safe_cell
from portal.errors import ValidationError
from portal.periods import Period
from portal.reports.kind import ReportKind

CSV = "text/csv"
MEDIA_TYPES = {"json": "application/json", "html": "text/html"}
UNKNOWN_FORMAT = _l("Unknown format: use csv, or leave it out")


def wants_csv(default: str) -> bool:
    """Whether the caller asked for CSV: ``?format=csv``, or ``Accept: text/csv`` without
    a ``format``. ``default`` is what the URL answers otherwise (``json``, ``html``)."""
    requested = request.args.get("format", "").strip().lower()
    if requested:
        if requested not in ("csv", default):
            raise ValidationError({"format": UNKNOWN_FORMAT})
        return requested == "csv"
    return request.accept_mimetypes.best_match([MEDIA_TYPES[default], CSV]) == CSV


def _cell(value: Any) -> str:
    return str(value) if isinstance(value, int) else safe_cell(value)


def csv_response(kind: ReportKind, report: Any, period: Period, today: date) -> Response:
    """The report as a CSV download named after it and its dates."""
    header, rows = kind.to_table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    dates = f"{period.start}_{period.end}" if kind.uses_period else f"{today}"
    response = Response(buffer.getvalue(), mimetype=CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind.name}_{dates}.csv"'
    return response
