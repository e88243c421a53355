"""What a caller over a limit is told: the log-in page's Retry-After, and N second(s)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal.errors import RateLimited
from tests.conftest import PASSWORD, bearer, login
from tests.support.http import ENGLISH_429, SPANISH_429


def test_the_login_pages_429_carries_retry_after(client, make_user):
    owner = make_user()
    for _ in range(10):
        assert login(client, owner.email, "wrong").status_code == 401
    refused = login(client, owner.email, PASSWORD)
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 60
    html = refused.get_data(as_text=True)
    assert SPANISH_429.format(n=retry) in html
    # The 401s before it said nothing of retrying.
    wrong = login(client, make_user().email, "wrong")
    assert wrong.status_code == 401
    assert "Retry-After" not in wrong.headers


@pytest.mark.parametrize(
    ("n", "spanish", "english"),
    [
        (1, "reintenta en 1 segundo", "retry in 1 second"),
        (2, "reintenta en 2 segundos", "retry in 2 seconds"),
        (60, "reintenta en 60 segundos", "retry in 60 seconds"),
    ],
)
def test_retry_message_has_singular_and_plural(app, n, spanish, english):
    with app.test_request_context("/"):
        error = RateLimited(retry_after=n)
        assert error.headers == {"Retry-After": str(n)}
        with force_locale("es"):
            assert str(error.message) == f"Demasiadas solicitudes; {spanish}"
            assert str(error.message) == SPANISH_429.format(n=n)
        with force_locale("en"):
            assert str(error.message) == f"Too many requests; {english}"
            assert str(error.message) == ENGLISH_429.format(n=n)


def test_a_concurrency_refusal_says_one_second(app, make_user):
    """The burst refusal is always ``Retry-After: 1``: "1 segundo", never "1 segundos"."""

    owner = make_user(plan="FREE")
    slots = app.extensions["portal.slots"]
    key = f"{app.config['RATELIMIT_KEY_PREFIX']}:inflight:user:{owner.id}"
    held = [slots.acquire(key, 10) for _ in range(10)]
    assert all(held)
    try:
        response = app.test_client().get("/api/v1/me", headers=bearer(owner))
    finally:
        for token in held:
            slots.release(key, token)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"] == "Demasiadas solicitudes; reintenta en 1 segundo"


# --- requests that match no route ----------------------------------------------------------------


def test_routing_404_and_405_on_the_api_are_counted_with_headers(client, make_user):
    owner = make_user(plan="FREE")
    assert client.get("/api/v1/me", headers=bearer(owner)).headers["X-RateLimit-Remaining"] == "59"
    missing = client.get("/api/v1/no-such-thing", headers=bearer(owner))
    assert missing.status_code == 404
    assert missing.get_json()["code"] == "NOT_FOUND"
    assert missing.headers["X-RateLimit-Limit"] == "60"
    assert missing.headers["X-RateLimit-Remaining"] == "58"
    assert int(missing.headers["X-RateLimit-Reset"]) > 0
    wrong_method = client.delete("/api/v1/me", headers=bearer(owner))
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert wrong_method.headers["X-RateLimit-Remaining"] == "57"
    # Counted for real: they use up the minute like any other request.
    for _ in range(57):
        assert client.get("/api/v1/nope", headers=bearer(owner)).status_code == 404
    refused = client.get("/api/v1/nope", headers=bearer(owner))
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "RATE_LIMITED"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_routing_404_and_405_of_pages_are_counted_with_headers(client, make_user):
    owner = make_user(plan="FREE")
    assert login(client, owner.email).status_code == 302  # counted per IP: anonymous then
    first = client.get("/")
    assert first.headers["X-RateLimit-Remaining"] == "59"
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"
    assert missing.headers["X-RateLimit-Limit"] == "60"
    assert missing.headers["X-RateLimit-Remaining"] == "58"
    wrong_method = client.get("/logout")  # POST only
    assert wrong_method.status_code == 405
    assert wrong_method.headers["X-RateLimit-Remaining"] == "57"


def test_anonymous_routing_404s_count_per_ip(client):
    assert client.get("/no-such-page").headers["X-RateLimit-Remaining"] == "119"
    assert client.get("/api/v1/nope").headers["X-RateLimit-Remaining"] == "118"
    # Static files are still not counted, found or not.
    assert "X-RateLimit-Remaining" not in client.get("/static/no-such-file.css").headers
