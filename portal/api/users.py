from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.accounts.serializers import user_json
from portal.api import api_blueprint
from portal.envelope import created, ok
from portal.forms import form_from_json
from portal.pagination import page_args
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.team import services
from portal.team.forms import UserCreateForm, UserUpdateForm

bp = api_blueprint("users", __name__)


@bp.get("/users")
@require("users.manage")
def list_users() -> ResponseReturnValue:
    users, next_cursor = services.list_users(acting_user(), *page_args())
    return ok(
        _("Request completed"), {"items": [user_json(u) for u in users], "nextCursor": next_cursor}
    )


@bp.post("/users")
@require("users.manage")
def create_user() -> ResponseReturnValue:
    form = form_from_json(UserCreateForm)
    user = services.create_user(
        acting_user(),
        name=form.name.data,
        email=form.email.data,
        role=form.role.data,
        password=form.password.data,
    )
    return created(_("User created"), user_json(user))


@bp.get("/users/<public_id>")
@require("users.manage")
def get_user(public_id: str) -> ResponseReturnValue:
    return ok(_("Request completed"), user_json(services.get_user(acting_user(), public_id)))


@bp.patch("/users/<public_id>")
@require("users.manage")
def update_user(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    services.get_user(actor, public_id)  # another tenant's id is a 404 before any 400
    form = form_from_json(UserUpdateForm, partial=True)
    user = services.update_user(
        actor,
        public_id,
        role=form.role.data if "role" in form else None,
        active=form.active.data if "active" in form else None,
    )
    return ok(_("User updated"), user_json(user))
