from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import (
    PASSWORD_REQUIRED,
    TOO_LONG,
    email_validators,
    lower,
    name_validators,
    password_validators,
    strip,
)
from portal.organization.forms import TimeZoneField

ORGANIZATION_NAME_REQUIRED = _l("Organisation name is required")


class SignupForm(FlaskForm):
    organization_name = StringField(
        _l("Organisation name"),
        validators=[DataRequired(ORGANIZATION_NAME_REQUIRED), Length(max=200, message=TOO_LONG)],
        filters=[strip],
    )
    name = StringField(
        _l("Your name"),
        validators=name_validators(),
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=email_validators(),
        filters=[strip, lower],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=password_validators(),
        render_kw={"autocomplete": "new-password"},
    )
    time_zone = TimeZoneField(_l("Time zone"))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=email_validators(),
        filters=[strip, lower],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(PASSWORD_REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()
