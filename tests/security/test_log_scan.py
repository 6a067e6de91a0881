"""The suite-wide log scan (tests/conftest.py) catches what it should."""

from __future__ import annotations

import logging

from tests.conftest import _SECRETS


def test_the_scanner_sees_secrets_and_full_numbers() -> None:
    for leak in (
        "hash $argon2id$v=19$m=19456",
        "token bcrm_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "id 330402198503121234",
        "phone 13812345678",
        "card 6222021234567890123",
    ):
        assert _SECRETS.search(leak), leak
    for fine in ("customer C000000223", "138****5678", "3****************4", "aum 20795051"):
        assert not _SECRETS.search(fine), fine


def test_login_logs_carry_no_secret(caplog) -> None:  # type: ignore[no-untyped-def]
    logging.getLogger("bankcrm.test").info("login ok for S00027 from 127.0.0.1")
    assert not any(_SECRETS.search(r.getMessage()) for r in caplog.records)
