"""The authorization matrix (issue 14.3): every route × every caller, with the answer each must get.

The routes come from the URL map of a freshly built app (every ``/api/v1`` endpoint and every
page, for each method but HEAD and OPTIONS); what each must answer comes from the guard its
view carries (``require(permission)`` sets ``view.permission``, ``require_pro`` sets
``view.pro_feature``) and from ``PERMISSIONS`` (the least role holding each permission).
A route that carries no permission must be named in ``PUBLIC`` or ``SIGNED_IN`` below, with
the reason: **an endpoint without a rule fails the suite**.

The callers of every route (its cells):

- each of the five roles of a PRO organisation, on that organisation's rows ("own");
- the OWNER of another PRO organisation, naming the first one's ids ("other org");
- anonymous;
- for a PRO feature, the OWNER of a FREE organisation ("FREE plan"), and when the feature
  needs more than the least role, that organisation's VIEWER ("FREE plan VIEWER");
- for a page POST, anonymous without a CSRF token ("no CSRF").

What each must get:

- anonymous on a guarded route: 401 ``UNAUTHORIZED`` on the API (``TOKEN_INVALID`` on the
  signed-in-only token route), a redirect to the log-in page with ``next`` on a page;
- a role below the permission's least role: 403 ``FORBIDDEN`` (the page says which role);
- a FREE organisation on a PRO feature: 403 ``PLAN_REQUIRED`` (before any lookup: it names
  the first organisation's ids) — but 403 ``FORBIDDEN`` to a role too low, as the role is
  checked first;
- another organisation naming an id in the path: 404 ``NOT_FOUND``, exactly as an unknown
  id; on a route without ids it acts on its own organisation and is allowed;
- a page POST without a CSRF token: 400, whoever calls — the CSRF check runs in
  ``before_request``, before any view and so before the permission check;
- otherwise "allowed": any answer that is no refusal (not 401, 403, 404 or 405, no redirect
  to the log-in page) and no server error — 200, 201, 302 to a page, 400 for the empty body
  the writes get (``{}`` on the API, only the CSRF token on pages), 409 for a state refusal.

One parametrised test runs the cells of one route against a world made for it (fresh
organisations, members and rows), lowest callers first; it collects every cell that answered
otherwise into one failure. ``test_matrix_size`` names the number of cells.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.routing import AnyConverter, Rule

from portal import create_app
from portal.errors import Unauthorized
from portal.extensions import db
from portal.security.permissions import PERMISSIONS, require
from portal.security.roles import ROLES, Role, at_least
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import (
    SECRET,
    TEST_TIME_ZONE,
    _empty_tables,
    bearer,
    csrf_from,
    login,
    org_today,
)
from tests.support.receiver import Receiver

API = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITES = {"POST", "PUT", "PATCH"}
EN = {"Accept-Language": "en"}

# Routes without a permission, by "METHOD rule", each with the reason anyone may call it.
PUBLIC: dict[str, str] = {
    "POST /api/v1/auth/register": "signing up makes the account",
    "POST /api/v1/auth/token": "logging in gets the token",
    "GET /api/v1/openapi.json": "the API's description is public (issue 14.1)",
    "GET /api/docs": "the API's documentation page is public (issue 14.1)",
    "GET /healthz": "the load balancer's probe",
    "GET /login": "the log-in page",
    "POST /login": "logging in",
    "GET /signup": "the sign-up page",
    "POST /signup": "signing up",
    "POST /logout": "logging out of no session is a no-op",
    "POST /language": "the language switcher of the public pages",
    "GET /static/<path:filename>": "stylesheets, scripts, icons",
    "GET /q/<token>": "a quote's public page: the token is the credential",
    "GET /q/<token>/pdf": "a quote's public PDF",
    "POST /q/<token>/accept": "the customer accepts through the link",
    "POST /q/<token>/reject": "the customer rejects through the link",
    "GET /i/<token>": "an invoice's public page: the token is the credential",
    "GET /i/<token>/pdf": "an invoice's public PDF",
}
# Routes without a permission that any signed-in caller may use, whatever the role.
SIGNED_IN: dict[str, str] = {
    "DELETE /api/v1/auth/token": "revokes the caller's own token (a Bearer token is needed)",
}
# The path arguments that name a row of the organisation (another organisation's: 404).
ID_ARGUMENTS = {"public_id", "delivery_id"}


# --- the rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """What protects a route: a permission (and maybe the PRO plan), or a declared exception."""

    kind: str  # "permission" | "public" | "signed-in"
    permission: str | None = None
    pro: bool = False

    @property
    def least(self) -> Role | None:
        return PERMISSIONS[self.permission] if self.permission else None


@dataclass(frozen=True)
class Endpoint:
    method: str
    rule: str  # as the URL map spells it: "/api/v1/invoices/<public_id>"
    endpoint: str
    arguments: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...]  # values chosen for ``any(...)`` arguments
    guard: Guard | None  # None: no rule — the route fails the suite

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def api(self) -> bool:
        return self.rule.startswith(API + "/")

    @property
    def names_ids(self) -> bool:
        return bool(ID_ARGUMENTS & set(self.arguments))

    @property
    def consumes(self) -> bool:
        """Whether an allowed call removes the row it names (each cell then gets its own)."""
        return self.names_ids and (self.method == "DELETE" or self.rule.endswith("/delete"))

    def __str__(self) -> str:
        rule = self.rule
        for name, value in self.fixed:
            rule = _replace_argument(rule, name, value)
        return f"{self.method} {rule}"


def _replace_argument(rule: str, name: str, value: str) -> str:
    start = rule.index("<")
    while start >= 0:
        end = rule.index(">", start)
        if rule[start + 1 : end].rsplit(":", 1)[-1] == name:
            return rule[:start] + value + rule[end + 1 :]
        start = rule.find("<", end)
    raise KeyError(name)


def guard_of(view: Any, key: str) -> Guard | None:
    """The guard a view carries (through its ``functools.wraps`` chain), or the declared
    exception for its route, or ``None``."""
    permission, pro = None, False
    wrapped = view
    while wrapped is not None:
        permission = permission or getattr(wrapped, "permission", None)
        pro = pro or bool(getattr(wrapped, "pro_feature", False))
        wrapped = getattr(wrapped, "__wrapped__", None)
    if permission is not None:
        return Guard("permission", permission, pro)
    if key in PUBLIC:
        return Guard("public")
    if key in SIGNED_IN:
        return Guard("signed-in")
    return None


def endpoints_of(app: Flask) -> list[Endpoint]:
    """Every (route, method) of the app, an ``any(...)`` argument expanded to each value."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods))):
        for method in METHODS:
            if method not in (rule.methods or ()):
                continue
            key = f"{method} {rule.rule}"
            guard = guard_of(app.view_functions[rule.endpoint], key)
            for fixed in _choices(rule):
                found.append(
                    Endpoint(
                        method,
                        rule.rule,
                        rule.endpoint,
                        tuple(sorted(rule.arguments)),
                        fixed,
                        guard,
                    )
                )
    return found


def _choices(rule: Rule) -> list[tuple[tuple[str, str], ...]]:
    choices: list[tuple[tuple[str, str], ...]] = [()]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices = [(*c, (name, item)) for c in choices for item in sorted(converter.items)]
    return choices


def without_rule(app: Flask) -> list[str]:
    return sorted({e.key for e in endpoints_of(app) if e.guard is None})


# --- the cells -------------------------------------------------------------------------------

ALLOWED = "allowed"
UNAUTHORIZED = "401"
FORBIDDEN = "403 FORBIDDEN"
PLAN_REQUIRED = "403 PLAN_REQUIRED"
NOT_FOUND = "404"
CSRF_FAILED = "400 CSRF_FAILED"

CSRF_TEXT = "The form has expired or did not come from this site"  # CsrfFailed, in English

OTHER, FREE, ANONYMOUS, NO_CSRF = "other org", "FREE plan", "anonymous", "anonymous, no CSRF"
FREE_LOW = "FREE plan VIEWER"


@dataclass(frozen=True)
class Cell:
    endpoint: Endpoint
    caller: str  # a role (own organisation), OTHER, FREE, FREE_LOW, ANONYMOUS or NO_CSRF
    expected: str

    def __str__(self) -> str:
        who = f"{self.caller} own" if self.caller in ROLES else self.caller
        return f"{self.endpoint} · {who} → {self.expected}"


def cells_of(endpoint: Endpoint) -> list[Cell]:
    """The cells of a route, lowest callers first (an allowed write changes the rows last)."""
    guard = endpoint.guard
    if guard is None:
        return []
    cells = []
    if not endpoint.api and endpoint.method == "POST":
        cells.append(Cell(endpoint, NO_CSRF, CSRF_FAILED))
    if guard.kind in ("permission", "signed-in"):
        cells.append(Cell(endpoint, ANONYMOUS, UNAUTHORIZED))
    else:
        cells.append(Cell(endpoint, ANONYMOUS, ALLOWED))
    if guard.pro:
        cells.append(Cell(endpoint, FREE, PLAN_REQUIRED))
        if not at_least(ROLES[-1], guard.least):
            cells.append(Cell(endpoint, FREE_LOW, FORBIDDEN))
    if guard.kind == "permission" and endpoint.names_ids:
        cells.append(Cell(endpoint, OTHER, NOT_FOUND))
    else:
        cells.append(Cell(endpoint, OTHER, ALLOWED))
    for role in reversed(ROLES):
        if guard.kind != "permission" or at_least(role, guard.least):
            cells.append(Cell(endpoint, role, ALLOWED))
        else:
            cells.append(Cell(endpoint, role, FORBIDDEN))
    return cells


def _collection_app() -> Flask:
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_LEVEL": "WARNING",
            "DEFAULT_TIME_ZONE": TEST_TIME_ZONE,
        }
    )
    app.extensions["portal.db"].dispose()
    return app


ENDPOINTS = endpoints_of(_collection_app())
CELLS = [cell for endpoint in ENDPOINTS for cell in cells_of(endpoint)]
API_CELLS = sum(1 for cell in CELLS if cell.endpoint.api)
SUMMARY = (
    f"authorization matrix: {len(CELLS)} cells "
    f"(API {API_CELLS}, pages {len(CELLS) - API_CELLS}) over {len(ENDPOINTS)} routes"
)


# --- the world a route is tried in ------------------------------------------------------------


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), (20, 80, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    """A PRO organisation with one member per role and a row of every kind, another PRO
    organisation, a FREE one; rows are made when a route first names them."""

    app: Flask
    make_user: Any
    make_org: Any
    stack: ExitStack = field(default_factory=ExitStack)

    def __post_init__(self) -> None:
        self.client = self.app.test_client()
        self.organization_id = self.make_org(name="Own", plan="PRO")
        self.members = {
            role: self.make_user(role=role, organization_id=self.organization_id, locale="en")
            for role in ROLES
        }
        self.members[OTHER] = self.make_user(role="OWNER", plan="PRO", locale="en")
        free = self.members[FREE] = self.make_user(role="OWNER", plan="FREE", locale="en")
        self.members[FREE_LOW] = self.make_user(
            role=ROLES[-1], organization_id=free.organization_id, locale="en"
        )
        self.owner = self.members[Role.OWNER]
        self.pages: dict[str, tuple[Any, str]] = {}

    # rows of the first organisation, made by its OWNER

    def post(self, path: str, body: Any = None, member: Any = None) -> dict:
        response = self.client.post(path, json=body, headers=bearer(member or self.owner))
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.get_json()["data"]

    def new_customer(self) -> str:
        body = {"name": f"Cliente {secrets.token_hex(3)}", "email": "cliente@example.com"}
        return self.post(f"{API}/customers", body)["id"]

    def new_product(self) -> str:
        sku = "SKU-" + secrets.token_hex(3).upper()
        return self.post(f"{API}/products", {"name": sku, "sku": sku, "price": "10.00"})["id"]

    def new_webhook(self) -> str:
        return self.post(f"{API}/webhooks", {"url": self.receiver.url})["id"]

    @cached_property
    def receiver(self) -> Receiver:
        return self.stack.enter_context(Receiver())

    @cached_property
    def customer(self) -> str:
        return self.new_customer()

    @cached_property
    def product(self) -> str:
        return self.new_product()

    @cached_property
    def quote(self) -> dict:
        """A sent quote (it has a public link)."""
        line = {"description": "Servicio", "quantity": "1", "unitPrice": "100.00"}
        body = {"customerId": self.customer, "lines": [line]}
        quote = self.post(f"{API}/quotes", body)
        return self.post(f"{API}/quotes/{quote['id']}/send")

    @cached_property
    def invoice(self) -> dict:
        """An issued, sent invoice (it has a public link)."""
        line = {"description": "Servicio", "quantity": "1", "unitPrice": "100.00"}
        body = {
            "customerId": self.customer,
            "invoiceDate": org_today().isoformat(),
            "lines": [line],
        }
        invoice = self.post(f"{API}/invoices", body)
        self.post(f"{API}/invoices/{invoice['id']}/issue")
        return self.post(f"{API}/invoices/{invoice['id']}/send")

    @cached_property
    def recurring(self) -> str:
        body = {
            "customerId": self.customer,
            "frequency": "MONTHLY",
            "startDate": org_today().isoformat(),
            "lines": [{"description": "Cuota", "quantity": "1", "unitPrice": "50.00"}],
        }
        return self.post(f"{API}/recurring-invoices", body)["id"]

    @cached_property
    def webhook(self) -> str:
        return self.new_webhook()

    @cached_property
    def delivery(self) -> str:
        webhook = self.webhook
        self.new_product()  # product.created: a delivery to every endpoint
        with self.app.app_context():
            return db.session.scalars(
                select(WebhookDelivery.public_id)
                .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
                .where(WebhookEndpoint.public_id == webhook)
            ).first()

    @cached_property
    def user(self) -> str:
        """A VIEWER that routes on users may change."""
        return self.make_user(role="VIEWER", organization_id=self.organization_id).id

    @cached_property
    def logos(self) -> None:
        """Both PRO organisations have a logo (a logo route names no id: each its own)."""
        for member in (self.owner, self.members[OTHER]):
            response = self.client.put(
                f"{API}/organization/logo",
                data=png(),
                headers=bearer(member, **{"Content-Type": "image/png"}),
            )
            assert response.status_code == 200, response.get_data(as_text=True)

    def value(self, endpoint: Endpoint, name: str, fresh: bool) -> str:
        fixed = dict(endpoint.fixed)
        if name in fixed:
            return fixed[name]
        segments = endpoint.rule.removeprefix(API).strip("/").split("/")
        if name == "filename":
            return "favicon.svg"
        if name == "token":
            document = {"q": self.quote, "i": self.invoice}[segments[0]]
            return urlsplit(document["publicUrl"]).path.rsplit("/", 1)[-1]
        if name == "delivery_id":
            return self.delivery
        if name == "public_id":
            kind = segments[0]
            if fresh:
                makers = {
                    "customers": self.new_customer,
                    "products": self.new_product,
                    "webhooks": self.new_webhook,
                }
                return makers[kind]()
            rows = {
                "customers": lambda: self.customer,
                "products": lambda: self.product,
                "quotes": lambda: self.quote["id"],
                "invoices": lambda: self.invoice["id"],
                "recurring-invoices": lambda: self.recurring,
                "webhooks": lambda: self.webhook,
                "users": lambda: self.user,
                "team": lambda: self.user,
            }
            return rows[kind]()
        raise KeyError(f"no value for <{name}> in {endpoint.rule}: teach World.value")

    def path(self, endpoint: Endpoint, fresh: bool = False) -> str:
        if "/logo" in endpoint.rule:
            self.logos  # noqa: B018 (made once, when a logo route is tried)
        path = endpoint.rule
        for name in endpoint.arguments:
            path = _replace_argument(path, name, self.value(endpoint, name, fresh))
        return path

    # callers of pages: a signed-in browser each, with its CSRF token

    def browser(self, caller: str) -> tuple[Any, str]:
        if caller not in self.pages:
            client = self.app.test_client()
            if caller == ANONYMOUS:
                token = csrf_from(client.get("/login", headers=EN).get_data(as_text=True))
            else:
                assert login(client, self.members[caller].email).status_code == 302
                # the log-in page is the lightest with a form; its token is the session's
                token = csrf_from(client.get("/login", headers=EN).get_data(as_text=True))
            self.pages[caller] = (client, token)
        return self.pages[caller]


@pytest.fixture(scope="module")
def shared_app(database_url) -> Iterator[Flask]:
    """One app for the module's routes (building one per route would double the time): as
    conftest's, with webhook receivers on 127.0.0.1 allowed and no rate limits (each route
    logs seven callers in; limits have tests of their own)."""
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": False,
            "PROPAGATE_INTERNAL_ERRORS": True,
            "LOG_LEVEL": "WARNING",
            "DEFAULT_TIME_ZONE": TEST_TIME_ZONE,
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
        }
    )
    yield app
    app.extensions["portal.db"].dispose()


@pytest.fixture
def app(shared_app) -> Iterator[Flask]:
    """The shared app, its tables emptied after each test (as conftest's ``make_app`` does)."""
    yield shared_app
    _empty_tables(shared_app)


@pytest.fixture
def world(app, make_user, make_org) -> Iterator[World]:
    built = World(app, make_user, make_org)
    with built.stack:
        yield built


# --- trying a cell ------------------------------------------------------------------------------


def _login_redirect(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    target = urlsplit(response.headers.get("Location", ""))
    return target.path == "/login" and "next" in parse_qs(target.query)


def _code(response) -> str | None:
    body = response.get_json(silent=True)
    return body.get("code") if isinstance(body, dict) else None


def _got(response) -> str:
    status = response.status_code
    if 300 <= status < 400:
        return f"{status} → {response.headers.get('Location')}"
    code = _code(response)
    return f"{status} {code}" if code else str(status)


def answer(world: World, cell: Cell) -> Any:
    endpoint = cell.endpoint
    path = world.path(endpoint, fresh=endpoint.consumes)
    if endpoint.api:
        member = world.members.get(cell.caller)
        headers = bearer(member, **EN) if member is not None else dict(EN)
        body = {"json": {}} if endpoint.method in WRITES else {}
        return world.client.open(path, method=endpoint.method, headers=headers, **body)
    if cell.caller == NO_CSRF:
        return world.app.test_client().open(path, method=endpoint.method, headers=EN, data={})
    client, token = world.browser(cell.caller)
    data = {"csrf_token": token} if endpoint.method == "POST" else None
    return client.open(path, method=endpoint.method, headers=EN, data=data)


def verdict(cell: Cell, response) -> str | None:
    """``None`` when the answer is the one expected, else what was wrong."""
    status, api, html = response.status_code, cell.endpoint.api, ""
    if not api and status >= 400:
        html = response.get_data(as_text=True)
    csrf_failed = status == 400 and (_code(response) == "CSRF_FAILED" if api else CSRF_TEXT in html)
    expected = cell.expected
    if expected == ALLOWED:  # and past the CSRF check: the token sent is good
        ok = (
            status not in (401, 403, 404, 405)
            and status < 500
            and not _login_redirect(response)
            and not csrf_failed
        )
    elif expected == UNAUTHORIZED:
        if api:
            guard = cell.endpoint.guard
            code = "TOKEN_INVALID" if guard and guard.kind == "signed-in" else Unauthorized.code
            ok = status == 401 and _code(response) == code
        else:
            ok = _login_redirect(response)
    elif expected == FORBIDDEN:
        least = cell.endpoint.guard.least
        ok = status == 403 and (
            _code(response) == "FORBIDDEN"
            if api
            else f"Access denied — {least} role required" in html
        )
    elif expected == PLAN_REQUIRED:
        ok = status == 403 and (
            _code(response) == "PLAN_REQUIRED"
            if api
            else "Feature available on the Pro plan" in html
        )
    elif expected == NOT_FOUND:
        ok = status == 404 and (_code(response) == "NOT_FOUND" if api else True)
    elif expected == CSRF_FAILED:
        ok = csrf_failed
    else:  # pragma: no cover
        raise AssertionError(expected)
    return None if ok else f"{cell}: got {_got(response)}"


def failures_of(world: World, endpoint: Endpoint) -> list[str]:
    """Every cell of ``endpoint`` that did not answer as expected (one line each)."""
    if endpoint.guard is None:
        return [
            f"{endpoint.key} ({endpoint.endpoint}) has no authorization rule: guard its view "
            f"with require(permission), or name it in PUBLIC or SIGNED_IN with the reason"
        ]
    failures = []
    for cell in cells_of(endpoint):
        try:
            response = answer(world, cell)
        except Exception as exc:  # an unexpected error propagates in tests: a 500
            failures.append(f"{cell}: raised {type(exc).__name__}: {exc}")
            continue
        try:
            response.get_data()  # a streamed answer (CSV) runs to its end
            wrong = verdict(cell, response)
        finally:
            response.close()
        if wrong is not None:
            failures.append(wrong)
    return failures


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [len(CELLS)], ids=[f"{len(CELLS)} cells"])
def test_matrix_size(count):
    """Every route and method is in the matrix, each with its cells."""
    print(SUMMARY)
    assert count == sum(len(cells_of(e)) for e in ENDPOINTS)
    assert sum(1 for e in ENDPOINTS if e.api) >= 70 and sum(1 for e in ENDPOINTS if not e.api) >= 90
    assert count >= 7 * len(ENDPOINTS)


@pytest.mark.parametrize(
    "endpoint", ENDPOINTS, ids=[f"{e} ({len(cells_of(e))} cells)" for e in ENDPOINTS]
)
def test_authorization_matrix(world, endpoint):
    failures = failures_of(world, endpoint)
    assert not failures, f"{len(failures)} cell(s) answered otherwise:\n" + "\n".join(failures)


def test_every_route_has_a_rule_and_every_exception_a_route():
    app = _collection_app()
    assert without_rule(app) == []
    excepted = {e.key for e in endpoints_of(app) if e.guard and e.guard.kind != "permission"}
    assert set(PUBLIC) | set(SIGNED_IN) == excepted  # no entry for a route gone or guarded


def test_a_route_without_a_rule_fails_the_matrix(make_app, make_user, make_org):
    """The test of the test: an unguarded route, API or page, is reported; a guard that is
    claimed but not enforced is caught by the cells of the roles below it."""

    def unguarded() -> str:
        return "open"

    def claims_but_does_not_check() -> str:
        return "open"

    claims_but_does_not_check.permission = "users.manage"  # type: ignore[attr-defined]
    app = make_app(RATELIMIT_ENABLED=False)  # routes are added before its first request

    @require("users.manage")
    def guarded() -> str:
        return "closed"

    app.add_url_rule(f"{API}/unguarded", "unguarded_api", unguarded, methods=["GET", "POST"])
    app.add_url_rule("/unguarded-page", "unguarded_page", unguarded, methods=["GET"])
    app.add_url_rule(f"{API}/claims", "claims", claims_but_does_not_check, methods=["GET"])
    app.add_url_rule(f"{API}/guarded", "guarded", guarded, methods=["GET"])

    assert without_rule(app) == [
        "GET /api/v1/unguarded",
        "GET /unguarded-page",
        "POST /api/v1/unguarded",
    ]
    world = World(app, make_user, make_org)
    routes = {e.key: e for e in endpoints_of(app)}
    with world.stack:
        [missing] = failures_of(world, routes["POST /api/v1/unguarded"])
        assert "has no authorization rule" in missing
        assert failures_of(world, routes["GET /api/v1/guarded"]) == []
        leaks = failures_of(world, routes["GET /api/v1/claims"])
    assert [leak.split(" · ")[1] for leak in leaks] == [
        "anonymous → 401: got 200",
        "VIEWER own → 403 FORBIDDEN: got 200",
        "OPERATOR own → 403 FORBIDDEN: got 200",
        "ACCOUNTANT own → 403 FORBIDDEN: got 200",
    ]
