"""The portal's application factory: configuration in, a WSGI app out, no side effects."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import extensions
from portal.config import load_config


class PortalFlask(Flask):
    def dispatch_request(self):  # type: ignore[override]
        """Run the view, then commit once: the request is the unit of work.

        Only a successful answer commits. A view that answers 4xx itself (a form shown
        again with a service's refusal) rolls back, as does any exception (in the error
        handler); the session is removed when the app context ends.
        """
        rv = super().dispatch_request()
        if _status_of(rv) < 400:
            extensions.db.session.commit()
        else:
            extensions.db.session.rollback()
        return rv


def _status_of(rv) -> int:
    if isinstance(rv, tuple) and len(rv) > 1 and isinstance(rv[1], int):
        return rv[1]
    return getattr(rv, "status_code", 200)


def create_app(config: dict[str, Any] | None = None) -> PortalFlask:
    app = PortalFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_mapping(load_config(app.instance_path, config))
    app.json.sort_keys = False  # keep the envelope's order: success, message, data, errors
    configure_logging(app)
    configure_proxy(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_templates(app)
    configure_cli(app)
    return app


def configure_logging(app: Flask) -> None:
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def configure_proxy(app: Flask) -> None:
    count = app.config["PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def configure_extensions(app: Flask) -> None:
    from portal.errors import configure_errors
    from portal.forms import reject_nul_characters
    from portal.i18n import configure_i18n
    from portal.security.concurrency import configure_concurrency
    from portal.security.headers import configure_security_headers
    from portal.security.identity import configure_identity, raise_identity_error
    from portal.security.throttle import configure_rate_limits

    # before_request hooks run in this order: who is calling (the limiter's key needs it),
    # count the request, and only then refuse it, so that refused requests count too.
    extensions.db.init_app(app)
    configure_security_headers(app)
    configure_identity(app)
    configure_rate_limits(app)
    app.before_request(raise_identity_error)
    app.before_request(reject_nul_characters)
    extensions.csrf.init_app(app)
    configure_concurrency(app)
    configure_i18n(app)
    configure_errors(app)


def configure_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts
    from portal.api import bp as api
    from portal.catalog.views import bp as catalog
    from portal.dashboard.views import bp as dashboard
    from portal.health import bp as health
    from portal.invoices.views import bp as invoices
    from portal.organization import billing  # noqa: F401 - registers the billing page
    from portal.organization.views import bp as organization
    from portal.quotes.public import bp as public_quotes
    from portal.quotes.views import bp as quotes
    from portal.team.views import bp as team

    blueprints = (accounts, dashboard, catalog, quotes, invoices, team, organization, public_quotes)
    for blueprint in (*blueprints, api):
        app.register_blueprint(blueprint)
    app.register_blueprint(health)


def configure_templates(app: Flask) -> None:
    from flask_babel import get_locale

    from portal.db import utcnow
    from portal.documents.labels import CHANGE_LABELS, actor_label
    from portal.envelope import camelize
    from portal.security.identity import current_identity
    from portal.security.permissions import can
    from portal.team.forms import ROLE_LABELS

    app.jinja_env.filters["camelize"] = camelize
    app.jinja_env.globals.update(
        can=can,
        ROLE_LABELS=ROLE_LABELS,
        get_locale=get_locale,
        now_utc=utcnow,
        actor_label=actor_label,
        CHANGE_LABELS=CHANGE_LABELS,
    )
    app.context_processor(lambda: {"me": current_identity()})


def configure_cli(app: Flask) -> None:
    from portal.cli import portal_cli

    app.cli.add_command(portal_cli)
