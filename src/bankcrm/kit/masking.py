"""Masking rules (DESIGN §7): what staff see of a personal field unless they unmask it.

name `张*三` / `张*`, ID number first 1 + last 1, phone `138****5678`, card first 6 + last 4,
address cut after the district, free text hidden. Every function takes None to None.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DISTRICT = re.compile(r"^(.*?(?:区|县|旗))")
_CITY = re.compile(r"^(.*市)")


def name(value: str) -> str:
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def id_number(value: str) -> str:
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def phone(value: str) -> str:
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def card(value: str) -> str:
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def address(value: str) -> str:
    """Up to the district (区/县/旗), else up to the city, else the first six characters."""
    m = _DISTRICT.match(value) or _CITY.match(value)
    return (m.group(1) if m else value[:6]) + "****"


def text(value: str) -> str:
    return "****" if value else value


def hidden(_value: str) -> str:
    return "****"


RULES: dict[str, Callable[[str], str]] = {
    "name": name,
    "id_number": id_number,
    "phone": phone,
    "card": card,
    "address": address,
    "text": text,
    "hidden": hidden,
}


def apply(rule: str, value: object) -> object:
    """`value` masked by `rule` (a key of RULES); None stays None, non-strings are stringified."""
    if value is None:
        return None
    return RULES[rule](str(value))


def name_or_none(value: str | None) -> str | None:
    """A masked name, for lists that may lack one."""
    return name(value) if value else None
