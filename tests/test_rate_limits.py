"""Rate limits by plan, over real HTTP: headers, 429s, one counter per user, concurrent slots.

The servers here are real (werkzeug's threaded server, driven with ``requests``) so that the
counters, the headers and the concurrent-request slots are seen as a client sees them. The
slow answers come from test-only routes (``tests/support/slow_app.py``), never from the app.
With ``PORTAL_TEST_REDIS_URL`` set the same tests run on Redis storage; the two-worker
gunicorn tests are in ``test_rate_limits_gunicorn.py``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import requests
from babel.dates import format_date

from tests.conftest import PASSWORD, LiveServer, bearer, csrf_from, login
from tests.support.http import (
    ENGLISH_429,
    SPANISH_429,
    TIMEOUT,
    assert_rate_limited_json,
    burst,
    check_burst,
    get,
    max_overlap,
    rate_headers,
)
from tests.support.slow_app import add_test_routes

ME = "/api/v1/me"
SLOW = "/api/v1/test-slow"  # a test-only route, see tests/support/slow_app.py


# --- helpers -------------------------------------------------------------------------------------


def browser(server: LiveServer, member) -> requests.Session:
    """A session logged in through the log-in page (CSRF token and all), like a browser."""
    session = requests.Session()
    page = session.get(server.url + "/login", timeout=TIMEOUT)
    assert page.status_code == 200
    response = session.post(
        server.url + "/login",
        data={"email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return session


def set_plan(app, organization_id: str, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["portal", "set-plan", organization_id, *args])
    assert result.exit_code == 0, result.output


@pytest.fixture
def slow_server(make_app) -> Iterator[LiveServer]:
    """A live server whose app has the test-only slow routes (and answers 500s itself)."""
    app = add_test_routes(make_app(PROPAGATE_INTERNAL_ERRORS=False))
    with LiveServer(app) as server:
        yield server


# --- the per-minute limit over HTTP ---------------------------------------------------------


def test_free_api_61st_request_is_429_and_headers_count_down(live_server, make_user):
    owner = make_user(plan="FREE")
    teammate = make_user(role="VIEWER", organization_id=owner.organization_id)
    url = live_server.url + ME

    seen = []
    for _ in range(60):
        response = get(url, headers=bearer(owner))
        assert response.status_code == 200, response.text
        assert "Retry-After" not in response.headers  # only on a 429
        seen.append(rate_headers(response))
    assert [limit for limit, _, _ in seen] == [60] * 60
    assert [remaining for _, remaining, _ in seen] == list(range(59, -1, -1))
    resets = {reset for _, _, reset in seen}
    assert max(resets) - min(resets) <= 1  # one window (Redis reports its TTL in whole seconds)

    refused = get(url, headers=bearer(owner))
    n = assert_rate_limited_json(refused)
    assert n <= seen[-1][2] - time.time() + 1
    assert refused.headers["X-RateLimit-Limit"] == "60"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert abs(int(refused.headers["X-RateLimit-Reset"]) - seen[-1][2]) <= 1

    english = get(url, headers=bearer(owner, **{"Accept-Language": "en"}))
    assert_rate_limited_json(english, ENGLISH_429)

    # The limit is the user's: a teammate of the same organisation starts afresh.
    other = get(url, headers=bearer(teammate))
    assert other.status_code == 200
    assert rate_headers(other)[:2] == (60, 59)


def test_the_counter_loses_no_hit_under_concurrent_requests(live_server, make_user):
    owner = make_user(plan="FREE")
    headers = bearer(owner)
    with ThreadPoolExecutor(8) as pool:  # fewer than the 10 concurrent FREE allows
        answers = list(pool.map(lambda _: get(live_server.url + ME, headers=headers), range(70)))
    statuses = [a.status_code for a in answers]
    assert (statuses.count(200), statuses.count(429)) == (60, 10), statuses
    assert min(rate_headers(a)[1] for a in answers if a.status_code == 200) == 0


def test_cookie_and_token_share_one_counter_pages_and_errors_carry_headers(live_server, make_user):
    owner = make_user(plan="FREE")
    site = live_server.url
    with browser(live_server, owner) as cookie:
        calls = [
            lambda: cookie.get(site + "/", timeout=TIMEOUT),  # page, session cookie
            lambda: get(site + ME, headers=bearer(owner)),  # API, Bearer token
            lambda: cookie.get(site + ME, timeout=TIMEOUT),  # API, session cookie
            lambda: cookie.get(site + "/settings/billing", timeout=TIMEOUT),  # another page
            lambda: get(site + "/api/v1/products/prod_nope", headers=bearer(owner)),  # 404
            lambda: cookie.get(site + "/products/prod_nope", timeout=TIMEOUT),  # 404 page
        ]
        statuses, remaining = [], []
        for call in calls:
            response = call()
            statuses.append(response.status_code)
            limit, left, _ = rate_headers(response)
            assert limit == 60
            remaining.append(left)
        assert statuses == [200, 200, 200, 200, 404, 404]
        # One counter, whatever carries the identity and however the request ends.
        assert remaining == list(range(59, 59 - len(calls), -1))

        while remaining[-1] > 0:
            response = get(site + ME, headers=bearer(owner))
            assert response.status_code == 200
            remaining.append(rate_headers(response)[1])

        # Over the limit, a page answers a localised HTML page (not JSON), cookie and all.
        refused = cookie.get(site + "/", timeout=TIMEOUT)
        assert refused.status_code == 429
        assert refused.headers["Content-Type"].startswith("text/html")
        n = int(refused.headers["Retry-After"])
        assert 1 <= n <= 60
        assert SPANISH_429.format(n=n) in refused.text
        assert refused.text.lstrip().lower().startswith("<!doctype html")
        with pytest.raises(json.JSONDecodeError):
            json.loads(refused.text)
        english = cookie.get(site + "/", headers={"Accept-Language": "en"}, timeout=TIMEOUT)
        assert english.status_code == 429
        n = int(english.headers["Retry-After"])
        assert ENGLISH_429.format(n=n) in english.text
        # ...and the API, by cookie or token, is refused too: the same counter.
        assert_rate_limited_json(cookie.get(site + ME, timeout=TIMEOUT))
        assert_rate_limited_json(get(site + ME, headers=bearer(owner)))


def test_pro_shows_300_on_api_and_pages(live_server, make_user):
    owner = make_user(plan="PRO")
    api = get(live_server.url + ME, headers=bearer(owner))
    assert api.status_code == 200
    assert rate_headers(api)[:2] == (300, 299)
    with browser(live_server, owner) as cookie:
        page = cookie.get(live_server.url + "/", timeout=TIMEOUT)
        assert page.status_code == 200
        assert rate_headers(page)[:2] == (300, 298)


def test_enterprise_custom_limits_set_with_the_cli(app, slow_server, make_user):
    owner = make_user(plan="FREE")
    set_plan(app, owner.organization_id, "ENTERPRISE", "--per-minute", "7", "--concurrent", "2")

    # Two at once at most: a burst of 6 slow requests has some turned away at once.
    check_burst(
        burst(
            6, lambda: get(slow_server.url + SLOW, params={"seconds": "1"}, headers=bearer(owner))
        ),
        allowed=2,
    )
    # The burst took 6 of the 7 per minute (429s count too): one left, then 429.
    last = get(slow_server.url + ME, headers=bearer(owner))
    assert last.status_code == 200
    assert rate_headers(last)[:2] == (7, 0)
    refused = get(slow_server.url + ME, headers=bearer(owner))
    assert_rate_limited_json(refused)
    assert refused.headers["X-RateLimit-Limit"] == "7"


def test_enterprise_eighth_request_is_429(app, live_server, make_user):
    owner = make_user(plan="FREE")
    set_plan(app, owner.organization_id, "ENTERPRISE", "--per-minute", "7", "--concurrent", "2")
    remaining = []
    for _ in range(7):
        response = get(live_server.url + ME, headers=bearer(owner))
        assert response.status_code == 200
        limit, left, _ = rate_headers(response)
        assert limit == 7
        remaining.append(left)
    assert remaining == [6, 5, 4, 3, 2, 1, 0]
    assert_rate_limited_json(get(live_server.url + ME, headers=bearer(owner)))


# --- concurrent requests ----------------------------------------------------------------------


def test_burst_of_40_slow_requests_keeps_to_10_at_once_then_slots_come_back(slow_server, make_user):
    owner = make_user(plan="FREE")

    def slow(seconds: str = "0.5"):
        return get(slow_server.url + SLOW, params={"seconds": seconds}, headers=bearer(owner))

    # A second each: the whole burst arrives while the first ten still hold their slots.
    refused = check_burst(burst(40, lambda: slow("1")), allowed=10)
    # The refusals are counted answers too: they carry the per-minute headers.
    for response in refused:
        assert rate_headers(response)[0] == 60

    # Every slot came back: ten at once are served again (50 of the 60 per minute so far).
    again = burst(10, slow)
    assert [r.status_code for r in again] == [200] * 10, [r.text for r in again]
    assert max_overlap([(r.json()["data"]["start"], r.json()["data"]["end"]) for r in again]) > 1


@pytest.mark.parametrize(
    "path", ["/api/v1/test-slow", "/test-slow"], ids=["api-bearer", "page-cookie"]
)
def test_slots_are_released_after_4xx_and_5xx(slow_server, make_user, path):
    owner = make_user(plan="FREE")
    with browser(slow_server, owner) as cookie:
        if path.startswith("/api/"):

            def call(**params):
                return get(slow_server.url + path, headers=bearer(owner), params=params)

        else:

            def call(**params):
                return cookie.get(slow_server.url + path, params=params, timeout=TIMEOUT)

        # 12 requests that each take a slot and end in an error: were any slot kept, fewer
        # than 10 would be left for the burst below.
        for fail, status in [("400", 400), ("403", 403), ("404", 404), ("500", 500)] * 3:
            response = call(seconds="0.05", fail=fail)
            assert response.status_code == status, response.text
            assert rate_headers(response)[0] == 60
        if path.startswith("/api/"):
            assert response.json()["code"] == "INTERNAL_ERROR"
        else:
            assert "Error interno del servidor" in response.text

        served = burst(10, lambda: call(seconds="0.5"))
        assert [r.status_code for r in served] == [200] * 10, [r.text for r in served]


def test_slot_released_when_an_exception_escapes_every_handler(make_app, make_user):
    # The testing config lets unexpected errors through (PROPAGATE_INTERNAL_ERRORS): no
    # error handler nor after_request runs, the server answers 500 itself; teardown still runs.
    app = add_test_routes(make_app())
    owner = make_user(plan="FREE")
    with LiveServer(app) as server:

        def call(**params):
            return get(server.url + "/api/v1/test-slow", headers=bearer(owner), params=params)

        for _ in range(12):
            assert call(seconds="0", fail="500").status_code == 500
        served = burst(10, lambda: call(seconds="0.5"))
        assert [r.status_code for r in served] == [200] * 10, [r.text for r in served]


# --- the billing page ----------------------------------------------------------------------------


class _Text(HTMLParser):
    """The text of every element with a given class, whitespace collapsed."""

    def __init__(self, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class, self.depth, self.found, self._buffer = css_class, 0, [], []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if not self.depth:
                self.found.append(" ".join(" ".join(self._buffer).split()))
                self._buffer = []

    def handle_data(self, data):
        if self.depth:
            self._buffer.append(data)


def texts(html: str, css_class: str) -> list[str]:
    parser = _Text(css_class)
    parser.feed(html)
    return parser.found


def _dates(locale: str) -> set[str]:
    today = datetime.now(UTC)
    return {format_date(d, "medium", locale=locale) for d in (today - timedelta(days=1), today)}


def test_billing_page_shows_plan_limits_usage_and_who_changed_the_plan(app, make_user):
    owner = make_user(plan="FREE")
    client = app.test_client()
    assert login(client, owner.email).status_code == 302
    for _ in range(4):
        assert client.get("/").status_code == 200
    for _ in range(3):
        assert client.get(ME, headers=bearer(owner)).status_code == 200

    response = client.get("/settings/billing")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Plan actual: Gratis" in html
    facts = texts(html, "facts")[0]
    assert "Solicitudes por minuto, por usuario 60" in facts
    assert "Solicitudes simultáneas, por usuario 10" in facts
    # 4 pages + 3 API calls + this page: the same counter as the headers.
    assert "Has usado 8 de tus 60 solicitudes este minuto." in html
    assert response.headers["X-RateLimit-Remaining"] == "52"
    english = client.get("/settings/billing", headers={"Accept-Language": "en"})
    assert "You have used 9 of your 60 requests this minute." in english.get_data(as_text=True)

    # Two changes: the owner's own (on the page) and then the operator's (the CLI).
    token = csrf_from(html)
    changed = client.post("/settings/plan", data={"plan": "PRO", "csrf_token": token})
    assert changed.status_code == 302
    set_plan(app, owner.organization_id, "ENTERPRISE", "--per-minute", "7", "--concurrent", "2")

    html = client.get("/settings/billing").get_data(as_text=True)
    assert "Plan actual: Empresa" in html
    facts = texts(html, "facts")[0]
    assert "Solicitudes por minuto, por usuario 7" in facts
    assert "Solicitudes simultáneas, por usuario 2" in facts
    assert re.search(r"Has usado \d+ de tus 7 solicitudes este minuto\.", html)
    history = texts(html, "history")[0]
    newest, oldest = re.split(r"(?<=El operador) ", history, maxsplit=1)
    assert newest.startswith("Pro → Empresa")
    assert newest.endswith("El operador")
    assert oldest.startswith("Gratis → Pro")
    assert oldest.endswith("Owner User")
    for entry in (newest, oldest):
        assert any(day in entry for day in _dates("es")), entry


def test_only_the_owner_sees_billing_and_changes_the_plan(app, make_user):
    owner = make_user(plan="FREE")
    admin = make_user(role="ADMIN", organization_id=owner.organization_id)
    client = app.test_client()
    assert login(client, admin.email).status_code == 302

    billing = client.get("/settings/billing")
    assert billing.status_code == 403
    assert "Sin permisos" in billing.get_data(as_text=True)
    assert "Has usado" not in billing.get_data(as_text=True)

    token = csrf_from(client.get("/").get_data(as_text=True))
    refused = client.post("/settings/plan", data={"plan": "PRO", "csrf_token": token})
    assert refused.status_code == 403
    assert "Sin permisos" in refused.get_data(as_text=True)
    english = client.post(
        "/settings/plan",
        data={"plan": "PRO", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 403
    assert "Access denied — OWNER role required" in english.get_data(as_text=True)
    assert client.get(ME, headers=bearer(owner)).get_json()["data"]["plan"] == "FREE"


# --- storage away --------------------------------------------------------------------------------


def test_redis_away_still_serves_api_and_pages_and_says_so(make_app, make_user, caplog):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", RATELIMIT_SWALLOW_ERRORS=True)
    owner = make_user(plan="FREE")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        api = client.get(ME, headers=bearer(owner))
        assert api.status_code == 200, api.get_data(as_text=True)
        assert api.get_json()["data"]["user"]["email"] == owner.email
        assert login(client, owner.email).status_code == 302  # the log-in throttle too
        page = client.get("/")
        assert page.status_code == 200
        assert client.get(ME).status_code == 200  # the API with the session cookie
    # One ERROR for all of it (at most one a minute; see test_redis_away.py for the limits).
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "unreachable" in errors[0], errors


# --- bugs found: requests refused before the limiter runs ---------------------------------------
# The identity step (Bearer token, the API's CSRF check for the session cookie), flask-wtf's
# CSRF check on pages and the NUL-character guard all run as before_request hooks registered
# before the limiter's. When one of them refused the request, the limiter never saw it.


def test_invalid_tokens_count_against_the_anonymous_per_ip_limit(live_server):
    headers = {"Authorization": "Bearer not-a-valid-jwt"}
    statuses = [get(live_server.url + ME, headers=headers).status_code for _ in range(121)]
    assert statuses[:120] == [401] * 120  # ANONYMOUS_RATE_LIMIT: 120 per minute per IP
    assert statuses[120] == 429


@pytest.mark.parametrize("refusal", ["api-session-without-csrf", "page-form-without-csrf", "nul"])
def test_requests_refused_before_the_view_count_and_carry_headers(live_server, make_user, refusal):
    owner = make_user(plan="FREE")
    with browser(live_server, owner) as cookie:
        assert cookie.get(live_server.url + ME, timeout=TIMEOUT).headers[
            "X-RateLimit-Remaining"
        ] == ("59")
        if refusal == "api-session-without-csrf":
            response = cookie.post(live_server.url + "/api/v1/products", json={}, timeout=TIMEOUT)
            assert response.json()["code"] == "CSRF_FAILED"
        elif refusal == "page-form-without-csrf":
            response = cookie.post(live_server.url + "/settings/", data={}, timeout=TIMEOUT)
        else:
            response = cookie.get(live_server.url + ME, params={"q": "a\x00b"}, timeout=TIMEOUT)
        assert response.status_code == 400
        assert rate_headers(response)[:2] == (60, 58)
        after = cookie.get(live_server.url + ME, timeout=TIMEOUT)
        assert rate_headers(after)[:2] == (60, 57)


def test_a_request_costs_the_storage_one_call(app, client, make_user):
    """Counting is one ``incr_with_expiry``: the count gives ``-Remaining`` and the window's
    end ``-Reset``, in one Redis round trip (flask-limiter made three, the first version of
    our own counter two). Nothing reads the counter back; the figures stay right request
    after request."""
    storage = app.extensions["portal.limiter"].storage
    calls: list[str] = []
    names = ("incr_with_expiry", "incr", "get", "get_expiry")
    originals = {name: getattr(storage, name) for name in names}

    def spy(name):
        def call(*args, **kwargs):
            calls.append(name)
            return originals[name](*args, **kwargs)

        return call

    owner = make_user()
    try:
        for name in originals:
            setattr(storage, name, spy(name))
        remaining = []
        for _ in range(3):
            calls.clear()
            response = client.get("/api/v1/me", headers=bearer(owner))
            assert response.status_code == 200
            assert calls == ["incr_with_expiry"]
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        limit = int(response.headers["X-RateLimit-Limit"])
        assert remaining == [limit - 1, limit - 2, limit - 3]
    finally:
        for name, original in originals.items():
            setattr(storage, name, original)
