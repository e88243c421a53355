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
