"""The `bankcrm` command line (Typer). Long steps show Rich progress bars."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
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

app = typer.Typer(help="bankcrm — 个人客户分层维护与流失预警系统", no_args_is_help=True)
db_app = typer.Typer(help="运营数据库", no_args_is_help=True)
lake_app = typer.Typer(help="数据湖", no_args_is_help=True)
demo_app = typer.Typer(help="演示银行（合成数据）", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(lake_app, name="lake")
app.add_typer(demo_app, name="demo")
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


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]错误：[/]{message}")
    return typer.Exit(code)


def current_lake() -> lakes.Lake:
    return lakes.Lake(get_settings().lake_path)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """创建或迁移 BANKCRM_DATABASE_URL 指定的运营数据库。"""
    from bankcrm.db import migrate
    from bankcrm.db.session import get_engine

    engine = get_engine()
    migrate.upgrade(engine, revision)
    console.print(f"数据库已迁移到 {migrate.current_revision(engine)}：{engine.url!r}")


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


def main() -> None:  # pragma: no cover - console entry point
    app()
