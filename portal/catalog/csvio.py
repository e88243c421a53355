"""CSV export (streamed) and all-or-nothing import (validated in a first pass, then written).

Two formats leave: the plain one (UTF-8, ``,``, the JSON names, a decimal point) and
Excel (es) (a BOM, ``;``, Spanish headers, a decimal comma, "sí"/"no"), which Excel opens
as columns and numbers where Spanish is the system's language. Import reads both, and
any mixture of their choices, by the rules in docs/decisions.md ("Catalog CSV").

Import reads the upload twice from werkzeug's spooled file instead of holding every row in
memory: pass 1 validates each row with the same form as the pages and the API; pass 2, only
if no row failed, inserts in batches inside the request's transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from portal.accounts.models import User
from portal.catalog.csvfile import FILE_EMPTY, CsvFile, ImportErrors, header_key
from portal.catalog.kinds import CatalogKind
from portal.catalog.models import Product, sku_key
from portal.catalog.services import event_name
from portal.db import conflicts, new_public_id, utcnow
from portal.errors import DuplicateSku, ValidationError
from portal.extensions import db
from portal.fiscal.forms import FiscalFormMixin
from portal.forms import INVALID_CHARACTERS, acceptable_text, field_errors
from portal.webhooks.events import emit, subscribers

BATCH = 1000
MAX_REPORTED_ERRORS = 100
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FILE_REQUIRED = _l("Choose a CSV file to import")
UNKNOWN_FORMAT = _l("Unknown format: use csv or excel-es")
# Excel's own words for a boolean in Spanish, besides what the forms read (sí, no, …).
SPANISH_BOOLEANS = {"verdadero": "true", "falso": "false"}


@dataclass(frozen=True)
class CsvFormat:
    """How a file writes what a row holds."""

    slug: str  # the ``format`` of the export's URL
    separator: str
    byte_order_mark: bool
    decimal_mark: str
    spanish_headers: bool
    true: str
    false: str

    @property
    def filename_suffix(self) -> str:
        return "" if self is PLAIN else f"-{self.slug}"


PLAIN = CsvFormat("csv", ",", False, ".", False, "true", "false")
EXCEL_ES = CsvFormat("excel-es", ";", True, ",", True, "sí", "no")
FORMATS = {f.slug: f for f in (PLAIN, EXCEL_ES)}


def csv_format(slug: str | None) -> CsvFormat:
    """The format an export's ``?format=`` names (the plain one when it names none)."""
    found = FORMATS.get((slug or PLAIN.slug).strip().lower())
    if found is None:
        raise ValidationError({"format": UNKNOWN_FORMAT})
    return found


# "+52 55 1234 5678", "+34 (91) 123-45-67": a phone number, not a formula — digits and
# separators only call no function, and an apostrophe would corrupt the number (issue 15.4).
PHONE_NUMBER = re.compile(r"\+[0-9][0-9 ().-]*")


def _safe_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas (CSV injection) with a leading apostrophe; a value
    that itself starts with one gets another, so that import can strip exactly one. A phone
    number written with its + is left as it is."""
    text = "" if value is None else str(value)
    if PHONE_NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith((*FORMULA_PREFIXES, "'")) else text


def _cell(kind: CatalogKind, fmt: CsvFormat, column: str, value: Any) -> str:
    if isinstance(value, bool):
        return fmt.true if value else fmt.false
    if column in kind.csv_decimals and value is not None:
        return str(value).replace(".", fmt.decimal_mark)  # "1234.50": no sign, no group
    return _safe_cell(value)


def export_csv(kind: CatalogKind, actor: User, fmt: CsvFormat = PLAIN) -> Iterator[str]:
    """The organisation's rows as CSV in ``fmt``, produced a batch at a time."""
    columns = kind.csv_columns
    buffer = io.StringIO()
    if fmt.byte_order_mark:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=fmt.separator)
    writer.writerow(kind.csv_headers_es if fmt.spanish_headers else columns)
    stmt = (
        select(kind.model)
        .where(kind.model.organization_id == actor.organization_id)
        .order_by(*kind.order_columns)
        .execution_options(yield_per=BATCH)
    )
    # The rows come from a server-side cursor, closed before its transaction ends (also
    # when the client stops reading and the generator is closed).
    with db.one_transaction(), closing(db.session.scalars(stmt)) as rows:
        for count, row in enumerate(rows, start=1):
            cells = kind.csv_cells(row)
            writer.writerow([_cell(kind, fmt, c, cells[c]) for c in columns])
            if count % BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _formdata(kind: CatalogKind, file: CsvFile, row: dict[str, str]) -> tuple[MultiDict, dict]:
    """The row as a browser would post it, and the cells refused before the form sees them."""
    data: MultiDict = MultiDict()
    refused: dict[str, Any] = {}
    for column, name in kind.csv_inputs.items():
        value = row.get(column)
        if value is None or data.get(name):  # an older column name never wins over the new
            continue
        value = value.strip()
        if value.startswith("'") and value[1:2] and value[1] in (*FORMULA_PREFIXES, "'"):
            value = value[1:]  # undo our own export's guard
        if column in kind.csv_decimals:
            value, problem = file.decimal(value)
            if problem is not None:
                refused[column] = problem
        elif column in kind.csv_booleans:
            value = SPANISH_BOOLEANS.get(header_key(value), value)
        data[name] = value
    return data, refused


def _column_of(kind: CatalogKind, row: dict[str, str], key: str) -> str:
    """The CSV column an error of the form (``tax_id``, ``address.postal_code``) is about:
    the one of the file's columns that filled that input."""
    name = key.replace(".", "-", 1)
    columns = [column for column, input_name in kind.csv_inputs.items() if input_name == name]
    present = [column for column in columns if row.get(column)] or columns
    return present[0] if present else key


def _validated(kind: CatalogKind, file: CsvFile, row: dict[str, str], fallback_country: str):
    options = (
        {"fallback_country": fallback_country} if issubclass(kind.form, FiscalFormMixin) else {}
    )
    formdata, refused = _formdata(kind, file, row)
    form = kind.form(formdata=formdata, meta={"csrf": False}, **options)
    if "active" in form and not (row.get("active") or "").strip():
        form.active.data = True  # an absent column or a blank cell means the default
    errors: dict[str, Any] = {}
    if not form.validate():
        errors = {
            _column_of(kind, row, key): message for key, message in field_errors(form).items()
        }
    errors.update(refused)  # the form saw a blank there: its message would mislead
    for column in kind.csv_inputs:  # the same characters as a request may carry (no NUL, …)
        if not acceptable_text(row.get(column) or ""):
            errors[column] = INVALID_CHARACTERS
    return form, errors


def _existing_skus(actor: User, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        db.session.scalars(
            select(Product.sku_key).where(
                Product.organization_id == actor.organization_id, Product.sku_key.in_(keys)
            )
        )
    )


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _validate_all(kind: CatalogKind, actor: User, file: CsvFile) -> int:
    errors: dict[str, Any] = {}
    seen: set[int] = set()  # 64-bit digests of SKU keys: ~60 bytes a row, not the row
    pending: list[tuple[int, str]] = []
    count = 0

    def record(key: str, message: Any) -> None:
        if len(errors) < MAX_REPORTED_ERRORS:
            errors[key] = message

    def check_pending() -> None:
        existing = _existing_skus(actor, [key for _line, key in pending])
        for line, key in pending:
            if key in existing:
                record(f"rows[{line}].sku", DuplicateSku().message)
        pending.clear()

    for line, row, problem in file.rows():
        count += 1
        if problem is not None:
            record(f"rows[{line}]", problem)
            continue
        form, row_errors = _validated(kind, file, row, actor.organization.country)
        for field, message in row_errors.items():
            record(f"rows[{line}].{field}", message)
        if kind.model is Product and "sku" not in row_errors:
            key = sku_key(form.sku.data)
            digest = _digest(key)
            if digest in seen:
                record(f"rows[{line}].sku", DuplicateSku().message)
            seen.add(digest)
            pending.append((line, key))
            if len(pending) >= BATCH:
                check_pending()
    check_pending()
    if errors:
        raise ImportErrors(errors, file.names)
    if count == 0:
        raise ValidationError({"file": FILE_EMPTY})
    return count


def import_csv(kind: CatalogKind, actor: User, stream: IO[bytes] | None) -> int:
    """Import every row of the CSV or none; row errors name ``rows[<line>].<column>`` (the
    column's camelCase name, however the file's header names it), or ``rows[<line>]``.

    Each new row is a ``<kind>.created`` webhook event, as creating it alone would be,
    written with the rows (so a file that fails half-way tells nothing)."""
    if stream is None:
        raise ValidationError({"file": FILE_REQUIRED})
    file = CsvFile(stream, kind)
    count = _validate_all(kind, actor, file)
    event = event_name(kind, "created")
    endpoints = subscribers(actor.organization_id, event)  # once for the whole file
    batch: list[dict[str, Any]] = []
    now = utcnow()
    prefix = kind.model.__id_prefix__
    for _line, row, _problem in file.rows():
        form, _errors = _validated(kind, file, row, actor.organization.country)
        values = kind.columns(form.data)
        for name, value in values.items():
            if value is None:
                column = kind.model.__table__.columns[name]
                values[name] = column.default.arg if column.default is not None else ""
        if kind.model is Product:
            values["sku_key"] = sku_key(values["sku"])
        values.update(
            organization_id=actor.organization_id,
            public_id=new_public_id(prefix),
            created_at=now,
        )
        batch.append(values)
        if len(batch) >= BATCH:
            _insert(kind, batch, event, endpoints)
            batch = []
    if batch:
        _insert(kind, batch, event, endpoints)
    return count


def _insert(
    kind: CatalogKind, batch: list[dict[str, Any]], event: str, endpoints: list[Any]
) -> None:
    # A concurrent import or creation may take a SKU after our check: the constraint decides.
    with conflicts():
        db.session.execute(insert(kind.model), batch)
    if not endpoints:
        return
    ids = [values["public_id"] for values in batch]
    found = select(kind.model).where(kind.model.public_id.in_(ids))
    rows = {row.public_id: row for row in db.session.scalars(found)}
    for public_id in ids:  # in the file's order
        emit(batch[0]["organization_id"], event, kind.to_json(rows[public_id]), endpoints)
