"""CSV export (streamed) and all-or-nothing import (validated in a first pass, then written).

Import reads the upload twice from werkzeug's spooled file instead of holding every row in
memory: pass 1 validates each row with the same form as the pages and the API; pass 2, only
if no row failed, inserts in batches inside the request's transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from portal.accounts.models import User
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
FILE_NOT_UTF8 = _l("The file must be a UTF-8 encoded CSV")
FILE_EMPTY = _l("The file has no rows to import")
COLUMN_MISSING = _l("Missing column: %(column)s")
FILE_NOT_CSV = _l("The file is not a valid CSV: line %(line)s")
TOO_MANY_COLUMNS = _l("The file has more than %(max)s columns")
MAX_COLUMNS = 100  # every row becomes a dict over the header: keep it small


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


def export_csv(kind: CatalogKind, actor: User) -> Iterator[str]:
    """The organisation's rows as CSV, produced a batch at a time."""
    columns = kind.csv_columns
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    stmt = (
        select(kind.model)
        .where(kind.model.organization_id == actor.organization_id)
        .order_by(*kind.order_columns)
        .execution_options(yield_per=BATCH)
    )
    for count, row in enumerate(db.session.scalars(stmt), start=1):
        cells = kind.csv_cells(row)
        writer.writerow(
            [
                str(cells[c]).lower() if isinstance(cells[c], bool) else _safe_cell(cells[c])
                for c in columns
            ]
        )
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _rows(stream: IO[bytes], kind: CatalogKind) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row of the file with the line it starts on, after checking the header.

    Header and rows go through one CSV reader, so any line ending works (CRLF, LF, a lone
    CR, a mixture); a file the reader or the UTF-8 decoder refuses is a file error.
    """
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        reader.fieldnames = _header(reader.fieldnames, kind)
        while True:
            start = reader.line_num + 1  # a quoted cell may span lines: report the first
            try:
                row = next(reader)
            except StopIteration:
                return
            yield start, row
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": FILE_NOT_UTF8}) from exc
    except csv.Error as exc:  # e.g. a cell beyond csv.field_size_limit()
        line = reader.reader.line_num  # the line being read, not the last row's
        raise ValidationError({"file": FILE_NOT_CSV % {"line": line}}) from exc
    finally:
        text.detach()


def _header(names: Sequence[str] | None, kind: CatalogKind) -> list[str]:
    header = [name.strip() for name in names or []]
    if not any(header):
        raise ValidationError({"file": FILE_EMPTY})
    if len(header) > MAX_COLUMNS:
        raise ValidationError({"file": TOO_MANY_COLUMNS % {"max": MAX_COLUMNS}})
    for column in kind.required_columns:
        if column not in header:
            raise ValidationError({"file": COLUMN_MISSING % {"column": column}})
    return header


def _formdata(kind: CatalogKind, row: dict[str, str]) -> MultiDict:
    data: MultiDict = MultiDict()
    for column, name in kind.csv_inputs.items():
        value = row.get(column)
        if value is None or data.get(name):  # an older column name never wins over the new
            continue
        value = value.strip()
        if value.startswith("'") and value[1:2] and value[1] in (*FORMULA_PREFIXES, "'"):
            value = value[1:]  # undo our own export's guard
        data[name] = value
    return data


def _column_of(kind: CatalogKind, row: dict[str, str], key: str) -> str:
    """The CSV column an error of the form (``tax_id``, ``address.postal_code``) is about:
    the one of the file's columns that filled that input."""
    name = key.replace(".", "-", 1)
    columns = [column for column, input_name in kind.csv_inputs.items() if input_name == name]
    present = [column for column in columns if row.get(column)] or columns
    return present[0] if present else key


def _validated(kind: CatalogKind, row: dict[str, str], fallback_country: str):
    options = (
        {"fallback_country": fallback_country} if issubclass(kind.form, FiscalFormMixin) else {}
    )
    form = kind.form(formdata=_formdata(kind, row), meta={"csrf": False}, **options)
    if "active" in form and not (row.get("active") or "").strip():
        form.active.data = True  # an absent column or a blank cell means the default
    errors: dict[str, Any] = {}
    if not form.validate():
        errors = {
            _column_of(kind, row, key): message for key, message in field_errors(form).items()
        }
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


def _validate_all(kind: CatalogKind, actor: User, stream: IO[bytes]) -> int:
    errors: dict[str, Any] = {}
    seen: set[int] = set()  # 64-bit digests of SKU keys: ~60 bytes a row, not the row
    pending: list[tuple[int, str]] = []
    count = 0

    def record(line: int, field: str, message: Any) -> None:
        if len(errors) < MAX_REPORTED_ERRORS:
            errors[f"rows[{line}].{field}"] = message

    def check_pending() -> None:
        existing = _existing_skus(actor, [key for _line, key in pending])
        for line, key in pending:
            if key in existing:
                record(line, "sku", DuplicateSku().message)
        pending.clear()

    for line, row in _rows(stream, kind):
        count += 1
        form, row_errors = _validated(kind, row, actor.organization.country)
        for field, message in row_errors.items():
            record(line, field, message)
        if kind.model is Product and "sku" not in row_errors:
            key = sku_key(form.sku.data)
            digest = _digest(key)
            if digest in seen:
                record(line, "sku", DuplicateSku().message)
            seen.add(digest)
            pending.append((line, key))
            if len(pending) >= BATCH:
                check_pending()
    check_pending()
    if errors:
        raise ValidationError(errors)
    if count == 0:
        raise ValidationError({"file": FILE_EMPTY})
    return count


def import_csv(kind: CatalogKind, actor: User, stream: IO[bytes] | None) -> int:
    """Import every row of the CSV or none; row errors name ``rows[<line>].<field>``.

    Each new row is a ``<kind>.created`` webhook event, as creating it alone would be,
    written with the rows (so a file that fails half-way tells nothing)."""
    if stream is None:
        raise ValidationError({"file": FILE_REQUIRED})
    count = _validate_all(kind, actor, stream)
    event = event_name(kind, "created")
    endpoints = subscribers(actor.organization_id, event)  # once for the whole file
    batch: list[dict[str, Any]] = []
    now = utcnow()
    prefix = kind.model.__id_prefix__
    for _line, row in _rows(stream, kind):
        form, _errors = _validated(kind, row, actor.organization.country)
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
