"""Every /api/v1 answer, success or failure, wears the envelope — even werkzeug's own."""

import logging
import re

import pytest
from werkzeug.exceptions import MethodNotAllowed

from tests.conftest import FAILURE_KEYS, assert_envelope, bearer

ALL_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _concrete(rule) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", "usr_nope").replace(f"<string:{argument}>", "x")
        # <any(aging, quotes):name> → its first choice
        path = re.sub(rf"<any\(\s*([^,)\s]+)[^>]*\):{argument}>", r"\1", path)
    return path


def _routes_elsewhere(app, path: str, method: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path, method=method)
    except MethodNotAllowed:
        return False
    return True


def test_walk_the_url_map_wrong_methods_and_unknown_paths(app, client, make_user):
    owner = make_user()
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            allowed.setdefault(_concrete(rule), set()).update(rule.methods)
    assert len(allowed) >= 6
    checked = 0
    for path, methods in allowed.items():
        owner = make_user()  # a fresh caller per path: the walk stays under one's rate limit
        for method in sorted(ALL_METHODS - methods):
            if _routes_elsewhere(app, path, method):
                continue  # e.g. PATCH /products/export is PATCH /products/<id="export">
            response = client.open(path, method=method, headers=bearer(owner))
            body = assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
            assert body["error"] == "Método no permitido"
            checked += 1
        for method in sorted(methods & ALL_METHODS):
            # Revoking a token would spoil the owner's for the rest of the walk.
            caller = make_user() if (method, path) == ("DELETE", "/api/v1/auth/token") else owner
            for headers in ({}, bearer(caller)):
                response = client.open(path, method=method, json={}, headers=headers)
                if response.status_code == 200 and response.mimetype == "text/csv":
                    continue  # CSV export: the spec's one non-JSON success
                if response.status_code == 200 and path == "/api/v1/openapi.json":
                    continue  # the description itself: plain OpenAPI, for tools to read
                body = response.get_json()
                assert isinstance(body, dict), (method, path)
                assert {"success", "message", "data", "errors"} <= body.keys()
                if response.status_code >= 400:
                    assert body.keys() >= FAILURE_KEYS, (method, path, body)
                checked += 1
        for suffix in ("/nope", "/x/y/z"):
            response = client.get(path.rstrip("/") + suffix, headers=bearer(owner))
            if response.status_code == 404:
                assert_envelope(response, 404, "NOT_FOUND")
    assert checked > 20


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nope", "/api/v1/users/x/y", "/api/v2/me"])
def test_unknown_api_paths_are_enveloped_404s(client, path):
    body = assert_envelope(client.get(path), 404, "NOT_FOUND")
    assert body["error"] == "Recurso no encontrado"
    english = client.get(path, headers={"Accept-Language": "en"})
    assert assert_envelope(english, 404, "NOT_FOUND")["error"] == "Resource not found"


def test_too_large_a_body_is_an_enveloped_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post(
        "/api/v1/auth/register", data="x" * 5000, content_type="application/json"
    )
    assert_envelope(response, 413, "PAYLOAD_TOO_LARGE")


def test_an_unexpected_error_is_an_enveloped_500_without_trace_and_logged(make_app, caplog):
    app = make_app(PROPAGATE_INTERNAL_ERRORS=False)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/boom")
    def boom_page():
        raise RuntimeError("secret internals")

    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-12345678"})
    body = assert_envelope(response, 500, "INTERNAL_ERROR")
    assert body["error"] == "Error interno del servidor"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "req-12345678"
    assert any("req-12345678" in r.getMessage() and r.exc_info for r in caplog.records)

    page = client.get("/boom", headers={"Accept-Language": "en"})
    assert page.status_code == 500 and "Internal server error" in page.get_data(as_text=True)
    assert "secret internals" not in page.get_data(as_text=True)


def test_success_envelope_shape(client, make_user):
    owner = make_user()
    response = client.get("/api/v1/me", headers=bearer(owner))
    body = assert_envelope(response, 200)
    assert list(body) == ["success", "message", "data", "errors"]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
