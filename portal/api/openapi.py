"""``GET /api/v1/openapi.json``: the API's description, public and cacheable (no data of
any tenant, no secret), in the caller's language."""

from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from portal.api import api_blueprint
from portal.openapi.spec import as_json, describe

bp = api_blueprint("openapi", __name__)
MAX_AGE = 300  # seconds


@bp.get("/openapi.json")
def description() -> ResponseReturnValue:
    cache = current_app.extensions.setdefault("portal.openapi", {})
    locale = str(get_locale())
    if locale not in cache:
        cache[locale] = json.dumps(as_json(describe(current_app)), ensure_ascii=False)
    body = cache[locale]
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(request)
