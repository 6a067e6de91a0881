"""Staff's clock: times are stored in UTC, days are counted in Beijing time.

The business date (营业日期): staff work on the day after the last nightly batch. In production
it is today; `BANKCRM_BUSINESS_DATE` pins it (a demo bank whose data end on a fixed date, a
training copy, a test) — task lists, due dates and "now" for contact logging follow it, while
audit timestamps always use the real clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def real_now() -> datetime:
    return datetime.now(UTC)


def _pinned() -> date | None:
    from bankcrm.config import get_settings

    return get_settings().business_date


def today() -> date:
    """The business date in Beijing."""
    return _pinned() or datetime.now(BEIJING).date()


def now() -> datetime:
    """The current moment on the business date (the wall-clock time of day, Beijing)."""
    moment = datetime.now(BEIJING)
    pinned = _pinned()
    if pinned is not None:
        moment = moment.replace(year=pinned.year, month=pinned.month, day=pinned.day)
    return moment.astimezone(UTC)


def beijing_day(moment: datetime) -> date:
    """The Beijing calendar day of a stored moment (SQLite hands it back without a zone)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).date()
