"""`bankcrm nightly` and `bankcrm tiers export`: the batch commands (registered on the main app)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bankcrm.analytics import lake as lakes
from bankcrm.cli import app, console, current_lake, err, fail, tiers_app
from bankcrm.errors import BankCrmError
from bankcrm.maintenance.schemas import KIND_LABELS

if TYPE_CHECKING:
    from bankcrm.analytics.jobs import NightlyRun

REASON_LABELS = {
    "initial": "新分配",
    "upgrade": "升层移交",
    "downgrade": "降层移交",
    "ineligible": "人员变动重分配",
}


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
    for i, d in enumerate(dates):
        run_nightly_date(lake, d, with_tasks=i == len(dates) - 1)


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


def run_nightly_date(lake: lakes.Lake, as_of: date, *, with_tasks: bool = True) -> None:
    """One date's nightly with a line per step, then the summary staff read. `with_tasks`:
    generate the task calendar too (a backfill does it for its last date only)."""
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
    _tier_rows(table, result)
    console.print(table)
    if maintenance_step(as_of, with_tasks) and with_tasks:
        _audit_retention()
    alerts_step(lake, as_of)
    retention_step(as_of)


def _audit_retention() -> None:
    """The audit log's retention (BANKCRM_AUDIT_RETENTION_DAYS): rows past it go, never younger
    ones; the purge itself is recorded. Once per nightly (a backfill: its last date)."""
    from bankcrm.config import get_settings
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import audit
    from bankcrm.security.actor import SYSTEM

    days = get_settings().audit_retention_days
    with unit_of_work() as session:
        n = audit.purge(session, SYSTEM, days)
    console.print(f"审计日志保留 {days:,} 天：清理 {n:,} 条过期记录")


def alerts_step(lake: lakes.Lake, as_of: date) -> None:
    """预警: the date's candidates into the inbox, then escalation, in their own transaction."""
    from bankcrm.alerts import jobs as alerts
    from bankcrm.db.session import unit_of_work

    try:
        with console.status(f"{as_of} · 事件预警…"), unit_of_work() as session:
            run = alerts.run(session, lake, as_of)
    except BankCrmError as exc:  # rolled back as a whole
        err.print(f"[yellow]事件预警未生成：{exc.message}[/]")
        return
    console.print(run.line())


def retention_step(as_of: date) -> None:
    """挽留工单: outcomes of the cases whose window ended, then the night's new cases (after
    the scores and owners), in their own transaction; one summary line."""
    from bankcrm.churn import jobs as retention
    from bankcrm.db.session import unit_of_work

    try:
        with console.status(f"{as_of} · 挽留工单…"), unit_of_work() as session:
            run = retention.run(session, as_of)
    except BankCrmError as exc:  # rolled back as a whole
        err.print(f"[yellow]挽留工单未生成：{exc.message}[/]")
        return
    console.print(run.line())


def maintenance_step(as_of: date, with_tasks: bool) -> bool:
    """Assignment, then the task calendar, in one transaction; the summary lines. False when
    it could not run (rolled back, the reason printed)."""
    import time

    from bankcrm.db.session import unit_of_work
    from bankcrm.maintenance import jobs as maintenance

    t0 = time.perf_counter()
    try:
        with console.status(f"{as_of} · 管户分配与任务日历…"), unit_of_work() as session:
            run = maintenance.run(session, as_of, with_tasks=with_tasks)
    except BankCrmError as exc:  # rolled back as a whole
        err.print(f"[yellow]管户与任务未生成：{exc.message}[/]")
        return False
    a = run.assignment
    moved = "，".join(f"{REASON_LABELS.get(k, k)} {v:,}" for k, v in sorted(a.changes.items()))
    console.print(
        f"管户（{a.policy}）：保持 {a.kept:,}；{moved or '无变更'}；"
        f"离职待分配 {a.leavers_queued:,}；无合适人员或容量已满 {a.unassigned:,}"
    )
    if run.tasks is not None:
        t = run.tasks
        kinds = "，".join(f"{KIND_LABELS.get(k, k)} {v:,}" for k, v in sorted(t.by_kind.items()))
        console.print(
            f"任务日历 {t.first}～{t.last}：{t.owners:,} 位管户人、{t.customers:,} 位客户，"
            f"{t.generated:,} 项（{kinds}）；撤销不再需要的 {t.removed:,} 项"
        )
        for w in t.warnings:
            err.print(f"[yellow]{w}[/]")
    console.print(f"管户与任务用时 {time.perf_counter() - t0:.1f}s")
    return True


def _tier_rows(table: Table, result: NightlyRun) -> None:
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
