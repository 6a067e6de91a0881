"""`bankcrm alerts rules list|show|import|export` and `bankcrm alerts run`: the alert rules (one
versioned document) and the nightly's alert step on its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankcrm.cli import (
    CLI_ACTOR,
    app,
    console,
    current_lake,
    fail,
    import_versioned,
    print_or_write,
)
from bankcrm.errors import BankCrmError

alerts_app = typer.Typer(help="事件预警", no_args_is_help=True)
alert_rules_app = typer.Typer(help="预警规则（按版本保存）", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
alerts_app.add_typer(alert_rules_app, name="rules")


def _rules_text(version: int | None) -> str:
    from bankcrm.alerts import service
    from bankcrm.db.session import unit_of_work

    try:
        with unit_of_work() as session:
            return service.rules(session, version).spec.to_toml()
    except BankCrmError as exc:
        raise fail(exc.message) from None


@alert_rules_app.command("list")
def rules_list(
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
) -> None:
    """列出预警规则：代码、名称、级别、时限、适用层级、参数。"""
    from bankcrm.alerts import service
    from bankcrm.alerts.rules import PARAMS, SEVERITY_LABELS
    from bankcrm.db.session import unit_of_work

    try:
        with unit_of_work() as session:
            found = service.rules(session, version)
            versions = len(service.rule_versions(session))
    except BankCrmError as exc:
        raise fail(exc.message) from None
    table = Table(title=f"{found.spec.title} 第 {found.version} 版（共 {versions} 版）")
    for h in ("代码", "名称", "启用", "级别", "确认时限", "适用层级", "参数"):
        table.add_column(h)
    for r in found.spec.rules:
        tiers = "；".join(f"{f.rule_set}：{'、'.join(f.tiers)}" for f in r.tiers) or "全部"
        params = "，".join(f"{p}={getattr(r, p)}" for p in PARAMS if getattr(r, p) is not None)
        table.add_row(
            r.code, r.label, "是" if r.enabled else "否", SEVERITY_LABELS[r.severity.value],
            f"{r.sla_hours} 小时", tiers, params,
        )  # fmt: skip
    console.print(table)


@alert_rules_app.command("show")
def rules_show(
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
) -> None:
    """显示预警规则（TOML，与导入格式相同）。"""
    console.print(_rules_text(version), markup=False, highlight=False)


@alert_rules_app.command("export")
def rules_export(
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
    out: Annotated[Path | None, typer.Option(help="写入文件（默认打印）")] = None,
) -> None:
    """导出预警规则为 TOML（可编辑后再导入，成为新版本）。"""
    print_or_write(_rules_text(version), out)


@alert_rules_app.command("import")
def rules_import(file: Annotated[Path, typer.Argument(help="预警规则 TOML 文件")]) -> None:
    """导入预警规则：内容有变化时保存为新版本（记入审计），否则不变。"""
    from bankcrm.alerts import rules, service

    import_versioned(
        file,
        "alert_rules",
        lambda session, text: service.save_rules(
            session, CLI_ACTOR, rules.parse_toml(text, file.name)
        ),
    )


@alerts_app.command("run")
def alerts_run(
    as_of: Annotated[str, typer.Option("--as-of", help="夜间批处理日期 YYYY-MM-DD")],
) -> None:
    """单独重跑夜间批处理的预警步骤（幂等：已有预警不重复、不重开）。"""
    from bankcrm.cli_batch import alerts_step

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise fail(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of!r}") from None
    alerts_step(current_lake(), day)
