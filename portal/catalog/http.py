"""CSV in and out over HTTP: what the catalog's pages and its API share."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from flask import Response, request, stream_with_context

from portal.catalog import csvio
from portal.catalog.kinds import CatalogKind
from portal.security.identity import acting_user


@contextmanager
def csv_upload() -> Iterator[IO[bytes] | None]:
    """The uploaded CSV: a multipart ``file`` field, or a raw ``text/csv`` body (already
    read in full before the request's first query, see ``portal.web.read_body_first``)."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        yield upload.stream
        return
    body = request.get_data() if request.mimetype in ("text/csv", "application/csv") else b""
    yield io.BytesIO(body) if body else None


def csv_response(kind: CatalogKind) -> Response:
    """The kind's export in the format ``?format=`` names: ``csv`` (the default) or
    ``excel-es``; another is a 400, before anything is read."""
    fmt = csvio.csv_format(request.args.get("format"))
    rows = csvio.export_csv(kind, acting_user(), fmt)
    response = Response(stream_with_context(rows), mimetype="text/csv")
    filename = f"{kind.slug}{fmt.filename_suffix}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
