"""Handing a built message to an SMTP server, or to a folder when there is none.

``PORTAL_SMTP_URL``: ``smtp://user:password@host:587`` speaks plain SMTP and upgrades with
STARTTLS whenever the server offers it, and insists on it before logging in (a password is
never sent in clear); ``smtps://user:password@host:465`` is TLS from the first byte. User
and password are percent-decoded. Every command waits at most ``MAIL_TIMEOUT_SECONDS``.

What the server answers decides what happens (RFC 5321 §4.2.1): a 2xx is delivered; a 5xx
(mailbox unknown, message refused, authentication refused) is permanent and fails the
message at once, since asking again gets the same answer; a 4xx ("451 try later"
greylisting, a full mailbox), a timeout, a refused or dropped connection or a TLS failure is
temporary and retried on ``PORTAL_MAIL_RETRY_SCHEDULE``. The last answer is kept either way.

With no SMTP URL the message is written to ``<instance>/outbox/`` as an ``.eml`` file, the
path logged; that counts as sent.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
REPLY_MAX = 1000


@dataclass(frozen=True)
class Envelope:
    """A message ready to hand over: who it is from and for, and its bytes (CRLF lines)."""

    name: str  # the message's public id: names the outbox file
    sender: str
    recipients: tuple[str, ...]
    data: bytes


@dataclass(frozen=True)
class Handover:
    """How handing a message over went: ``sent``, else ``permanent`` (5xx) or not (retry),
    and the other side's last words (``"250 2.0.0 Ok: queued"``, ``"written to …"``)."""

    sent: bool
    reply: str
    permanent: bool = False


def deliver(envelope: Envelope, *, smtp_url: str | None, outbox: Path, timeout: float) -> Handover:
    if not smtp_url:
        return write_outbox(envelope, outbox)
    return send_smtp(envelope, smtp_url, timeout=timeout)


def write_outbox(envelope: Envelope, folder: Path) -> Handover:
    """Write the message as ``<folder>/<id>.eml`` (whole or not at all) and log the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{envelope.name}.eml"
    partial = path.with_suffix(".eml.part")
    partial.write_bytes(envelope.data)
    os.replace(partial, path)
    log.info("mail %s to %s written to %s", envelope.name, ", ".join(envelope.recipients), path)
    return Handover(True, f"written to {path}")


def send_smtp(envelope: Envelope, url: str, *, timeout: float) -> Handover:
    parts = urlsplit(url)
    implicit_tls = parts.scheme == "smtps"
    host = parts.hostname or "localhost"
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    context = tls_context()
    try:
        if implicit_tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=context
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        with connection:
            connection.ehlo()
            if not implicit_tls and connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
            elif not implicit_tls and user:
                return Handover(
                    False,
                    f"{host}:{port} offers no STARTTLS: the password is not sent in clear",
                    permanent=True,
                )
            if user:
                _login(connection, user, password)
            return _transaction(connection, envelope)
    except smtplib.SMTPResponseException as exc:
        return _answer(exc.smtp_code, exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:
        # Timeouts, refused or dropped connections, TLS failures: worth another try.
        return Handover(False, _describe(exc, host, port, timeout))


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH, PLAIN (or LOGIN) when offered: ``smtplib``'s ``login`` tries every
    mechanism in turn after a 535, so a wrong password would count as several failed log-ins
    on servers that lock accounts after a few. Over TLS only (see ``send_smtp``)."""
    offered = connection.esmtp_features.get("auth", "").upper().split()
    for mechanism in ("PLAIN", "LOGIN"):
        if mechanism in offered:
            connection.user, connection.password = user, password
            method = connection.auth_plain if mechanism == "PLAIN" else connection.auth_login
            connection.auth(mechanism, method)
            return
    connection.login(user, password)  # CRAM-MD5 alone, or nothing offered: smtplib says


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates; the server's must match its host name."""
    return ssl.create_default_context()


def _transaction(connection: smtplib.SMTP, envelope: Envelope) -> Handover:
    """MAIL, RCPT for each recipient, DATA: done by hand to keep each answer."""
    code, text = connection.mail(envelope.sender)
    if code != 250:
        return _answer(code, text)
    accepted: list[str] = []
    refused: list[tuple[str, int, bytes]] = []
    for recipient in envelope.recipients:
        code, text = connection.rcpt(recipient)
        if code in (250, 251):
            accepted.append(recipient)
        else:
            refused.append((recipient, code, text))
    if not accepted:
        connection.rset()
        # Temporary if any refusal was: that recipient may take it later.
        _recipient, code, text = min(refused, key=lambda one: one[1])
        return _answer(code, text)
    code, text = connection.data(envelope.data)
    if code != 250:
        return _answer(code, text)
    reply = _reply(code, text)
    if refused:
        reply += "; refused: " + "; ".join(f"{who}: {_reply(c, t)}" for who, c, t in refused)
    return Handover(True, reply[:REPLY_MAX])


def _answer(code: int, text: bytes | str) -> Handover:
    reply = _reply(code, text)
    if 200 <= code < 300:
        return Handover(True, reply)
    return Handover(False, reply, permanent=500 <= code < 600)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join(text.split())}"[:REPLY_MAX]


def _describe(exc: BaseException, host: str, port: int, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"{host}:{port}: no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return f"{host}:{port}: connection refused"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{host}:{port}: the server closed the connection"
    detail = str(exc) or type(exc).__name__
    return f"{host}:{port}: {detail}"[:REPLY_MAX]
