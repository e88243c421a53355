"""Security properties of the HTML pages: session rotation, safe redirects, CSRF, escaping,
headers, no third-party resources, and identity read from the database on every request.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_from, login
from tests.test_pages import (
    elements,
    location,
    logged_in,
    page,
    post_form,
    speak_english,
    text_of,
    user_row,
)

SESSION_COOKIE = "portal_session"
EVIL = "evil.example.com"
UNSAFE_NEXT = [
    f"//{EVIL}",
    f"///{EVIL}",
    f"https://{EVIL}",
    f"http://{EVIL}/team/",
    f"https:{EVIL}",
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"/\t/{EVIL}",
    f"/\n/{EVIL}",
    f"  //{EVIL}",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
]


def session_cookie(client) -> str | None:
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie is not None else None


def session_data(app, client) -> dict:
    value = session_cookie(client)
    if value is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(value)


def plant_session(app, client, data: dict) -> None:
    """Give ``client`` a validly signed session with ``data`` (as a fixation attacker would try)."""
    value = app.session_interface.get_signing_serializer(app).dumps(data)
    client.set_cookie(SESSION_COOKIE, value)


# --- 3. session rotation at log-in --------------------------------------------------------------


def test_login_rotates_the_session(app, client, make_user):
    owner = make_user()
    post_form(client, "/language", {"locale": "en", "next": "/login"}, token_from="/login")
    login_page = page(client, "/login")
    anonymous_token = csrf_from(login_page)
    anonymous_cookie = session_cookie(client)
    before = session_data(app, client)
    assert before.get("locale") == "en"
    assert "_user_id" not in before
    assert "csrf_token" in before

    response = client.post(
        "/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": anonymous_token}
    )
    assert response.status_code == 302
    assert SESSION_COOKIE in response.headers.get("Set-Cookie", "")
    after = session_data(app, client)
    assert session_cookie(client) != anonymous_cookie
    assert after["_user_id"].split(":")[0] == owner.id
    assert after["_fresh"] is True
    assert after["locale"] == "en"  # the language choice is deliberately kept
    assert "csrf_token" not in after  # ... and nothing else is

    # the CSRF token of the anonymous session is no longer accepted
    response = client.post("/logout", data={"csrf_token": anonymous_token})
    assert response.status_code == 400
    assert "The form has expired or did not come from this site" in response.get_data(as_text=True)
    dashboard = page(client, "/")  # still logged in
    fresh_token = csrf_from(dashboard)
    assert fresh_token != anonymous_token
    assert session_data(app, client)["csrf_token"] != before["csrf_token"]
    assert client.post("/logout", data={"csrf_token": fresh_token}).status_code == 302


def test_nothing_planted_before_login_survives_it(app, client, make_user):
    owner = make_user()
    plant_session(app, client, {"locale": "en", "marker": "planted", "_flashes": []})
    assert login(client, owner.email).status_code == 302
    after = session_data(app, client)
    assert "marker" not in after
    assert after["_user_id"].split(":")[0] == owner.id
    assert after["locale"] == "en"


def test_signup_also_starts_a_fresh_session(app, client):
    plant_session(app, client, {"marker": "planted"})
    response = post_form(
        client,
        "/signup",
        {
            "organization_name": "Acme",
            "name": "Ana",
            "email": "ana@example.com",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    after = session_data(app, client)
    assert "marker" not in after
    assert after["_user_id"].startswith("usr_")


def test_session_for_a_forged_user_id_is_refused(app, client, make_user):
    """A cookie signed with another key is ignored, whatever user id it names."""
    owner = make_user()

    forged = URLSafeTimedSerializer("not-the-secret-" + "y" * 40, salt="cookie-session").dumps(
        {"_user_id": owner.id, "_fresh": True}
    )
    client.set_cookie(SESSION_COOKIE, forged)
    assert client.get("/").status_code == 302


# --- 3. safe redirects after log-in and language switch -----------------------------------------


def test_login_honours_a_local_next(app, client, make_user):
    owner = make_user()
    html = page(client, "/login?next=/team/")
    (hidden,) = elements(html, "input", id="next")
    response = client.post(
        "/login",
        data={
            "email": owner.email,
            "password": PASSWORD,
            "csrf_token": csrf_from(html),
            "next": hidden["attrs"]["value"],
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/"
    assert page(client, "/team/")


def test_login_round_trip_from_a_protected_page(client, make_user):
    owner = make_user()
    target = location(client.get("/settings/"))
    next_value = target[1]["next"][0]
    response = login(client, owner.email, next=next_value)
    assert response.headers["Location"] == "/settings/"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_login_never_redirects_off_site(client, make_user, target):
    owner = make_user()
    response = login(client, owner.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert EVIL not in response.get_data(as_text=True)


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_language_switch_never_redirects_off_site(client, target):
    response = post_form(client, "/language", {"locale": "en", "next": target}, token_from="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_page_escapes_a_reflected_next(client):
    payload = '"><script>alert(1)</script>'
    html = page(client, "/login", query_string={"next": payload})
    assert "<script>alert(1)</script>" not in html
    (hidden,) = elements(html, "input", id="next")
    assert hidden["attrs"]["value"] == payload  # kept as a value, not as markup


# --- 4. log-out and CSRF ------------------------------------------------------------------------


def test_logout_with_csrf(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    post_form(client, "/language", {"locale": "en", "next": "/"}, token_from="/")
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302
    assert location(response)[0] == "/login"
    assert "_user_id" not in session_data(app, client)
    html = page(client, "/login")
    assert "You have logged out." in html  # and the language choice survived it
    for path in ("/", "/team/", "/settings/"):
        response = client.get(path)
        assert response.status_code == 302
        assert location(response)[0] == "/login"


def test_logout_without_csrf_is_refused_with_a_localised_page(app, make_user):
    client = logged_in(app, make_user())
    response = client.post("/logout")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert text_of(html, "h1") == (
        "El formulario expiró o no proviene de este sitio; inténtalo de nuevo"
    )
    assert text_of(html, "p", class_="status-code") == "400"
    assert client.get("/").status_code == 200  # still logged in
    english = speak_english(client).post("/logout", data={"csrf_token": "forged"})
    assert english.status_code == 400
    assert text_of(english.get_data(as_text=True), "h1") == (
        "The form has expired or did not come from this site; please try again"
    )


def test_logout_by_get_is_not_possible(app, make_user):
    client = logged_in(app, make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_a_session_cookie_copied_before_logout_is_dead_after_it(app, make_user):
    client = logged_in(app, make_user())
    stolen = session_cookie(client)
    assert post_form(client, "/logout", {}, token_from="/").status_code == 302
    attacker = app.test_client()
    attacker.set_cookie(SESSION_COOKIE, stolen)
    assert attacker.get("/").status_code == 302


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "/team/new",
            {"name": "X", "email": "x@example.com", "role": "ADMIN", "password": PASSWORD},
        ),
        ("/settings/", {"name": "Hijacked", "currency": "EUR", "locale": "en"}),
        ("/settings/plan", {"plan": "ENTERPRISE"}),
        ("/language", {"locale": "en", "next": "/"}),
    ],
)
def test_cross_site_posts_without_a_token_change_nothing(app, make_user, path, data):
    owner = make_user()
    client = logged_in(app, owner)
    page(client, "/")  # the session has a CSRF token; the forged post does not send it
    for token in (None, "", "forged"):
        form = dict(data) if token is None else {**data, "csrf_token": token}
        response = client.post(path, data=form)
        assert response.status_code == 400
        assert "El formulario expiró" in response.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1
        me = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
        assert (me.organization.name, me.organization.plan, me.locale) == ("Acme", "PRO", None)


def test_another_sessions_token_is_refused(app, make_user):
    owner = make_user()
    victim = logged_in(app, owner)
    attacker = app.test_client()
    attacker_token = csrf_from(page(attacker, "/login"))
    page(victim, "/")
    response = victim.post(
        "/settings/",
        data={"name": "X", "currency": "EUR", "locale": "es", "csrf_token": attacker_token},
    )
    assert response.status_code == 400


def test_every_post_form_carries_a_csrf_token(app, make_user):
    owner = make_user()
    mate = make_user(role="VIEWER", organization_id=owner.organization_id)
    client = logged_in(app, owner)
    anonymous = app.test_client()
    pages = [page(anonymous, "/login"), page(anonymous, "/signup")]
    pages += [
        page(client, p) for p in ("/", "/team/", "/team/new", f"/team/{mate.id}", "/settings/")
    ]
    seen = 0
    for html in pages:
        for form in re.findall(r"<form\b.*?</form>", html, re.DOTALL):
            if 'method="post"' in form:
                seen += 1
                assert len(csrf_from(form)) > 20, form
    assert seen >= 12


# --- 9. escaping --------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '"><img src=x onerror=alert(1)>'


def _no_injected_markup(html: str) -> None:
    assert SCRIPT not in html
    assert "<img" not in html
    assert all(e["attrs"].get("src") for e in elements(html, "script"))


def test_names_are_escaped_on_dashboard_team_and_settings(app, client):
    response = post_form(
        client,
        "/signup",
        {"organization_name": SCRIPT, "name": IMG, "email": "x@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    dashboard = page(client, "/")
    _no_injected_markup(dashboard)
    assert ESCAPED_SCRIPT in dashboard
    assert "&lt;img src=x onerror=alert(1)&gt;" in dashboard  # the "who am I" corner
    team = page(client, "/team/")
    _no_injected_markup(team)
    assert "&lt;img src=x onerror=alert(1)&gt;" in team
    settings = page(client, "/settings/")
    _no_injected_markup(settings)
    assert elements(settings, "input", name="name")[0]["attrs"]["value"] == SCRIPT


def test_teammate_names_are_escaped_in_list_flash_and_edit_page(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    response = post_form(
        client,
        "/team/new",
        {"name": SCRIPT, "email": "mate@example.com", "role": "VIEWER", "password": PASSWORD},
    )
    assert response.status_code == 302
    team = page(client, "/team/")  # carries the "… has joined the team." flash
    _no_injected_markup(team)
    assert f"{ESCAPED_SCRIPT} se ha unido al equipo." in team
    with app.app_context():
        mate_id = db.session.scalar(select(User.public_id).where(User.email == "mate@example.com"))
    edit = page(client, f"/team/{mate_id}")
    _no_injected_markup(edit)
    assert ESCAPED_SCRIPT in edit


def test_error_page_does_not_reflect_the_path(app, make_user):
    client = logged_in(app, make_user())
    html = page(client, "/team/%3Cscript%3Ealert(1)%3C%2Fscript%3E", status=404)
    _no_injected_markup(html)


# --- 10. headers, cookies and third-party resources ----------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _pages(app, make_user):
    """(label, response) for representative pages, anonymous and logged in, errors too."""
    owner = make_user()
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    anonymous = app.test_client()
    client = logged_in(app, owner)
    viewer_client = logged_in(app, viewer)
    yield "login", anonymous.get("/login")
    yield "signup", anonymous.get("/signup")
    yield "redirect", anonymous.get("/team/")
    yield "404", anonymous.get("/nope")
    yield "dashboard", client.get("/")
    yield "team", client.get("/team/")
    yield "team-new", client.get("/team/new")
    yield "team-edit", client.get(f"/team/{viewer.id}")
    yield "settings", client.get("/settings/")
    yield "settings-en", client.get("/settings/", headers={"Accept-Language": "en"})
    yield "403", viewer_client.get("/team/")
    yield "400-csrf", client.post("/logout")
    static = anonymous.get("/static/css/portal.css")
    static.get_data()  # buffer it, then release the file
    static.close()
    yield "static", static


def test_security_headers_on_every_page(app, make_user):
    for label, response in _pages(app, make_user):
        headers = response.headers
        csp = _csp(response)
        assert csp["script-src"] == ["'self'"], label
        assert csp["frame-ancestors"] == ["'none'"], label
        assert csp["default-src"] == ["'self'"], label
        assert csp["object-src"] == ["'none'"], label
        assert "base-uri" in csp and "form-action" in csp, label
        assert "unsafe-inline" not in headers["Content-Security-Policy"], label
        assert "unsafe-eval" not in headers["Content-Security-Policy"], label
        assert headers["X-Content-Type-Options"] == "nosniff", label
        assert headers["X-Frame-Options"] == "DENY", label
        assert headers["Referrer-Policy"] in {
            "no-referrer",
            "same-origin",
            "strict-origin",
            "strict-origin-when-cross-origin",
        }, label
        if response.mimetype == "text/html":
            assert "no-store" in headers.get("Cache-Control", ""), label
        assert "Strict-Transport-Security" not in headers, label  # plain http in tests


def test_session_cookie_flags(client):
    response = client.get("/login")
    set_cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{SESSION_COOKIE}=")
    )
    attributes = {part.strip().split("=")[0].lower(): part for part in set_cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].strip() == "SameSite=Lax"


def test_production_cookie_is_secure_and_hsts_is_sent(make_app):
    app = make_app(ENV_NAME="production", BASE_URL="https://portal.example.com")
    response = app.test_client().get("/login", base_url="https://portal.example.com")
    set_cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{SESSION_COOKIE}=")
    )
    flags = [part.strip().lower() for part in set_cookie.split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


_URL = re.compile(r"""(?:https?:)?//[^\s"'<>()]+""", re.IGNORECASE)
_LOCAL = {"localhost", "127.0.0.1", "portal.example.com"}


def _external_urls(text: str) -> list[str]:
    text = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", text)
    found = []
    for url in _URL.findall(text):
        host = urlsplit(url if not url.startswith("//") else "http:" + url).hostname
        if host and host not in _LOCAL:
            found.append(url)
    return found


def test_no_external_urls_or_inline_code_in_rendered_pages(app, make_user):
    for label, response in _pages(app, make_user):
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert _external_urls(html) == [], label
        for element in elements(html):
            attrs = element["attrs"]
            assert element["tag"] != "style", label
            assert "style" not in attrs, (label, element)
            assert not [a for a in attrs if a.startswith("on")], (label, element)
            if element["tag"] == "script":
                assert attrs.get("src", "").startswith("/static/"), (label, element)
                assert not element["text"].strip(), label
            for name in ("href", "src", "action"):
                value = attrs.get(name)
                if value is not None:
                    assert not value.lower().startswith(("javascript:", "//", "http")), (
                        label,
                        element,
                    )


def test_no_external_urls_in_static_files():
    static = Path(__file__).resolve().parent.parent / "static"
    files = [p for p in static.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert _external_urls(text) == [], path
        assert "@import" not in text or "url(" not in text, path


def test_static_files_are_served_with_nosniff(client):
    for path in ("/static/css/portal.css", "/static/js/portal.js"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- 12. identity read from the database on every request ----------------------------------------


def test_deactivated_user_is_logged_out_at_once(app, make_user):
    owner = make_user()
    mate = make_user(role="ADMIN", organization_id=owner.organization_id)
    mate_client = logged_in(app, mate)
    assert mate_client.get("/").status_code == 200
    owner_client = logged_in(app, owner)
    response = post_form(owner_client, f"/team/{mate.id}", {"role": "ADMIN"})  # box unticked
    assert response.status_code == 302
    assert user_row(app, mate.id).active is False
    for path in ("/", "/team/"):
        response = mate_client.get(path)
        assert response.status_code == 302
        assert location(response)[0] == "/login"
    assert login(app.test_client(), mate.email).status_code == 401


def test_deactivation_in_the_database_also_ends_the_session(app, make_user):
    owner = make_user()
    client = logged_in(app, owner)
    with app.app_context():
        db.session.scalars(select(User).where(User.public_id == owner.id)).one().active = False
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert location(response)[0] == "/login"


def test_demotion_takes_effect_at_once(app, make_user):
    owner = make_user()
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    admin_client = logged_in(app, admin)
    assert admin_client.get("/team/").status_code == 200
    owner_client = logged_in(app, owner)
    post_form(owner_client, f"/team/{admin.id}", {"role": "VIEWER", "active": "y"})
    assert user_row(app, admin.id).role == "VIEWER"
    assert admin_client.get("/team/").status_code == 403
    assert 'href="/team/"' not in page(admin_client, "/")
