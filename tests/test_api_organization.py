from sqlalchemy import select

from portal.extensions import db
from portal.organization.models import PlanChange
from tests.conftest import assert_envelope, bearer

ORG = "/api/v1/organization"


def test_every_member_reads_the_organisation(client, make_user):
    viewer = make_user(role="VIEWER")
    data = assert_envelope(client.get(ORG, headers=bearer(viewer)), 200)["data"]
    assert data["id"] == viewer.organization_id
    assert data["limits"]["requestsPerMinute"] == 300


def test_owner_changes_settings_and_plan_and_it_is_recorded(app, client, make_user):
    owner = make_user(role="OWNER", plan="FREE")
    change = {"name": "Nuevo nombre", "currency": "mxn", "locale": "en", "plan": "PRO"}
    body = assert_envelope(client.patch(ORG, json=change, headers=bearer(owner)), 200)
    assert body["message"] == "Organización actualizada"
    data = body["data"]
    assert (data["name"], data["currency"], data["locale"], data["plan"]) == (
        "Nuevo nombre",
        "MXN",
        "en",
        "PRO",
    )
    with app.app_context():
        record = db.session.scalars(select(PlanChange)).one()
        assert (record.from_plan, record.to_plan) == ("FREE", "PRO")
        assert record.changed_by_id is not None and record.changed_at is not None


def test_only_the_owner_changes_the_organisation(client, make_user):
    admin = make_user(role="ADMIN")
    body = assert_envelope(
        client.patch(ORG, json={"plan": "PRO"}, headers=bearer(admin)), 403, "FORBIDDEN"
    )
    assert body["error"] == "Sin permisos"
    english = client.patch(
        ORG, json={"plan": "PRO"}, headers=bearer(admin, **{"Accept-Language": "en"})
    )
    assert (
        assert_envelope(english, 403, "FORBIDDEN")["error"] == "Access denied — OWNER role required"
    )


def test_unknown_plan_currency_or_locale_is_400(client, make_user):
    owner = make_user(role="OWNER")
    bad = {"plan": "GOLD", "currency": "XXZ", "locale": "fr", "name": ""}
    errors = assert_envelope(
        client.patch(ORG, json=bad, headers=bearer(owner)), 400, "VALIDATION_ERROR"
    )["errors"]
    assert errors == {
        "name": "El nombre de la organización es requerido",
        "currency": "Código de moneda desconocido",
        "locale": "Elige español o inglés",
        "plan": "Plan desconocido",
    }


def test_downgrade_with_too_many_users_is_refused(client, make_user):
    owner = make_user(role="OWNER", plan="PRO")
    for _ in range(3):
        make_user(role="VIEWER", organization_id=owner.organization_id)
    response = client.patch(ORG, json={"plan": "FREE"}, headers=bearer(owner))
    body = assert_envelope(response, 409, "INVALID_STATE")
    assert "3" in body["error"]
