"""Greeting days, birthdays (solar or lunar) and the statutory work calendar (issue 6).

Pure functions, no database. A year's work calendar comes from the schedule an admin imported
from the State Council's notice (国务院办公厅关于部分节假日安排的通知), else from `chinesecalendar`
(2004–2026 in 1.11), else from weekends alone with a warning: a missing year never stops the
task generator.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
from lunardate import LunarDate

from bankcrm.errors import InvalidInput

ONE_DAY = timedelta(days=1)
LUNAR_YEARS = range(1900, 2100)  # what lunardate knows
GREETINGS = (  # name, lunar?, month, day — due on the day itself, weekend or not
    ("元旦", False, 1, 1),
    ("春节", True, 1, 1),
    ("元宵", True, 1, 15),
    ("劳动节", False, 5, 1),
    ("端午", True, 5, 5),
    ("中秋", True, 8, 15),
    ("国庆", False, 10, 1),
)
_H = chinese_calendar.Holiday
HOLIDAY_NAMES: dict[str, str] = {  # chinesecalendar's names → the notice's
    _H.new_years_day.value: "元旦",
    _H.spring_festival.value: "春节",
    _H.tomb_sweeping_day.value: "清明节",
    _H.labour_day.value: "劳动节",
    _H.dragon_boat_festival.value: "端午节",
    _H.mid_autumn_festival.value: "中秋节",
    _H.national_day.value: "国庆节",
    _H.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}
_CC_HOLIDAYS: dict[date, str] = {
    d: HOLIDAY_NAMES.get(str(n), str(n)) for d, n in chinese_calendar.holidays.items()
}
_CC_WORKDAYS: dict[date, str] = {
    d: HOLIDAY_NAMES.get(str(n), str(n)) for d, n in chinese_calendar.workdays.items()
}
CC_YEARS = range(min(_CC_HOLIDAYS).year, max(_CC_HOLIDAYS).year + 1)
SOURCE_LABELS = {"override": "导入表", "chinesecalendar": "chinesecalendar", "weekends": "周末推算"}


@dataclass(frozen=True)
class Occasion:
    name: str
    day: date


@dataclass(frozen=True)
class Period:
    name: str
    first: date
    last: date
    source: str  # "chinesecalendar" | "override"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class OverrideRow:
    year: int  # the year of the notice; 元旦 and its 调休 may start in December before it
    name: str
    kind: str  # "holiday" | "workday"
    first: date
    last: date


@lru_cache(maxsize=1 << 16)  # the task generator asks per customer: few distinct dates
def _lunar(year: int, month: int, day: int) -> date:
    """The solar date of lunar (year, ordinary month, day); day 30 of a 29-day month → 29."""
    if year not in LUNAR_YEARS:
        raise InvalidInput(f"农历只支持 1900–2099 年，不支持 {year} 年", loc=("year",))
    try:
        solar: date = LunarDate(year, month, day).to_solar_date()
    except ValueError:  # this year's month has 29 days
        solar = LunarDate(year, month, day - 1).to_solar_date()
    return solar


_LUNAR_FIRST, _LUNAR_LAST = _lunar(1900, 1, 1), _lunar(2099, 12, 30)


def greetings(year: int) -> list[Occasion]:
    """The seven greeting days of `year` in date order (lunar ones from its lunar calendar)."""
    days = [
        Occasion(name, _lunar(year, m, d) if lunar else date(year, m, d))
        for name, lunar, m, d in GREETINGS
    ]
    return sorted(days, key=lambda o: o.day)


def birthday_in(year: int, birth: date, lunar: bool = False) -> date:
    """The birthday in solar `year`, or (lunar) in LUNAR year `year` — a 12th-month lunar
    birthday then falls in January/February of `year + 1`. 2月29日 → 2月28日 in common years; a
    leap-month birth counts as the ordinary month; lunar day 30 → 29 in a 29-day month."""
    if not lunar:
        if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 2, 28)
        return birth.replace(year=year)
    return _lunar(year, *_lunar_month_day(birth))


@lru_cache(maxsize=1 << 16)
def _lunar_month_day(birth: date) -> tuple[int, int]:
    """The lunar (month, day) of a solar date; a leap month counts as its ordinary month."""
    if not _LUNAR_FIRST <= birth <= _LUNAR_LAST:
        raise InvalidInput(f"农历生日只支持 {_LUNAR_FIRST}–{_LUNAR_LAST} 出生：{birth}")
    born = LunarDate.from_solar_date(birth.year, birth.month, birth.day)
    return int(born.month), int(born.day)


def birthdays_between(first: date, last: date, birth: date, lunar: bool = False) -> list[date]:
    """Every birthday after the birth date that falls in [first, last], in order."""
    if lunar:  # lunar year Y runs from late January Y to mid February Y+1
        years = range(max(first.year - 1, LUNAR_YEARS[0]), min(last.year, LUNAR_YEARS[-1]) + 1)
    else:
        years = range(first.year, last.year + 1)
    days = (birthday_in(y, birth, lunar) for y in years)
    return sorted(d for d in days if first <= d <= last and d > birth)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _rest_weekend(day: date) -> bool:
    return day.weekday() >= 5 and day not in _CC_WORKDAYS and day not in _CC_HOLIDAYS


def _cc_periods(year: int) -> list[Period]:
    """chinesecalendar's holiday days as periods. It sometimes lists only the weekdays of a
    period (2015 劳动节: 5月1日), so weekend rest days inside or next to a run belong to it."""
    window = _days(date(year - 1, 12, 1), date(year + 1, 1, 31))
    runs: list[tuple[str, date, date]] = []
    for day in (d for d in window if d in _CC_HOLIDAYS):
        name = _CC_HOLIDAYS[day]
        if runs and runs[-1][0] == name:
            gap = _days(runs[-1][2] + ONE_DAY, day - ONE_DAY)
            if all(_rest_weekend(g) for g in gap):
                runs[-1] = (name, runs[-1][1], day)
                continue
        runs.append((name, day, day))
    periods = []
    for name, first, last in runs:
        while _rest_weekend(first - ONE_DAY):
            first -= ONE_DAY
        while _rest_weekend(last + ONE_DAY):
            last += ONE_DAY
        if last.year == year:
            periods.append(Period(name, first, last, "chinesecalendar"))
    return periods


def missing_year_warning(year: int) -> str:
    covered = f"仅到 {CC_YEARS[-1]} 年" if year > CC_YEARS[-1] else f"自 {CC_YEARS[0]} 年起"
    return (
        f"{year} 年法定节假日安排未导入（chinesecalendar {covered}）：按周末计算工作日；"
        "请用 bankcrm holidays import 导入当年国务院办公厅通知"
    )


class WorkCalendar:
    """Work and rest days. Per year: the imported schedule if there is one (periods and 调休
    workdays), else chinesecalendar, else Monday–Friday with a warning in `warnings`. Years
    asked about later are added on first use; lookups are set and dict hits."""

    def __init__(self, years: Iterable[int], overrides: Sequence[OverrideRow] = ()) -> None:
        self.warnings: list[str] = []
        self._rows: dict[int, list[OverrideRow]] = defaultdict(list)
        for row in overrides:
            self._rows[row.year].append(row)
        self._sources: dict[int, str] = {}
        self._periods: dict[int, list[Period]] = {}
        self._adjusted: dict[int, list[Period]] = {}
        self._imported: dict[date, bool] = {}  # day → worked; wins over chinesecalendar
        self._library: dict[date, bool] = {}
        for year in sorted(set(years) | self._rows.keys()):
            self._load(year)

    def _load(self, year: int) -> None:
        if rows := self._rows.get(year):
            self._sources[year] = "override"
            for row in rows:
                self._imported.update(
                    dict.fromkeys(_days(row.first, row.last), row.kind == "workday")
                )
            ordered = sorted(rows, key=lambda r: r.first)
            self._periods[year] = [
                Period(r.name, r.first, r.last, "override") for r in ordered if r.kind == "holiday"
            ]
            self._adjusted[year] = [
                Period(r.name, r.first, r.last, "override") for r in ordered if r.kind == "workday"
            ]
        elif year in CC_YEARS:
            self._sources[year] = "chinesecalendar"
            self._library.update({d: False for d in _CC_HOLIDAYS if d.year == year})
            self._library.update({d: True for d in _CC_WORKDAYS if d.year == year})
            self._periods[year] = _cc_periods(year)
            self._adjusted[year] = [  # a December day worked for 元旦 belongs to next year's
                Period(name, d, d, "chinesecalendar")
                for d, name in sorted(_CC_WORKDAYS.items())
                if (d.year + 1 if d.month == 12 and name == "元旦" else d.year) == year
            ]
        else:
            self._sources[year] = "weekends"
            self._periods[year] = self._adjusted[year] = []
            self.warnings.append(missing_year_warning(year))

    def _year(self, year: int) -> None:
        if year not in self._sources:
            self._load(year)

    def is_workday(self, day: date) -> bool:
        self._year(day.year)
        worked = self._imported.get(day)
        if worked is None:
            worked = self._library.get(day)
        return day.weekday() < 5 if worked is None else worked

    def next_workday_on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def periods(self, year: int) -> list[Period]:
        """The statutory holiday periods of `year`'s schedule, in date order."""
        self._year(year)
        return list(self._periods[year])

    def adjusted_workdays(self, year: int) -> list[Period]:
        """The weekend days worked in lieu (调休上班) of `year`'s schedule."""
        self._year(year)
        return list(self._adjusted[year])

    def source(self, year: int) -> str:
        """Where `year`'s schedule comes from: "override", "chinesecalendar" or "weekends"."""
        self._year(year)
        return self._sources[year]


# --- the override file ----------------------------------------------------------------------

COLUMNS = ("year", "name", "kind", "first_day", "last_day")
KINDS = {"holiday": "holiday", "workday": "workday", "放假": "holiday", "上班": "workday"}
NAME_ALIASES = {
    "清明": "清明节",
    "五一": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
}
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")  # Excel writes 2027/1/1
_LONGEST_HOLIDAY = 31
OVERRIDE_YEARS = range(2000, 2100)


class _Bad(Exception):
    def __init__(self, field: str, value: object, why: str) -> None:
        super().__init__(why)
        self.field, self.value, self.why = field, value, why


def _problem(where: str, bad: _Bad) -> tuple[str, str, str]:
    return where, bad.field, f"{where}，{bad.field}={bad.value!r}：{bad.why}"


def parse_override_file(path: Path) -> list[OverrideRow]:
    """Read an imported holiday schedule: CSV (UTF-8 with or without BOM, or GB18030) with
    header year,name,kind,first_day,last_day — kind holiday|workday (放假|上班) — or TOML with
    [[holiday]] / [[workday]] tables of the same keys (kind from the table, year may be global).
    Every problem is reported with its line (or table), field, value and reason."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"找不到文件 {path}", loc=(path.name,)) from None
    except OSError as exc:
        raise InvalidInput(f"无法读取 {path}：{exc.strerror or exc}", loc=(path.name,)) from None
    text = _decode(raw, path)
    if not text.strip():
        raise InvalidInput(f"{path.name}：文件为空", loc=(path.name,))
    if path.suffix.lower() == ".toml":
        entries = _toml_entries(text, path)
    else:
        entries = _csv_entries(text, path)
    rows: list[OverrideRow] = []
    wheres: list[str] = []
    problems: list[tuple[str, str, str]] = []
    for where, cells in entries:
        try:
            rows.append(_row(cells))
            wheres.append(where)
        except _Bad as bad:
            problems.append(_problem(where, bad))
    problems += _row_problems(rows, wheres)
    _raise(path.name, problems)
    return rows


def check_overrides(rows: Sequence[OverrideRow], source: str = "节假日安排") -> None:
    """Raise InvalidInput naming every row that breaks the rules `parse_override_file` applies."""
    _raise(source, _row_problems(rows, [f"第 {i} 条" for i in range(1, len(rows) + 1)]))


def _raise(source: str, problems: list[tuple[str, str, str]]) -> None:
    if not problems:
        return
    where, field, _ = problems[0]
    shown = "\n".join(p[2] for p in problems[:20])
    more = f"\n……共 {len(problems)} 处" if len(problems) > 20 else ""
    head = f"{source} " if len(problems) == 1 else f"{source} 有 {len(problems)} 处错误：\n"
    raise InvalidInput(f"{head}{shown}{more}", loc=(source, where, field))


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(f"{path.name}：无法识别的编码（应为 UTF-8 或 GB18030）", loc=(path.name,))


def _csv_entries(text: str, path: Path) -> list[tuple[str, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    entries = []
    for cells in reader:
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue  # blank lines and # comments
        if header is None:
            header = [c.strip().lower() for c in cells]
            for column in COLUMNS:
                if column not in header:
                    raise InvalidInput(
                        f"{path.name} 第 {reader.line_num} 行：缺少列 {column}"
                        f"（表头应为 {','.join(COLUMNS)}）",
                        loc=(path.name, reader.line_num, column),
                    )
            continue
        values = dict(zip(header, (c.strip() for c in cells), strict=False))
        entries.append((f"第 {reader.line_num} 行", values))
    if not entries:
        raise InvalidInput(f"{path.name}：没有数据行", loc=(path.name,))
    return entries


def _toml_entries(text: str, path: Path) -> list[tuple[str, dict[str, str]]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path.name}：TOML 格式错误：{exc}", loc=(path.name,)) from None
    entries = []
    for kind in ("holiday", "workday"):
        tables: Any = doc.get(kind, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise InvalidInput(f"{path.name}：{kind} 应写成 [[{kind}]] 表", loc=(path.name, kind))
        for i, table in enumerate(tables, start=1):
            cells = {"year": doc.get("year", ""), **table, "kind": kind}
            values = {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in cells.items()}
            entries.append((f"第 {i} 个 [[{kind}]]", values))
    if not entries:
        raise InvalidInput(f"{path.name}：没有 [[holiday]] 或 [[workday]] 表", loc=(path.name,))
    return entries


def _cell(cells: dict[str, str], field: str) -> str:
    value = cells.get(field, "").strip()
    if not value:
        raise _Bad(field, value, "不能为空")
    return value


def _row(cells: dict[str, str]) -> OverrideRow:
    year = _cell(cells, "year")
    if not year.isdigit():
        raise _Bad("year", year, "应为四位年份")
    kind = KINDS.get(_cell(cells, "kind").lower())
    if kind is None:
        raise _Bad("kind", cells["kind"], "应为 holiday 或 workday（也可写 放假 / 上班）")
    name = _cell(cells, "name")
    first, last = _date(cells, "first_day"), _date(cells, "last_day")
    return OverrideRow(int(year), NAME_ALIASES.get(name, name), kind, first, last)


def _date(cells: dict[str, str], field: str) -> date:
    text = _cell(cells, field)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        raise _Bad(field, text, "不是有效日期（应为 YYYY-MM-DD）") from None


def _row_problems(rows: Sequence[OverrideRow], wheres: Sequence[str]) -> list[tuple[str, str, str]]:
    problems = []
    seen: dict[date, str] = {}
    for row, where in zip(rows, wheres, strict=True):
        try:
            _check(row)
        except _Bad as bad:
            problems.append(_problem(where, bad))
            continue
        clash = next((d for d in _days(row.first, row.last) if d in seen), None)
        if clash is not None:
            why = f"{clash} 与{seen[clash]}重叠"
            problems.append(_problem(where, _Bad("first_day", row.first.isoformat(), why)))
            continue
        seen.update(dict.fromkeys(_days(row.first, row.last), where))
    return problems


def _check(row: OverrideRow) -> None:
    if row.year not in OVERRIDE_YEARS:
        raise _Bad("year", row.year, "年份应在 2000–2099 之间")
    if row.kind not in ("holiday", "workday"):
        raise _Bad("kind", row.kind, "应为 holiday 或 workday")
    if not row.name or len(row.name) > 20:
        raise _Bad("name", row.name, "名称应为 1–20 个字")
    earliest = date(row.year - 1, 12, 1)
    for field, day in (("first_day", row.first), ("last_day", row.last)):
        if not earliest <= day <= date(row.year, 12, 31):
            why = f"不在 {row.year} 年内（上一年 12 月的元旦安排除外）"
            raise _Bad(field, day.isoformat(), why)
    if row.last < row.first:
        raise _Bad("last_day", row.last.isoformat(), f"早于 first_day {row.first}")
    if row.kind == "holiday" and (row.last - row.first).days >= _LONGEST_HOLIDAY:
        raise _Bad("last_day", row.last.isoformat(), f"假期超过 {_LONGEST_HOLIDAY} 天，请检查")
    if row.kind == "workday":
        weekday = next((d for d in _days(row.first, row.last) if d.weekday() < 5), None)
        if weekday is not None:
            raise _Bad(
                "first_day", row.first.isoformat(), f"调休上班日应为周末，{weekday} 是工作日"
            )
