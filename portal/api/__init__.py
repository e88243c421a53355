"""The ``/api/v1`` blueprints: thin JSON adapters over the services.

Each module builds its own blueprint with ``api_blueprint``; the application factory
registers them (``blueprints()``), nothing is registered by importing a module.
"""

from __future__ import annotations

from flask import Blueprint

from portal.extensions import csrf

PREFIX = "/api/v1"


def api_blueprint(name: str, import_name: str) -> Blueprint:
    bp = Blueprint(f"api_{name}", import_name, url_prefix=PREFIX)
    # Cookie-authenticated unsafe requests are checked against X-CSRFToken by
    # security.identity; Bearer requests carry no ambient authority.
    csrf.exempt(bp)
    return bp


def blueprints() -> list[Blueprint]:
    from portal.api import (
        auth,
        catalog,
        dashboard,
        invoices,
        openapi,
        organization,
        quotes,
        recurring,
        reports,
        statements,
        users,
        webhooks,
    )

    modules = (
        auth,
        users,
        organization,
        catalog,
        quotes,
        invoices,
        recurring,
        statements,
        dashboard,
        reports,
        webhooks,
        openapi,
    )
    return [module.bp for module in modules]
