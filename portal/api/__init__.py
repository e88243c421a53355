"""The ``/api/v1`` blueprint: thin JSON adapters over the services."""

from flask import Blueprint

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Cookie-authenticated unsafe requests are checked against X-CSRFToken by
# security.identity; Bearer requests carry no ambient authority.
csrf.exempt(bp)

from portal.api import auth, catalog, invoices, organization, quotes, users  # noqa: E402, F401
