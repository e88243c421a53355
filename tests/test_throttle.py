"""Log-in attempts are limited per account and per IP, on the page and the API alike."""

from tests.conftest import PASSWORD, assert_envelope, login
from tests.support.http import SPANISH_429


def test_repeated_wrong_passwords_get_429_with_retry_after(client, make_user):
    owner = make_user()
    statuses = []
    for _ in range(30):
        response = client.post(
            "/api/v1/auth/token", json={"email": owner.email, "password": "nope"}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    body = assert_envelope(response, 429, "RATE_LIMITED")
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert body["error"] == SPANISH_429.format(n=retry)
    # Even the right password waits now.
    right = client.post("/api/v1/auth/token", json={"email": owner.email, "password": PASSWORD})
    assert right.status_code == 429


def test_per_ip_limit_spans_accounts(client, make_user):
    users = [make_user() for _ in range(3)]
    statuses = [
        client.post(
            "/api/v1/auth/token", json={"email": users[n % 3].email, "password": "nope"}
        ).status_code
        for n in range(25)
    ]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}


def test_the_login_page_shares_the_limit(client, make_user):
    owner = make_user()
    for _ in range(10):
        assert login(client, owner.email, "wrong").status_code == 401
    response = login(client, owner.email, PASSWORD)
    assert response.status_code == 429
    assert "Demasiadas solicitudes" in response.get_data(as_text=True)


def test_throttle_can_be_switched_off(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    statuses = {
        client.post(
            "/api/v1/auth/token", json={"email": "x@acme.example.com", "password": "n"}
        ).status_code
        for _ in range(25)
    }
    assert statuses == {401}
