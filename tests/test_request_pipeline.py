"""What issue 16 changed in every request's path keeps its meaning: the session cookie's
signer (built once per key), the security headers (appended in one pass)."""

from __future__ import annotations

from flask import Response, session

from tests.conftest import SECRET

OTHER_SECRET = "another-secret-key-of-at-least-32-bytes-0123"


def _session_app(make_app, **overrides):
    app = make_app(**overrides)

    @app.get("/_test/session/set")
    def set_value() -> str:
        session["value"] = "guardado"
        return "ok"

    @app.get("/_test/session/get")
    def get_value() -> str:
        return session.get("value", "-")

    @app.get("/_test/own-headers")
    def own_headers() -> Response:
        response = Response("x")
        response.headers["Cache-Control"] = "private, max-age=60"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    return app


def test_a_cookie_reads_back_and_another_key_refuses_it(make_app):
    first = _session_app(make_app)
    other = _session_app(make_app, SECRET_KEY=OTHER_SECRET)
    with first.test_client() as client:
        client.get("/_test/session/set")
        cookie = client.get_cookie(first.config["SESSION_COOKIE_NAME"])
        assert client.get("/_test/session/get").get_data(as_text=True) == "guardado"
    with other.test_client() as client:  # the cached signer is per key: this one refuses it
        client.set_cookie(first.config["SESSION_COOKIE_NAME"], cookie.value)
        assert client.get("/_test/session/get").get_data(as_text=True) == "-"


def test_a_rotated_key_still_reads_cookies_signed_with_the_old_one(make_app):
    old = _session_app(make_app)
    rotated = _session_app(make_app, SECRET_KEY=OTHER_SECRET, SECRET_KEY_FALLBACKS=[SECRET])
    with old.test_client() as client:
        client.get("/_test/session/set")
        cookie = client.get_cookie(old.config["SESSION_COOKIE_NAME"])
    with rotated.test_client() as client:
        client.set_cookie(old.config["SESSION_COOKIE_NAME"], cookie.value)
        assert client.get("/_test/session/get").get_data(as_text=True) == "guardado"


def test_security_headers_once_each_and_an_answers_own_kept(make_app):
    app = _session_app(make_app)
    with app.test_client() as client:
        plain = client.get("/_test/session/get", headers={"X-Request-ID": "req-abcdef12"})
        own = client.get("/_test/own-headers")
    for response in (plain, own):
        names = [name.lower() for name, _ in response.headers.items()]
        assert len(names) == len(set(names)), names
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert plain.headers["Cache-Control"] == "no-store"
    assert plain.headers["X-Frame-Options"] == "DENY"
    assert plain.headers["X-Request-ID"] == "req-abcdef12"
    assert own.headers["Cache-Control"] == "private, max-age=60"
    assert own.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert len(own.headers["X-Request-ID"]) == 16
