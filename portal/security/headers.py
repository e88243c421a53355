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


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        # Pages, the API and downloads (PDFs, CSV exports) hold a tenant's data: no cache
        # along the way may keep a copy. Only the static files may be cached.
        headers.setdefault("Cache-Control", "no-store")
    if _secure_cookies():
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers["X-Request-ID"] = g.get("request_id", "-")
    return response


def _secure_cookies() -> bool:
    return bool(current_app.config["SESSION_COOKIE_SECURE"])


def configure_security_headers(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
