"""Reading an uploaded catalog CSV: its separator, its header's names for the columns, the
shape of its rows and its numbers' decimal mark (docs/decisions.md, "Catalog CSV"); and an
import's errors as the page says them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any

from flask_babel import lazy_gettext as _l

from portal.catalog.kinds import CatalogKind
from portal.db import fold
from portal.errors import ValidationError

FILE_NOT_UTF8 = _l("The file must be a UTF-8 encoded CSV")
FILE_EMPTY = _l("The file has no rows to import")
COLUMN_MISSING = _l("Missing column: %(column)s")
COLUMN_TWICE = _l("The column %(column)s appears twice")
FILE_NOT_CSV = _l("The file is not a valid CSV: line %(line)s")
TOO_MANY_COLUMNS = _l("The file has more than %(max)s columns")
MIXED_SEPARATORS = _l(
    "The header separates its columns with more than one of comma, semicolon and tab"
)
TOO_MANY_CELLS = _l("The row has %(cells)s cells, the header %(columns)s")
OTHER_SEPARATOR = _l("The row does not separate its cells with the header's %(separator)s")
SEVERAL_MARKS = _l("Write the number without thousands separators, with one decimal mark")
AMBIGUOUS_NUMBER = _l(
    "“%(value)s” is ambiguous: write numbers without thousands separators and with at most "
    "two decimals"
)
ROW_ERROR = _l("Row %(row)s: %(message)s")
CELL_ERROR = _l("Row %(row)s, column “%(column)s”: %(message)s")
MAX_COLUMNS = 100  # every row becomes a dict over the header: keep it small
MAX_HEADER = 64 * 1024  # characters read to find the header's separator
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": _l("comma"), ";": _l("semicolon"), "\t": _l("tab")}
# The decimal mark a separator makes certain: a comma cannot be one in a comma-separated
# file without quotes, and Excel writes ";" exactly where the comma is the decimal mark.
SURE_MARK = {",": ".", ";": ",", "\t": None}


def header_key(name: str) -> str:
    """A header as matched: without case, accents or repeated spaces ("Correo Electronico")."""
    return " ".join(fold(name).split())


def _separator(sample: str) -> str:
    """The separator of the file's first line (outside quotes); a comma if it has none."""
    found: set[str] = set()
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in SEPARATORS:
            found.add(char)
    # A first line longer than the sample is judged by its first MAX_HEADER characters.
    if len(found) > 1:
        raise ValidationError({"file": MIXED_SEPARATORS})
    return found.pop() if found else ","


class ImportErrors(ValidationError):
    """The errors of a file (``rows[<line>].<column>``), with the columns as the file named
    them, for the page's sentences (``error_lines``)."""

    def __init__(self, errors: dict[str, Any], names: dict[str, str]) -> None:
        super().__init__(errors)
        self.names = names


class CsvFile:
    """An uploaded file read as rows of the kind's columns, however its header names them.

    ``names`` maps each column the header has to the name the file gives it; ``mark`` is
    the decimal mark its separator makes certain (None for a tab).
    """

    def __init__(self, stream: IO[bytes], kind: CatalogKind) -> None:
        self.stream, self.kind = stream, kind
        self.names: dict[str, str] = {}
        self.separator = ","
        self.mark: str | None = "."
        self.spanish = False

    def rows(self) -> Iterator[tuple[int, dict[str, str], Any]]:
        """Each row with the line it starts on and its problem of shape (or None).

        Header and rows go through one CSV reader, so any line ending works (CRLF, LF, a
        lone CR, a mixture); a file the reader or the UTF-8 decoder refuses is a file error.
        """
        self.stream.seek(0)
        text = io.TextIOWrapper(self.stream, encoding="utf-8-sig", newline="")
        reader = None
        try:
            self.separator = _separator(text.read(MAX_HEADER))
            self.mark = SURE_MARK[self.separator]
            text.seek(0)  # a new decoder: the BOM is skipped again
            reader = csv.reader(text, delimiter=self.separator)
            header = next(reader, [])
            positions = self._header(header)
            while True:
                start = reader.line_num + 1  # a quoted cell may span lines: report the first
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                if not any(cell.strip() for cell in cells):
                    continue  # a blank line, or a spreadsheet's empty row (";;;;")
                row = {column: cells[i] for i, column in positions.items() if i < len(cells)}
                yield start, row, self._shape(cells, len(header))
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": FILE_NOT_UTF8}) from exc
        except csv.Error as exc:  # e.g. a cell beyond csv.field_size_limit()
            line = reader.line_num if reader is not None else 1  # the line being read
            raise ValidationError({"file": FILE_NOT_CSV % {"line": line}}) from exc
        finally:
            text.detach()

    def _header(self, cells: list[str]) -> dict[int, str]:
        """The position of each column the header names; file errors for a bad header."""
        if not any(cell.strip() for cell in cells):
            raise ValidationError({"file": FILE_EMPTY})
        if len(cells) > MAX_COLUMNS:
            raise ValidationError({"file": TOO_MANY_COLUMNS % {"max": MAX_COLUMNS}})
        known = {header_key(column): column for column in self.kind.csv_inputs}
        for column, names in self.kind.csv_names.items():
            for name in names:
                known.setdefault(header_key(name), column)
        # Excel (es)'s own headers: a file that uses one hears of a missing column in Spanish.
        spanish = {header_key(names[0]) for names in self.kind.csv_names.values()} - {
            header_key(column) for column in self.kind.csv_inputs
        }
        positions: dict[int, str] = {}
        self.names, self.spanish = {}, False
        for position, cell in enumerate(cells):
            name = cell.strip()
            found = known.get(header_key(name))
            if found is None:
                continue  # a column of no use here (an id, notes…): ignored
            if found in self.names:
                raise ValidationError({"file": COLUMN_TWICE % {"column": name}})
            self.names[found] = name
            positions[position] = found
            self.spanish = self.spanish or header_key(name) in spanish
        for column in self.kind.required_columns:
            if column not in self.names:
                shown = self.kind.csv_names[column][0] if self.spanish else column
                raise ValidationError({"file": COLUMN_MISSING % {"column": shown}})
        return positions

    def _shape(self, cells: list[str], width: int) -> Any:
        """A row's cells that cannot be the header's: more of them (not blank), or one
        holding another separator (a file whose rows and header disagree)."""
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            return TOO_MANY_CELLS % {"cells": len(cells), "columns": width}
        others = [s for s in SEPARATORS if s != self.separator]
        if len(cells) == 1 < width and any(s in cells[0] for s in others):
            return OTHER_SEPARATOR % {"separator": SEPARATOR_NAMES[self.separator]}
        return None

    def decimal(self, raw: str) -> tuple[str, Any]:
        """A number as the forms read it (a point), or the reason it is refused.

        One mark at most, no thousands separators. The mark the separator makes certain is
        decimal; the other is too, unless exactly three digits follow it ("1.234" in a
        file separated by ";" may be a thousand, and is refused)."""
        marks = [char for char in raw if char in ".,"]
        if not marks:
            return raw, None
        if len(marks) > 1:
            return "", SEVERAL_MARKS
        if marks[0] != self.mark and re.search(r"[0-9][.,][0-9]{3}$", raw):
            return "", AMBIGUOUS_NUMBER % {"value": raw}
        return raw.replace(",", "."), None


def error_lines(exc: ValidationError) -> list[str]:
    """An import's errors as the page says them: "Row 3, column “email”: …" with the column
    named as the file names it; a file's own error as it is."""
    names = exc.names if isinstance(exc, ImportErrors) else {}
    lines: list[str] = []
    for key, message in (exc.errors or {}).items():
        found = re.fullmatch(r"rows\[([0-9]+)\](?:\.(.+))?", key)
        if found is None:
            lines.append(str(message))
        elif found.group(2) is None:
            lines.append(str(ROW_ERROR % {"row": found.group(1), "message": message}))
        else:
            column = names.get(found.group(2), found.group(2))
            values = {"row": found.group(1), "column": column, "message": message}
            lines.append(str(CELL_ERROR % values))
    return lines
