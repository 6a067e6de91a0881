"""Fixtures for the maintenance tests: the small bank, and a pinned business date."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

from bankcrm.config import get_settings
from tests.maintenance.bank import Bank, build


@pytest.fixture
def bank(db_session: Session) -> Bank:
    return build(db_session)


@pytest.fixture
def business_day(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[date], None]]:
    """Pin the business date (营业日期) the way BANKCRM_BUSINESS_DATE does."""

    def pin(day: date) -> None:
        monkeypatch.setenv("BANKCRM_BUSINESS_DATE", day.isoformat())
        get_settings.cache_clear()

    yield pin
    monkeypatch.delenv("BANKCRM_BUSINESS_DATE", raising=False)
    get_settings.cache_clear()
