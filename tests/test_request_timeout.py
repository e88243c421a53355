"""One setting for the longest request allowed: gunicorn's timeouts and the slots' expiry."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from portal.config import ConfigError
from portal.security.concurrency import RedisSlotsWithFallback, slot_ttl

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_default_is_120_seconds_and_slots_outlive_it(make_app, monkeypatch):
    monkeypatch.delenv("PORTAL_REQUEST_TIMEOUT", raising=False)
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # no connection is made
    assert app.config["REQUEST_TIMEOUT_SECONDS"] == 120
    slots = app.extensions["portal.slots"]
    assert isinstance(slots, RedisSlotsWithFallback)
    assert slots.redis.ttl == slot_ttl(app.config) == 180
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["timeout"] == conf["graceful_timeout"] == 120
    assert slots.redis.ttl > conf["timeout"]


def test_portal_request_timeout_moves_both(make_app, monkeypatch):
    monkeypatch.setenv("PORTAL_REQUEST_TIMEOUT", "300")
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    assert app.config["REQUEST_TIMEOUT_SECONDS"] == 300
    assert app.extensions["portal.slots"].redis.ttl == 360
    assert runpy.run_path(str(GUNICORN_CONF))["timeout"] == 300


@pytest.mark.parametrize("value", ["2min", "0", "-5"])
def test_a_bad_value_stops_the_start(make_app, monkeypatch, value):
    monkeypatch.setenv("PORTAL_REQUEST_TIMEOUT", value)
    with pytest.raises(ConfigError, match="PORTAL_REQUEST_TIMEOUT"):
        make_app()
    with pytest.raises(ConfigError, match="PORTAL_REQUEST_TIMEOUT"):
        runpy.run_path(str(GUNICORN_CONF))
