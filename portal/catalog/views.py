"""Catalog pages: list with search and pagination, new, detail, edit, delete, CSV."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal.catalog import csvio, services
from portal.catalog.http import csv_response, csv_upload
from portal.catalog.kinds import CUSTOMERS, PRODUCTS, CatalogKind
from portal.errors import PortalError, ValidationError
from portal.forms import apply_error
from portal.pagination import DEFAULT_LIMIT
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import require_pro

bp = Blueprint("catalog", __name__)


def _register(kind: CatalogKind) -> None:
    slug = kind.slug

    def endpoint(name: str) -> str:
        return f"catalog.{slug}_{name}"

    @require("portal.read")
    def index():
        q = request.args.get("q", "").strip()
        cursor = request.args.get("cursor") or None
        try:
            rows, next_cursor = services.list_rows(
                kind, acting_user(), q=q, limit=DEFAULT_LIMIT, cursor=cursor
            )
        except ValidationError:  # a mangled cursor in the address bar: start over
            return redirect(url_for(endpoint("index"), q=q or None))
        return render_template(
            "catalog/list.html", kind=kind, rows=rows, q=q, cursor=cursor, next_cursor=next_cursor
        )

    @require("catalog.write")
    def new():
        form = kind.form()
        if form.validate_on_submit():
            try:
                row = services.create_row(kind, acting_user(), form.data)
            except PortalError as exc:
                if not apply_error(form, exc):
                    raise
            else:
                flash(str(kind.created), "success")
                return redirect(url_for(endpoint("show"), public_id=row.public_id))
        return _form_page(kind, form, None)

    @require("portal.read")
    def show(public_id: str):
        row = services.get_row(kind, acting_user(), public_id)
        return render_template("catalog/detail.html", kind=kind, row=row)

    @require("catalog.write")
    def edit(public_id: str):
        actor = acting_user()
        row = services.get_row(kind, actor, public_id)
        form = kind.form(obj=row)
        if form.validate_on_submit():
            try:
                services.update_row(kind, actor, public_id, form.data)
            except PortalError as exc:
                if not apply_error(form, exc):
                    raise
            else:
                flash(str(kind.updated), "success")
                return redirect(url_for(endpoint("show"), public_id=public_id))
        return _form_page(kind, form, row)

    @require("catalog.delete")
    def delete(public_id: str):
        services.delete_row(kind, acting_user(), public_id)
        flash(str(kind.deleted), "success")
        return redirect(url_for(endpoint("index")))

    @require("portal.read")
    @require_pro
    def export():
        return csv_response(kind)

    @require("catalog.write")
    @require_pro
    def import_rows():
        errors, status = None, 200
        if request.method == "POST":
            try:
                with csv_upload() as stream:
                    count = csvio.import_csv(kind, acting_user(), stream)
            except ValidationError as exc:
                errors, status = exc.errors, 400
            else:
                flash(str(kind.imported % {"n": count}), "success")
                return redirect(url_for(endpoint("index")))
        return render_template("catalog/import.html", kind=kind, errors=errors), status

    routes = [
        ("/", index, ["GET"]),
        ("/new", new, ["GET", "POST"]),
        ("/export", export, ["GET"]),
        ("/import", import_rows, ["GET", "POST"]),
        ("/<public_id>", show, ["GET"]),
        ("/<public_id>/edit", edit, ["GET", "POST"]),
        ("/<public_id>/delete", delete, ["POST"]),
    ]
    for suffix, view, methods in routes:
        name = "import" if view is import_rows else view.__name__
        bp.add_url_rule(
            f"/{slug}{suffix}", endpoint=f"{slug}_{name}", view_func=view, methods=methods
        )


def _form_page(kind: CatalogKind, form, row):
    status = 400 if form.errors else 200
    return render_template("catalog/form.html", kind=kind, form=form, row=row), status


for _kind in (PRODUCTS, CUSTOMERS):
    _register(_kind)
