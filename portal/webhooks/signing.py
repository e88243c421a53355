"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.

The secret is ``whsec_`` + base64 of random bytes; the HMAC key is those bytes. After a
rotation the previous secret signs too until it expires, so a receiver that still holds it
keeps verifying: the header then carries two space-separated signatures, the current
secret's first (https://www.standardwebhooks.com/, "Signature scheme").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from portal.webhooks.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes


def new_secret() -> str:
    """A fresh signing secret, ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_…`` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 signature>`` of ``body`` sent as message ``msg_id`` at ``timestamp``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign at ``now``: the current one, then the previous one while it is
    still valid after a rotation."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        found.append(endpoint.previous_secret)
    return found


def signature_header(
    endpoint: WebhookEndpoint, msg_id: str, timestamp: int, body: bytes, now: datetime
) -> str:
    """The ``webhook-signature`` value: one signature per valid secret, space-separated."""
    return " ".join(
        sign(secret, msg_id, timestamp, body) for secret in signing_secrets(endpoint, now)
    )
