"""``GET /healthz``: whether this process can serve, for load balancers and operators.

Plain JSON (not the API envelope): the database and the limiter storage. 200 while the
database answers, even with the limiter storage degraded (Redis away: the limits count in
this process's memory, and the body says so); 503 when the database does not. No
authentication, never rate-limited, never cached.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from portal.security.throttle import storage_status

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def database_status() -> str:
    try:
        with current_app.extensions["portal.db"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check: the database does not answer (%s: %s)", type(exc).__name__, exc)
        return "error"
    return "ok"


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    database = database_status()
    limiter, kind = storage_status()
    if database != "ok":
        status = "error"
    elif limiter in ("ok", "disabled"):
        status = "ok"
    else:
        status = "degraded"
    response = jsonify(
        {
            "status": status,
            "database": database,
            "limiterStorage": limiter,
            "limiterStorageKind": kind,
        }
    )
    response.status_code = 503 if database != "ok" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
