"""The exception tree and the one place that turns an error into JSON or HTML."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy like _l; named for pybabel
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

from portal.db import conflict_error, is_busy, is_unique_violation
from portal.envelope import envelope

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
        self.role = role  # the least role that may, for the page to name (localised there)


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


class RecurringInvoiceNotFound(NotFound):
    default_message = _l("Recurring invoice not found")


class WebhookNotFound(NotFound):
    default_message = _l("Webhook not found")


class DeliveryNotFound(NotFound):
    default_message = _l("Delivery not found")


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


class IdempotencyKeyReused(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = _l("Idempotency key already used with a different request")


class IdempotencyKeyInUse(Conflict):
    code = "IDEMPOTENCY_KEY_IN_USE"
    default_message = _l("Idempotency key in use by a request still under way; retry shortly")


class PreconditionFailed(PortalError):
    status = 412
    code = "PRECONDITION_FAILED"
    default_message = _l("The document changed since you read it")


class InvalidState(Conflict):
    code = "INVALID_STATE"


class QuoteAlreadyConverted(InvalidState):
    default_message = _l("This quote has already been converted into an invoice")


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


class WebhookDeliveryFailed(PortalError):
    """The test button's ping did not reach the receiver, or it answered other than 2xx;
    ``detail`` is what the attempt got (its status code, duration or error), for the page."""

    status = 502
    code = "WEBHOOK_DELIVERY_FAILED"
    default_message = _l("Webhook delivery failed")

    def __init__(self, detail: Any = None) -> None:
        super().__init__()
        self.detail = detail


class Busy(PortalError):
    status = 503
    code = "BUSY"
    default_message = _l("The server is busy, try again")
    RETRY_AFTER = 2  # seconds

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.RETRY_AFTER)})


class HttpError(PortalError):
    """An error werkzeug raised for the protocol itself (a bad range, a long URL, …)."""

    def __init__(self, status: int, code: str, message: Any) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


_HTTP_ERRORS: dict[int, type[PortalError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
}

# Every other status werkzeug knows, with a stable code and a text of its own.
_HTTP_TEXTS: dict[int, tuple[str, Any]] = {
    400: ("BAD_REQUEST", _l("The request is not valid")),
    406: ("NOT_ACCEPTABLE", _l("None of the accepted response formats is available")),
    408: ("REQUEST_TIMEOUT", _l("The request took too long to arrive")),
    410: ("GONE", _l("The resource is no longer available")),
    411: ("LENGTH_REQUIRED", _l("The request must state its length (Content-Length)")),
    412: ("PRECONDITION_FAILED", _l("A precondition of the request failed")),
    414: ("URI_TOO_LONG", _l("The request URL is too long")),
    415: ("UNSUPPORTED_MEDIA_TYPE", _l("Unsupported media type")),
    416: ("RANGE_NOT_SATISFIABLE", _l("Range not satisfiable")),
    417: ("EXPECTATION_FAILED", _l("The Expect header cannot be met")),
    418: ("IM_A_TEAPOT", _l("I'm a teapot")),
    421: ("MISDIRECTED_REQUEST", _l("The request was sent to the wrong server")),
    422: ("UNPROCESSABLE_CONTENT", _l("The request is well formed but cannot be processed")),
    423: ("LOCKED", _l("The resource is locked")),
    424: ("FAILED_DEPENDENCY", _l("A request this one depends on failed")),
    428: ("PRECONDITION_REQUIRED", _l("The request must be conditional (If-Match)")),
    429: ("RATE_LIMITED", _l("Too many requests")),
    431: ("REQUEST_HEADER_FIELDS_TOO_LARGE", _l("The request headers are too large")),
    451: ("UNAVAILABLE_FOR_LEGAL_REASONS", _l("Unavailable for legal reasons")),
    501: ("NOT_IMPLEMENTED", _l("The server does not support this request")),
    502: ("BAD_GATEWAY", _l("The upstream server sent an invalid response")),
    503: ("SERVICE_UNAVAILABLE", _l("The service is unavailable for now; try again later")),
    504: ("GATEWAY_TIMEOUT", _l("The upstream server did not answer in time")),
    505: ("HTTP_VERSION_NOT_SUPPORTED", _l("HTTP version not supported")),
}
_OTHER_CLIENT_ERROR = ("HTTP_ERROR", _l("The request could not be processed"))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(exc: PortalError) -> ResponseReturnValue:
    """Answer an error: the envelope under ``/api/``, a localised page elsewhere.

    The request's transaction has already been rolled back (``PortalFlask.dispatch_request``).
    A page action that names where its refusals go (``portal.web.refusals_go_back``) shows a
    refusal there as a message instead of an error page.
    """
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
    back = g.get("refusal_target")
    if back is not None and 400 <= exc.status < 500 and exc.status != 404:
        flash(str(exc.error), "error")
        return redirect(back)
    needed_role = exc.role if isinstance(exc, Forbidden) else None
    html = render_template("errors/error.html", error=exc, needed_role=needed_role)
    return html, exc.status, exc.headers


def _from_http_exception(exc: HTTPException):
    if exc.code is not None and exc.code < 400:
        return exc  # redirects raised by routing (e.g. a missing trailing slash)
    status = exc.code or 500
    portal_error: PortalError
    if status in _HTTP_ERRORS:
        portal_error = _HTTP_ERRORS[status]()
        portal_error.status = status
    elif status in _HTTP_TEXTS or status < 500:
        portal_error = HttpError(status, *_HTTP_TEXTS.get(status, _OTHER_CLIENT_ERROR))
    else:
        portal_error = HttpError(status, PortalError.code, PortalError.default_message)
    for name, value in exc.get_headers():  # Allow on 405, Content-Range on 416, Retry-After…
        if name.lower() != "content-type":
            portal_error.headers[name] = value
    return render_error(portal_error)


def _from_integrity_error(exc: IntegrityError):
    """A unique-constraint race that no service expected: its declared 409, or a generic one."""
    if not is_unique_violation(exc):
        return _from_unexpected(exc)
    error = conflict_error(exc) or Conflict()
    if not isinstance(error, PortalError):
        return _from_unexpected(exc)
    return render_error(error)


def _from_database_error(exc: DBAPIError):
    if is_busy(exc):
        log.warning("lock not granted in time (%s): answered 503", type(exc.orig).__name__)
        return render_error(Busy())
    return _from_unexpected(exc)


def _from_unexpected(exc: Exception):
    if current_app.config.get("PROPAGATE_INTERNAL_ERRORS"):
        raise exc
    log.exception("unhandled error in request %s", g.get("request_id", "-"))
    return render_error(PortalError())


def configure_errors(app: Flask) -> None:
    app.register_error_handler(PortalError, render_error)
    app.register_error_handler(CSRFError, lambda exc: render_error(CsrfFailed()))
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(IntegrityError, _from_integrity_error)
    app.register_error_handler(DBAPIError, _from_database_error)
    app.register_error_handler(Exception, _from_unexpected)
