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
    rows = csvio.export_csv(kind, acting_user())
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind.slug}.csv"'
    return response
