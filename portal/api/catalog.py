"""``/api/v1/products`` and ``/api/v1/customers``: the same thin adapters for both kinds."""

from flask import request
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.catalog import csvio, services
from portal.catalog.http import csv_response, csv_upload
from portal.catalog.kinds import CUSTOMERS, PRODUCTS, CatalogKind
from portal.envelope import created, ok
from portal.forms import form_from_json
from portal.idempotency.services import idempotent
from portal.pagination import page_args
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import require_pro
from portal.sqljson import embedded

bp = api_blueprint("catalog", __name__)


def _register(kind: CatalogKind) -> None:
    slug = kind.slug

    @require("portal.read")
    def list_rows():
        limit, cursor = page_args()
        rows, next_cursor = services.list_rows(
            kind, acting_user(), q=request.args.get("q"), limit=limit, cursor=cursor, items=True
        )
        items = embedded(row[0] for row in rows)
        return ok(_("Request completed"), {"items": items, "nextCursor": next_cursor})

    @require("catalog.write")
    @idempotent
    def create_row():
        form = form_from_json(kind.form)
        row = services.create_row(kind, acting_user(), form.data)
        return created(kind.created, kind.to_json(row))

    @require("portal.read")
    def get_row(public_id: str):
        return ok(
            _("Request completed"),
            kind.to_json(services.get_row(kind, acting_user(), public_id)),
        )

    @require("catalog.write")
    def update_row(public_id: str):
        actor = acting_user()
        services.get_row(kind, actor, public_id)  # another tenant's id: 404 before any 400
        form = form_from_json(kind.form, partial=True)
        row = services.update_row(kind, actor, public_id, form.data)
        return ok(kind.updated, kind.to_json(row))

    @require("catalog.delete")
    def delete_row(public_id: str):
        services.delete_row(kind, acting_user(), public_id)
        return ok(kind.deleted)

    @require("portal.read")
    @require_pro
    def export_rows():
        return csv_response(kind)

    @require("catalog.write")
    @require_pro
    @idempotent
    def import_rows():
        with csv_upload() as stream:
            count = csvio.import_csv(kind, acting_user(), stream)
        return created(kind.imported % {"n": count}, {"imported": count})

    routes = [
        ("", list_rows, ["GET"]),
        ("", create_row, ["POST"]),
        ("/export", export_rows, ["GET"]),
        ("/import", import_rows, ["POST"]),
        ("/<public_id>", get_row, ["GET"]),
        ("/<public_id>", update_row, ["PATCH"]),
        ("/<public_id>", delete_row, ["DELETE"]),
    ]
    for suffix, view, methods in routes:
        bp.add_url_rule(
            f"/{slug}{suffix}", endpoint=f"{slug}_{view.__name__}", view_func=view, methods=methods
        )


for _kind in (PRODUCTS, CUSTOMERS):
    _register(_kind)
