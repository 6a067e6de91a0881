"""Imported holiday schedules (holiday_overrides) and the work calendar built over them.

An admin imports a year's schedule from the State Council's notice when chinesecalendar lacks
the year (or has it wrong); the imported rows are then the only truth for that year. Services
take the session first and never commit (DESIGN §8).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bankcrm.errors import InvalidInput
from bankcrm.kit.holidays import (
    Occasion,
    OverrideRow,
    Period,
    WorkCalendar,
    check_overrides,
    greetings,
)
from bankcrm.maintenance.models import HolidayOverride


class YearListing(NamedTuple):
    occasions: list[Occasion]
    periods: list[Period]
    source: str  # "override" | "chinesecalendar" | "weekends"
    warnings: list[str]


def import_overrides(session: Session, actor: str, rows: list[OverrideRow]) -> dict[int, int]:
    """Store imported schedules; returns rows stored per year.

    A year's schedule is imported as a whole: every stored row of each year in `rows` is
    replaced, years not in `rows` are left alone. Invalid rows store nothing.
    """
    if not rows:
        raise InvalidInput("没有要导入的节假日安排")
    check_overrides(rows)
    years = sorted({r.year for r in rows})
    session.execute(delete(HolidayOverride).where(HolidayOverride.year.in_(years)))
    session.add_all(
        HolidayOverride(
            year=r.year,
            name=r.name,
            kind=r.kind,
            first_day=r.first,
            last_day=r.last,
            imported_by=actor,
        )
        for r in rows
    )
    session.flush()
    counts = Counter(r.year for r in rows)
    return {year: counts[year] for year in years}


def overrides(session: Session, years: Iterable[int]) -> list[OverrideRow]:
    """The stored schedule rows of `years`, by year and date."""
    stmt = (
        select(HolidayOverride)
        .where(HolidayOverride.year.in_(sorted(set(years))))
        .order_by(HolidayOverride.year, HolidayOverride.first_day, HolidayOverride.kind)
    )
    return [
        OverrideRow(row.year, row.name, row.kind, row.first_day, row.last_day)
        for row in session.scalars(stmt)
    ]


def calendar(session: Session, first: date, last: date) -> WorkCalendar:
    """The work calendar of [first, last]. The next year's schedule is read too: its 元旦 may
    start in December, and a due date may roll over into January."""
    years = range(first.year, last.year + 1)
    return WorkCalendar(years, overrides(session, range(first.year, last.year + 2)))


def year_listing(session: Session, year: int) -> YearListing:
    """Greeting days and statutory holiday periods of `year`, where the periods come from, and
    the warning when the year's schedule is missing."""
    cal = calendar(session, date(year, 1, 1), date(year, 12, 31))
    return YearListing(greetings(year), cal.periods(year), cal.source(year), cal.warnings)
