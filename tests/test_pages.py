"""The HTML pages through the Flask test client: forms, messages, roles, plans and locales.

Security properties of the same pages (session rotation, open redirects, CSRF, escaping,
headers) live in ``test_security_pages.py``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import func, select

from portal.accounts.models import Organization, User
from portal.extensions import db
from portal.organization.models import PlanChange
from tests.conftest import PASSWORD, assert_envelope, csrf_from, login

# --- a tiny DOM, enough to find elements by tag, id and attributes --------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": {k: (v or "") for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": {k: (v or "") for k, v in attrs}, "text": ""})

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index]["tag"] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data


def elements(html: str, tag: str | None = None, **attrs: str) -> list[dict]:
    """Elements of ``html`` with this tag and these exact attribute values (``class_`` → class)."""
    parser = _Elements()
    parser.feed(html)
    wanted = {key.rstrip("_"): value for key, value in attrs.items()}
    return [
        e
        for e in parser.elements
        if (tag is None or e["tag"] == tag)
        and all(e["attrs"].get(key) == value for key, value in wanted.items())
    ]


def text_of(html: str, tag: str | None = None, **attrs: str) -> str:
    found = elements(html, tag, **attrs)
    assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
    return " ".join(found[0]["text"].split())


def field_error(html: str, field_id: str) -> str:
    """The message shown beside ``field_id``, checking it is wired to the field for a11y."""
    message = text_of(html, "p", class_="field-error", id=f"{field_id}-error")
    controls = [e for e in elements(html, id=field_id) if e["tag"] in {"input", "select"}]
    assert len(controls) == 1, f"no control with id={field_id!r}"
    described = controls[0]["attrs"].get("aria-describedby", "").split()
    assert f"{field_id}-error" in described
    for target in described:  # every id it names exists (a hint, the error)
        assert elements(html, id=target), target
    assert controls[0]["attrs"].get("aria-invalid") == "true"
    return message


def nav_links(html: str) -> set[str]:
    """The hrefs of the main navigation (empty when there is none)."""
    match = re.search(r'<nav class="mainnav".*?</nav>', html, re.DOTALL)
    return {e["attrs"]["href"] for e in elements(match.group(0), "a")} if match else set()


def page(client, path: str, status: int = 200, **kwargs) -> str:
    response = client.get(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST ``data`` with a CSRF token taken from the page at ``token_from`` (default ``path``)."""
    token = csrf_from(page(client, token_from or path))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def location(response) -> tuple[str, dict]:
    parts = urlsplit(response.headers["Location"])
    assert not parts.scheme and not parts.netloc, response.headers["Location"]
    return parts.path, parse_qs(parts.query)


def user_row(app, public_id: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == public_id)).one()
        db.session.expunge(user)
        return user


def org_row(app, public_id: str) -> Organization:
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == public_id)
        ).one()
        db.session.expunge(organization)
        return organization


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def speak_english(client):
    """Every later request of ``client`` sends ``Accept-Language: en``."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def logged_in(app, member):
    client = app.test_client()
    response = login(client, member.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# --- 1. anonymous access and the log-in page's language --------------------------------------


@pytest.mark.parametrize("path", ["/", "/team/", "/settings/", "/team/new"])
def test_anonymous_protected_page_redirects_to_login_with_next(client, path):
    response = client.get(path)
    assert response.status_code == 302
    target, query = location(response)
    assert target == "/login"
    assert query["next"] == [path]


def test_anonymous_redirect_keeps_the_query_string(client):
    response = client.get("/team/?limit=5")
    target, query = location(response)
    assert target == "/login"
    assert query["next"] == ["/team/?limit=5"]


def test_login_page_is_spanish_by_default(client):
    html = page(client, "/login")
    assert '<html lang="es">' in html
    assert text_of(html, "h1") == "Iniciar sesión"
    assert "Log in" not in html


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", "fr;q=1, en;q=0.5"])
def test_login_page_follows_accept_language(client, header):
    html = page(client, "/login", headers={"Accept-Language": header})
    assert '<html lang="en">' in html
    assert text_of(html, "h1") == "Log in"
    assert "Iniciar sesión" not in html


def test_login_page_unsupported_language_falls_back_to_spanish(client):
    html = page(client, "/login", headers={"Accept-Language": "fr, de;q=0.8"})
    assert text_of(html, "h1") == "Iniciar sesión"


def test_login_page_keeps_next_in_a_hidden_field(client):
    html = page(client, "/login?next=/team/")
    (hidden,) = elements(html, "input", id="next")
    assert hidden["attrs"]["value"] == "/team/"
    assert hidden["attrs"]["type"] == "hidden"


# --- 2. sign-up --------------------------------------------------------------------------------


def test_signup_page_shows_the_form_with_a_csrf_token(client):
    html = page(client, "/signup")
    assert text_of(html, "h1") == "Crea tu cuenta"
    assert len(csrf_from(html)) > 20
    for name in ("organization_name", "name", "email", "password"):
        assert elements(html, "input", name=name), name
    assert elements(html, "input", name="password")[0]["attrs"]["type"] == "password"


def test_signup_errors_are_shown_beside_their_fields(app, client):
    response = post_form(
        client,
        "/signup",
        {"organization_name": "Acme", "name": "", "email": "not-an-email", "password": PASSWORD},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "El nombre es requerido"
    assert field_error(html, "email") == "Correo electrónico inválido"
    assert not elements(html, "p", id="organization_name-error")
    assert elements(html, "div", class_="form-errors", role="alert")
    # what was typed is kept (but never the password)
    assert elements(html, "input", name="email")[0]["attrs"]["value"] == "not-an-email"
    assert elements(html, "input", name="password")[0]["attrs"].get("value", "") == ""
    assert count(app, Organization) == 0


def test_signup_errors_in_english(client):
    client.get("/signup", headers={"Accept-Language": "en"})
    response = post_form(
        client,
        "/signup",
        {"organization_name": "", "name": "", "email": "x@", "password": "short"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "organization_name") == "Organisation name is required"
    assert field_error(html, "name") == "Name is required"
    assert field_error(html, "email") == "Invalid email address"
    assert field_error(html, "password") == "Password must be at least 8 characters"


def test_signup_creates_organisation_and_owner_and_logs_in(app, client):
    response = post_form(
        client,
        "/signup",
        {
            "organization_name": "Ferretería Ñandú",
            "name": "Ana Pérez",
            "email": "  Ana@Example.COM ",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert location(response)[0] == "/"
    html = page(client, "/")
    assert "¡Bienvenido! Tu organización está lista." in html
    assert "Ferretería Ñandú" in html
    assert "Ana Pérez" in html
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert user.email == "ana@example.com"
        assert user.role == "OWNER"
        assert user.active is True
        assert user.public_id.startswith("usr_")
        assert user.organization.plan == "FREE"
        assert user.organization.locale == "es"
        assert user.organization.public_id.startswith("org_")


def test_signup_in_english_sets_the_organisation_locale(app, client):
    headers = {"Accept-Language": "en"}
    response = post_form(
        client,
        "/signup",
        {
            "organization_name": "Acme",
            "name": "Ann",
            "email": "ann@example.com",
            "password": PASSWORD,
        },
        headers=headers,
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Organization)).one().locale == "en"


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.com"])
def test_signup_with_a_registered_email_is_refused(app, client, make_user, email):
    make_user(email="taken@example.com")
    before = count(app, Organization)
    response = post_form(
        client,
        "/signup",
        {"organization_name": "Otra", "name": "Otro", "email": email, "password": PASSWORD},
    )
    assert response.status_code in (400, 409)
    assert field_error(response.get_data(as_text=True), "email") == "Correo ya registrado"
    assert count(app, Organization) == before
    assert count(app, User) == 1


def test_signup_when_logged_in_goes_to_the_dashboard(app, make_user):
    client = logged_in(app, make_user())
    response = client.get("/signup")
    assert response.status_code == 302
    assert location(response)[0] == "/"


# --- 3. log-in ---------------------------------------------------------------------------------


def test_login_with_wrong_password_is_401_with_a_message(client, make_user):
    owner = make_user()
    response = login(client, owner.email, "wrong-password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert text_of(html, "div", class_="form-errors") == "Correo o contraseña incorrectos"
    assert client.get("/").status_code == 302  # still anonymous


def test_login_unknown_and_inactive_accounts_get_the_same_answer(client, make_user):
    inactive = make_user(active=False)
    for email in ("nobody@example.com", inactive.email):
        response = login(client, email)
        assert response.status_code == 401
        assert "Correo o contraseña incorrectos" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_wrong_password_in_english(client, make_user):
    owner = make_user()
    response = login(speak_english(client), owner.email, "nope-nope")
    assert response.status_code == 401
    assert "Incorrect email or password" in response.get_data(as_text=True)


def test_login_with_empty_fields_shows_field_errors(client):
    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "email") == "El correo electrónico es requerido"
    assert field_error(html, "password") == "La contraseña es requerida"


def test_login_success_redirects_to_dashboard(client, make_user):
    owner = make_user()
    response = login(client, owner.email.upper())
    assert response.status_code == 302
    assert location(response)[0] == "/"
    html = page(client, "/")
    assert text_of(html, "h1") == "Panel"
    assert "Owner User" in html


def test_login_records_last_login(app, make_user):
    owner = make_user()
    assert user_row(app, owner.id).last_login_at is None
    logged_in(app, owner)
    assert user_row(app, owner.id).last_login_at is not None


def test_login_is_throttled_per_account_with_a_localised_message(client, make_user):
    owner = make_user()
    for _attempt in range(10):
        assert login(client, owner.email, "wrong-password").status_code == 401
    response = login(client, owner.email)  # even the right password, once locked out
    assert response.status_code == 429
    assert "Demasiadas solicitudes; reintenta en" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


# --- 5. language switcher ----------------------------------------------------------------------


def test_language_switcher_anonymous(client):
    response = post_form(
        client, "/language", {"locale": "en", "next": "/signup"}, token_from="/login"
    )
    assert response.status_code == 302
    assert location(response)[0] == "/signup"
    html = page(client, "/login")
    assert text_of(html, "h1") == "Log in"
    assert elements(html, "button", value="en")[0]["attrs"]["aria-pressed"] == "true"
    # the choice beats the browser's header
    assert text_of(page(client, "/login", headers={"Accept-Language": "es"}), "h1") == "Log in"


def test_language_switcher_ignores_unsupported_locales(client):
    response = post_form(
        client, "/language", {"locale": "fr", "next": "/login"}, token_from="/login"
    )
    assert response.status_code == 302
    assert text_of(page(client, "/login"), "h1") == "Iniciar sesión"


def test_language_switcher_requires_csrf(client):
    client.get("/login")
    response = client.post("/language", data={"locale": "en", "next": "/login"})
    assert response.status_code == 400
    assert text_of(page(client, "/login"), "h1") == "Iniciar sesión"


def test_language_preference_is_saved_for_a_logged_in_user(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    assert user_row(app, owner.id).locale is None
    response = post_form(client, "/language", {"locale": "en", "next": "/team/"}, token_from="/")
    assert response.status_code == 302
    assert location(response)[0] == "/team/"
    assert user_row(app, owner.id).locale == "en"
    assert text_of(page(client, "/team/"), "h1") == "Team"
    body = assert_envelope(client.get("/api/v1/me"), 200)
    assert body["data"]["user"]["locale"] == "en"
    assert body["message"] == "Request completed"

    # a new browser: the saved preference wins over Accept-Language
    other = logged_in(app, owner)
    html = page(other, "/", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in html
    assert text_of(html, "h1") == "Dashboard"


def test_saved_preference_overrides_accept_language(app, make_user):
    member = make_user(locale="es")
    client = logged_in(app, member)
    html = page(client, "/", headers={"Accept-Language": "en"})
    assert text_of(html, "h1") == "Panel"
    english = logged_in(app, make_user(locale="en"))
    assert text_of(page(english, "/", headers={"Accept-Language": "es"}), "h1") == "Dashboard"


# --- 6. navigation and permissions by role -----------------------------------------------------

RECURRING = "/recurring-invoices/"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "OWNER",
            {
                "/",
                "/products/",
                "/customers/",
                "/quotes/",
                "/invoices/",
                "/recurring-invoices/",
                "/reports/",
                "/webhooks/",
                "/team/",
                "/settings/",
            },
        ),
        (
            "ADMIN",
            {
                "/",
                "/products/",
                "/customers/",
                "/quotes/",
                "/invoices/",
                "/recurring-invoices/",
                "/reports/",
                "/webhooks/",
                "/team/",
            },
        ),
        (
            "ACCOUNTANT",
            {"/", "/products/", "/customers/", "/quotes/", "/invoices/", RECURRING, "/reports/"},
        ),
        (
            "OPERATOR",
            {"/", "/products/", "/customers/", "/quotes/", "/invoices/", RECURRING, "/reports/"},
        ),
        (
            "VIEWER",
            {"/", "/products/", "/customers/", "/quotes/", "/invoices/", RECURRING, "/reports/"},
        ),
    ],
)
def test_navigation_shows_what_the_role_may_open(app, make_user, role, expected):
    client = logged_in(app, make_user(role=role))
    html = page(client, "/")
    assert nav_links(html) == expected
    assert bool(elements(html, "a", href="/team/")) == ("/team/" in expected)
    assert bool(elements(html, "a", href="/settings/")) == ("/settings/" in expected)
    assert bool(elements(html, "a", href="/webhooks/")) == ("/webhooks/" in expected)


@pytest.mark.parametrize("path", ["/team/", "/team/new"])
def test_viewer_gets_a_localised_403_page_for_team(app, make_user, path):
    client = logged_in(app, make_user(role="VIEWER"))
    html = page(client, path, status=403)
    assert text_of(html, "h1") == "Sin permisos"
    assert text_of(html, "p", class_="status-code") == "403"
    english = page(client, path, status=403, headers={"Accept-Language": "en"})
    assert text_of(english, "h1") == "Access denied — ADMIN role required"


def test_forbidden_page_follows_the_users_saved_language(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR", locale="en"))
    assert (
        text_of(page(client, "/team/", status=403), "h1") == "Access denied — ADMIN role required"
    )


def test_viewer_cannot_add_a_teammate_by_posting(app, make_user):
    viewer = make_user(role="VIEWER")
    client = logged_in(app, viewer)
    response = post_form(
        client,
        "/team/new",
        {"name": "X", "email": "x@example.com", "role": "VIEWER", "password": PASSWORD},
        token_from="/",
    )
    assert response.status_code == 403
    assert count(app, User) == 1


def test_admin_cannot_open_settings(app, make_user):
    client = logged_in(app, make_user(role="ADMIN"))
    assert text_of(page(client, "/settings/", status=403), "h1") == "Sin permisos"
    english = page(client, "/settings/", status=403, headers={"Accept-Language": "en"})
    assert text_of(english, "h1") == "Access denied — OWNER role required"


def test_admin_cannot_change_the_plan(app, make_user):
    admin = make_user(role="ADMIN")
    client = logged_in(app, admin)
    response = post_form(client, "/settings/plan", {"plan": "ENTERPRISE"}, token_from="/")
    assert response.status_code == 403
    assert org_row(app, admin.organization_id).plan == "PRO"
    assert count(app, PlanChange) == 0


# --- 7. team pages -----------------------------------------------------------------------------


def _add_teammate(client, **data):
    fields = {"name": "Luis Gómez", "email": "luis@example.com", "role": "OPERATOR"}
    fields.update(data)
    fields.setdefault("password", PASSWORD)
    return post_form(client, "/team/new", fields)


def test_team_page_lists_the_organisation_only(app, make_user):
    owner = make_user()
    make_user(role="ACCOUNTANT", organization_id=owner.organization_id, email="acc@example.com")
    make_user(email="stranger@example.com")
    html = page(logged_in(app, owner), "/team/")
    assert text_of(html, "h1") == "Equipo"
    assert "acc@example.com" in html
    assert owner.email in html
    assert "stranger@example.com" not in html
    assert "Contador" in html


def test_owner_adds_a_teammate_who_can_then_log_in(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    new_page = page(client, "/team/new")
    assert text_of(new_page, "h1") == "Agregar integrante"
    roles = [e["attrs"]["value"] for e in elements(new_page, "option")]
    assert roles == ["OWNER", "ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER"]
    response = _add_teammate(client, email="Luis@Example.com")
    assert response.status_code == 302
    assert location(response)[0] == "/team/"
    html = page(client, "/team/")
    assert "luis@example.com" in html
    assert "Luis Gómez se ha unido al equipo." in html
    with app.app_context():
        luis = db.session.scalars(select(User).where(User.email == "luis@example.com")).one()
        assert luis.role == "OPERATOR"
        assert luis.active is True
        assert luis.organization.public_id == owner.organization_id
    assert login(app.test_client(), "luis@example.com").status_code == 302


def test_add_teammate_with_invalid_role(app, make_user):
    client = logged_in(app, make_user())
    response = _add_teammate(client, role="SUPERUSER")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "role") == "Elige un rol válido"
    assert count(app, User) == 1


def test_add_teammate_with_missing_fields(app, make_user):
    client = logged_in(app, make_user())
    response = _add_teammate(client, name="", email="bad", password="x")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "El nombre es requerido"
    assert field_error(html, "email") == "Correo electrónico inválido"
    assert field_error(html, "password") == "La contraseña debe tener al menos 8 caracteres"


def test_add_teammate_with_a_registered_email(app, make_user):
    owner = make_user()
    make_user(email="elsewhere@example.com")
    client = logged_in(app, owner)
    response = _add_teammate(client, email="ELSEWHERE@example.com")
    assert response.status_code in (400, 409)
    assert field_error(response.get_data(as_text=True), "email") == "Correo ya registrado"
    assert count(app, User) == 2


def test_admin_cannot_grant_owner(app, make_user):
    admin = make_user(role="ADMIN")
    client = logged_in(app, admin)
    response = _add_teammate(client, role="OWNER")
    assert response.status_code == 403
    assert "Sin permisos" in response.get_data(as_text=True)
    assert count(app, User) == 1


def test_free_plan_user_cap_on_the_add_page(app, make_user):
    owner = make_user(plan="FREE")
    for role in ("ADMIN", "VIEWER"):
        make_user(role=role, organization_id=owner.organization_id)
    client = logged_in(app, owner)
    response = _add_teammate(client)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert text_of(html, "h1") == (
        "El plan Gratis permite hasta 3 usuarios activos; cámbiate a Pro para agregar más"
    )
    assert count(app, User) == 3
    english = _add_teammate(speak_english(client), email="other@example.com")
    assert english.status_code == 403
    assert "The Free plan allows up to 3 active users" in english.get_data(as_text=True)


def test_free_plan_counts_only_active_users(app, make_user):
    owner = make_user(plan="FREE")
    make_user(role="VIEWER", organization_id=owner.organization_id)
    make_user(role="VIEWER", organization_id=owner.organization_id, active=False)
    client = logged_in(app, owner)
    assert _add_teammate(client).status_code == 302
    assert count(app, User, User.active.is_(True)) == 3


def test_edit_teammate_role_and_active(app, make_user):
    owner = make_user()
    mate = make_user(role="VIEWER", organization_id=owner.organization_id)
    client = logged_in(app, owner)
    html = page(client, f"/team/{mate.id}")
    assert mate.email in html
    (selected,) = [e for e in elements(html, "option") if "selected" in e["attrs"]]
    assert selected["attrs"]["value"] == "VIEWER"

    response = post_form(client, f"/team/{mate.id}", {"role": "ACCOUNTANT", "active": "y"})
    assert response.status_code == 302
    assert location(response)[0] == "/team/"
    assert "Cambios guardados." in page(client, "/team/")
    row = user_row(app, mate.id)
    assert (row.role, row.active) == ("ACCOUNTANT", True)

    response = post_form(client, f"/team/{mate.id}", {"role": "ACCOUNTANT"})  # box unticked
    assert response.status_code == 302
    assert user_row(app, mate.id).active is False
    assert "Desactivado" in page(client, "/team/")


def test_edit_teammate_with_invalid_role(app, make_user):
    owner = make_user()
    mate = make_user(role="VIEWER", organization_id=owner.organization_id)
    client = logged_in(app, owner)
    response = post_form(client, f"/team/{mate.id}", {"role": "ROOT", "active": "y"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "role") == "Elige un rol válido"
    assert user_row(app, mate.id).role == "VIEWER"


@pytest.mark.parametrize(
    "data", [{"role": "ADMIN", "active": "y"}, {"role": "OWNER"}], ids=["demote", "deactivate"]
)
def test_editing_yourself_is_refused(app, make_user, data):
    owner = make_user()
    client = logged_in(app, owner)
    assert f"/team/{owner.id}" not in page(client, "/team/")  # no edit link for oneself
    response = post_form(client, f"/team/{owner.id}", data)
    assert 400 <= response.status_code < 500
    assert "No puedes cambiar tu propio rol ni desactivarte" in response.get_data(as_text=True)
    row = user_row(app, owner.id)
    assert (row.role, row.active) == ("OWNER", True)


def test_another_organisations_user_is_a_404(app, make_user):
    owner = make_user()
    stranger = make_user(role="VIEWER")
    client = logged_in(app, owner)
    html = page(client, f"/team/{stranger.id}", status=404)
    assert text_of(html, "h1") == "Usuario no encontrado"
    assert stranger.email not in html
    response = post_form(
        client, f"/team/{stranger.id}", {"role": "ADMIN", "active": "y"}, token_from="/"
    )
    assert response.status_code == 404
    assert user_row(app, stranger.id).role == "VIEWER"
    assert (
        text_of(page(client, "/team/usr_doesnotexist", status=404), "h1") == "Usuario no encontrado"
    )


def test_admin_cannot_edit_the_owner(app, make_user):
    owner = make_user()
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    client = logged_in(app, admin)
    assert f"/team/{owner.id}" not in page(client, "/team/")
    response = post_form(client, f"/team/{owner.id}", {"role": "VIEWER", "active": "y"})
    assert response.status_code == 403
    assert "Sin permisos" in response.get_data(as_text=True)
    assert user_row(app, owner.id).role == "OWNER"


def test_reactivation_beyond_the_free_cap_is_refused(app, make_user):
    owner = make_user(plan="FREE")
    make_user(role="VIEWER", organization_id=owner.organization_id)
    make_user(role="VIEWER", organization_id=owner.organization_id)
    sleeper = make_user(role="VIEWER", organization_id=owner.organization_id, active=False)
    client = logged_in(app, owner)
    response = post_form(client, f"/team/{sleeper.id}", {"role": "VIEWER", "active": "y"})
    assert response.status_code == 403
    assert "El plan Gratis permite hasta 3 usuarios activos" in response.get_data(as_text=True)
    assert user_row(app, sleeper.id).active is False


def test_refused_edit_changes_nothing(app, make_user):
    owner = make_user(plan="FREE")
    make_user(role="VIEWER", organization_id=owner.organization_id)
    make_user(role="VIEWER", organization_id=owner.organization_id)
    sleeper = make_user(role="VIEWER", organization_id=owner.organization_id, active=False)
    client = logged_in(app, owner)
    response = post_form(client, f"/team/{sleeper.id}", {"role": "ACCOUNTANT", "active": "y"})
    assert response.status_code == 403
    row = user_row(app, sleeper.id)
    assert (row.role, row.active) == ("VIEWER", False)


# --- 8. settings -------------------------------------------------------------------------------


def test_owner_changes_settings(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    html = page(client, "/settings/")
    assert text_of(html, "h1") == "Configuración"
    assert elements(html, "input", name="currency")[0]["attrs"]["value"] == "USD"
    response = post_form(
        client, "/settings/", {"name": "Nuevo Nombre", "currency": " eur ", "locale": "en"}
    )
    assert response.status_code == 302
    assert location(response)[0] == "/settings/"
    html = page(client, "/settings/")
    assert "Cambios guardados." in html
    assert elements(html, "input", name="name")[0]["attrs"]["value"] == "Nuevo Nombre"
    organization = org_row(app, owner.organization_id)
    assert (organization.name, organization.currency, organization.locale) == (
        "Nuevo Nombre",
        "EUR",
        "en",
    )
    assert "Nuevo Nombre" in page(client, "/")


def test_settings_unknown_currency(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    response = post_form(client, "/settings/", {"name": "Acme", "currency": "XXZ", "locale": "es"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "currency") == "Código de moneda desconocido"
    assert org_row(app, owner.organization_id).currency == "USD"


def test_settings_invalid_name_and_locale(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    response = post_form(client, "/settings/", {"name": " ", "currency": "MXN", "locale": "fr"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "El nombre de la organización es requerido"
    assert field_error(html, "locale") == "Elige español o inglés"
    assert org_row(app, owner.organization_id).currency == "USD"


def test_owner_changes_the_plan(app, make_user):
    owner = make_user(plan="FREE")
    client = logged_in(app, owner)
    response = post_form(client, "/settings/plan", {"plan": "PRO"}, token_from="/settings/")
    assert response.status_code == 302
    assert location(response)[0] == "/settings/billing"
    html = page(client, "/settings/billing")
    assert "Plan cambiado a Pro." in html  # the plan as people name it, not its code
    assert "Owner User" in html  # the record names who changed it
    assert org_row(app, owner.organization_id).plan == "PRO"
    with app.app_context():
        change = db.session.scalars(select(PlanChange)).one()
        me = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
        assert (change.from_plan, change.to_plan, change.changed_by_id) == ("FREE", "PRO", me.id)


def test_unknown_plan_is_refused(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    response = post_form(client, "/settings/plan", {"plan": "GOLD"}, token_from="/settings/")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "plan") == "Plan desconocido"
    assert org_row(app, owner.organization_id).plan == "PRO"


def test_downgrade_with_too_many_users_is_refused(app, make_user):
    owner = make_user(plan="PRO")
    for _n in range(3):
        make_user(role="VIEWER", organization_id=owner.organization_id)
    client = logged_in(app, owner)
    response = post_form(client, "/settings/plan", {"plan": "FREE"}, token_from="/settings/")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "plan") == (
        "El plan Gratis permite hasta 3 usuarios activos; desactiva usuarios primero"
    )
    assert org_row(app, owner.organization_id).plan == "PRO"
    assert count(app, PlanChange) == 0


# --- 11. money and dates by locale ---------------------------------------------------------------


def _amounts(html: str) -> list[str]:
    return [" ".join(e["text"].split()) for e in elements(html, "p", class_="amount")]


def _footer_dates(locale: str) -> set[str]:
    today = datetime.now(UTC).date()
    return {format_date(day, "long", locale=locale) for day in (today - timedelta(days=1), today)}


def test_dashboard_money_and_date_in_spanish(app, make_user):
    client = logged_in(app, make_user())
    html = page(client, "/")
    amounts = _amounts(html)
    expected = " ".join(format_currency(0, "USD", locale="es").split())
    assert amounts[:4] == [expected] * 4
    assert "0,00" in expected and "US$" in expected
    footer = text_of(html, "footer")
    assert any(date in footer for date in _footer_dates("es")), footer
    assert " de " in footer


def test_dashboard_money_and_date_in_english(app, make_user):
    client = logged_in(app, make_user(locale="en"))
    html = page(client, "/")
    assert _amounts(html)[:4] == ["$0.00"] * 4
    assert "0,00" not in html
    footer = text_of(html, "footer")
    assert any(date in footer for date in _footer_dates("en")), footer


def test_dashboard_uses_the_organisation_currency(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    post_form(client, "/settings/", {"name": "Acme", "currency": "EUR", "locale": "es"})
    expected = " ".join(format_currency(0, "EUR", locale="es").split())
    assert _amounts(page(client, "/"))[0] == expected
    assert "€" in expected and "0,00" in expected
    english = _amounts(page(client, "/", headers={"Accept-Language": "en"}))[0]
    assert english == "€0.00"


# --- error pages ---------------------------------------------------------------------------------


def test_unknown_page_is_a_localised_404(client):
    html = page(client, "/no-such-page", status=404)
    assert text_of(html, "h1") == "Recurso no encontrado"
    english = page(client, "/no-such-page", status=404, headers={"Accept-Language": "en"})
    assert text_of(english, "h1") == "Resource not found"


def test_wrong_method_is_a_localised_405(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert text_of(response.get_data(as_text=True), "h1") == "Método no permitido"
