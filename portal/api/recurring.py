"""``/api/v1/recurring-invoices``: the document routes of a recurring profile (create, read,
update, history, pause and resume) and its list."""

from portal.api import api_blueprint
from portal.api.documents import document_routes, list_route
from portal.recurring.document import RECURRING

bp = api_blueprint("recurring", __name__)
document_routes(bp, RECURRING)
list_route(bp, RECURRING, "list_recurring")
