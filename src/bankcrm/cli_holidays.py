"""`bankcrm holidays list|import`: greeting days and the statutory holiday schedule per year."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from bankcrm.cli import CLI_ACTOR, app, audit_rule_change, console, err, fail
from bankcrm.errors import BankCrmError
from bankcrm.kit.holidays import SOURCE_LABELS

holidays_app = typer.Typer(help="节日问候日与法定节假日安排", no_args_is_help=True)
app.add_typer(holidays_app, name="holidays")
WEEKDAYS = "一二三四五六日"


def _this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year


@holidays_app.command("list")
def holidays_list(
    year: Annotated[
        int | None, typer.Option("--year", min=1900, max=2099, help="年份（默认今年）")
    ] = None,
) -> None:
    """列出一年的节日问候日和法定节假日（注明来自导入表还是 chinesecalendar）。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.maintenance import holidays

    year = _this_year() if year is None else year
    try:
        with unit_of_work() as session:
            listing = holidays.year_listing(session, year)
    except BankCrmError as exc:
        raise fail(exc.message) from None
    greet = Table(title=f"{year} 年节日问候日", caption="当天问候，遇周末不顺延")
    for h in ("节日", "日期", "星期"):
        greet.add_column(h)
    for o in listing.occasions:
        greet.add_row(o.name, o.day.isoformat(), f"周{WEEKDAYS[o.day.weekday()]}")
    console.print(greet)
    source = SOURCE_LABELS[listing.source]
    periods = Table(title=f"{year} 年法定节假日（来源：{source}）")
    for h in ("节日", "起", "止", "天数", "来源"):
        periods.add_column(h, justify="right" if h == "天数" else "left")
    for p in listing.periods:
        periods.add_row(
            p.name, p.first.isoformat(), p.last.isoformat(), str(p.days), SOURCE_LABELS[p.source]
        )
    if listing.periods:
        console.print(periods)
    else:
        console.print(f"{year} 年没有法定节假日安排：工作日按{source}（周一至周五上班）")
    for warning in listing.warnings:
        err.print(f"[bold yellow]提示：[/]{escape(warning)}")


@holidays_app.command("import")
def holidays_import(
    file: Annotated[Path, typer.Argument(help="CSV（year,name,kind,first_day,last_day）或 TOML")],
) -> None:
    """导入国务院办公厅通知的节假日安排；文件中每个年份整体替换该年已导入的安排。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.kit.holidays import parse_override_file
    from bankcrm.maintenance import holidays

    try:
        rows = parse_override_file(file)
        with unit_of_work() as session:
            counts = holidays.import_overrides(session, CLI_ACTOR, rows)
            audit_rule_change(
                session, "holiday_overrides", {"years": sorted(counts), "file": file.name}
            )
    except BankCrmError as exc:
        raise fail(exc.message) from None
    table = Table(title=f"已导入 {file.name}", caption="每个年份整体替换")
    table.add_column("年份")
    table.add_column("行数", justify="right")
    for year, n in counts.items():
        table.add_row(str(year), str(n))
    console.print(table)
