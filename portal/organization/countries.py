"""Where the portal's customers are: each country's main IANA time zone.

Used to suggest a time zone at sign-up from the browser's language (``es-MX`` → Mexico City)
when the browser itself does not say (see ``static/js/portal.js``).
"""

from __future__ import annotations

from collections.abc import Iterable

COUNTRY_TIME_ZONES: dict[str, str] = {
    "AR": "America/Argentina/Buenos_Aires",
    "BO": "America/La_Paz",
    "CL": "America/Santiago",
    "CO": "America/Bogota",
    "CR": "America/Costa_Rica",
    "CU": "America/Havana",
    "DO": "America/Santo_Domingo",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "GQ": "Africa/Malabo",
    "GT": "America/Guatemala",
    "HN": "America/Tegucigalpa",
    "MX": "America/Mexico_City",
    "NI": "America/Managua",
    "PA": "America/Panama",
    "PE": "America/Lima",
    "PR": "America/Puerto_Rico",
    "PY": "America/Asuncion",
    "SV": "America/El_Salvador",
    "US": "America/New_York",
    "UY": "America/Montevideo",
    "VE": "America/Caracas",
    "GB": "Europe/London",
}


def suggested_time_zone(languages: Iterable[str], default: str) -> str:
    """The zone of the first language tag that names a country we know (``es-AR``), else
    ``default``."""
    for tag in languages:
        _language, _, region = tag.replace("_", "-").partition("-")
        zone = COUNTRY_TIME_ZONES.get(region[:2].upper()) if len(region) == 2 else None
        if zone:
            return zone
    return default
