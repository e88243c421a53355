"""The countries the portal knows fiscally: what choosing one at sign-up sets.

Each gives the currency, the time zone, the tax table the lines pick from, and whether
Spanish is spoken there (the FAC/COT series; INV/COT otherwise). Any other ISO 3166 country
may be chosen too ("other"): its tax id is free text and its table starts empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.organization.countries import COUNTRY_TIME_ZONES

# Spain's recargo de equivalencia, paired with the IVA rate it follows.
SPAIN_SURCHARGES = {"21.00": "5.20", "10.00": "1.40", "4.00": "0.50"}
SPANISH_SPEAKING = frozenset(
    [
        "AR",
        "BO",
        "CL",
        "CO",
        "CR",
        "CU",
        "DO",
        "EC",
        "ES",
        "GQ",
        "GT",
        "HN",
        "MX",
        "NI",
        "PA",
        "PE",
        "PR",
        "PY",
        "SV",
        "UY",
        "VE",
    ]
)


def rate(name: str, percent: str, surcharge: str = "0.00", exempt: str = "") -> dict[str, str]:
    return {"name": name, "percent": percent, "surchargePercent": surcharge, "exemptReason": exempt}


@dataclass(frozen=True)
class Country:
    code: str
    name: Any  # lazy, localised
    currency: str
    tax_rates: tuple[dict[str, str], ...] = ()
    withholdings: tuple[str, ...] = ()  # the rates offered (IRPF); any other may be typed
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def time_zone(self) -> str:
        return COUNTRY_TIME_ZONES.get(self.code, "UTC")


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country(
            "ES",
            _l("Spain"),
            "EUR",
            (
                rate("IVA 21 %", "21.00", "5.20"),
                rate("IVA 10 %", "10.00", "1.40"),
                rate("IVA 4 %", "4.00", "0.50"),
                rate("IVA 0 %", "0.00"),
                rate("Exento", "0.00", exempt="Operación exenta de IVA (art. 20 Ley 37/1992)"),
            ),
            ("15.00", "7.00"),
        ),
        Country(
            "MX",
            _l("Mexico"),
            "MXN",
            (
                rate("IVA 16 %", "16.00"),
                rate("IVA 8 %", "8.00"),
                rate("IVA 0 %", "0.00"),
                rate("Exento", "0.00", exempt="Acto exento de IVA (art. 15 LIVA)"),
            ),
        ),
        Country(
            "CO",
            _l("Colombia"),
            "COP",
            (
                rate("IVA 19 %", "19.00"),
                rate("IVA 5 %", "5.00"),
                rate("Exento", "0.00", exempt="Bien o servicio exento de IVA (art. 477 E.T.)"),
            ),
        ),
        Country(
            "AR",
            _l("Argentina"),
            "ARS",
            (
                rate("IVA 21 %", "21.00"),
                rate("IVA 10,5 %", "10.50"),
                rate("IVA 27 %", "27.00"),
                rate("IVA 0 %", "0.00"),
            ),
        ),
        Country("CL", _l("Chile"), "CLP", (rate("IVA 19 %", "19.00"), rate("Exento", "0.00"))),
        Country("PE", _l("Peru"), "PEN", (rate("IGV 18 %", "18.00"), rate("Exonerado", "0.00"))),
        Country("EC", _l("Ecuador"), "USD", (rate("IVA 15 %", "15.00"), rate("IVA 0 %", "0.00"))),
        Country("US", _l("United States"), "USD", (rate("Sales tax 0 %", "0.00"),)),
    )
}


def country_of(code: str) -> Country | None:
    return COUNTRIES.get(code)


def series_prefixes(code: str) -> tuple[str, str]:
    """(invoice prefix, quote prefix) for a new organisation of this country ("" = none)."""
    return ("FAC", "COT") if code in SPANISH_SPEAKING else ("INV", "COT")


def default_tax_rates(code: str) -> list[dict[str, str]]:
    country = COUNTRIES.get(code)
    return [dict(r) for r in country.tax_rates] if country else []


def default_currency(code: str) -> str | None:
    country = COUNTRIES.get(code)
    return country.currency if country else None


def default_time_zone(code: str) -> str | None:
    return COUNTRY_TIME_ZONES.get(code)


def apply_country(
    organization: Any, code: str, *, currency: str | None = None, time_zone: str | None = None
) -> None:
    """What choosing a country at sign-up sets: currency, time zone, tax table and series.

    ``currency`` / ``time_zone`` given explicitly win over the country's; "" is no country
    (USD, the INV/COT series and an empty table, as before countries existed).
    """
    organization.country = code
    organization.currency = currency or default_currency(code) or organization.currency or "USD"
    organization.time_zone = time_zone or default_time_zone(code) or organization.time_zone
    organization.tax_rates = default_tax_rates(code)
    organization.invoice_prefix, organization.quote_prefix = series_prefixes(code)
