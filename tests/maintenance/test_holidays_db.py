"""Imported holiday schedules in the database: replace per year, calendar and listing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.errors import InvalidInput
from bankcrm.kit.holidays import OverrideRow
from bankcrm.maintenance import holidays
from bankcrm.maintenance.models import HolidayOverride
from tests.kit.test_holidays import schedule_2027

pytestmark = pytest.mark.db


def _stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(HolidayOverride)) or 0)


def test_import_replaces_the_years_in_the_file_and_leaves_the_others(
    db_session: Session, tmp_path: Path
) -> None:
    new_year_2028 = OverrideRow(2028, "元旦", "holiday", date(2027, 12, 31), date(2028, 1, 2))
    assert holidays.import_overrides(db_session, "admin", [new_year_2028]) == {2028: 1}
    assert holidays.import_overrides(db_session, "admin", schedule_2027(tmp_path)) == {2027: 13}
    national = OverrideRow(2027, "国庆节", "holiday", date(2027, 10, 1), date(2027, 10, 3))
    assert holidays.import_overrides(db_session, "admin2", [national]) == {2027: 1}
    assert holidays.overrides(db_session, [2027, 2028]) == [national, new_year_2028]
    assert _stored(db_session) == 2
    by = db_session.scalars(select(HolidayOverride.imported_by).order_by(HolidayOverride.year))
    assert list(by) == ["admin2", "admin"]


def test_invalid_rows_store_nothing(db_session: Session, tmp_path: Path) -> None:
    holidays.import_overrides(db_session, "admin", schedule_2027(tmp_path))
    clash = [
        OverrideRow(2027, "国庆节", "holiday", date(2027, 10, 1), date(2027, 10, 7)),
        OverrideRow(2027, "国庆节", "workday", date(2027, 10, 2), date(2027, 10, 2)),
    ]
    with pytest.raises(InvalidInput, match=r"第 2 条.*重叠"):
        holidays.import_overrides(db_session, "admin", clash)
    with pytest.raises(InvalidInput):
        holidays.import_overrides(db_session, "admin", [])
    assert _stored(db_session) == 13


def test_2027_works_from_the_imported_table(db_session: Session, tmp_path: Path) -> None:
    holidays.import_overrides(db_session, "admin", schedule_2027(tmp_path))
    cal = holidays.calendar(db_session, date(2027, 9, 1), date(2027, 10, 31))
    assert cal.source(2027) == "override" and cal.warnings == []
    assert not cal.is_workday(date(2027, 10, 1)) and cal.is_workday(date(2027, 9, 26))
    assert cal.next_workday_on_or_after(date(2027, 10, 2)) == date(2027, 10, 8)


def test_the_calendar_reads_the_next_years_december_new_year(db_session: Session) -> None:
    rows = [OverrideRow(2028, "元旦", "holiday", date(2027, 12, 31), date(2028, 1, 2))]
    holidays.import_overrides(db_session, "admin", rows)
    cal = holidays.calendar(db_session, date(2027, 12, 1), date(2027, 12, 31))
    assert not cal.is_workday(date(2027, 12, 31))  # a Friday, off under 2028's schedule
    assert cal.source(2027) == "weekends" and len(cal.warnings) == 1


def test_listing_marks_imported_rows_and_warns_for_a_missing_year(
    db_session: Session, tmp_path: Path
) -> None:
    holidays.import_overrides(db_session, "admin", schedule_2027(tmp_path))
    imported = holidays.year_listing(db_session, 2027)
    assert imported.source == "override" and imported.warnings == []
    assert {p.source for p in imported.periods} == {"override"} and len(imported.periods) == 7
    assert ("春节", date(2027, 2, 6)) in [(o.name, o.day) for o in imported.occasions]

    occasions, periods, source, warnings = holidays.year_listing(db_session, 2026)
    assert source == "chinesecalendar" and warnings == [] and len(occasions) == 7
    assert {p.source for p in periods} == {"chinesecalendar"}

    missing = holidays.year_listing(db_session, 2028)
    assert missing.source == "weekends" and missing.periods == []
    assert "2028 年法定节假日安排未导入" in missing.warnings[0]
