"""The `bankcrm` command line (Typer). Long steps show Rich progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bankcrm.analytics import lake as lakes
from bankcrm.config import get_settings
from bankcrm.errors import BankCrmError
from bankcrm.kit.money import fen_to_wan, yuan_to_fen

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bankcrm.demo.generator import DemoResult
    from bankcrm.security.actor import Actor
    from bankcrm.tiering.service import RuleSetVersion

app = typer.Typer(help="bankcrm — 个人客户分层维护与流失预警系统", no_args_is_help=True)
db_app = typer.Typer(help="运营数据库", no_args_is_help=True)
lake_app = typer.Typer(help="数据湖", no_args_is_help=True)
demo_app = typer.Typer(help="演示银行（合成数据）", no_args_is_help=True)
tiers_app = typer.Typer(help="客户分层", no_args_is_help=True)
rules_app = typer.Typer(help="分层规则集（按版本保存）", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(lake_app, name="lake")
app.add_typer(demo_app, name="demo")
app.add_typer(tiers_app, name="tiers")
tiers_app.add_typer(rules_app, name="rules")
console = Console()
err = Console(stderr=True)


class Encoding(StrEnum):
    utf8 = "utf-8"
    gb18030 = "gb18030"


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback (label, done, total) drawn as one Rich bar per label."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=max(total, 1))
            bar.update(tasks[label], completed=done, total=max(total, 1))

        yield update


CLI_ACTOR = (
    "cli"  # recorded as the author of changes made from the command line (until users exist)
)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]错误：[/]{escape(message)}")  # a message may hold [brackets]
    return typer.Exit(code)


def current_lake() -> lakes.Lake:
    return lakes.Lake(get_settings().lake_path)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """创建或迁移 BANKCRM_DATABASE_URL 指定的运营数据库。"""
    from bankcrm.alerts import service as alerts
    from bankcrm.db import migrate
    from bankcrm.db.session import get_engine, unit_of_work
    from bankcrm.maintenance import policies
    from bankcrm.tiering import service as tiering

    engine = get_engine()
    migrate.upgrade(engine, revision)
    console.print(f"数据库已迁移到 {migrate.current_revision(engine)}：{engine.url!r}")
    if revision == "head":
        with unit_of_work(engine) as session:
            for rs in tiering.install_presets(session, CLI_ACTOR):
                console.print(f"已安装预置分层规则集 {rs.spec.name}（{rs.spec.title}）")
            for p in policies.install_presets(session, CLI_ACTOR):
                console.print(f"已安装预置维护方案 {p.spec.name}（{p.spec.title}）")
            for a in alerts.install_presets(session, CLI_ACTOR):
                console.print(f"已安装预置预警规则 {a.spec.name}（{a.spec.title}）")


@app.command("ingest")
def ingest(
    drop: Annotated[Path, typer.Argument(help="一个批次目录（每张表一个文件）")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="数据日期 YYYY-MM-DD")] = None,
    encoding: Annotated[Encoding | None, typer.Option(help="CSV 编码")] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV 分隔符：, 或 |（默认从表头识别）")
    ] = None,
    quarantine: Annotated[bool, typer.Option(help="合格行落地，不合格行隔离到报告旁")] = False,
) -> None:
    """校验一个批次并写入数据湖；有错误时（默认）整批拒收，数据湖不变。"""
    from bankcrm.analytics.ingest import ingest_drop
    from bankcrm.analytics.ingest.report import render

    settings = get_settings()
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of 应为 YYYY-MM-DD：{as_of}") from None
    try:
        with progress_bar() as bar:
            report = ingest_drop(
                drop,
                current_lake(),
                as_of=day,
                encoding=encoding.value if encoding else None,
                delimiter=delimiter,
                quarantine=quarantine,
                threads=settings.ingest_threads,
                memory_limit=settings.ingest_memory_limit,
                detail_limit=settings.report_detail_limit,
                progress=bar,
            )
    except BankCrmError as exc:
        raise fail(exc.message) from None
    render(report, console)
    where = current_lake().report_dir(report.as_of) / report.run_id
    console.print(f"报告：{where}.json / .xlsx （用时 {report.seconds:.1f} 秒）")
    if report.status == "rejected":
        raise fail(f"批次被拒收：{report.errors:,} 个问题，数据湖未改动。", code=1)


@lake_app.command("ls")
def lake_ls() -> None:
    """数据湖里有什么：每张表、每个数据日期的行数。"""
    rows = lakes.listing(current_lake())
    if not rows:
        console.print(f"数据湖为空：{current_lake().root}")
        return
    table = Table(title=f"数据湖 {current_lake().root}")
    for h in ("表", "数据日期", "行数", "文件", "大小"):
        table.add_column(h, justify="right" if h in ("行数", "文件", "大小") else "left")
    for r in rows:
        table.add_row(r.table, r.as_of.isoformat(), f"{r.rows:,}", str(r.files), _size(r.bytes))
    console.print(table)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@demo_app.command("build")
def demo_build(
    out: Annotated[Path, typer.Option(help="输出目录：每个批次一个子目录")] = Path("var/demo"),
    customers: Annotated[int, typer.Option(min=1, help="客户数")] = 20_000,
    months: Annotated[int, typer.Option(min=1, max=36, help="历史月数")] = 13,
    seed: Annotated[int, typer.Option(help="随机种子（同一种子生成完全相同的数据）")] = 20261123,
    fmt: Annotated[Format, typer.Option("--format", help="文件格式")] = Format.csv,
    daily_tail: Annotated[int, typer.Option(min=0, help="首批之后再生成 K 个日批次")] = 0,
) -> None:
    """生成合成演示银行的抽数批次（可复现）。"""
    result = _build(out, customers, months, seed, fmt, daily_tail)
    for drop in result.drops:
        console.print(f"批次：{drop}")


def _build(
    out: Path, customers: int, months: int, seed: int, fmt: Format, daily_tail: int
) -> DemoResult:
    from bankcrm.demo.generator import DemoSpec, build_demo

    spec = DemoSpec(
        customers=customers, months=months, seed=seed, daily_tail=daily_tail, fmt=fmt.value
    )
    with progress_bar() as bar:
        result = build_demo(spec, out, progress=bar)
    table = Table(
        title=f"演示银行：{customers:,} 位客户 × {months} 个月（种子 {seed}，用时 {result.seconds:.1f} 秒）"
    )
    table.add_column("表")
    table.add_column("行数", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    return result


@demo_app.command("run")
def demo_run(
    customers: Annotated[int, typer.Option(min=1, help="客户数")] = 20_000,
    months: Annotated[int, typer.Option(min=1, max=36, help="历史月数")] = 13,
    seed: Annotated[int, typer.Option(help="随机种子")] = 20261123,
    out: Annotated[Path, typer.Option(help="批次目录")] = Path("var/demo"),
    daily_tail: Annotated[int, typer.Option(min=0, help="首批之后再生成并导入 K 个日批次")] = 0,
) -> None:
    """生成演示银行、逐批写入数据湖并打印概要（make demo 调用）。"""
    from bankcrm.analytics.bands import aum_bands
    from bankcrm.analytics.ingest import ingest_drop
    from bankcrm.analytics.ingest.report import render

    result = _build(out, customers, months, seed, Format.csv, daily_tail)
    lake = current_lake()
    settings = get_settings()
    for drop in result.drops:
        with progress_bar() as bar:
            report = ingest_drop(
                drop,
                lake,
                threads=settings.ingest_threads,
                memory_limit=settings.ingest_memory_limit,
                progress=bar,
            )
        render(report, console)
        if report.status != "landed":
            raise fail(f"演示批次 {drop} 未能落地：{report.errors:,} 个问题", code=1)
    last = max(r.as_of for r in lakes.listing(lake))
    bands = Table(title=f"{last} 客户资产分层（时点 AUM）")
    for h in ("资产段", "客户数", "占比", "AUM（万元）"):
        bands.add_column(h, justify="left" if h == "资产段" else "right")
    for band in aum_bands(lake, last):
        bands.add_row(
            band.name,
            f"{band.customers:,}",
            f"{band.share:.1%}",
            f"{fen_to_wan(yuan_to_fen(band.aum)):,}",
        )
    console.print(bands)
    lake_ls()
    # the nightly over the demo's history (month ends), then each daily drop after it
    from bankcrm.analytics import jobs, nightly
    from bankcrm.analytics.marts.common import add_months
    from bankcrm.cli_batch import run_nightly_date

    db_upgrade()  # the schema and the preset rule sets the nightly tiers under
    first_drop = nightly.latest_extract(lake) if not result.drops else _drop_date(result.drops[0])
    history_start = add_months(first_drop.replace(day=1), -(months - 1))
    dates = jobs.month_ends(history_start, first_drop)
    dates += [_drop_date(d) for d in result.drops[1:]]
    # task calendars a month before the end too, so the demo has a maintenance past
    past = [d for d in dates if d < add_months(dates[-1].replace(day=1), -1)][-1:]
    # a first churn model four months before the end, so its cases have outcomes by the end
    # (the 3-month window), then the monthly retrain on the whole history
    first_model = [d for d in dates if d < add_months(dates[-1].replace(day=1), -3)][-1:]
    from bankcrm.cli_churn import demo_churn

    for d in dates:
        run_nightly_date(lake, d, with_tasks=d == dates[-1] or d in past)
        if d in first_model:
            demo_churn(lake, d)
    demo_churn(lake, dates[-1])
    _demo_activity(dates[-1], seed)
    _demo_logins()


def _demo_activity(until: date, seed: int) -> None:
    from bankcrm.db.session import unit_of_work
    from bankcrm.demo import activity

    with unit_of_work() as session:
        profiled, plans = activity.profiles(session, seed)
        done = activity.simulate(session, until, seed)
    console.print(
        f"演示建档：{profiled:,} 位客户补充了产品偏好，{plans:,} 位 100万+ 客户有服务方案"
    )
    console.print(
        f"演示维护记录：{done.contacts:,} 条联系、{done.messages:,} 次产品信息群发；"
        f"按时完成 {done.on_time:,} 项，逾期完成 {done.late:,} 项，未完成 {done.missed:,} 项"
    )


def _demo_logins() -> None:
    """Users from HR and one random-password login per role."""
    from bankcrm.db.session import unit_of_work
    from bankcrm.demo import logins

    with unit_of_work() as session:
        made = logins.create(session, get_settings())
    table = Table(title="演示账户（口令为本次构建随机生成，仅显示这一次）")
    for h in ("角色", "用户名", "口令", "姓名", "机构"):
        table.add_column(h)
    for lg in made:
        table.add_row(lg.label, lg.username, lg.password, lg.display_name, lg.org_id)
    console.print(table)
    out = Path("var/demo-logins.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600, exist_ok=True)
    out.chmod(0o600)
    out.write_text(
        "".join(f"{lg.label}\t{lg.username}\t{lg.password}\n" for lg in made), encoding="utf-8"
    )
    console.print(f"（同样写入 {out}，仅本机用户可读）")


def _drop_date(folder: Path) -> date:
    return date.fromisoformat(folder.name)


def _beijing(moment: datetime) -> datetime:
    """Stored UTC (SQLite hands it back without a zone) → the wall clock staff read."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo("Asia/Shanghai"))


@rules_app.command("list")
def rules_list() -> None:
    """列出规则集（每个规则集的最新版本）。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.tiering import service as tiering

    with unit_of_work() as session:
        rule_sets = tiering.list_rule_sets(session)
    if not rule_sets:
        console.print("还没有规则集：请先运行 bankcrm db upgrade（安装预置规则集）")
        return
    table = Table(title="分层规则集（最新版本；标题见 show）")
    for h in ("名称", "层级", "依据", "版本", "生效日期"):
        table.add_column(h, no_wrap=h != "层级", overflow="fold")
    for rs in rule_sets:
        table.add_row(
            rs.spec.name,
            "·".join(rs.spec.tier_names()),
            rs.spec.basis.value,
            f"{rs.version}/{rs.versions}",
            rs.spec.effective_from.isoformat(),
        )
    console.print(table)


def _rule_set(name: str, version: int | None) -> RuleSetVersion:
    from bankcrm.db.session import unit_of_work
    from bankcrm.tiering import service as tiering

    try:
        with unit_of_work() as session:
            return tiering.get(session, name, version)
    except BankCrmError as exc:
        raise fail(exc.message) from None


@rules_app.command("show")
def rules_show(
    name: Annotated[str, typer.Argument(help="规则集名称")],
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
) -> None:
    """显示一个规则集版本（TOML，与导入格式相同）。"""
    rs = _rule_set(name, version)
    when = _beijing(rs.created_at)
    console.print(
        f"# {rs.spec.name} 第 {rs.version} 版，{rs.created_by} 于 {when:%Y-%m-%d %H:%M} 保存"
    )
    console.print(rs.spec.to_toml(), markup=False, highlight=False)


@rules_app.command("import")
def rules_import(file: Annotated[Path, typer.Argument(help="规则集 TOML 文件")]) -> None:
    """导入规则集：内容有变化时保存为新版本，否则不变。"""
    from bankcrm.tiering import service as tiering

    import_versioned(
        file,
        "rule_set",
        lambda session, text: tiering.import_toml(session, CLI_ACTOR, text, file.name),
    )


@rules_app.command("export")
def rules_export(
    name: Annotated[str, typer.Argument(help="规则集名称")],
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
    out: Annotated[Path | None, typer.Option(help="写入文件（默认打印）")] = None,
) -> None:
    """导出规则集为 TOML（可编辑后再导入，成为新版本）。"""
    print_or_write(_rule_set(name, version).spec.to_toml(), out)


def import_versioned(
    file: Path, kind: str, save: Callable[[Session, str], tuple[Any, bool]]
) -> None:
    """A versioned TOML import (a tier rule set, a maintenance policy): read `file`, `save` its
    text as the next version in one transaction — audited as a rule change when it made one —
    and say which version it is."""
    from bankcrm.db.session import unit_of_work

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"无法读取 {file}：{exc}") from None
    try:
        with unit_of_work() as session:
            saved, created = save(session, text)
            if created:
                audit_rule_change(
                    session,
                    f"{kind}:{saved.spec.name}",
                    {"version": saved.version, "file": file.name},
                )
    except BankCrmError as exc:
        raise fail(exc.message) from None
    name, version = saved.spec.name, saved.version
    if created:
        console.print(f"已保存 {name} 第 {version} 版（自 {saved.spec.effective_from} 起生效）")
    else:
        console.print(f"{name} 与第 {version} 版相同，未产生新版本")


def print_or_write(text: str, out: Path | None) -> None:
    """An export: printed as is, or written to `out`."""
    if out is None:
        console.print(text, markup=False, highlight=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"已写出 {out}")


def console_actor() -> Actor:
    """Commands run as the operating-system user at the console (recorded in the audit log)."""
    import getpass

    from bankcrm.security.actor import Actor

    return Actor(
        user_id=None,
        username=f"cli:{getpass.getuser()}"[:64],
        org_id=None,
        roles=frozenset(),
        source="console",
    )


def audit_rule_change(session: Session, target: str, detail: dict[str, object]) -> None:
    """A rule change made at the console (rule set, maintenance policy, holiday table)."""
    from bankcrm.security import audit

    audit.record(session, console_actor(), audit.Action.rule_change, target=target, detail=detail)


def main() -> None:  # pragma: no cover - console entry point
    app()


import bankcrm.cli_alerts  # noqa: E402  (registers `alerts`)
import bankcrm.cli_batch  # noqa: E402  (registers `nightly` and `tiers export`)
import bankcrm.cli_churn  # noqa: E402  (registers `churn`)
import bankcrm.cli_holidays  # noqa: E402  (registers `holidays`)
import bankcrm.cli_maintenance  # noqa: E402  (registers `maintenance`)
import bankcrm.cli_security  # noqa: E402, F401  (registers `users`, `audit`, `serve`)
