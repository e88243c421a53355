"""Tax identifiers and IBANs: check them and give the one form we store and print.

Pure functions, no Flask and no database. For the countries in ``CHECKED_COUNTRIES`` the
value must have the country's shape and, where the country has one, a right check digit:

- ES  NIF: DNI ``12345678Z``, NIE ``X1234567L``, K/L/M NIFs, and legal entities' NIF (the
      old CIF) ``B12345674``. An ``ES`` VAT prefix is accepted and dropped (``ESB12345674``).
- MX  RFC ``GODE561231GR8`` / ``MAB9307148T4`` (see ``taxids_latam.mexico_id``).
- CO  NIT ``900123456-8``; CL RUT ``12345678-5``; AR CUIT ``20-12345678-6``;
- PE  RUC ``20512333797``; EC RUC ``1790011674001``.

Printed forms: Colombia, Chile and Argentina keep the hyphen before the check digit (and
Argentina the one after the kind), as their tax offices print them; the thousands dots of
Colombia and Chile are dropped. Everything else is stored compact. Input may carry spaces,
dots, commas and hyphens (including typographic dashes) anywhere, and any letter case.

Any other country, or none (``""``), takes free text: trimmed, at most 32 characters, no
control, format or unassigned characters (they could reorder or hide text on an invoice).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from portal.fiscal import taxids_latam

CHECKED_COUNTRIES: frozenset[str] = frozenset({"ES", "MX", "CO", "CL", "AR", "PE", "EC"})
FREE_TEXT_MAX_LENGTH = 32

_SEPARATORS = dict.fromkeys(map(ord, " .,-\u00a0\u202f\u2010\u2011\u2012\u2013\u2014\u2212"))
_ALLOWED = re.compile(r"[0-9A-Za-z&Ññ]+")
_REFUSED_IN_FREE_TEXT = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_PERSON_NIF = re.compile(r"([0-9XYZKLM])([0-9]{7})([A-Z])")
_ENTITY_NIF = re.compile(r"([ABCDEFGHJNPQRSUVW])([0-9]{7})([0-9A-J])")
_ENTITY_LETTER_ONLY = "NPQRSW"  # foreign entities, public bodies, religious orders

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def _compact(value: str) -> str | None:
    """The value without separators, upper case; None if anything else than ASCII letters,
    digits, ``&`` and ``Ñ`` is left (no ``ß``→``SS`` or full-width digits sneaking in)."""
    text = unicodedata.normalize("NFC", value).strip().translate(_SEPARATORS)
    return text.upper() if _ALLOWED.fullmatch(text) else None


def _entity_check(digits: str) -> int:
    """The legal-entity NIF check digit: Luhn over the 7 digits."""
    total = 0
    for i, d in enumerate(digits):
        product = int(d) * (2 - i % 2)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def _spain_id(compact: str) -> str | None:
    if len(compact) == 11 and compact.startswith("ES"):
        compact = compact[2:]  # a NIF never starts with "ES": an E-entity has a digit next
    if person := _PERSON_NIF.fullmatch(compact):
        first, digits, letter = person.groups()
        if first in "KLM":  # minors, Spaniards abroad, foreigners without NIE: 7 digits
            number = int(digits)
        elif first in "XYZ":  # NIE: X, Y, Z stand for 0, 1, 2
            number = int(str("XYZ".index(first)) + digits)
        else:  # DNI
            number = int(first + digits)
        return compact if letter == _DNI_LETTERS[number % 23] else None
    if entity := _ENTITY_NIF.fullmatch(compact):
        kind, digits, control = entity.groups()
        check = _entity_check(digits)
        # Letter-only kinds agree in every source; which kinds must use the digit does not
        # (A,B,E,H in the summaries of Orden EHA/451/2008, H,J,U,V in AEAT's own validation
        # library), so the others take either form.
        allowed = "JABCDEFGHI"[check] + ("" if kind in _ENTITY_LETTER_ONLY else str(check))
        return compact if control in allowed else None
    return None


_CHECKERS: dict[str, Callable[[str], str | None]] = {
    "ES": _spain_id,
    "MX": taxids_latam.mexico_id,
    "CO": taxids_latam.colombia_id,
    "CL": taxids_latam.chile_id,
    "AR": taxids_latam.argentina_id,
    "PE": taxids_latam.peru_id,
    "EC": taxids_latam.ecuador_id,
}


def _free_text(value: str) -> str | None:
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > FREE_TEXT_MAX_LENGTH:
        return None
    if any(unicodedata.category(char) in _REFUSED_IN_FREE_TEXT for char in text):
        return None
    return text


def normalize_tax_id(country: str, value: str) -> str | None:
    """The tax id as stored and printed, or None if it is not valid for the country.

    ``country`` is an ISO 3166 alpha-2 code (any case) or ``""``; an empty or blank ``value``
    gives ``""`` (valid: not given). See the module docstring for the forms of each country.
    """
    if not value.strip():
        return ""
    checker = _CHECKERS.get(country.strip().upper())
    if checker is None:
        return _free_text(value)
    compact = _compact(value)
    return None if compact is None else checker(compact)


def normalize_iban(value: str) -> str | None:
    """Compact upper-case IBAN if the ISO 13616 mod-97 check passes (length 15–34, country
    letters, two digits, letters or digits), ``""`` for empty, else None.

    A leading ``IBAN`` as printed on forms is dropped. The length each country fixes is not
    checked: mod 97 lets through about one random typo in a hundred.
    """
    if not value.strip():
        return ""
    compact = _compact(value)
    if compact is None:
        return None
    compact = compact.removeprefix("IBAN")
    if not _IBAN.fullmatch(compact):
        return None
    digits = "".join(str(int(char, 36)) for char in compact[4:] + compact[:4])
    return compact if int(digits) % 97 == 1 else None


def format_iban(value: str) -> str:
    """The IBAN in groups of four for printing; a value that is not a valid IBAN is returned
    trimmed, as given (old data must still print)."""
    compact = normalize_iban(value)
    if not compact:
        return value.strip()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
