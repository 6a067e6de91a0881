"""Workbench pages (NiceGUI, 简体中文): home dashboard, customer list, customer 360, rule sets,
audit. Each page and each action checks the session (server-side, idle timeout) and calls the
services — the same scope, masking and audit as the API.

Amounts: 万元 with two decimals in lists and charts, exact yuan on the 360 page.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from sqlalchemy.orm import Session

from bankcrm.alerts import service as alerts
from bankcrm.api.deps import AppState, cookie_session
from bankcrm.customers import schemas as cs
from bankcrm.customers import service as customers
from bankcrm.db.session import transaction
from bankcrm.errors import BankCrmError
from bankcrm.kit import clock
from bankcrm.security import audit
from bankcrm.security import service as security
from bankcrm.security.actor import Actor
from bankcrm.security.roles import ROLE_LABELS, Permission
from bankcrm.tiering import service as tiering

TITLE = "个人客户分层维护与流失预警系统"
BEIJING = ZoneInfo("Asia/Shanghai")
WAN = Decimal(10_000)
CENT = Decimal("0.01")
DIRECTION = {"up": "升级", "down": "降级"}
UNMASK_LABELS = {
    "name": "姓名",
    "id_number": "证件号码",
    "phone": "手机号码",
    "home_phone": "固定电话",
    "address": "地址",
    "employer": "工作单位",
    "birth_date": "出生日期",
    "marital_status": "婚姻状况",
}


def wan_to_fen(value: object) -> int | None:
    """万元 typed by staff (a number input) → fen, exactly."""
    return None if value in (None, "") else int(Decimal(str(value)) * WAN * 100)


def wan(yuan: Decimal | None) -> str:
    return "" if yuan is None else f"{(yuan / WAN).quantize(CENT):,}"


def yuan(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


def beijing(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def install(app: FastAPI) -> None:
    from bankcrm.ui import work  # imports this module's helpers

    state: AppState = app.state.bankcrm

    def unit() -> AbstractContextManager[Session]:
        return transaction(state.sessions)

    def act(request: Request, work: Callable[[Session, Actor], Any]) -> Any:
        """Run an action from the websocket: the session must still be live."""
        auth = cookie_session(state, request)
        if auth is None or auth.password_expired:
            ui.notify("会话已过期，请重新登录", type="warning")
            ui.navigate.to("/login")
            return None
        try:
            with unit() as session:
                return work(session, auth.actor)
        except BankCrmError as exc:
            ui.notify(exc.message, type="negative")
            return None

    def frame(auth: security.Authenticated, heading: str) -> None:
        actor = auth.actor
        ui.page_title(f"{heading} · {TITLE}")
        with ui.header().classes("items-center bg-blue-9 q-px-md"):
            ui.label(TITLE).classes("text-h6 text-white")
            links = [("首页", "/")]
            if actor.can(Permission.list_customers):
                links.append(("客户", "/customers"))
                links.append(("任务", "/tasks"))
                links.append(("预警", "/alerts"))
            if actor.can(Permission.view_compliance):
                links.append(("达标", "/compliance"))
            if actor.can(Permission.list_customers):
                links.append(("移交", "/handovers"))
                links.append(("挽留", "/retention"))
            if actor.can(Permission.edit_rules):
                links.append(("分层规则", "/rules"))
            if actor.can(Permission.view_audit):
                links.append(("审计", "/audit"))
            for label, href in links:
                ui.link(label, href).classes("text-white q-ml-md")
            ui.space()
            ui.label(f"营业日 {clock.today().isoformat()}").classes("text-white q-mr-md").props(
                "id=business-date"
            )
            roles = "、".join(ROLE_LABELS[r] for r in sorted(actor.roles))
            ui.label(f"{actor.display_name}（{actor.username}，{roles}）").classes("text-white")
            ui.html(
                '<form method="post" action="/logout" style="margin:0 0 0 12px">'
                f'<input type="hidden" name="csrf" value="{auth.csrf_token or ""}">'
                '<button type="submit" style="background:none;border:1px solid #fff;color:#fff;'
                'border-radius:4px;padding:4px 10px;cursor:pointer">退出</button></form>',
                sanitize=False,
            )

    def enter(
        request: Request, heading: str, need: Permission | None = None, denied: str = ""
    ) -> security.Authenticated | RedirectResponse | None:
        """A page's start: the live session (else to /login, or /password when it expired),
        the header, and the permission the page needs (else `denied` and nothing more)."""
        auth = cookie_session(state, request)
        if auth is None:
            return RedirectResponse("/login", status_code=303)
        if auth.password_expired:
            return RedirectResponse("/password", status_code=303)
        frame(auth, heading)
        if need is not None and not auth.actor.can(need):
            ui.label(denied).classes("q-pa-md")
            return None
        return auth

    @ui.page("/")
    def home(request: Request) -> RedirectResponse | None:
        auth = enter(request, "首页")
        if not isinstance(auth, security.Authenticated):
            return auth
        actor = auth.actor
        if not actor.can(Permission.view_aggregates):
            with ui.column().classes("q-pa-md"):
                ui.label(f"欢迎，{actor.display_name}").classes("text-h5")
                if actor.can(Permission.view_audit):
                    ui.link("进入审计日志查询", "/audit")
                else:
                    ui.label("本账户不查看客户数据。")
            return None
        rule_set = request.query_params.get("rule_set", "maintenance_3tier")
        with unit() as session:
            sets = [rs.spec.name for rs in tiering.list_rule_sets(session)]
            dist = customers.tier_distribution(session, actor, rule_set)
            since = (dist.as_of or datetime.now(BEIJING).date()).replace(day=1)
            moves = customers.recent_changes(session, actor, rule_set, since, limit=100)
            alert_counts = alerts.counts(session, actor)
        with ui.column().classes("q-pa-md w-full"):
            with ui.row().classes("items-center"):
                ui.label("我的客户分层概览").classes("text-h5")
                ui.select(
                    sets,
                    value=rule_set,
                    label="规则集",
                    on_change=lambda e: ui.navigate.to(f"/?rule_set={e.value}"),
                ).classes("w-64 q-ml-lg")
                ui.label(f"数据日期：{dist.as_of or '—'}").classes("q-ml-lg text-grey-8")
            total = sum(b.customers for b in dist.buckets)
            total_aum = sum((b.aum_month_avg for b in dist.buckets), Decimal(0))
            with ui.row().classes("q-gutter-md"):
                for label, value in (
                    ("客户数", f"{total:,}"),
                    ("月日均合计（万元）", wan(total_aum)),
                    ("本月升级", f"{dist.changes_this_month.get('up', 0):,}"),
                    ("本月降级", f"{dist.changes_this_month.get('down', 0):,}"),
                    ("待确认预警", f"{alert_counts.by_status['new']:,}"),
                    ("超时升级预警", f"{alert_counts.escalated:,}"),
                ):
                    with ui.card().classes("w-48"):
                        ui.label(label).classes("text-grey-7")
                        ui.label(value).classes("text-h5")
            tiers = [b.tier for b in dist.buckets]
            ui.echart(
                {
                    "animation": False,
                    "title": {"text": "各层级客户数与月日均（万元）"},
                    "tooltip": {"trigger": "axis"},
                    "legend": {"data": ["客户数", "月日均（万元）"], "top": 34},
                    "grid": {"top": 80},
                    "xAxis": {"type": "category", "data": tiers},
                    "yAxis": [
                        {"type": "value", "name": "客户数"},
                        {"type": "value", "name": "万元"},
                    ],
                    "series": [
                        {
                            "name": "客户数",
                            "type": "bar",
                            "data": [b.customers for b in dist.buckets],
                        },
                        {
                            "name": "月日均（万元）",
                            "type": "bar",
                            "yAxisIndex": 1,
                            "data": [
                                float(wan(b.aum_month_avg).replace(",", "")) for b in dist.buckets
                            ],
                        },
                    ],
                }
            ).classes("w-full h-80").props("id=tier-chart")
            ui.label(f"本月层级变动（{since} 起，最多 100 条）").classes("text-h6 q-mt-md")
            ui.table(
                columns=[
                    {"name": "customer_id", "label": "客户号", "field": "customer_id"},
                    {"name": "name", "label": "姓名", "field": "name"},
                    {"name": "effective_on", "label": "生效日期", "field": "effective_on"},
                    {"name": "change", "label": "变动", "field": "change"},
                    {"name": "basis", "label": "依据值（万元）", "field": "basis"},
                ],
                rows=[
                    {
                        "customer_id": m.customer_id,
                        "name": m.name,
                        "effective_on": m.effective_on.isoformat(),
                        "change": f"{DIRECTION[m.direction]}：{m.from_tier} → {m.to_tier}",
                        "basis": wan(m.basis_value),
                    }
                    for m in moves
                ],
                row_key="customer_id",
            ).classes("w-full")
        return None

    @ui.page("/customers")
    def customer_list(request: Request) -> RedirectResponse | None:
        auth = enter(request, "客户", Permission.list_customers, "无权查看客户列表")
        if not isinstance(auth, security.Authenticated):
            return auth
        with unit() as session:
            sets = [rs.spec.name for rs in tiering.list_rule_sets(session)]
        state_: dict[str, Any] = {"cursors": [None], "page": 0}
        with ui.column().classes("q-pa-md w-full"):
            with ui.row().classes("items-end q-gutter-sm"):
                rule_set = ui.select(sets, value="maintenance_3tier", label="规则集").classes(
                    "w-48"
                )
                tier = ui.input("层级").props("clearable").classes("w-28")
                outlet = ui.input("机构号（含下级）").props("clearable").classes("w-36")
                manager = ui.input("管户人工号").props("clearable").classes("w-32")
                aum_min = ui.number("月日均 ≥（万元）", min=0, format="%.2f").classes("w-36")
                aum_max = ui.number("月日均 ≤（万元）", min=0, format="%.2f").classes("w-36")
                changed = ui.input("层级变动自（YYYY-MM-DD）").props("clearable").classes("w-48")
                sort = ui.select(
                    {"customer_id": "按客户号", "-aum_month_avg": "按月日均从高到低"},
                    value="customer_id",
                    label="排序",
                ).classes("w-44")
                ui.button("查询", on_click=lambda: load(reset=True)).props("id=search")
            with ui.row().classes("items-end q-gutter-sm"):
                # open one customer by number (a lobby manager: any customer of the outlet)
                number = ui.input("客户号").props("clearable for=open-customer").classes("w-48")

                def open_customer() -> None:
                    text = (number.value or "").strip()
                    if text.replace("-", "").replace("_", "").isalnum() and len(text) <= 32:
                        ui.navigate.to(f"/customers/{text}")
                    else:
                        ui.notify("请输入客户号", type="warning")

                ui.button("打开客户", on_click=open_customer).props("outline id=open-customer-go")
            grid = ui.aggrid(
                {
                    "columnDefs": [
                        {"headerName": "客户号", "field": "customer_id"},
                        {"headerName": "姓名", "field": "name"},
                        {"headerName": "手机号码", "field": "phone"},
                        {"headerName": "归属机构", "field": "org_name"},
                        {"headerName": "层级", "field": "tier"},
                        {
                            "headerName": "月日均（万元）",
                            "field": "aum_month_avg",
                            "type": "rightAligned",
                        },
                        {"headerName": "AUM时点（万元）", "field": "aum", "type": "rightAligned"},
                        {"headerName": "管户人", "field": "owner_name"},
                    ],
                    "rowData": [],
                    "rowSelection": {"mode": "singleRow"},
                },
                theme="balham",
            ).classes("w-full h-[60vh]")
            grid.on(
                "cellClicked",
                lambda e: ui.navigate.to(f"/customers/{e.args['data']['customer_id']}"),
            )
            with ui.row().classes("items-center"):
                prev = ui.button("上一页", on_click=lambda: turn(-1))
                info = ui.label("")
                nxt = ui.button("下一页", on_click=lambda: turn(1))

        def filters() -> customers.Filters:
            since = None
            if changed.value:
                try:
                    since = date.fromisoformat(str(changed.value).strip())
                except ValueError:
                    ui.notify("层级变动日期请写成 YYYY-MM-DD", type="warning")
            return customers.Filters(
                rule_set=rule_set.value or "maintenance_3tier",
                tier=(tier.value or None),
                outlet=(outlet.value or None),
                manager=(manager.value or None),
                aum_min_fen=wan_to_fen(aum_min.value),
                aum_max_fen=wan_to_fen(aum_max.value),
                tier_changed_since=since,
            )

        def load(reset: bool = False) -> None:
            if reset:
                state_["cursors"], state_["page"] = [None], 0
            cursor = state_["cursors"][state_["page"]]
            page: cs.CustomerPage | None = act(
                request,
                lambda s, a: customers.list_customers(
                    s, a, filters(), sort=sort.value, cursor=cursor, limit=50
                ),
            )
            if page is None:
                return
            grid.options["rowData"] = [
                {
                    **r.model_dump(mode="json"),
                    "aum_month_avg": wan(r.aum_month_avg),
                    "aum": wan(r.aum),
                }
                for r in page.items
            ]
            grid.update()
            if len(state_["cursors"]) == state_["page"] + 1:
                state_["cursors"].append(page.next_cursor)
            else:
                state_["cursors"][state_["page"] + 1] = page.next_cursor
            prev.set_enabled(state_["page"] > 0)
            nxt.set_enabled(page.next_cursor is not None)
            info.text = f"第 {state_['page'] + 1} 页，本页 {len(page.items)} 位（数据日期 {page.as_of or '—'}）"

        def turn(step: int) -> None:
            state_["page"] = max(0, state_["page"] + step)
            load()

        load(reset=True)
        return None

    @ui.page("/customers/{customer_id}")
    def customer_page(request: Request, customer_id: str) -> RedirectResponse | None:
        auth = enter(request, "客户360")
        if not isinstance(auth, security.Authenticated):
            return auth
        view: cs.Customer360 | None = act(
            request, lambda s, a: customers.customer_360(s, a, state.lake, customer_id)
        )
        if view is None:
            ui.label("客户不存在或不在您的数据范围内").classes("q-pa-md text-h6")
            return None
        p = view.profile
        shown: dict[str, ui.label] = {}
        with ui.dialog() as unmask_dialog, ui.card().classes("w-96"):
            ui.label("查看明文").classes("text-h6")
            ui.label("查看明文将记入审计日志，请勾选字段并填写原因。").classes("text-grey-8")
            boxes = {
                k: ui.checkbox(v, value=k in ("name", "phone")) for k, v in UNMASK_LABELS.items()
            }
            reason = ui.input("原因（必填）").classes("w-full")

            def confirm() -> None:
                fields = [k for k, b in boxes.items() if b.value]
                if not fields or len((reason.value or "").strip()) < 2:
                    ui.notify("请勾选字段并填写原因（至少 2 个字）", type="warning")
                    return
                out = act(
                    request,
                    lambda s, a: customers.unmask(s, a, customer_id, fields, reason.value),
                )
                if out is None:
                    return
                for k, v in out.fields.items():
                    if k in shown:
                        shown[k].text = "" if v is None else v
                unmask_dialog.close()
                ui.notify("已显示明文（已记入审计）", type="positive")

            with ui.row():
                ui.button("确认", on_click=confirm).props("id=unmask-confirm")
                ui.button("取消", on_click=unmask_dialog.close).props("flat")
        with ui.column().classes("q-pa-md w-full"):
            with ui.row().classes("items-center"):
                ui.label(f"{p.name}（{p.customer_id}）").classes("text-h5").props("id=cust-name")
                for t in view.tiers:
                    ui.badge(f"{t.rule_set}：{t.tier}").classes("q-ml-sm")
                if auth.actor.can(Permission.unmask):
                    ui.button("查看明文", on_click=lambda: unmask_dialog.open()).props(
                        "id=unmask outline"
                    ).classes("q-ml-lg")
            with ui.card().classes("w-full"):
                ui.label("基本信息").classes("text-h6")
                with ui.grid(columns=4).classes("w-full"):
                    for key, label in (
                        ("name", "姓名"),
                        ("id_number", "证件号码"),
                        ("phone", "手机号码"),
                        ("home_phone", "固定电话"),
                        ("birth_date", "出生日期"),
                        ("age", "年龄"),
                        ("gender", "性别"),
                        ("org_name", "归属机构"),
                        ("address", "地址"),
                        ("employer", "工作单位"),
                        ("occupation", "职业"),
                        ("marital_status", "婚姻状况"),
                        ("risk_level", "风险等级"),
                        ("opened_on", "开户日期"),
                        ("owner_name", "管户人"),
                        ("as_of", "数据日期"),
                    ):
                        value = getattr(p, key)
                        with ui.column().classes("gap-0"):
                            ui.label(label).classes("text-grey-7 text-caption")
                            shown[key] = ui.label("" if value is None else str(value)).props(
                                f"id=field-{key}"
                            )
            with ui.row().classes("q-gutter-md"):
                for label, value in (
                    ("AUM 时点（元）", p.aum),
                    ("AUM 月日均（元）", p.aum_month_avg),
                    ("存款月日均（元）", p.deposit_month_avg),
                    ("AUM 年日均（元）", p.aum_year_avg),
                ):
                    with ui.card().classes("w-56"):
                        ui.label(label).classes("text-grey-7")
                        ui.label(yuan(value)).classes("text-h6")
            if view.aum_monthly:
                ui.echart(
                    {
                        "animation": False,
                        "title": {"text": "AUM 月日均走势（万元）"},
                        "tooltip": {"trigger": "axis"},
                        "xAxis": {
                            "type": "category",
                            "data": [m.month.strftime("%Y-%m") for m in view.aum_monthly],
                        },
                        "yAxis": {"type": "value", "name": "万元"},
                        "series": [
                            {
                                "name": "月日均",
                                "type": "line",
                                "data": [float(m.month_avg / WAN) for m in view.aum_monthly],
                            },
                            {
                                "name": "月末时点",
                                "type": "line",
                                "data": [float(m.aum / WAN) for m in view.aum_monthly],
                            },
                        ],
                    }
                ).classes("w-full h-72")
            with ui.row().classes("w-full q-gutter-md no-wrap"):
                with ui.card().classes("col"):
                    ui.label("持有产品").classes("text-h6")
                    h = view.holdings or {}
                    for key, label in (
                        ("has_debit_gold", "借记金卡"),
                        ("has_credit_card", "信用卡"),
                        ("has_e_banking", "电子银行"),
                        ("has_wealth", "理财"),
                        ("has_fund", "基金"),
                        ("has_insurance", "保险"),
                    ):
                        ui.chip(label, icon="check" if h.get(key) else "close").props(
                            "outline" if not h.get(key) else ""
                        )
                    if h.get("next_maturity_date"):
                        ui.label(f"最近到期：{h['next_maturity_date']}")
                with ui.card().classes("col"):
                    ui.label("层级变动").classes("text-h6")
                    if not view.tier_history:
                        ui.label("无变动记录").classes("text-grey-7")
                    with ui.timeline(side="right"):
                        for c in view.tier_history:
                            ui.timeline_entry(
                                f"{c.rule_set}：{c.from_tier} → {c.to_tier}（依据 {yuan(c.basis_value)} 元）",
                                title=DIRECTION[c.direction],
                                subtitle=c.effective_on.isoformat(),
                            )
            for title, rows, cols in (
                (
                    "账户",
                    view.accounts,
                    [
                        ("account_id", "账号"),
                        ("product_code", "产品"),
                        ("asset_class", "资产类别"),
                        ("opened_on", "开户日期"),
                        ("maturity_date", "到期日"),
                        ("closed_on", "销户日期"),
                    ],
                ),
                (
                    "贷款",
                    view.loans,
                    [
                        ("loan_id", "借据号"),
                        ("product_code", "产品"),
                        ("balance", "余额（元）"),
                        ("overdue_days", "逾期天数"),
                        ("status", "状态"),
                    ],
                ),
                (
                    "卡",
                    view.cards,
                    [
                        ("card_id", "卡片"),
                        ("card_type", "类型"),
                        ("level", "等级"),
                        ("status", "状态"),
                    ],
                ),
            ):
                ui.label(title).classes("text-h6 q-mt-md")
                ui.table(
                    columns=[{"name": k, "label": lb, "field": k} for k, lb in cols],
                    rows=[r.model_dump(mode="json") for r in rows],
                ).classes("w-full")
            work.customer_section(request, act, auth.actor, p)

        return None

    @ui.page("/rules")
    def rules_page(request: Request) -> RedirectResponse | None:
        auth = enter(request, "分层规则", Permission.edit_rules, "无权维护分层规则")
        if not isinstance(auth, security.Authenticated):
            return auth
        from bankcrm.analytics import preview
        from bankcrm.tiering.schemas import parse_toml

        with unit() as session:
            sets = tiering.list_rule_sets(session)
        with ui.column().classes("q-pa-md w-full"):
            ui.label("分层规则集").classes("text-h5")
            for rs in sets:
                with ui.expansion(
                    f"{rs.spec.title}（{rs.spec.name}，第 {rs.version} 版，共 {rs.versions} 版）"
                ).classes("w-full"):
                    ui.label(
                        f"依据 {rs.spec.basis.value}，自 {rs.spec.effective_from} 生效；"
                        f"层级：{'·'.join(rs.spec.tier_names())}"
                    )
                    ui.code(rs.spec.to_toml(), language="toml").classes("w-full")
            ui.label("编辑为新版本").classes("text-h6 q-mt-md")
            pick = ui.select(
                {rs.spec.name: rs.spec.title for rs in sets},
                label="规则集",
                value=sets[0].spec.name if sets else None,
            ).classes("w-64")
            editor = (
                ui.textarea("规则（TOML）").props("outlined autogrow").classes("w-full font-mono")
            )
            by_name = {rs.spec.name: rs for rs in sets}
            if sets:
                editor.value = sets[0].spec.to_toml()
            pick.on_value_change(lambda e: editor.set_value(by_name[e.value].spec.to_toml()))
            result = ui.column()

            def show_preview() -> None:
                result.clear()
                try:
                    spec = parse_toml(editor.value or "", "编辑内容")
                    counts = preview.tier_distribution(state.lake, spec, state.settings)
                except BankCrmError as exc:
                    ui.notify(exc.message, type="negative")
                    return
                with result:
                    ui.label("按草稿分层（最新一期夜间数据）").classes("text-subtitle1")
                    ui.table(
                        columns=[
                            {"name": "tier", "label": "层级", "field": "tier"},
                            {"name": "n", "label": "客户数", "field": "n"},
                        ],
                        rows=[{"tier": t, "n": f"{n:,}"} for t, n in counts],
                    )

            def publish() -> None:
                out = act(request, lambda s, a: tiering.edit(s, a, editor.value or ""))
                if out is not None:
                    saved, changed = out
                    if changed:
                        ui.notify(
                            f"已保存为 {saved.spec.name} 第 {saved.version} 版", type="positive"
                        )
                    else:
                        ui.notify("与最新版本相同，未保存新版本")

            with ui.row():
                ui.button("预览分层分布", on_click=show_preview)
                ui.button("保存为新版本", on_click=publish).props("color=primary")
        return None

    @ui.page("/audit")
    def audit_page(request: Request) -> RedirectResponse | None:
        auth = enter(request, "审计", Permission.view_audit, "无权查看审计日志")
        if not isinstance(auth, security.Authenticated):
            return auth
        with ui.column().classes("q-pa-md w-full"):
            ui.label("审计日志").classes("text-h5")
            with ui.row().classes("items-end q-gutter-sm"):
                user = ui.input("用户名").props("clearable")
                customer = ui.input("客户号").props("clearable")
                action = ui.select(
                    {"": "全部", **audit.ACTION_LABELS}, value="", label="操作"
                ).classes("w-40")
                day_from = ui.input("起始日期（YYYY-MM-DD）").props("clearable")
                day_to = ui.input("截止日期（YYYY-MM-DD）").props("clearable")
                ui.button("查询", on_click=lambda: search()).props("id=audit-search")
            table = ui.table(
                columns=[
                    {"name": "at", "label": "时间（北京时间）", "field": "at"},
                    {"name": "username", "label": "用户", "field": "username"},
                    {"name": "action", "label": "操作", "field": "action"},
                    {"name": "customer_id", "label": "客户号", "field": "customer_id"},
                    {"name": "rows", "label": "行数", "field": "rows"},
                    {"name": "reason", "label": "原因", "field": "reason"},
                    {"name": "detail", "label": "详情", "field": "detail"},
                ],
                rows=[],
                row_key="id",
                pagination=20,
            ).classes("w-full")

        def day(text: str | None) -> datetime | None:
            if not text:
                return None
            try:
                d = date.fromisoformat(text.strip())
            except ValueError:
                ui.notify("日期请写成 YYYY-MM-DD", type="warning")
                return None
            return datetime(d.year, d.month, d.day, tzinfo=BEIJING).astimezone(UTC)

        def search() -> None:
            until = day(day_to.value)
            found = act(
                request,
                lambda s, a: audit.search(
                    s,
                    a,
                    username=user.value or None,
                    customer_id=customer.value or None,
                    action=action.value or None,
                    since=day(day_from.value),
                    until=until + timedelta(days=1) if until else None,
                    limit=500,
                ),
            )
            table.rows = [
                {
                    "id": r.id,
                    "at": beijing(r.at),
                    "username": r.username,
                    "action": audit.ACTION_LABELS.get(r.action, r.action),
                    "customer_id": r.customer_id or "",
                    "rows": r.rows if r.rows is not None else "",
                    "reason": r.reason or "",
                    "detail": r.detail or "",
                }
                for r in (found or [])
            ]
            table.update()

        search()
        return None

    work.install(app, enter=enter, act=act)
    ui.run_with(
        app,
        title=TITLE,
        language="zh-CN",
        show_welcome_message=False,
        storage_secret=None,
        reconnect_timeout=10,
    )
