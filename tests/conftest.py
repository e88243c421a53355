"""Fixtures: a migrated database per session, a clean one per test, factories, helpers.

SQLite by default; PostgreSQL and Redis when ``PORTAL_TEST_DATABASE_URL`` /
``PORTAL_TEST_REDIS_URL`` are set (CI runs both).

The suite runs on a clock of its own, so that no test depends on the day it runs: by default
``DEFAULT_TEST_CLOCK``; ``PORTAL_TEST_CLOCK="2026-12-31T23:30:00 America/Mexico_City"`` moves
it (CI runs the suite at such year boundaries). The zone named there is the test
organisations' time zone; ``org_today()`` is their date.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, event, inspect, make_url, select, text
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from portal import create_app
from portal import db as portal_db
from portal.accounts.models import Organization, User
from portal.clock import today_in, zone
from portal.config import normalise_database_url
from portal.extensions import db
from portal.migrate import upgrade
from portal.models import Base
from portal.security.passwords import hash_password
from portal.security.tokens import issue_token

PASSWORD = "correct-horse-battery"
SECRET = "test-secret-" + "x" * 40

DEFAULT_TEST_CLOCK = "2026-11-30T10:00:00 Europe/Madrid"


def parse_clock(text: str) -> tuple[datetime, str]:
    """``"2026-12-31T23:30:00 America/Mexico_City"`` → (that aware moment, the zone's name)."""
    moment, _, zone_name = text.strip().partition(" ")
    zone_name = zone_name.strip() or "UTC"
    at = datetime.fromisoformat(moment)
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone(zone_name))
    return at, zone_name


TEST_CLOCK_AT, TEST_TIME_ZONE = parse_clock(
    os.environ.get("PORTAL_TEST_CLOCK") or DEFAULT_TEST_CLOCK
)
_traveller = time_machine.travel(TEST_CLOCK_AT, tick=True)


# Every test builds its own app, and most of that time went to werkzeug compiling each URL
# rule's builder function (Python's ``compile`` over an AST, twice per rule). The function is
# the same for the same rule in every app (it reads the rule it is bound to), so the suite
# keeps one per rule: an app is then built in a fifth of the time. Tests only.
_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _reused_builder(self, append_unknown: bool = True):
    defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
    key = (self.rule, self.host, self.subdomain, tuple(self._trace), defaults, append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(self, append_unknown)
    return _builders[key]


Rule._compile_builder = _reused_builder


# Apps on the suite's own database share one engine (one pool) per lock timeout: a new
# PostgreSQL connection costs ~50 ms, and every test built an app with a pool of its own.
# Other databases (a test's own file, a broken URL) get engines of their own, as before.
_make_engine = portal_db.make_engine
_engines: dict[tuple[str, float], Any] = {}
_shared_urls: set[str] = set()


def _engine_for(url: str, *, lock_timeout: float = 10):
    if url not in _shared_urls:
        return _make_engine(url, lock_timeout=lock_timeout)
    key = (url, lock_timeout)
    if key not in _engines:
        engine = _engines[key] = _make_engine(url, lock_timeout=lock_timeout)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _no_sync)
    return _engines[key]


def _no_sync(dbapi_connection, _record) -> None:
    """The suite's SQLite file does not wait for the disk at each commit (``synchronous``
    OFF: what a power cut would lose is a test run). A tenth of a millisecond a commit on this
    machine, thousands of commits a run. The served portal keeps SQLite's default (FULL)."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


portal_db.make_engine = _engine_for


# Property tests explore new examples on every local run; on CI they replay the same ones,
# so that CI stays reproducible (a counterexample found locally becomes a plain test).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")


def pytest_xdist_auto_num_workers(config) -> int:
    """``--numprocesses=auto``: one worker more than there are cores. The suite waits on
    live servers, gunicorn, Chromium, sockets and trickled bodies as much as it computes;
    with one worker per core the cores idled (2 cores: 303–318 s; 3 workers: 237 s)."""
    return (os.cpu_count() or 1) + 1


def pytest_configure(config) -> None:
    _traveller.start()


def pytest_unconfigure(config) -> None:
    _traveller.stop()


def org_today() -> date:
    """Today for the test organisations (in ``TEST_TIME_ZONE``)."""
    return today_in(TEST_TIME_ZONE)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        url = _database_of_this_worker(normalise_database_url(url))
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal.db")
        engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    _shared_urls.update({url, normalise_database_url(url)})
    yield url


def _database_of_this_worker(url: str) -> str:
    """With pytest-xdist each worker gets a PostgreSQL database of its own (``test_gw0``…),
    created on first use next to the one named, since each test empties every table."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def ratelimit_storage() -> str:
    return os.environ.get("PORTAL_TEST_REDIS_URL") or "memory://"


def _empty_tables(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        present = set(inspect(conn).get_table_names())  # a test may leave an older schema
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in present:
                conn.execute(table.delete())


@pytest.fixture
def make_app(database_url, ratelimit_storage):
    """Build an app for this test (overrides allowed); tables are emptied afterwards."""
    apps = []

    def factory(**overrides):
        config = {
            "ENV_NAME": "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": ratelimit_storage,
            "RATELIMIT_KEY_PREFIX": "test-" + secrets.token_hex(6),
            "PROPAGATE_INTERNAL_ERRORS": True,
            "LOG_LEVEL": "WARNING",
            "DEFAULT_TIME_ZONE": TEST_TIME_ZONE,
        }
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        _empty_tables(app)
        engine = app.extensions["portal.db"]
        if engine not in _engines.values():  # the suite's shared engine stays open
            engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Member:
    """A user made by the factory: ids and credentials a test needs, no live ORM object."""

    id: str
    email: str
    role: str
    organization_id: str
    token: str
    password: str = PASSWORD


@pytest.fixture
def make_org(app):
    def factory(name: str = "Acme", plan: str = "FREE") -> str:
        with app.app_context():
            organization = Organization(
                name=name, plan=plan, currency="USD", locale="es", time_zone=TEST_TIME_ZONE
            )
            db.session.add(organization)
            db.session.commit()
            return organization.public_id

    return factory


@pytest.fixture
def make_user(app, make_org):
    def factory(
        role: str = "OWNER",
        organization_id: str | None = None,
        email: str | None = None,
        active: bool = True,
        locale: str | None = None,
        plan: str = "PRO",
    ) -> Member:
        organization_id = organization_id or make_org(plan=plan)
        email = email or f"{role.lower()}-{secrets.token_hex(4)}@acme.example.com"
        with app.app_context():
            organization = db.session.scalars(
                select(Organization).where(Organization.public_id == organization_id)
            ).one()
            user = User(
                organization=organization,
                name=f"{role.title()} User",
                email=email,
                role=role,
                active=active,
                locale=locale,
                password_hash=hash_password(PASSWORD),
            )
            db.session.add(user)
            db.session.commit()
            token, _ = issue_token(user)
            return Member(user.public_id, email, role, organization_id, token)

    return factory


def bearer(member_or_token, **headers) -> dict:
    token = getattr(member_or_token, "token", member_or_token)
    return {"Authorization": f"Bearer {token}", **headers}


ENVELOPE_KEYS = {"success", "message", "data", "errors"}
FAILURE_KEYS = ENVELOPE_KEYS | {"error", "code"}


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)
    if status < 400:
        assert body.keys() >= ENVELOPE_KEYS and body["success"] is True
    else:
        assert body.keys() >= FAILURE_KEYS and body["success"] is False
        assert body["code"] == code
        assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    return body


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = PASSWORD, **extra):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["BASE_URL"] = self.url  # where people reach this portal: its public links
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
