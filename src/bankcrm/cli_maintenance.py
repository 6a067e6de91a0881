"""`bankcrm maintenance policy list|show|import|export` and `bankcrm maintenance run`: the
maintenance policies (assignment rules and standards per tier) and the nightly's operational
step on its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankcrm.cli import CLI_ACTOR, app, console, fail, import_versioned, print_or_write
from bankcrm.errors import BankCrmError
from bankcrm.maintenance.policy import ORG_LABELS
from bankcrm.security.roles import ROLE_LABELS, Role

maintenance_app = typer.Typer(help="管户规则与维护标准、任务日历", no_args_is_help=True)
policy_app = typer.Typer(help="维护方案（按版本保存）", no_args_is_help=True)
app.add_typer(maintenance_app, name="maintenance")
maintenance_app.add_typer(policy_app, name="policy")


@policy_app.command("list")
def policy_list() -> None:
    """列出各维护方案的最新版本：各层管户角色与维护标准。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.maintenance import policies

    with unit_of_work() as session:
        found = policies.list_policies(session)
    if not found:
        console.print("还没有维护方案：请运行 bankcrm db upgrade 安装预置方案")
        return
    for p in found:
        table = Table(title=f"{p.spec.name} 第 {p.version} 版：{p.spec.title}", expand=True)
        for h in (
            "层级",
            "管户人",
            "联系/月",
            "问候",
            "沙龙/年",
            "产品信息/月",
            "礼品/年",
            "行长拜访/年",
        ):
            table.add_column(h)
        tiers = [r.tier for r in p.spec.assign] + [
            s.tier for s in p.spec.standards if p.spec.rule_for(s.tier) is None
        ]
        for tier in tiers:
            rule, std = p.spec.rule_for(tier), p.spec.standard_for(tier)
            who = "；".join(
                f"{ORG_LABELS[pool.org]}：" + "、".join(ROLE_LABELS[Role(r)] for r in pool.roles)
                for pool in (rule.staff if rule else ())
            )
            table.add_row(
                tier,
                who or "—",
                str(std.contacts_per_month) if std else "—",
                f"{len(std.greetings)} 项" if std else "—",
                str(std.salons_per_year) if std else "—",
                str(std.product_messages_per_month) if std else "—",
                str(std.gifts_per_year) if std else "—",
                str(std.executive_visits_per_year) if std else "—",
            )
        console.print(table)


def _policy(name: str, version: int | None) -> str:
    from bankcrm.db.session import unit_of_work
    from bankcrm.maintenance import policies

    try:
        with unit_of_work() as session:
            return policies.get(session, name, version).spec.to_toml()
    except BankCrmError as exc:
        raise fail(exc.message) from None


@policy_app.command("show")
def policy_show(
    name: Annotated[str, typer.Argument(help="方案名称（= 分层规则集名称）")],
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
) -> None:
    """显示一个维护方案版本（TOML，与导入格式相同）。"""
    console.print(_policy(name, version), markup=False, highlight=False)


@policy_app.command("export")
def policy_export(
    name: Annotated[str, typer.Argument(help="方案名称")],
    version: Annotated[int | None, typer.Option(help="版本号（默认最新）")] = None,
    out: Annotated[Path | None, typer.Option(help="写入文件（默认打印）")] = None,
) -> None:
    """导出维护方案为 TOML（可编辑后再导入，成为新版本）。"""
    print_or_write(_policy(name, version), out)


@policy_app.command("import")
def policy_import(file: Annotated[Path, typer.Argument(help="维护方案 TOML 文件")]) -> None:
    """导入维护方案：内容有变化时保存为新版本，否则不变。"""
    from bankcrm.maintenance import policies

    import_versioned(
        file,
        "maintenance_policy",
        lambda session, text: policies.import_toml(session, CLI_ACTOR, text, file.name),
    )


@maintenance_app.command("run")
def maintenance_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="日期（默认最近一次夜间批处理）")
    ] = None,
    no_tasks: Annotated[bool, typer.Option("--no-tasks", help="只分配管户，不生成任务")] = False,
) -> None:
    """单独重跑夜间批处理的管户分配与任务日历（幂等）。"""
    from bankcrm.cli_batch import maintenance_step
    from bankcrm.customers import service as customers
    from bankcrm.db.session import unit_of_work

    if as_of is None:
        with unit_of_work() as session:
            last = customers.data_date(session)
        if last is None:
            raise fail("运营库还没有夜间批处理结果")
        day = last
    else:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise fail(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of!r}") from None
    if not maintenance_step(day, not no_tasks):
        raise typer.Exit(1)
