"""Greeting days, birthdays, the work calendar and the holiday-schedule file (issue 6).

Expected dates are entered by hand from published calendars, not computed by the code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bankcrm.errors import InvalidInput
from bankcrm.kit.holidays import (
    OverrideRow,
    WorkCalendar,
    birthday_in,
    birthdays_between,
    greetings,
    parse_override_file,
)

# A TEST schedule for 2027, made up in the shape of the State Council's notice — not the
# official 2027 arrangement (unpublished when this was written).
SCHEDULE_2027_CSV = """\
# 测试用 2027 年安排（虚构，非国务院通知）
year,name,kind,first_day,last_day
2027,元旦,holiday,2027-01-01,2027-01-03
2027,春节,holiday,2027-02-05,2027-02-11
2027,春节,workday,2027-01-31,2027-01-31
2027,春节,workday,2027-02-20,2027-02-20
2027,清明节,holiday,2027-04-03,2027-04-05
2027,劳动节,holiday,2027-05-01,2027-05-05
2027,劳动节,workday,2027-04-25,2027-04-25
2027,劳动节,workday,2027-05-08,2027-05-08
2027,端午节,holiday,2027-06-09,2027-06-09
2027,中秋节,holiday,2027-09-15,2027-09-15
2027,国庆节,holiday,2027-10-01,2027-10-07
2027,国庆节,workday,2027-09-26,2027-09-26
2027,国庆节,workday,2027-10-09,2027-10-09
"""
HEADER = "year,name,kind,first_day,last_day\n"
STATUTORY = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
GOOD_ROW = "2027,元旦,holiday,2027-01-01,2027-01-03\n"


def schedule_2027(tmp_path: Path) -> list[OverrideRow]:
    path = tmp_path / "h2027.csv"
    path.write_text(SCHEDULE_2027_CSV, encoding="utf-8")
    return parse_override_file(path)


@pytest.mark.parametrize(
    ("year", "spring", "lantern", "dragon_boat", "mid_autumn"),
    [
        (2025, date(2025, 1, 29), date(2025, 2, 12), date(2025, 5, 31), date(2025, 10, 6)),
        (2026, date(2026, 2, 17), date(2026, 3, 3), date(2026, 6, 19), date(2026, 9, 25)),
        (2027, date(2027, 2, 6), date(2027, 2, 20), date(2027, 6, 9), date(2027, 9, 15)),
    ],
)
def test_greeting_days_are_on_the_festival_itself(
    year: int, spring: date, lantern: date, dragon_boat: date, mid_autumn: date
) -> None:
    expected = [
        ("元旦", date(year, 1, 1)),
        ("春节", spring),
        ("元宵", lantern),
        ("劳动节", date(year, 5, 1)),
        ("端午", dragon_boat),
        ("中秋", mid_autumn),
        ("国庆", date(year, 10, 1)),
    ]
    # in date order: 2025's 中秋 (10月6日) comes after 国庆
    assert [(o.name, o.day) for o in greetings(year)] == sorted(expected, key=lambda e: e[1])


def test_solar_birthdays_and_feb_29() -> None:
    assert birthday_in(2026, date(1980, 7, 15)) == date(2026, 7, 15)
    assert birthday_in(2026, date(2000, 2, 29)) == date(2026, 2, 28)
    assert birthday_in(2028, date(2000, 2, 29)) == date(2028, 2, 29)


def test_lunar_day_30_falls_back_to_29_in_a_short_month() -> None:
    # 2020-05-22 is 四月三十 (2020's 4th month has 30 days); 2026's 4th month has 29, 2027's 30
    assert birthday_in(2026, date(2020, 5, 22), lunar=True) == date(2026, 6, 14)  # 四月廿九
    assert birthday_in(2027, date(2020, 5, 22), lunar=True) == date(2027, 6, 4)  # 四月三十


def test_a_leap_month_birth_counts_as_the_ordinary_month() -> None:
    # 2020 had 闰四月 (2020-05-23 … 2020-06-20); 2020-06-01 is 闰四月初十
    assert birthday_in(2026, date(2020, 6, 1), lunar=True) == date(2026, 5, 26)  # 四月初十
    assert birthday_in(2020, date(2020, 6, 1), lunar=True) == date(2020, 5, 2)  # before birth
    assert birthdays_between(date(2020, 1, 1), date(2020, 12, 31), date(2020, 6, 1), True) == []


def test_a_12th_month_lunar_birthday_is_found_in_the_next_solar_year() -> None:
    born = date(2001, 1, 14)  # 2000 年腊月二十
    assert birthday_in(2025, born, lunar=True) == date(2026, 2, 7)  # lunar year 2025
    year_2026 = birthdays_between(date(2026, 1, 1), date(2026, 12, 31), born, lunar=True)
    assert year_2026 == [date(2026, 2, 7)]  # lunar 2026's 腊月二十 is 2027-01-27
    assert birthdays_between(date(2026, 12, 1), date(2027, 1, 31), born, lunar=True) == [
        date(2027, 1, 27)
    ]


def test_solar_birthdays_between_skip_the_birth_day_itself() -> None:
    born = date(2026, 3, 1)
    assert birthdays_between(date(2025, 1, 1), date(2027, 12, 31), born) == [date(2027, 3, 1)]


def test_2026_comes_from_chinesecalendar_with_its_adjusted_workdays() -> None:
    cal = WorkCalendar([2026], [])
    assert cal.source(2026) == "chinesecalendar" and cal.warnings == []
    assert cal.is_workday(date(2026, 2, 28))  # Saturday worked in lieu (春节调休)
    assert not cal.is_workday(date(2026, 2, 16)) and not cal.is_workday(date(2026, 10, 1))
    assert cal.next_workday_on_or_after(date(2026, 10, 1)) == date(2026, 10, 8)
    national = [p for p in cal.periods(2026) if p.name == "国庆节"]
    assert [(p.first, p.last, p.days, p.source) for p in national] == [
        (date(2026, 10, 1), date(2026, 10, 7), 7, "chinesecalendar")
    ]
    assert [p.name for p in cal.periods(2026)] == STATUTORY


def test_library_periods_include_the_weekend_they_run_into() -> None:
    cal = WorkCalendar([2015, 2019])
    labour = next(p for p in cal.periods(2015) if p.name == "劳动节")
    assert (labour.first, labour.last) == (date(2015, 5, 1), date(2015, 5, 3))  # 与周末连休
    new_year = cal.periods(2019)[0]  # 2018-12-30 至 2019-01-01, announced for 2019
    assert (new_year.name, new_year.first, new_year.last) == (
        "元旦",
        date(2018, 12, 30),
        date(2019, 1, 1),
    )


def test_2027_without_a_schedule_falls_back_to_weekends_with_a_warning() -> None:
    cal = WorkCalendar([2026, 2027])
    assert cal.source(2027) == "weekends" and cal.periods(2027) == []
    assert len(cal.warnings) == 1
    assert "2027 年法定节假日安排未导入" in cal.warnings[0]
    assert "bankcrm holidays import" in cal.warnings[0]
    assert cal.is_workday(date(2027, 10, 1))  # a Friday: no schedule, so a workday
    assert not cal.is_workday(date(2027, 10, 2))
    assert cal.next_workday_on_or_after(date(2027, 10, 2)) == date(2027, 10, 4)


def test_a_year_asked_about_later_is_added_without_crashing() -> None:
    cal = WorkCalendar([2026])
    assert cal.next_workday_on_or_after(date(2026, 12, 31)) == date(2026, 12, 31)
    assert cal.next_workday_on_or_after(date(2027, 1, 2)) == date(2027, 1, 4)
    assert cal.source(2027) == "weekends" and "2027" in cal.warnings[0]


def test_2027_with_an_imported_schedule_uses_it(tmp_path: Path) -> None:
    cal = WorkCalendar([2026, 2027], schedule_2027(tmp_path))
    assert cal.source(2027) == "override" and cal.source(2026) == "chinesecalendar"
    assert cal.warnings == []
    assert not cal.is_workday(date(2027, 10, 1)) and not cal.is_workday(date(2027, 2, 8))
    assert cal.is_workday(date(2027, 9, 26))  # a Sunday worked in lieu
    assert cal.next_workday_on_or_after(date(2027, 10, 1)) == date(2027, 10, 8)
    periods = cal.periods(2027)
    assert [p.name for p in periods] == STATUTORY
    assert {p.source for p in periods} == {"override"}
    assert (periods[1].first, periods[1].last, periods[1].days) == (
        date(2027, 2, 5),
        date(2027, 2, 11),
        7,
    )
    assert [p.first for p in cal.adjusted_workdays(2027)][:2] == [
        date(2027, 1, 31),
        date(2027, 2, 20),
    ]


def test_an_imported_year_replaces_chinesecalendar_for_that_year() -> None:
    only = [OverrideRow(2026, "国庆节", "holiday", date(2026, 10, 1), date(2026, 10, 3))]
    cal = WorkCalendar([2026], only)
    assert cal.source(2026) == "override"
    assert cal.is_workday(date(2026, 2, 16))  # the library's 春节 no longer applies
    assert cal.is_workday(date(2026, 10, 5)) and not cal.is_workday(date(2026, 10, 2))


def test_new_year_of_the_next_schedule_may_start_in_december(tmp_path: Path) -> None:
    path = tmp_path / "h2028.csv"
    path.write_text(HEADER + "2028,元旦,放假,2027-12-31,2028-01-02\n", encoding="utf-8")
    rows = parse_override_file(path)
    assert rows == [OverrideRow(2028, "元旦", "holiday", date(2027, 12, 31), date(2028, 1, 2))]
    cal = WorkCalendar([2027], rows)
    assert not cal.is_workday(date(2027, 12, 31))  # Friday, off under the 2028 schedule
    assert cal.periods(2028)[0].first == date(2027, 12, 31)


def test_the_file_may_be_gb18030_bom_utf8_chinese_kinds_excel_dates_or_toml(
    tmp_path: Path,
) -> None:
    expected = [
        OverrideRow(2027, "国庆节", "holiday", date(2027, 10, 1), date(2027, 10, 7)),
        OverrideRow(2027, "国庆节", "workday", date(2027, 9, 26), date(2027, 9, 26)),
    ]
    text = HEADER + "2027,国庆,放假,2027/10/1,2027/10/7\n2027,国庆节,上班,2027-09-26,2027-09-26\n"
    gb = tmp_path / "gb.csv"
    gb.write_bytes(text.encode("gb18030"))
    bom = tmp_path / "bom.csv"
    bom.write_bytes(text.encode("utf-8-sig"))
    toml = tmp_path / "h.toml"
    toml.write_text(
        'year = 2027\n[[holiday]]\nname = "国庆节"\nfirst_day = 2027-10-01\n'
        'last_day = 2027-10-07\n[[workday]]\nname = "国庆节"\nfirst_day = "2027-09-26"\n'
        'last_day = "2027-09-26"\n',
        encoding="utf-8",
    )
    assert parse_override_file(gb) == parse_override_file(bom) == expected
    assert parse_override_file(toml) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            HEADER + GOOD_ROW + "2027,国庆节,holiday,2027-10-32,2027-10-07\n",
            ["第 3 行", "first_day", "2027-10-32", "不是有效日期"],
        ),
        (
            HEADER + GOOD_ROW + "2027,国庆节,holiday,2027-10-07,2027-10-01\n",
            ["第 3 行", "last_day", "2027-10-01", "早于 first_day"],
        ),
        (
            HEADER + GOOD_ROW + "2027,国庆节,holiday,2026-10-01,2026-10-07\n",
            ["第 3 行", "first_day", "2026-10-01", "不在 2027 年内"],
        ),
        (
            HEADER + GOOD_ROW + "2027,国庆节,rest,2027-10-01,2027-10-07\n",
            ["第 3 行", "kind", "'rest'", "应为 holiday 或 workday"],
        ),
        (
            HEADER + GOOD_ROW + "27,国庆节,holiday,2027-10-01,2027-10-07\n",
            ["第 3 行", "year", "年份应在"],
        ),
        (
            HEADER + GOOD_ROW + "2027,,holiday,2027-10-01,2027-10-07\n",
            ["第 3 行", "name", "不能为空"],
        ),
        (
            HEADER + GOOD_ROW + "2027,元旦,workday,2027-01-02,2027-01-02\n",
            ["第 3 行", "first_day", "2027-01-02", "重叠", "第 2 行"],
        ),
        (
            HEADER + GOOD_ROW + "2027,国庆节,workday,2027-10-08,2027-10-08\n",
            ["第 3 行", "first_day", "调休上班日应为周末"],
        ),
        ("year,name,kind,first_day\n" + GOOD_ROW, ["第 1 行", "缺少列 last_day"]),
        ("", ["文件为空"]),
        (HEADER, ["没有数据行"]),
    ],
)
def test_bad_files_say_file_line_field_value_and_why(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    path = tmp_path / "h2027.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        parse_override_file(path)
    message = caught.value.message
    assert message.startswith("h2027.csv")
    for part in expected:
        assert part in message, message


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        HEADER + "2027,春节,holiday,2027-02-30,2027-02-11\n2027,国庆节,off,2027-10-01,2027-10-07\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        parse_override_file(path)
    message = caught.value.message
    assert "2 处错误" in message and "第 2 行，first_day" in message and "第 3 行，kind" in message
    assert caught.value.loc == ("h.csv", "第 2 行", "first_day")


def test_lunar_years_lunardate_lacks_are_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match="1900–2099"):
        birthday_in(2100, date(1980, 5, 1), lunar=True)
    with pytest.raises(InvalidInput, match="1900–2099"):
        greetings(2100)
