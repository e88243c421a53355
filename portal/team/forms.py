from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from portal.forms import (
    PortalForm,
    email_validators,
    lower,
    name_validators,
    password_validators,
    strip,
)
from portal.security.roles import ROLES

ROLE_INVALID = _l("Choose a valid role")
ROLE_LABELS = {
    "OWNER": _l("Owner"),
    "ADMIN": _l("Administrator"),
    "ACCOUNTANT": _l("Accountant"),
    "OPERATOR": _l("Operator"),
    "VIEWER": _l("Viewer"),
}


class RoleField(SelectField):
    """A role from the fixed list, with our own message for anything else."""

    def __init__(self, label=None, **kwargs):
        choices = [SelectChoice(role.value, ROLE_LABELS[role]) for role in ROLES]
        super().__init__(label, choices=choices, **kwargs)

    def pre_validate(self, form) -> None:
        if self.data not in ROLES:
            raise ValidationError(ROLE_INVALID)


class UserCreateForm(PortalForm):
    name = StringField(_l("Name"), validators=name_validators(), filters=[strip])
    email = EmailField(_l("Email"), validators=email_validators(), filters=[strip, lower])
    role = RoleField(_l("Role"), default="VIEWER")  # the least privilege unless chosen
    password = PasswordField(
        _l("Initial password"),
        validators=password_validators(),
        render_kw={"autocomplete": "new-password"},
    )


class UserUpdateForm(PortalForm):
    role = RoleField(_l("Role"))
    active = BooleanField(_l("Active"))
