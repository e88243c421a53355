"""The signed session cookie, with its signer built once per key rather than per request.

Flask's ``SecureCookieSessionInterface`` builds an itsdangerous serializer (and its key
derivation) every time a request context opens, cookie or not: a twentieth of a cached API
read. The serializer holds nothing but its keys and settings, so one per set of keys
(``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, as Flask orders them) serves every request
and thread; the cookie's format and checks are Flask's own.
"""

from __future__ import annotations

import threading

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class PortalSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            with self._lock:
                self._serializers[keys] = serializer
        return serializer
