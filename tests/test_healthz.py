"""``GET /healthz``: the database and the limiter storage, for load balancers.

(Redis away, and Redis coming back: test_redis_away.py.)
"""

from __future__ import annotations

import logging

from portal import create_app
from tests.conftest import SECRET, bearer


def test_healthy(app, ratelimit_storage):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "limiterStorage": "ok",
        "limiterStorageKind": ratelimit_storage.partition("://")[0],
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "success" not in response.get_json()  # not the API envelope


def test_never_rate_limited_nor_counted(app, make_user):
    client = app.test_client()
    owner = make_user(plan="FREE")
    # Anonymous callers get 120 a minute per IP, a FREE user 60: neither applies here.
    for _ in range(130):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert "X-RateLimit-Remaining" not in response.headers
    for _ in range(70):
        assert client.get("/healthz", headers=bearer(owner)).status_code == 200
    # ...nor did those count against the caller's own limits.
    assert client.get("/api/v1/me", headers=bearer(owner)).headers["X-RateLimit-Remaining"] == "59"
    assert client.get("/login").headers["X-RateLimit-Remaining"] == "119"


def test_head_works_too(app):
    response = app.test_client().head("/healthz")
    assert response.status_code == 200


def test_limiter_switched_off(make_app):
    response = make_app(RATELIMIT_ENABLED=False).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["limiterStorage"] == "disabled"


def test_database_away_is_a_503(tmp_path, caplog):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "no-such-dir" / "portal.db"),
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        with caplog.at_level(logging.WARNING):
            response = app.test_client().get("/healthz")
    finally:
        app.extensions["portal.db"].dispose()
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "database": "error",
        "limiterStorage": "ok",
        "limiterStorageKind": "memory",
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert any("database does not answer" in r.getMessage() for r in caplog.records)
