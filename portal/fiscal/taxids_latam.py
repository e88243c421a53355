"""Check rules for Latin American tax identifiers, used by ``portal.fiscal.taxids``.

Each ``*_id`` function takes the compact form built by ``taxids`` (upper case, only ASCII
letters, digits, ``&`` and ``Ñ``, separators removed) and returns the form we store and print,
or ``None`` when the value is not a valid identifier of that country.
"""

from __future__ import annotations

import re
from datetime import date

_RFC = re.compile(r"([A-ZÑ&]{3,4})([0-9]{2})([0-9]{2})([0-9]{2})[0-9A-Z]{3}")
_WEIGHTS_NIT = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
_WEIGHTS_AR_PE = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_CUIT_KINDS = frozenset({"20", "23", "24", "27", "30", "33", "34", "50", "51", "55"})
_RUC_PE_KINDS = frozenset({"10", "15", "16", "17", "20"})
_EC_PROVINCES = frozenset({f"{n:02d}" for n in range(1, 25)} | {"30", "50"})


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def mexico_id(compact: str) -> str | None:
    """RFC: 3 letters (company) or 4 (person), a valid YYMMDD date, a 3-character homoclave.

    The last homoclave character is a mod-11 check digit, but about 1.5 % of the RFCs that SAT
    has really issued do not satisfy it (python-stdnum, ``tests/test_mx_rfc.doctest``, numbers
    confirmed on SAT's RFC lookup), so it is not enforced: a portal must not refuse a real
    customer's RFC. The generic RFCs ``XAXX010101000`` and ``XEXX010101000`` pass as they are.
    """
    match = _RFC.fullmatch(compact)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.group(2, 3, 4))
    try:
        date(2000 + year, month, day)  # 2000 + YY: leap years agree with 1900 + YY but for 00
    except ValueError:
        return None
    return compact


def colombia_id(compact: str) -> str | None:
    """NIT: 6 to 15 digits and a check digit (prime weights, mod 11), printed ``900123456-8``."""
    if not re.fullmatch(r"[0-9]{7,16}", compact):
        return None
    body, check = compact[:-1], compact[-1]
    rest = _weighted_sum(body[::-1], _WEIGHTS_NIT[: len(body)]) % 11
    expected = rest if rest < 2 else 11 - rest
    return f"{body}-{check}" if int(check) == expected else None


def chile_id(compact: str) -> str | None:
    """RUT/RUN: 6 to 8 digits and a verifier ``0``-``9`` or ``K`` (mod 11), printed
    ``12345678-5`` (compact, without the thousands dots)."""
    if not re.fullmatch(r"[1-9][0-9]{5,7}[0-9K]", compact):
        return None
    body, check = compact[:-1], compact[-1]
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    expected = "0123456789K"[(11 - total % 11) % 11]
    return f"{body}-{check}" if check == expected else None


def argentina_id(compact: str) -> str | None:
    """CUIT/CUIL: kind (20/23/24/27 people, 30/33/34 companies, 50/51/55 AFIP's codes for
    foreign parties), 8 digits and a mod-11 check digit, printed ``20-12345678-6``.

    A remainder giving 10 is never issued: AFIP moves the number to kind 23/33 instead.
    """
    if not re.fullmatch(r"[0-9]{11}", compact) or compact[:2] not in _CUIT_KINDS:
        return None
    expected = (11 - _weighted_sum(compact[:10], _WEIGHTS_AR_PE) % 11) % 11
    if expected == 10 or int(compact[10]) != expected:
        return None
    return f"{compact[:2]}-{compact[2:10]}-{compact[10]}"


def peru_id(compact: str) -> str | None:
    """RUC: kind (10/15/16/17 people, 20 companies), 8 digits, a mod-11 check digit where
    10 gives 0 and 11 gives 1. Printed as 11 digits."""
    if not re.fullmatch(r"[0-9]{11}", compact) or compact[:2] not in _RUC_PE_KINDS:
        return None
    expected = (11 - _weighted_sum(compact[:10], _WEIGHTS_AR_PE) % 11) % 10
    return compact if int(compact[10]) == expected else None


def _ecuador_cedula_ok(cedula: str) -> bool:
    """The 10-digit cédula: weights 2,1,2,1… with digits of products folded, sum mod 10."""
    total = 0
    for i, d in enumerate(cedula):
        product = int(d) * (2 - i % 2)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def ecuador_id(compact: str) -> str | None:
    """RUC: 13 digits ending in ``001``, province 01–24, 30 or 50, then by the third digit:
    0–5 a person (cédula + ``001``, mod-10 check), 6 a public body, 9 a company.

    SRI does not derive public (6) and company (9) RUCs from a check digit: many active ones
    fail the mod-11 rules that circulate (python-stdnum issues #290, #457, #497), and third
    digit 6 is also given to foreigners' cédulas. Those two kinds are checked for shape only.
    """
    if not re.fullmatch(r"[0-9]{10}001", compact) or compact[:2] not in _EC_PROVINCES:
        return None
    kind = compact[2]
    if kind in "69":
        return compact
    return compact if kind < "6" and _ecuador_cedula_ok(compact[:10]) else None
