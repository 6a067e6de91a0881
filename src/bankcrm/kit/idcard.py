"""居民身份证 (GB 11643-1999) check digits, scalar and vectorised.

The 18th character is ISO 7064 MOD 11-2 over the first 17 digits: Σ(digit_i × W_i) mod 11 indexes
"10X98765432". The same weights are used by the ingest's SQL check (analytics/ingest/rules.py).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import numpy.typing as npt

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """True when the number has 18 characters, a real birth date and the right check digit."""
    s = id_number.strip().upper()
    if not _SHAPE.match(s):
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return check_char(s[:17]) == s[17]


def check_chars(first17: npt.NDArray[np.uint8]) -> npt.NDArray[np.str_]:
    """Vectorised check characters for an (n, 17) array of digits 0-9."""
    total = first17.astype(np.int64) @ np.asarray(WEIGHTS, dtype=np.int64)
    return np.asarray(list(CHECK_CHARS))[total % 11]


def birth_date_of(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_of(id_number: str) -> str:
    """'M' when the 17th digit (sequence code) is odd, 'F' when even (GB 11643 §4)."""
    return "M" if int(id_number[16]) % 2 == 1 else "F"
