"""Security headers on every response, and a request id to tie a log line to a report."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, current_app, g, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)


# Added to every answer that does not set them itself (a download may set its own cache
# policy). Appended in one pass over the answer's own headers: werkzeug's ``setdefault`` scans
# them once per header, a tenth of a cached API read.
_ALWAYS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# Pages, the API and downloads (PDFs, CSV exports) hold a tenant's data: no cache along the
# way may keep a copy. Only the static files may be cached.
_NOT_STATIC = (("Cache-Control", "no-store"),)
_HSTS = (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    wanted = _ALWAYS
    if request.endpoint != "static":
        wanted += _NOT_STATIC
    if _secure_cookies():
        wanted += _HSTS
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    request_id = g.get("request_id", "-")
    if "x-request-id" in present:
        headers["X-Request-ID"] = request_id
    else:
        headers.add("X-Request-ID", request_id)
    return response


def _secure_cookies() -> bool:
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


def configure_security_headers(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
