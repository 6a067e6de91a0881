"""Password hashing (argon2id, argon2-cffi) and the password policy.

Parameters: m = 19 MiB, t = 2, p = 1 (OWASP's argon2id minimum). A stored hash made with other
parameters is rehashed at the next successful login.
"""

from __future__ import annotations

import contextlib
import string
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bankcrm.config import Settings
from bankcrm.errors import InvalidInput

MAX_LENGTH = 128
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# a verification against this makes an unknown user cost as much as a known one
_DUMMY = HASHER.hash("bankcrm-timing-equaliser")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's frequency list (shipped with the package)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    if not stored:
        _burn(password)  # an unknown user or no password set costs one verification too
        return False
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn(password: str) -> None:
    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        HASHER.verify(_DUMMY, password + "\0")


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


def check_policy(password: str, settings: Settings, *, username: str = "") -> None:
    """Raise InvalidInput (in Chinese, naming the rule) unless `password` meets the policy."""
    if len(password) < settings.password_min_length:
        raise InvalidInput(f"口令至少 {settings.password_min_length} 个字符")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"口令最多 {MAX_LENGTH} 个字符")
    lowered = password.lower()
    if lowered in _common() or lowered.rstrip(string.digits + string.punctuation) in _common():
        raise InvalidInput("口令过于常见，请换一个")
    if username and username.lower() in lowered:
        raise InvalidInput("口令不得包含用户名")
    classes = sum(
        any(ch in group for ch in password)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    ) + any(not ch.isalnum() for ch in password)
    if classes < settings.password_min_classes:
        raise InvalidInput(
            f"口令须包含大写字母、小写字母、数字、符号中的至少 {settings.password_min_classes} 类"
        )
