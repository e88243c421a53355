"""WSGI entry of bench/bench_limiter.py: the portal with its request limits on or off.

Served as ``gunicorn --pythonpath bench "limiter_app:build('off')"``; the storage comes from
``PORTAL_RATELIMIT_STORAGE_URL`` as usual. There is no environment variable for
``RATELIMIT_ENABLED``, so the switch is an override of ``create_app``. The app's code is
untouched; the two partial variants only take hooks out of this one app instance:

- ``on``: the portal as configured (the per-user limit of ``security/throttle.py`` with the
  ``X-RateLimit-*`` headers, and the concurrency slots);
- ``off``: ``RATELIMIT_ENABLED`` False: no counting hook is registered, the slot hooks
  return at once;
- ``limiter-only``: ``on`` without the concurrency slot hooks;
- ``slots-only``: ``off`` with the slots switched back on (and without the headers hook,
  which would ask a limiter that never started).
"""

from __future__ import annotations

from typing import Any

from portal import create_app

VARIANTS = ("on", "off", "limiter-only", "slots-only")


def build(variant: str = "on", config: dict[str, Any] | None = None):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    settings = dict(config or {})
    if variant in ("off", "slots-only"):
        settings["RATELIMIT_ENABLED"] = False
    app = create_app(settings)
    if variant == "limiter-only":
        from portal.security.concurrency import give_slot_back, take_slot

        app.before_request_funcs[None].remove(take_slot)
        app.teardown_request_funcs[None].remove(give_slot_back)
    elif variant == "slots-only":
        from portal.security import throttle

        app.config["RATELIMIT_ENABLED"] = True  # read per request by the slot hooks only
        app.after_request_funcs[None].remove(throttle._add_headers)
    return app
