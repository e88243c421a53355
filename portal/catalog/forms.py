"""Product and customer forms: the one validation source for pages, JSON and CSV rows."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.forms import (
    AMOUNT_TOO_LARGE,
    EMAIL_INVALID,
    PERCENT_RANGE,
    PRICE_POSITIVE,
    TOO_LONG,
    DecimalInput,
    DecimalRange,
    FlexibleBoolean,
    Present,
    lower,
    name_validators,
    strip,
)

SKU_REQUIRED = _l("SKU is required")
PRICE_REQUIRED = _l("Price is required")
MAX_PRICE = "9999999999.99"


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), validators=name_validators(), filters=[strip])
    sku = StringField(
        _l("SKU"),
        validators=[DataRequired(SKU_REQUIRED), Length(max=64, message=TOO_LONG)],
        filters=[strip],
    )
    price = DecimalInput(
        _l("Price"),
        validators=[
            Present(PRICE_REQUIRED),
            DecimalRange(
                0, MAX_PRICE, inclusive=False, message=PRICE_POSITIVE, too_large=AMOUNT_TOO_LARGE
            ),
        ],
    )
    tax_rate = DecimalInput(
        _l("Tax rate (%)"), validators=[Optional(), DecimalRange(0, 100, message=PERCENT_RANGE)]
    )
    unit = StringField(_l("Unit"), validators=[Length(max=20, message=TOO_LONG)], filters=[strip])
    active = FlexibleBoolean(_l("Active"), default=True)


class CustomerForm(FlaskForm):
    name = StringField(_l("Name"), validators=name_validators(), filters=[strip])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(EMAIL_INVALID, granular_message=False),
        ],
        filters=[strip, lower],
    )
    tax_id = StringField(
        _l("Tax ID"), validators=[Length(max=32, message=TOO_LONG)], filters=[strip]
    )
    address = TextAreaField(
        _l("Address"), validators=[Length(max=500, message=TOO_LONG)], filters=[strip]
    )
    phone = StringField(_l("Phone"), validators=[Length(max=40, message=TOO_LONG)], filters=[strip])
