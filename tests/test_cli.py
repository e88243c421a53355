"""``flask --app app portal init-db | seed-demo | set-plan``."""

from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer, Product
from portal.demo import DEMO_PASSWORD
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.quotes.models import Quote
from tests.conftest import assert_envelope


def test_init_db_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["portal", "init-db"])
    assert result.exit_code == 0, result.output
    assert "latest revision" in result.output


def test_seed_demo_creates_one_user_per_role_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["portal", "seed-demo", "--if-empty", "--empty"])
    assert first.exit_code == 0, first.output
    assert "activity" not in first.output
    again = runner.invoke(args=["portal", "seed-demo", "--if-empty", "--empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    with app.app_context():
        roles = sorted(db.session.scalars(select(User.role)))
        assert roles == sorted(["OWNER", "ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER"])
        assert db.session.scalar(select(func.count(Organization.id))) == 1
        for model in (Customer, Product, Quote, Invoice):  # --empty: no activity
            assert db.session.scalar(select(func.count(model.id))) == 0
    token = app.test_client().post(
        "/api/v1/auth/token", json={"email": "viewer@demo.example.com", "password": DEMO_PASSWORD}
    )
    assert assert_envelope(token, 200)["data"]["role"] == "VIEWER"


def test_set_plan_enterprise_with_custom_limits(app, client, make_user):
    owner = make_user(plan="FREE")
    runner = app.test_cli_runner()
    args = ["portal", "set-plan", owner.organization_id, "enterprise", "--per-minute", "1200"]
    result = runner.invoke(args=[*args, "--concurrent", "50"])
    assert result.exit_code == 0, result.output
    data = assert_envelope(
        client.get("/api/v1/organization", headers={"Authorization": f"Bearer {owner.token}"}),
        200,
    )["data"]
    assert data["plan"] == "ENTERPRISE"
    assert data["limits"]["requestsPerMinute"] == 1200
    assert data["limits"]["concurrentRequests"] == 50


def test_set_plan_refuses_unknown_ids_and_plans(app, make_user):
    owner = make_user()
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["portal", "set-plan", "org_nope", "PRO"])
    assert unknown.exit_code != 0 and "No organisation" in unknown.output
    bad_plan = runner.invoke(args=["portal", "set-plan", owner.organization_id, "GOLD"])
    assert bad_plan.exit_code != 0
    limits_on_pro = runner.invoke(
        args=["portal", "set-plan", owner.organization_id, "PRO", "--per-minute", "5"]
    )
    assert limits_on_pro.exit_code != 0
