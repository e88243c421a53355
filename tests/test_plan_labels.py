"""Plans have one name each on the pages, in the reader's language (Gratis, Pro, Empresa;
Free, Pro, Enterprise); the API keeps the values."""

from __future__ import annotations

import re

import pytest

from tests.conftest import bearer, login

RAW = re.compile(r"\b(FREE|PRO|ENTERPRISE)\b")


def visible_text(html: str) -> str:
    """The page without tags and attribute values (option values stay FREE, PRO…)."""
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.parametrize("locale", ["es", "en"])
def test_pages_name_plans_one_way(app, make_user, locale):
    owner = make_user(plan="FREE")
    client = app.test_client()
    assert login(client, owner.email).status_code == 302
    headers = {"Accept-Language": locale}

    free, enterprise = ("Gratis", "Empresa") if locale == "es" else ("Free", "Enterprise")

    billing = client.get("/settings/billing", headers=headers).get_data(as_text=True)
    assert RAW.findall(visible_text(billing)) == []
    current = f"Plan actual: {free}" if locale == "es" else f"Current plan: {free}"
    assert current in billing
    assert re.search(rf'<option value="FREE" selected>{free}</option>', billing)
    assert '<option value="PRO">Pro</option>' in billing
    assert f'<option value="ENTERPRISE">{enterprise}</option>' in billing
    assert re.search(rf"<td>{enterprise}</td>", billing)

    dashboard = client.get("/", headers=headers).get_data(as_text=True)
    assert f"Plan {free}" in dashboard
    assert RAW.findall(visible_text(dashboard)) == []

    # A FREE user meets a PRO feature: the spec's own words, and the same name.
    refused = client.get("/products/export", headers=headers)
    assert refused.status_code == 403
    text = visible_text(refused.get_data(as_text=True))
    wanted = (
        "Función disponible en el plan Pro"
        if locale == "es"
        else "Feature available on the Pro plan"
    )
    assert wanted in text
    assert RAW.findall(text) == []


def test_signup_page_names_the_free_plan_the_same_way(client):
    assert "plan Gratis:" in client.get("/signup").get_data(as_text=True)
    english = client.get("/signup", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "the Free plan:" in english


def test_the_api_keeps_the_plan_values(client, make_user):
    owner = make_user(plan="FREE")
    assert client.get("/api/v1/me", headers=bearer(owner)).get_json()["data"]["plan"] == "FREE"
