"""Registration, tokens and who the API believes is calling."""

import time

import jwt
import pytest

from tests.conftest import PASSWORD, SECRET, assert_envelope, bearer, login

REGISTER = "/api/v1/auth/register"
NEW_ACCOUNT = {
    "organizationName": "Ferretería López",
    "name": "Lucía López",
    "email": "lucia@ferreteria.example.com",
    "password": "s3gura-y-larga",
}


def test_register_creates_free_organisation_with_owner_and_token(client):
    body = assert_envelope(client.post(REGISTER, json=NEW_ACCOUNT), 201)
    assert body["message"] == "Cuenta creada"
    assert body["errors"] is None
    data = body["data"]
    assert data["organization"]["plan"] == "FREE"
    assert data["organization"]["id"].startswith("org_")
    assert data["user"]["id"].startswith("usr_")
    assert data["user"]["role"] == "OWNER" and data["role"] == "OWNER"
    assert "password" not in str(data["user"]).lower()
    me = assert_envelope(client.get("/api/v1/me", headers=bearer(data["token"])), 200)
    assert me["data"]["user"]["email"] == NEW_ACCOUNT["email"]
    assert me["data"]["plan"] == "FREE"


def test_register_same_email_again_is_409_in_both_languages(client):
    assert_envelope(client.post(REGISTER, json=NEW_ACCOUNT), 201)
    shouting = {**NEW_ACCOUNT, "email": NEW_ACCOUNT["email"].upper()}
    body = assert_envelope(client.post(REGISTER, json=shouting), 409, "DUPLICATE_EMAIL")
    assert body["error"] == body["message"] == "Correo ya registrado"
    english = client.post(REGISTER, json=NEW_ACCOUNT, headers={"Accept-Language": "en"})
    assert assert_envelope(english, 409, "DUPLICATE_EMAIL")["error"] == "Email already registered"


def test_missing_name_and_bad_email_are_field_errors(client):
    payload = {**NEW_ACCOUNT, "email": "not-an-email"}
    del payload["name"]
    body = assert_envelope(client.post(REGISTER, json=payload), 400, "VALIDATION_ERROR")
    assert body["message"] == "La validación falló"
    assert body["errors"] == {
        "name": "El nombre es requerido",
        "email": "Correo electrónico inválido",
    }
    assert body["error"] in body["errors"].values()

    english = client.post(REGISTER, json=payload, headers={"Accept-Language": "en-US,en;q=0.9"})
    body = assert_envelope(english, 400, "VALIDATION_ERROR")
    assert body["message"] == "Validation failed"
    assert body["errors"] == {"name": "Name is required", "email": "Invalid email address"}


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[1, 2]", '"a string"', "42", "null", "", "\xff\xfe"],
    ids=["malformed", "array", "string", "number", "null", "empty", "binary"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, raw):
    response = client.post(REGISTER, data=raw, content_type="application/json")
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    assert body["errors"] == {"body": "El cuerpo de la solicitud debe ser un objeto JSON"}


def test_wrong_types_and_huge_values_are_field_errors(client):
    payload = {**NEW_ACCOUNT, "name": 12345, "organizationName": ["x"], "email": True}
    body = assert_envelope(client.post(REGISTER, json=payload), 400, "VALIDATION_ERROR")
    assert set(body["errors"]) == {"name", "organizationName", "email"}
    assert body["errors"]["name"] == "Valor inválido"

    huge = {**NEW_ACCOUNT, "name": "x" * 100_000}
    body = assert_envelope(client.post(REGISTER, json=huge), 400, "VALIDATION_ERROR")
    assert body["errors"] == {"name": "Debe tener como máximo 200 caracteres"}


def test_blank_name_and_short_password(client):
    payload = {**NEW_ACCOUNT, "name": "   ", "password": "short"}
    body = assert_envelope(client.post(REGISTER, json=payload), 400, "VALIDATION_ERROR")
    assert body["errors"] == {
        "name": "El nombre es requerido",
        "password": "La contraseña debe tener al menos 8 caracteres",
    }


def test_token_for_good_credentials(client, make_user):
    owner = make_user()
    response = client.post("/api/v1/auth/token", json={"email": owner.email, "password": PASSWORD})
    data = assert_envelope(response, 200)["data"]
    assert set(data) == {"token", "expiresAt", "role"}
    assert data["role"] == "OWNER"
    claims = jwt.decode(data["token"], SECRET, algorithms=["HS256"])
    assert claims["sub"] == owner.id and claims["org"] == owner.organization_id
    assert claims["exp"] - claims["iat"] == 3600
    assert {"jti", "role"} <= claims.keys()


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_token_for_bad_credentials_is_401(client, make_user, password):
    owner = make_user()
    response = client.post("/api/v1/auth/token", json={"email": owner.email, "password": password})
    assert response.status_code in (400, 401)
    if response.status_code == 401:
        body = assert_envelope(response, 401, "UNAUTHORIZED")
        assert body["error"] == "Correo o contraseña incorrectos"


def test_token_for_unknown_or_deactivated_account_is_401(client, make_user):
    sleeper = make_user(active=False)
    for email in ("nobody@acme.example.com", sleeper.email):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert_envelope(response, 401, "UNAUTHORIZED")


def test_no_credentials_is_401_unauthorized(client):
    body = assert_envelope(client.get("/api/v1/me"), 401, "UNAUTHORIZED")
    assert body["error"] == "No autorizado"
    english = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert assert_envelope(english, 401, "UNAUTHORIZED")["error"] == "Not authorized"


def _forge(claims: dict, key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _claims(member, **changes) -> dict:
    now = int(time.time())
    claims = {
        "sub": member.id,
        "org": member.organization_id,
        "role": member.role,
        "iat": now,
        "exp": now + 600,
        "jti": "a" * 32,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(claims: dict) -> str:
    import base64
    import json

    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    "make_token",
    [
        lambda m: "garbage",
        lambda m: "a.b.c",
        lambda m: _forge(_claims(m, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)),
        lambda m: _forge(_claims(m), key="another-secret-of-sufficient-length-000"),
        lambda m: _unsigned(_claims(m)),
        lambda m: _forge(_claims(m, exp=None)),
        lambda m: _forge(_claims(m, jti=None)),
        lambda m: _forge(_claims(m, org="org_000000000000000000000000")),
        lambda m: _forge(_claims(m, sub="usr_000000000000000000000000")),
        lambda m: m.token[:-4] + ("AAAA" if not m.token.endswith("AAAA") else "BBBB"),
    ],
    ids=[
        "garbage",
        "three-junk-parts",
        "expired",
        "re-signed",
        "alg-none",
        "no-exp",
        "no-jti",
        "other-org",
        "unknown-user",
        "tampered-signature",
    ],
)
def test_bad_tokens_are_401_token_invalid(client, make_user, make_token):
    owner = make_user()
    response = client.get("/api/v1/me", headers=bearer(make_token(owner)))
    body = assert_envelope(response, 401, "TOKEN_INVALID")
    assert body["error"] == "Token JWT ausente o expirado"
    english = client.get(
        "/api/v1/me", headers=bearer(make_token(owner), **{"Accept-Language": "en"})
    )
    assert assert_envelope(english, 401, "TOKEN_INVALID")["error"] == (
        "JWT token is missing or expired"
    )


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_a_malformed_authorization_header_is_401(client, header):
    assert_envelope(
        client.get("/api/v1/me", headers={"Authorization": header}), 401, "TOKEN_INVALID"
    )


def test_a_revoked_token_is_401(client, make_user):
    owner = make_user()
    assert_envelope(client.delete("/api/v1/auth/token", headers=bearer(owner)), 200)
    assert_envelope(client.get("/api/v1/me", headers=bearer(owner)), 401, "TOKEN_INVALID")


def test_a_bad_bearer_never_falls_back_to_the_cookie(client, make_user):
    owner = make_user()
    assert login(client, owner.email).status_code == 302
    assert_envelope(client.get("/api/v1/me"), 200)  # the cookie alone works for reads
    response = client.get("/api/v1/me", headers=bearer("garbage"))
    assert_envelope(response, 401, "TOKEN_INVALID")


def test_the_token_wins_over_the_cookie(client, make_user):
    owner = make_user()
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    login(client, owner.email)
    body = assert_envelope(client.get("/api/v1/me", headers=bearer(viewer)), 200)
    assert body["data"]["user"]["id"] == viewer.id


def test_user_locale_preference_beats_accept_language(client, make_user):
    english_speaker = make_user(locale="en")
    response = client.get("/api/v1/users/usr_nope", headers=bearer(english_speaker))
    assert assert_envelope(response, 404, "NOT_FOUND")["error"] == "User not found"
