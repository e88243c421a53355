"""Team pages: list, add and edit the people of the organisation."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.errors import PortalError
from portal.forms import apply_error
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.team import services
from portal.team.forms import UserCreateForm, UserUpdateForm

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.get("/")
@require("users.manage")
def index() -> ResponseReturnValue:
    return render_template("team/index.html", users=services.team_of(acting_user()))


@bp.route("/new", methods=["GET", "POST"])
@require("users.manage")
def new() -> ResponseReturnValue:
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                acting_user(),
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                password=form.password.data,
            )
        except PortalError as exc:
            if not apply_error(form, exc):
                raise
        else:
            flash(_("%(name)s has joined the team.", name=user.name), "success")
            return redirect(url_for("team.index"))
    status = 400 if form.errors else 200
    return render_template("team/new.html", form=form), status


@bp.route("/<public_id>", methods=["GET", "POST"])
@require("users.manage")
def edit(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    user = services.get_user(actor, public_id)
    form = UserUpdateForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_user(actor, public_id, role=form.role.data, active=form.active.data)
        except PortalError as exc:
            if exc.status >= 500:
                raise
            flash(exc.message, "error")
            return render_template("team/edit.html", form=form, user=user), exc.status
        flash(_("Changes saved."), "success")
        return redirect(url_for("team.index"))
    status = 400 if form.errors else 200
    return render_template("team/edit.html", form=form, user=user), status
