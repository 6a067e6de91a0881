"""`bankcrm users …`, `bankcrm audit verify|purge` and `bankcrm serve`."""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bankcrm.cli import app, console, console_actor, err, fail
from bankcrm.errors import BankCrmError

if TYPE_CHECKING:
    pass

users_app = typer.Typer(help="用户与角色", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("口令", hide_input=True, confirmation_prompt="再次输入口令"))


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="用户名")],
    org: Annotated[str, typer.Option("--org", help="所属机构号")],
    role: Annotated[
        list[str], typer.Option("--role", help="角色，可重复：rule_admin、auditor、admin …")
    ],
    name: Annotated[str | None, typer.Option("--name", help="显示名")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读口令")
    ] = False,
) -> None:
    """创建本地用户（规则管理员、审计、系统管理员等不在 HR 名单中的账户）。"""
    from bankcrm.config import get_settings
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import service
    from bankcrm.security.roles import Role

    try:
        roles = frozenset(Role(r) for r in role)
    except ValueError as exc:
        raise fail(f"未知角色：{exc}；可选 {', '.join(r.value for r in Role)}") from exc
    password = _password(password_stdin)
    try:
        with unit_of_work() as session:
            service.create_user(
                session,
                console_actor(),
                get_settings(),
                username=username,
                display_name=name or username,
                org_id=org,
                roles=roles,
                password=password,
            )
    except BankCrmError as exc:
        raise fail(exc.message) from exc
    console.print(f"已创建用户 {username}（{', '.join(sorted(roles))}）")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="从标准输入读口令")
    ] = False,
) -> None:
    """设置口令（并使该用户的现有会话失效、解除锁定）。"""
    from bankcrm.config import get_settings
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import service

    password = _password(password_stdin)
    try:
        with unit_of_work() as session:
            service.set_password(session, console_actor(), get_settings(), username, password)
    except BankCrmError as exc:
        raise fail(exc.message) from exc
    console.print(f"已设置 {username} 的口令")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="用户名")]) -> None:
    """停用用户（其会话立即失效）。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import service

    try:
        with unit_of_work() as session:
            service.disable(session, console_actor(), username)
    except BankCrmError as exc:
        raise fail(exc.message) from exc
    console.print(f"已停用 {username}")


@users_app.command("sync")
def users_sync() -> None:
    """按 HR 员工名单（staff）同步用户：新员工建户，机构与角色随 HR，离职停用。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import service

    with unit_of_work() as session:
        created, updated, disabled = service.sync_from_staff(session, console_actor())
    console.print(f"新建 {created}，更新 {updated}，停用 {disabled}")


@users_app.command("list")
def users_list() -> None:
    """列出用户。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import service
    from bankcrm.security.roles import ROLE_LABELS

    with unit_of_work() as session:
        users = service.list_users(session)
        table = Table(title=f"用户（{len(users)}）")
        for h in ("用户名", "姓名", "机构", "角色", "状态", "口令", "最近登录"):
            table.add_column(h)
        for u, roles in users:
            state = "停用" if u.disabled else ("锁定" if u.locked_until else "正常")
            table.add_row(
                u.username,
                u.display_name,
                u.org_id,
                "、".join(ROLE_LABELS[r] for r in sorted(roles)),
                state,
                "已设置" if u.password_hash else "未设置",
                u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "",
            )
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """校验审计日志的哈希链，报告第一条断链的记录。"""
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import audit

    with unit_of_work() as session:
        result = audit.verify(session)
    if result.first_broken is not None:
        err.print(
            f"[red]审计日志在第 {result.first_broken} 条断链：{result.why}[/]"
            f"（此前 {result.checked} 条完好）"
        )
        raise typer.Exit(1)
    console.print(f"审计日志完好：{result.checked} 条记录，哈希链无断点")


@audit_app.command("purge")
def audit_purge() -> None:
    """按保留期（BANKCRM_AUDIT_RETENTION_DAYS，默认 1095 天，不少于 180 天）清理过期审计记录。"""
    from pydantic import ValidationError

    from bankcrm.config import get_settings
    from bankcrm.db.session import unit_of_work
    from bankcrm.security import audit

    try:
        days = get_settings().audit_retention_days
    except ValidationError as exc:
        raise fail(
            "BANKCRM_AUDIT_RETENTION_DAYS 不得少于 180 天（网络安全法：网络日志留存不少于六个月）"
            if "audit_retention_days" in str(exc)
            else f"配置错误：{exc}"
        ) from exc
    with unit_of_work() as session:
        n = audit.purge(session, console_actor(), days)
    console.print(f"已清理 {n} 条超过 {days} 天的审计记录")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="监听地址（默认仅本机）")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8080,
    business_date: Annotated[
        str | None,
        typer.Option(
            "--business-date",
            help="营业日期 YYYY-MM-DD，或 auto（最近一次夜间批处理日期的次日；演示库用）",
        ),
    ] = None,
    api_only: Annotated[
        bool, typer.Option("--api-only", help="只提供 JSON API（可多进程；工作台需单进程）")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="进程数（仅 --api-only；工作台固定 1 个进程）")
    ] = 1,
) -> None:
    """启动 JSON API 与工作台。"""
    import os

    import uvicorn

    from bankcrm.api.app import create_app
    from bankcrm.config import get_settings

    if workers != 1 and not api_only:
        raise fail("工作台（NiceGUI）须单进程运行：多进程请加 --api-only，仅提供 JSON API")
    if business_date is not None:
        pinned = _business_date(business_date)
        os.environ["BANKCRM_BUSINESS_DATE"] = pinned.isoformat()
        get_settings.cache_clear()
        console.print(f"营业日期固定为 {pinned.isoformat()}")
    docs = f"API 文档：http://{host}:{port}/api/docs"
    console.print(docs if api_only else f"bankcrm 工作台：http://{host}:{port}/   {docs}")
    if api_only:
        # each worker builds the app from the environment (BANKCRM_*), as the line above set it
        uvicorn.run(
            "bankcrm.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=False,
        )
        return
    uvicorn.run(create_app(ui=True), host=host, port=port, log_level="info", access_log=False)


def _business_date(text: str) -> date:
    from datetime import timedelta

    from bankcrm.customers import service as customers
    from bankcrm.db.session import unit_of_work

    if text != "auto":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise fail(f"--business-date 应为 YYYY-MM-DD 或 auto：{text!r}") from None
    with unit_of_work() as session:
        last = customers.data_date(session)
    if last is None:
        raise fail("运营库还没有夜间批处理结果：--business-date auto 无从确定")
    return last + timedelta(days=1)
