"""The API accepts the session cookie, but never for an unsafe request without CSRF proof."""

from tests.conftest import assert_envelope, csrf_from, login

NEW_USER = {
    "name": "Nuevo",
    "email": "nuevo@acme.example.com",
    "role": "VIEWER",
    "password": "password-123",
}


def test_cross_site_form_post_with_only_the_cookie_is_refused(app, client, make_user):
    owner = make_user()
    login(client, owner.email)
    # What a hostile page's auto-submitting <form> would send: form-encoded, cookie attached,
    # no custom header (a cross-site form cannot add one).
    response = client.post(
        "/api/v1/users",
        data=NEW_USER,
        headers={"Origin": "https://evil.example.com"},
    )
    body = assert_envelope(response, 400, "CSRF_FAILED")
    assert "formulario" in body["error"]
    listing = assert_envelope(client.get("/api/v1/users"), 200)
    assert [u["email"] for u in listing["data"]["items"]] == [owner.email]


def test_cookie_json_post_without_the_header_is_refused(client, make_user):
    owner = make_user()
    login(client, owner.email)
    assert_envelope(client.post("/api/v1/users", json=NEW_USER), 400, "CSRF_FAILED")
    bad = client.post("/api/v1/users", json=NEW_USER, headers={"X-CSRFToken": "forged"})
    assert_envelope(bad, 400, "CSRF_FAILED")


def test_cookie_post_with_the_csrf_header_is_accepted(client, make_user):
    owner = make_user()
    login(client, owner.email)
    token = csrf_from(client.get("/team/new").get_data(as_text=True))
    response = client.post("/api/v1/users", json=NEW_USER, headers={"X-CSRFToken": token})
    assert assert_envelope(response, 201)["data"]["email"] == NEW_USER["email"]


def test_bearer_requests_need_no_csrf_header(client, make_user):
    owner = make_user()
    response = client.post(
        "/api/v1/users", json=NEW_USER, headers={"Authorization": f"Bearer {owner.token}"}
    )
    assert_envelope(response, 201)
