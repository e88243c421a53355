"""The exception tree and the one place that turns an error into JSON or HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy like _l; named for pybabel
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.envelope import envelope
from portal.extensions import db

log = logging.getLogger(__name__)


class PortalError(Exception):
    """Base of every error a person or a program is meant to see."""

    status = 500
    code = "INTERNAL_ERROR"
    default_message: Any = _l("Internal server error")

    def __init__(
        self,
        message: Any = None,
        *,
        errors: dict[str, Any] | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.errors = errors
        self.field = field
        self.headers = headers or {}
        super().__init__(str(self.code))

    @property
    def error(self) -> Any:
        """The text fit to show a person: the first field's message for validation."""
        if self.errors:
            return next(iter(self.errors.values()))
        return self.message


class ValidationError(PortalError):
    status = 400
    code = "VALIDATION_ERROR"
    default_message = _l("Validation failed")

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors=errors)


class CsrfFailed(PortalError):
    status = 400
    code = "CSRF_FAILED"
    default_message = _l("The form has expired or did not come from this site; please try again")


class Unauthorized(PortalError):
    status = 401
    code = "UNAUTHORIZED"
    default_message = _l("Not authorized")


class InvalidCredentials(Unauthorized):
    default_message = _l("Incorrect email or password")


class TokenInvalid(Unauthorized):
    code = "TOKEN_INVALID"
    default_message = _l("JWT token is missing or expired")


class Forbidden(PortalError):
    status = 403
    code = "FORBIDDEN"
    default_message = _l("Access denied")

    def __init__(self, role: str | None = None) -> None:
        message = _l("Access denied — %(role)s role required", role=role) if role else None
        super().__init__(message)


class PlanRequired(PortalError):
    status = 403
    code = "PLAN_REQUIRED"
    default_message = _l("Feature available on the Pro plan")


class NotFound(PortalError):
    status = 404
    code = "NOT_FOUND"
    default_message = _l("Resource not found")


class UserNotFound(NotFound):
    default_message = _l("User not found")


class ProductNotFound(NotFound):
    default_message = _l("Product not found")


class CustomerNotFound(NotFound):
    default_message = _l("Customer not found")


class QuoteNotFound(NotFound):
    default_message = _l("Quote not found")


class InvoiceNotFound(NotFound):
    default_message = _l("Invoice not found")


class MethodNotAllowed(PortalError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = _l("Method not allowed")


class Conflict(PortalError):
    status = 409
    code = "CONFLICT"
    default_message = _l("The request conflicts with the current state")


class DuplicateEmail(Conflict):
    code = "DUPLICATE_EMAIL"
    default_message = _l("Email already registered")

    def __init__(self) -> None:
        super().__init__(field="email")


class DuplicateSku(Conflict):
    code = "DUPLICATE_SKU"
    default_message = _l("A product with that SKU already exists")

    def __init__(self) -> None:
        super().__init__(field="sku")


class DuplicateInvoiceNumber(Conflict):
    code = "DUPLICATE_INVOICE_NUMBER"
    default_message = _l("An invoice with that number already exists")

    def __init__(self) -> None:
        super().__init__(field="invoice_number")


class InvalidState(Conflict):
    code = "INVALID_STATE"


class PayloadTooLarge(PortalError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = _l("The request body is too large")


class RateLimited(PortalError):
    status = 429
    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            ngettext(
                "Too many requests; retry in %(num)s second",
                "Too many requests; retry in %(num)s seconds",
                retry_after,
            ),
            headers={"Retry-After": str(retry_after)},
        )


_HTTP_ERRORS: dict[int, type[PortalError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(exc: PortalError):
    """Answer an error: the envelope under ``/api/``, a localised page elsewhere."""
    db.session.rollback()
    if wants_json():
        return envelope(
            success=False,
            message=exc.message,
            error=exc.error,
            code=exc.code,
            errors=exc.errors,
            status=exc.status,
            headers=exc.headers,
        )
    if isinstance(exc, Unauthorized):
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    html = render_template("errors/error.html", error=exc)
    return html, exc.status, exc.headers


def _from_http_exception(exc: HTTPException):
    if exc.code is not None and exc.code < 400:
        return exc  # redirects raised by routing (e.g. a missing trailing slash)
    portal_error = _HTTP_ERRORS.get(exc.code or 500, PortalError)()
    portal_error.status = exc.code or 500
    if exc.code == 405 and exc.valid_methods:
        portal_error.headers["Allow"] = ", ".join(exc.valid_methods)
    return render_error(portal_error)


def _from_unexpected(exc: Exception):
    if current_app.config.get("PROPAGATE_INTERNAL_ERRORS"):
        raise exc
    log.exception("unhandled error in request %s", g.get("request_id", "-"))
    return render_error(PortalError())


def configure_errors(app: Flask) -> None:
    app.register_error_handler(PortalError, render_error)
    app.register_error_handler(CSRFError, lambda exc: render_error(CsrfFailed()))
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_unexpected)
