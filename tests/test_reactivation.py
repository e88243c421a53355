"""Deactivation ends a user's sessions and tokens for good: reactivating them brings back
neither an old browser session nor an old API token, only a fresh log-in."""

from __future__ import annotations

import time_machine

from tests.conftest import PASSWORD, assert_envelope, bearer, login

USERS = "/api/v1/users"


def test_reactivation_does_not_revive_old_tokens_or_sessions(app, make_user):
    owner = make_user(role="OWNER")
    mate = make_user(role="ACCOUNTANT", organization_id=owner.organization_id)
    api = app.test_client()
    browser = app.test_client()
    assert login(browser, mate.email).status_code == 302
    assert browser.get("/invoices/").status_code == 200
    old_token = bearer(mate)
    assert_envelope(api.get("/api/v1/me", headers=old_token), 200)

    off = api.patch(f"{USERS}/{mate.id}", json={"active": False}, headers=bearer(owner))
    assert_envelope(off, 200)
    with _later(seconds=5):
        on = api.patch(f"{USERS}/{mate.id}", json={"active": True}, headers=bearer(owner))
        assert_envelope(on, 200)

        # Active again, but what they held before the deactivation stays dead.
        assert_envelope(api.get("/api/v1/me", headers=old_token), 401, "TOKEN_INVALID")
        page = browser.get("/invoices/")
        assert page.status_code == 302 and "/login" in page.headers["Location"]

        # A fresh log-in works on both.
        fresh = api.post("/api/v1/auth/token", json={"email": mate.email, "password": PASSWORD})
        token = assert_envelope(fresh, 200)["data"]["token"]
        me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert assert_envelope(me, 200)["data"]["user"]["id"] == mate.id
        assert login(browser, mate.email).status_code == 302
        assert browser.get("/invoices/").status_code == 200


def _later(seconds: float):
    """A few seconds on: tokens carry whole seconds, and a fresh one must be newer."""
    import time

    return time_machine.travel(time.time() + seconds, tick=True)


def test_a_token_issued_before_the_deactivation_second_is_refused_even_in_that_second(
    app, make_user
):
    owner = make_user(role="OWNER")
    with time_machine.travel(1_800_000_000.2, tick=False):
        mate = make_user(role="VIEWER", organization_id=owner.organization_id)
        client = app.test_client()
        with time_machine.travel(1_800_000_000.7, tick=False):
            # The owner's token was issued on the suite's clock: mint one valid here.
            fresh = client.post(
                "/api/v1/auth/token", json={"email": owner.email, "password": PASSWORD}
            )
            admin = {"Authorization": f"Bearer {assert_envelope(fresh, 200)['data']['token']}"}
            assert_envelope(
                client.patch(f"{USERS}/{mate.id}", json={"active": False}, headers=admin), 200
            )
            assert_envelope(
                client.patch(f"{USERS}/{mate.id}", json={"active": True}, headers=admin), 200
            )
            assert_envelope(client.get("/api/v1/me", headers=bearer(mate)), 401, "TOKEN_INVALID")
