"""`bankcrm nightly` and `bankcrm tiers export`: the batch commands (registered on the main app)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankcrm.analytics import lake as lakes
from bankcrm.cli import app, console, current_lake, err, fail, tiers_app
from bankcrm.errors import BankCrmError


@app.command("nightly")
def nightly_cmd(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="批处理日期（默认数据湖最新日期）")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="回溯起始日期（逐个月末）")] = None,
    end: Annotated[str | None, typer.Option("--to", help="回溯结束日期")] = None,
) -> None:
    """夜间批处理：AUM、月日均、持有产品、行为特征、分层，并发布到运营库。"""

    lake = current_lake()
    if as_of is not None and (start or end):
        raise fail("--as-of 与 --from/--to 不能同时使用")
    if bool(start) != bool(end):
        raise fail("回溯需要同时给出 --from 和 --to")
    try:
        dates = _nightly_dates(lake, as_of, start, end)
    except ValueError as exc:
        raise fail(str(exc)) from None
    for d in dates:
        run_nightly_date(lake, d)


def _nightly_dates(
    lake: lakes.Lake, as_of: str | None, start: str | None, end: str | None
) -> list[date]:
    from bankcrm.analytics import jobs, nightly

    if start and end:
        d1, d2 = _date(start, "--from"), _date(end, "--to")
        if d1 > d2:
            raise ValueError(f"--from {d1} 晚于 --to {d2}")
        dates = jobs.month_ends(d1, d2)
        if not dates:
            raise ValueError(f"{d1} 至 {d2} 之间没有月末")
        return dates
    return [_date(as_of, "--as-of") if as_of else nightly.latest_extract(lake)]


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} 日期格式应为 YYYY-MM-DD：{text!r}") from None


def run_nightly_date(lake: lakes.Lake, as_of: date) -> None:
    """One date's nightly with a line per step, then the summary staff read."""
    from bankcrm.analytics import jobs

    console.rule(f"夜间批处理 {as_of}")
    with console.status("") as status:
        try:
            result = jobs.run_nightly(
                as_of, lake=lake, progress=lambda step: status.update(f"{as_of} · {step}…")
            )
        except (ValueError, BankCrmError) as exc:
            raise fail(str(exc), code=1) from None
    steps = "，".join(f"{k} {v:.1f}s" for k, v in result.outcome.steps.items())
    console.print(f"{result.outcome.customers:,} 位客户；{steps}")
    if not result.published.counts:
        err.print(
            f"[yellow]注意：{as_of} 没有生效的分层规则集，未分层。"
            "请运行 bankcrm db upgrade 安装预置规则集，或 bankcrm tiers rules import 导入。[/]"
        )
        return
    table = Table(title=f"{as_of} 各层客户数")
    for h in ("规则集", "层级", "客户数", "升层", "降层", "新分层"):
        table.add_column(h, justify="left" if h in ("规则集", "层级") else "right")
    for rs, counts in result.published.counts.items():
        moves = result.published.moves.get(rs, {})
        for i, (tier, n) in enumerate(counts.items()):
            first = i == 0
            table.add_row(
                rs if first else "",
                tier,
                f"{n:,}",
                f"{moves.get('up', 0):,}" if first else "",
                f"{moves.get('down', 0):,}" if first else "",
                f"{moves.get('new', 0):,}" if first else "",
            )
    console.print(table)


@tiers_app.command("export")
def tiers_export(
    out: Annotated[Path, typer.Option("--out", help="输出文件 .csv / .parquet / .xlsx")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="日期（默认最近一次批处理）")] = None,
    rule_set: Annotated[str | None, typer.Option("--rule-set", help="只导出该规则集")] = None,
) -> None:
    """导出分层名单：每位客户一行（客户号、规则集、层级、口径金额、AUM、原因）。"""
    from bankcrm.tiering import export

    try:
        on = _date(as_of, "--as-of") if as_of else None
        table = export.tier_list(current_lake(), on, rule_set)
        export.write(table, out)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except BankCrmError as exc:
        raise fail(exc.message) from None
    console.print(f"已导出 {table.num_rows:,} 行到 {out}")
