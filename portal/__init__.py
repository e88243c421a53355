"""The portal's application factory: configuration in, a WSGI app out, no side effects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import extensions, resources
from portal.config import load_config
from portal.jsonio import PortalJSONProvider
from portal.sessions import PortalSessionInterface


class PortalFlask(Flask):
    json_provider_class = PortalJSONProvider
    session_interface = PortalSessionInterface()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks, for every hook of every request (fifteen here), whether the function
        is a coroutine; the answer never changes, so it is remembered."""
        if func in self._sync_functions:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            self._sync_functions.add(func)
        return wrapped

    def dispatch_request(self):  # noqa: ANN201 - whatever the view returns
        """Run the view, then commit once: the request is the unit of work.

        This is the one place a request's transaction ends. Only a successful answer
        commits. A view that answers 4xx itself (a form shown again with a service's
        refusal) rolls back, and so does any exception, before its error handler runs;
        services and views never commit or roll back. The session is removed when the app
        context ends.
        """
        session = extensions.db.session
        try:
            rv = super().dispatch_request()
        except BaseException:
            session.rollback()
            raise
        if _status_of(rv) >= 400:
            session.rollback()
            return rv
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return rv


def _status_of(rv) -> int:
    if isinstance(rv, tuple) and len(rv) > 1 and isinstance(rv[1], int):
        return rv[1]
    return getattr(rv, "status_code", 200)


def create_app(config: dict[str, Any] | None = None) -> PortalFlask:
    app = PortalFlask(
        __name__,
        template_folder=resources.TEMPLATES,
        static_folder=resources.STATIC,
        instance_relative_config=True,
    )
    app.config.from_mapping(load_config(app.instance_path, config))
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
        # Flask's documented way of wrapping the WSGI app.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def configure_extensions(app: Flask) -> None:
    from portal.errors import configure_errors
    from portal.forms import escape_raw_query_bytes, reject_nul_characters
    from portal.i18n import configure_i18n
    from portal.security.concurrency import configure_concurrency
    from portal.security.headers import configure_security_headers
    from portal.security.identity import configure_identity, raise_identity_error
    from portal.security.throttle import configure_rate_limits
    from portal.web import read_body_first

    # before_request hooks run in this order: the whole body (before any query, so that a
    # slow client holds no database lock), who is calling (the limiter's key needs it),
    # count the request, and only then refuse it, so that refused requests count too.
    extensions.db.init_app(app)
    app.before_request(read_body_first)
    app.before_request(escape_raw_query_bytes)  # before anything reads the query
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
    from portal import api
    from portal.accounts.views import bp as accounts
    from portal.catalog.views import bp as catalog
    from portal.dashboard.views import bp as dashboard
    from portal.health import bp as health
    from portal.invoices.public import bp as public_invoices
    from portal.invoices.views import bp as invoices
    from portal.organization.views import bp as organization
    from portal.quotes.public import bp as public_quotes
    from portal.quotes.views import bp as quotes
    from portal.recurring.views import bp as recurring
    from portal.reports.views import bp as reports
    from portal.team.views import bp as team
    from portal.webhooks.views import bp as webhooks

    pages = (
        accounts,
        dashboard,
        catalog,
        quotes,
        invoices,
        recurring,
        reports,
        team,
        organization,
        webhooks,
        public_quotes,
        public_invoices,
    )
    for blueprint in (*pages, *api.blueprints()):
        app.register_blueprint(blueprint)
    app.register_blueprint(health)
    from portal.openapi.views import bp as api_docs  # /api/docs, a page beside the API

    app.register_blueprint(api_docs)


def configure_templates(app: Flask) -> None:
    from flask_babel import get_locale

    from portal.db import utcnow
    from portal.documents.calc import exemption_notes, tax_breakdown
    from portal.documents.labels import CHANGE_LABELS, actor_label
    from portal.documents.views import editable, may
    from portal.envelope import camelize
    from portal.i18n import as_list
    from portal.security.identity import current_identity
    from portal.security.permissions import can
    from portal.security.plans import PLAN_LABELS
    from portal.team.forms import ROLE_LABELS
    from portal.team.services import owners_to_ask

    kinds = {kind.model: kind for kind in document_types()}
    app.extensions["portal.document_types"] = kinds
    app.jinja_env.filters["camelize"] = camelize
    app.jinja_env.filters["as_list"] = as_list
    app.jinja_env.globals.update(
        can=can,
        may=lambda document, action: may(kinds[type(document)], document, action),
        editable=lambda document: editable(kinds[type(document)], document),
        ROLE_LABELS=ROLE_LABELS,
        PLAN_LABELS=PLAN_LABELS,
        get_locale=get_locale,
        now_utc=utcnow,
        actor_label=actor_label,
        CHANGE_LABELS=CHANGE_LABELS,
        tax_breakdown=tax_breakdown,
        exemption_notes=exemption_notes,
        owners_to_ask=owners_to_ask,
    )
    app.context_processor(lambda: {"me": current_identity()})


def document_types() -> tuple:
    """Every document type the portal has (quotes, invoices, recurring invoices), from their
    declarations."""
    from portal.invoices.document import INVOICES
    from portal.quotes.document import QUOTES
    from portal.recurring.document import RECURRING

    return (QUOTES, INVOICES, RECURRING)


def configure_cli(app: Flask) -> None:
    from portal.cli import portal_cli

    app.cli.add_command(portal_cli)
