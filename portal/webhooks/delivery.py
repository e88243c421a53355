"""Sending webhooks: the worker's job for each queued delivery, and the test button's ping.

One attempt POSTs the event's body, signed the Standard Webhooks way, to the address the SSRF
guard checked a moment before (``urls.resolve_for_delivery``), within a deadline for the
whole exchange (``WEBHOOK_TIMEOUT_SECONDS``, 15 s), never following a redirect, and keeps
what happened as a ``WebhookAttempt``. Only a 2xx delivers. 410 Gone fails the delivery and
disables the endpoint. Anything else — another status (3xx and 4xx included, as Standard
Webhooks says: a receiver being deployed or misconfigured is usually fixed within the
schedule), a timeout, a refused connection, an address the guard refuses — is retried on
``WEBHOOK_RETRY_SCHEDULE`` (``Retry-After`` of a 429 or 503 honoured), then FAILED. An
endpoint that has failed every attempt for ``FAILING_LIMIT`` is disabled ("failing").
"""

from __future__ import annotations

import codecs
import contextlib
import heapq
import http.client
import itertools
import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from time import monotonic, perf_counter
from typing import Any

from flask import current_app

from portal.accounts.models import Organization
from portal.clock import utcnow
from portal.db import new_public_id
from portal.extensions import db
from portal.jobs.queue import JobKind, Outcome
from portal.webhooks.events import event_body
from portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.webhooks.signing import signature_header
from portal.webhooks.urls import InvalidWebhookUrl, Target, resolve_for_delivery

log = logging.getLogger(__name__)

USER_AGENT = "Portal-Webhooks/1.0 (+https://www.standardwebhooks.com/)"
EXCERPT_BYTES = 1024
FAILING_LIMIT = timedelta(days=5)  # failing this long, an endpoint is disabled
DISABLED_GONE = "gone"  # the receiver answered 410
DISABLED_FAILING = "failing"  # nothing delivered for FAILING_LIMIT
ENDPOINT_INACTIVE = "endpoint disabled"  # a queued delivery whose endpoint was turned off


@dataclass(frozen=True)
class Result:
    """What one POST got: the receiver's status (``None``: no answer) and how long it took,
    or why it could not be sent."""

    status_code: int | None
    duration_ms: int
    error: str = ""
    response_excerpt: str = ""  # the first 1 KB of the body, as text
    retry_after: float | None = None  # seconds, from a 429's or 503's Retry-After
    at: datetime = field(default_factory=utcnow)  # when it was sent

    @property
    def ok(self) -> bool:
        """Delivered: the receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Message:
    """A signed request, ready to send without touching the database."""

    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float
    allow_private: bool


def send_now(endpoint: WebhookEndpoint, event_type: str, data: dict[str, Any]) -> Result:
    """POST an event of ``event_type`` (``"ping"`` for the test button) to ``endpoint`` at
    once: not stored, not queued, not retried, the endpoint's state left as it is.

    It can take up to ``WEBHOOK_TIMEOUT_SECONDS``: a caller should not hold a database write
    transaction (SQLite's single write lock) meanwhile.
    """
    now = utcnow()
    organization = db.session.get(Organization, endpoint.organization_id)
    assert organization is not None
    body = {
        "id": new_public_id("evt"),
        "type": event_type,
        "createdAt": now.isoformat(),
        "organizationId": organization.public_id,
        "data": data,
    }
    return post(_message(endpoint, str(body["id"]), body, now))


def post(message: Message) -> Result:
    """Send ``message``: connect to the address the guard checks now, redirects not
    followed, the whole exchange within ``message.timeout`` seconds."""
    at = utcnow()
    started = perf_counter()

    def elapsed() -> int:
        return round((perf_counter() - started) * 1000)

    try:
        target = resolve_for_delivery(message.url, allow_private=message.allow_private)
    except InvalidWebhookUrl as exc:
        return Result(None, elapsed(), f"address refused: {exc.reason}", at=at)
    connection = _connection(target, message.timeout)
    deadline = DEADLINES.add(message.timeout, connection.abort)
    try:
        connection.request("POST", target.path, body=message.body, headers=message.headers)
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES)
        status = response.status
        retry_after = parse_retry_after(response.getheader("Retry-After"), at)
        location = response.getheader("Location") or ""
        if connection.aborted:  # cut off mid-answer: what was read may look complete
            raise TimeoutError("deadline")
    except (OSError, http.client.HTTPException) as exc:
        error = f"timeout after {message.timeout:g} s" if connection.aborted else _describe(exc)
        return Result(None, elapsed(), error, at=at)
    finally:
        DEADLINES.cancel(deadline)
        connection.close()
    error = ""
    if not 200 <= status < 300:
        error = f"HTTP {status}"
        if 300 <= status < 400:
            error += f": redirect to {location[:200]} not followed"
    return Result(status, elapsed(), error, _text(excerpt), retry_after, at=at)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


# ---------------------------------------------------------------------------------------
# The worker's job: one attempt at a queued delivery


def load_delivery(delivery: WebhookDelivery, now: datetime) -> Message | Outcome:
    endpoint = delivery.endpoint
    if not endpoint.active:
        return Outcome.fail(ENDPOINT_INACTIVE)
    organization = db.session.get(Organization, delivery.organization_id)
    assert organization is not None
    body = event_body(delivery.event, organization.public_id)
    return _message(endpoint, delivery.event.public_id, body, now)


def perform_delivery(message: Message) -> Outcome:
    result = post(message)
    if result.ok:
        return Outcome.done(result)
    if result.status_code == 410:
        return Outcome.fail("HTTP 410 Gone: the endpoint is disabled", result)
    retry_after = result.retry_after if result.status_code in (429, 503) else None
    return Outcome.retry(result.error, retry_after=retry_after, detail=result)


def record_delivery(
    delivery: WebhookDelivery, outcome: Outcome, next_attempt_at: datetime | None, now: datetime
) -> None:
    """Keep the attempt and what it says about the endpoint (failing since, disabled)."""
    result: Result | None = outcome.detail
    endpoint = delivery.endpoint
    if result is None:  # not sent (endpoint disabled meanwhile): no attempt to show
        return
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=result.at,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error[:500],
            response_excerpt=result.response_excerpt,
            next_attempt_at=next_attempt_at,
        )
    )
    delivery.last_status_code = result.status_code
    delivery.last_duration_ms = result.duration_ms
    log.info(
        "webhook %s (%s) to %s: %s in %d ms%s",
        delivery.public_id,
        delivery.event.type,
        endpoint.public_id,
        result.status_code or result.error,
        result.duration_ms,
        f", next at {next_attempt_at:%Y-%m-%d %H:%M:%S}" if next_attempt_at else "",
    )
    if result.ok:
        endpoint.failing_since = None
    elif result.status_code == 410:
        disable_endpoint(endpoint, DISABLED_GONE, now)
    elif endpoint.failing_since is None:
        endpoint.failing_since = result.at
    elif now - endpoint.failing_since >= FAILING_LIMIT:
        disable_endpoint(endpoint, DISABLED_FAILING, now)


def disable_endpoint(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Turn an endpoint off for ``reason``; its queued deliveries then fail as they come up
    (and can be recovered once it is on again)."""
    if not endpoint.active:
        return
    endpoint.active = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    log.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)


WEBHOOK_DELIVERIES = JobKind(
    name="webhook-delivery",
    model=WebhookDelivery,
    schedule_setting="WEBHOOK_RETRY_SCHEDULE",
    load=load_delivery,
    perform=perform_delivery,
    record=record_delivery,
    batch_size=20,
    lease_seconds=60.0,  # half of it is twice the 15 s an attempt may last
)


# ---------------------------------------------------------------------------------------
# Building and sending the request


def _message(
    endpoint: WebhookEndpoint, msg_id: str, body: dict[str, Any], now: datetime
) -> Message:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = int(now.timestamp())
    config = current_app.config
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(endpoint, msg_id, timestamp, payload, now),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    return Message(
        endpoint.url,
        headers,
        payload,
        float(config["WEBHOOK_TIMEOUT_SECONDS"]),
        bool(config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"]),
    )


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the system's authorities (tests trust their own)."""
    return ssl.create_default_context()


class _Pinned:
    """Connects to the checked address, not to whatever the name resolves to by then."""

    ip: str
    port: int
    timeout: Any
    aborted = False
    _raw: socket.socket | None = None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.ip, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._raw = sock
        if self.aborted:  # the deadline passed while connecting
            raise TimeoutError("deadline")
        return sock

    def abort(self) -> None:
        """The deadline: wake up whatever the sending thread is blocked on."""
        self.aborted = True
        if self._raw is not None:
            with contextlib.suppress(OSError):
                self._raw.shutdown(socket.SHUT_RDWR)


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        http.client.HTTPConnection.__init__(self, target.host, target.port, timeout=timeout)
        self.ip = target.ip

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        context = tls_context()
        http.client.HTTPSConnection.__init__(
            self, target.host, target.port, timeout=timeout, context=context
        )
        self.ip = target.ip

    def connect(self) -> None:
        # SNI and the certificate check use the URL's host name.
        self.sock = self._context.wrap_socket(self._open(), server_hostname=self.host)  # type: ignore[attr-defined]


class Deadlines:
    """Calls each action when its time comes unless cancelled before: one thread for all
    requests' deadlines (a timer thread per request costs about a millisecond)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: list[tuple[float, int]] = []  # a heap of (when, key)
        self._actions: dict[int, Callable[[], None]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, seconds: float, action: Callable[[], None]) -> int:
        with self._changed:
            key = next(self._keys)
            self._actions[key] = action
            heapq.heappush(self._due, (monotonic() + seconds, key))
            if self._thread is None or not self._thread.is_alive():  # first use, or forked
                self._thread = threading.Thread(
                    target=self._run, name="webhook-deadlines", daemon=True
                )
                self._thread.start()
            self._changed.notify()
            return key

    def cancel(self, key: int) -> None:
        with self._changed:
            self._actions.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._due and self._due[0][1] not in self._actions:
                    heapq.heappop(self._due)  # cancelled
                if not self._due:
                    self._changed.wait()
                    continue
                when, key = self._due[0]
                if monotonic() < when:
                    self._changed.wait(when - monotonic())
                    continue
                heapq.heappop(self._due)
                action = self._actions.pop(key)
            action()


DEADLINES = Deadlines()


def _connection(target: Target, timeout: float) -> _PinnedHTTP | _PinnedHTTPS:
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout)
    return _PinnedHTTP(target, timeout)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {exc.verify_message}"[:500]
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"[:500]
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without an answer"
    return f"{type(exc).__name__}: {exc}"[:500]


def _text(excerpt: bytes) -> str:
    # A character cut at the 1 KB mark is dropped, not shown as garbage; PostgreSQL's text
    # refuses NUL characters.
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(excerpt, final=False)
    return text.replace("\x00", "\ufffd")
