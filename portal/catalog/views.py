"""Catalog pages: list with search and pagination, new, detail, edit, delete, CSV; a
customer's page also shows their account statement (with its PDF)."""

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.catalog import csvfile, csvio, services
from portal.catalog.http import csv_response, csv_upload
from portal.catalog.kinds import CUSTOMERS, PRODUCTS, CatalogKind
from portal.documents.labels import STATUS_LABELS
from portal.errors import PortalError, ValidationError
from portal.forms import apply_error
from portal.invoices.forms import PAYMENT_METHODS
from portal.invoices.models import is_overdue
from portal.pagination import DEFAULT_LIMIT
from portal.periods import PRESETS, period_from
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import require_pro
from portal.statements import services as statements
from portal.statements.labels import movement_concept
from portal.statements.pdf import statement_pdf

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
        if kind is CUSTOMERS:
            return _customer_page(row)
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
                errors, status = csvfile.error_lines(exc), 400
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


PERIOD_ARGS = ("period", "from", "to")


def _customer_page(customer) -> ResponseReturnValue:
    """A customer's details and their statement for the period asked (default: the last 12
    months); a bad period shows the form with its errors (400)."""
    actor = acting_user()
    context = {
        "kind": CUSTOMERS,
        "row": customer,
        "statement": None,
        "period_errors": {},
        "presets": PRESETS,
        "preset": request.args.get("period") or ("" if request.args else "last_12_months"),
        "STATUS_LABELS": STATUS_LABELS,
        "PAYMENT_METHODS": PAYMENT_METHODS,
        "PDF_MOVEMENTS": statements.PDF_MOVEMENTS,
        "movement_concept": movement_concept,
        "is_overdue": is_overdue,
    }
    try:
        period = period_from(request.args, actor.organization.today())
        context["statement"] = statements.customer_statement(
            actor, customer, period, limit=DEFAULT_LIMIT, cursor=request.args.get("cursor")
        )
    except ValidationError as exc:
        errors = exc.errors or {}
        if "cursor" in errors:  # a mangled cursor in the address bar: start over
            kept: dict[str, Any] = {n: request.args[n] for n in PERIOD_ARGS if n in request.args}
            return redirect(url_for("catalog.customers_show", public_id=customer.public_id, **kept))
        context["period_errors"] = errors
        return render_template("catalog/detail.html", **context), 400
    return render_template("catalog/detail.html", **context)


@bp.get("/customers/<public_id>/statement/pdf")
@require("portal.read")
def customers_statement_pdf(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    customer = statements.statement_customer(actor, public_id)
    period = period_from(request.args, actor.organization.today())
    return statement_pdf(statements.full_statement(actor, customer, period), actor.organization)


for _kind in (PRODUCTS, CUSTOMERS):
    _register(_kind)
