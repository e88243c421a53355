"""Team management over the API: roles, tenancy, the role read on every request."""

import pytest

from portal.security.permissions import PERMISSIONS, can
from portal.security.roles import ROLES, Role
from tests.conftest import assert_envelope, bearer

USERS = "/api/v1/users"


def new_user(role="VIEWER", email="mate@acme.example.com"):
    return {"name": "Compañera", "email": email, "role": role, "password": "password-123"}


def test_admin_adds_lists_and_edits_users(client, make_user):
    admin = make_user(role="ADMIN")
    created = assert_envelope(client.post(USERS, json=new_user(), headers=bearer(admin)), 201)
    assert created["message"] == "Usuario creado"
    mate = created["data"]
    assert mate["id"].startswith("usr_") and mate["role"] == "VIEWER" and mate["active"]

    listing = assert_envelope(client.get(USERS, headers=bearer(admin)), 200)["data"]
    assert {u["id"] for u in listing["items"]} == {admin.id, mate["id"]}
    assert listing["nextCursor"] is None

    patched = client.patch(
        f"{USERS}/{mate['id']}", json={"role": "OPERATOR"}, headers=bearer(admin)
    )
    assert assert_envelope(patched, 200)["data"]["role"] == "OPERATOR"
    off = client.patch(f"{USERS}/{mate['id']}", json={"active": False}, headers=bearer(admin))
    data = assert_envelope(off, 200)["data"]
    assert data["active"] is False and data["role"] == "OPERATOR"


def test_viewer_adding_a_user_is_403_naming_the_role(client, make_user):
    viewer = make_user(role="VIEWER")
    body = assert_envelope(
        client.post(USERS, json=new_user(), headers=bearer(viewer)), 403, "FORBIDDEN"
    )
    assert body["error"] == "Sin permisos"
    english = client.post(
        USERS, json=new_user(), headers=bearer(viewer, **{"Accept-Language": "en"})
    )
    assert (
        assert_envelope(english, 403, "FORBIDDEN")["error"] == "Access denied — ADMIN role required"
    )


def test_permission_is_checked_before_the_body_is_read(client, make_user):
    viewer = make_user(role="VIEWER")
    response = client.post(USERS, data="{broken", headers=bearer(viewer))
    assert_envelope(response, 403, "FORBIDDEN")


def test_demoted_admin_loses_rights_on_the_next_request_with_the_same_token(client, make_user):
    owner = make_user(role="OWNER")
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    assert_envelope(client.get(USERS, headers=bearer(admin)), 200)
    demote = client.patch(f"{USERS}/{admin.id}", json={"role": "VIEWER"}, headers=bearer(owner))
    assert_envelope(demote, 200)
    assert_envelope(client.get(USERS, headers=bearer(admin)), 403, "FORBIDDEN")
    me = assert_envelope(client.get("/api/v1/me", headers=bearer(admin)), 200)
    assert me["data"]["role"] == "VIEWER"


def test_deactivated_users_token_is_401(client, make_user):
    owner = make_user(role="OWNER")
    mate = make_user(role="ACCOUNTANT", organization_id=owner.organization_id)
    assert_envelope(client.get("/api/v1/me", headers=bearer(mate)), 200)
    off = client.patch(f"{USERS}/{mate.id}", json={"active": False}, headers=bearer(owner))
    assert_envelope(off, 200)
    assert_envelope(client.get("/api/v1/me", headers=bearer(mate)), 401, "TOKEN_INVALID")


@pytest.mark.parametrize("method", ["get", "patch"])
def test_another_organisations_user_is_404(client, make_user, method):
    admin = make_user(role="ADMIN")
    stranger = make_user(role="VIEWER")  # another organisation
    response = getattr(client, method)(
        f"{USERS}/{stranger.id}", json={"role": "ADMIN"}, headers=bearer(admin)
    )
    body = assert_envelope(response, 404, "NOT_FOUND")
    assert body["error"] == "Usuario no encontrado"
    assert_envelope(
        client.get(f"{USERS}/usr_doesnotexist", headers=bearer(admin)), 404, "NOT_FOUND"
    )


def test_admin_never_creates_or_edits_an_owner_nor_grants_above_itself(client, make_user):
    owner = make_user(role="OWNER")
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    as_owner = client.post(USERS, json=new_user("OWNER"), headers=bearer(admin))
    assert assert_envelope(as_owner, 403, "FORBIDDEN")["error"] == "Sin permisos"
    promote = client.patch(f"{USERS}/{viewer.id}", json={"role": "OWNER"}, headers=bearer(admin))
    assert_envelope(promote, 403, "FORBIDDEN")
    touch_owner = client.patch(f"{USERS}/{owner.id}", json={"active": False}, headers=bearer(admin))
    assert_envelope(touch_owner, 403, "FORBIDDEN")
    # …but may grant its own level.
    equal = client.patch(f"{USERS}/{viewer.id}", json={"role": "ADMIN"}, headers=bearer(admin))
    assert assert_envelope(equal, 200)["data"]["role"] == "ADMIN"


def test_nobody_changes_their_own_role_or_deactivates_themselves(client, make_user):
    owner = make_user(role="OWNER")
    for change in ({"role": "VIEWER"}, {"active": False}):
        response = client.patch(f"{USERS}/{owner.id}", json=change, headers=bearer(owner))
        body = assert_envelope(response, 409, "INVALID_STATE")
        assert body["error"] == "No puedes cambiar tu propio rol ni desactivarte"


def test_duplicate_email_and_bad_fields(client, make_user):
    admin = make_user(role="ADMIN")
    taken = client.post(USERS, json=new_user(email=admin.email.upper()), headers=bearer(admin))
    assert_envelope(taken, 409, "DUPLICATE_EMAIL")
    bad = client.post(
        USERS,
        json={"name": "", "email": "x", "role": "KING", "password": "1"},
        headers=bearer(admin),
    )
    errors = assert_envelope(bad, 400, "VALIDATION_ERROR")["errors"]
    assert errors == {
        "name": "El nombre es requerido",
        "email": "Correo electrónico inválido",
        "role": "Elige un rol válido",
        "password": "La contraseña debe tener al menos 8 caracteres",
    }
    patch = client.patch(f"{USERS}/{admin.id}", json={"active": "yes"}, headers=bearer(admin))
    assert assert_envelope(patch, 400, "VALIDATION_ERROR")["errors"] == {"active": "Valor inválido"}


def test_free_plan_caps_active_users_at_three(client, make_user):
    owner = make_user(role="OWNER", plan="FREE")
    for n in range(2):
        mate = new_user(email=f"mate{n}@acme.example.com")
        assert_envelope(client.post(USERS, json=mate, headers=bearer(owner)), 201)
    fourth = client.post(USERS, json=new_user(email="four@acme.example.com"), headers=bearer(owner))
    body = assert_envelope(fourth, 403, "PLAN_REQUIRED")
    assert "3" in body["error"] and "Pro" in body["error"]


def test_cursor_pagination_visits_every_user_once(client, make_user):
    owner = make_user(role="OWNER")
    for _ in range(6):
        make_user(role="VIEWER", organization_id=owner.organization_id)
    seen, cursor, pages = [], None, 0
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        data = assert_envelope(client.get(USERS + query, headers=bearer(owner)), 200)["data"]
        seen += [u["id"] for u in data["items"]]
        pages += 1
        cursor = data["nextCursor"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == 7 and len(set(seen)) == 7


@pytest.mark.parametrize(
    "query", ["?limit=0", "?limit=abc", "?limit=-5", "?cursor=%%%", "?cursor=eyJ4Ijox"]
)
def test_bad_limit_or_cursor_is_400(client, make_user, query):
    owner = make_user()
    assert_envelope(client.get(USERS + query, headers=bearer(owner)), 400, "VALIDATION_ERROR")


def test_limit_is_capped_at_100(client, make_user):
    owner = make_user()
    assert_envelope(client.get(USERS + "?limit=100000", headers=bearer(owner)), 200)


def test_every_role_holds_the_rights_of_those_below():
    class Person:
        active = True

        def __init__(self, role):
            self.role = role

    for permission, least in PERMISSIONS.items():
        allowed = [r for r in ROLES if can(permission, Person(r))]
        assert allowed == list(ROLES[: ROLES.index(least) + 1]), permission
    inactive = Person(Role.OWNER)
    inactive.active = False
    assert not can("portal.read", inactive)
