"""Product and customer forms: the one validation source for pages, JSON and CSV rows."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from portal.fiscal.forms import (
    AddressField,
    CountryField,
    FiscalFormMixin,
    address_form,
    email_field,
    phone_field,
    tax_id_field,
)
from portal.forms import (
    AMOUNT_TOO_LARGE,
    PERCENT_RANGE,
    PRICE_POSITIVE,
    TOO_LONG,
    DecimalInput,
    DecimalRange,
    FlexibleBoolean,
    PortalForm,
    Present,
    name_validators,
    strip,
)

SKU_REQUIRED = _l("SKU is required")
LOCALE_INVALID = _l("Choose Spanish, English or the organisation's language")
# The language of the e-mails and public pages a customer gets ("": the organisation's).
CUSTOMER_LOCALES = ("", "es", "en")
PRICE_REQUIRED = _l("Price is required")
MAX_PRICE = "9999999999.99"


class ProductForm(PortalForm):
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


# A customer's street is the address of old: several lines, up to 500 characters.
CustomerAddressForm = address_form(
    street=TextAreaField(
        _l("Street"), validators=[Length(max=500, message=TOO_LONG)], filters=[strip]
    )
)


class CustomerForm(FiscalFormMixin, PortalForm):
    """A customer; the tax id is checked against the customer's country, else the
    organisation's (``fallback_country``; see ``portal.fiscal.forms``)."""

    street_attribute = "address"

    name = StringField(_l("Name"), validators=name_validators(), filters=[strip])
    country = CountryField(_l("Country"))
    tax_id = tax_id_field()
    address = AddressField(_l("Address"), form_class=CustomerAddressForm)
    email = email_field()
    phone = phone_field()
    surcharge = FlexibleBoolean(_l("Subject to recargo de equivalencia"), default=False)
    locale = SelectField(
        _l("Language of e-mails"),
        # Each language in its own words, as language pickers write them.
        choices=[
            SelectChoice("", _l("The organisation's language")),
            SelectChoice("es", "Español"),
            SelectChoice("en", "English"),
        ],
        default="",
        validate_choice=False,
        validators=[AnyOf(CUSTOMER_LOCALES, message=LOCALE_INVALID)],
    )
