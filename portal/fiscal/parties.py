"""Who a document is from and to, as its PDF and pages print them.

An issued invoice keeps both parties as they were at issue (``Invoice.parties``): a later
change of the organisation's address or a customer's tax id does not rewrite it. Drafts and
quotes read the current records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from babel import Locale


@dataclass(frozen=True)
class Party:
    name: str  # the name to print first: the legal name, else the trade name
    trade_name: str = ""  # printed under the legal name when it differs
    tax_id: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""  # ISO alpha-2
    email: str = ""
    phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def address_lines(self, locale: str) -> list[str]:
        """Street, "postal code city", region, the country's name in ``locale``."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        region = (
            self.region if self.region.strip().casefold() != self.city.strip().casefold() else ""
        )
        lines = [*self.street.splitlines(), town, region, country_name(self.country, locale)]
        return [line.strip() for line in lines if line and line.strip()]


def country_name(code: str, locale: str) -> str:
    if not code:
        return ""
    return Locale.parse(locale).territories.get(code, code)


def issuer_of(organization: Any) -> Party:
    legal = organization.legal_name or organization.name
    return Party(
        name=legal,
        trade_name=organization.name if organization.name != legal else "",
        tax_id=organization.tax_id,
        street=organization.street,
        postal_code=organization.postal_code,
        city=organization.city,
        region=organization.region,
        country=organization.country,
        email=organization.email,
        phone=organization.phone,
    )


def recipient_of(document: Any) -> Party:
    customer = document.customer
    name = getattr(document, "customer_name", "") or (customer.name if customer else "")
    if customer is None:
        return Party(name=name)
    return Party(
        name=name,
        tax_id=customer.tax_id,
        street=customer.address,
        postal_code=customer.postal_code,
        city=customer.city,
        region=customer.region,
        country=customer.country,
        email=customer.email,
        phone=customer.phone,
    )


def keep_parties(invoice: Any, organization: Any) -> None:
    """Freeze both parties on the invoice (at issue)."""
    invoice.parties = {
        "issuer": asdict(issuer_of(organization)),
        "customer": asdict(recipient_of(invoice)),
    }


def parties(document: Any, organization: Any) -> tuple[Party, Party]:
    """(issuer, customer) of a document: as kept at issue, else as they are now."""
    kept = getattr(document, "parties", None)
    if kept:
        return Party(**kept["issuer"]), Party(**kept["customer"])
    return issuer_of(organization), recipient_of(document)
