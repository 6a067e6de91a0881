"""挽留 (/retention): 挽留工单 — the owner's (or the head's) cases with the reasons and suggested
actions, an action form and closing — and 挽留效果, treated against control per outlet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.churn import case_schemas as cs
from bankcrm.churn import cases, effect
from bankcrm.maintenance import schemas as ms
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.work.common import Act, checked, fen_wan, grid

KINDS = {k.value: cs.ACTION_LABELS[k.value] for k in cs.ActionKind}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _pp(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}"


def action_form(request: Request, act: Act, case: cs.CaseDetail, done: Callable[[], Any]) -> None:
    """登记动作 and 结案 for one open case."""
    with ui.row().classes("items-end w-full q-gutter-sm"):
        kind = ui.select(KINDS, value="contact", label="动作").classes("w-32")
        kind.props("for=action-kind")
        channel = ui.select(ms.CHANNEL_LABELS, value="phone", label="联系方式").classes("w-32")
        channel.props("for=action-channel")
        note = ui.input("内容").props("maxlength=1000 for=action-note").classes("w-64")
        product = ui.input("产品代码").props("maxlength=32 for=action-product").classes("w-32")

        def save() -> None:
            body = checked(
                lambda: cs.ActionIn(
                    kind=cs.ActionKind(kind.value),
                    channel=ms.Channel(channel.value) if kind.value == "contact" else None,
                    note=(note.value or "").strip() or None,
                    product_code=(product.value or "").strip() or None,
                )
            )
            if body is None:
                return
            out = act(request, lambda s, a: cases.log_action(s, a, case.id, body))
            if out is not None:
                task = "，维护任务已完成" if out.completed_task_id else ""
                ui.notify(f"已登记{out.kind_label}{task}", type="positive")
                done()

        def close() -> None:
            text = (note.value or "").strip() or None
            body = cs.CloseIn(note=text)
            if act(request, lambda s, a: cases.close_case(s, a, case.id, body)) is not None:
                ui.notify("已结案（观察期结束后由批处理判定结果）", type="positive")
                done()

        ui.button("登记", on_click=save).props("id=action-save color=primary")
        ui.button("结案", on_click=close).props("id=case-close outline")


def case_detail(request: Request, act: Act, actor: Actor, case_id: int, done: Any) -> None:
    case: cs.CaseDetail | None = act(request, lambda s, a: cases.get_case(s, a, case_id))
    if case is None:
        return
    with ui.card().classes("w-full").props(f"id=case-{case.id}"):
        ui.label(
            f"工单 #{case.id} · 客户 {case.customer_name or case.customer_id}"
            f"（{case.customer_id}）· {case.tier} · 开案时月日均 {fen_wan(case.aum_month_avg_fen)} 万元"
        ).classes("text-subtitle1")
        ui.label(
            f"流失概率 {case.score:.0%} · 应办日期 {case.due_on} · 观察期至 {case.window_end}"
            f" · {case.status_label}" + (f" · {case.outcome_label}" if case.outcome_label else "")
        ).classes("text-grey-8")
        ui.label("流失原因").classes("text-bold q-mt-sm")
        for r in case.reasons:
            ui.label(f"• {r.text}")
        ui.label("建议动作").classes("text-bold q-mt-sm")
        with ui.row():
            for a in case.suggested_actions:
                ui.badge(a, color="teal-7")
        ui.label("处理记录").classes("text-bold q-mt-sm")
        grid(
            case.actions,
            [
                ("日期", lambda x: x.acted_on),
                ("动作", lambda x: x.kind_label),
                ("内容", lambda x: x.note),
                ("产品", lambda x: x.product_code),
                ("员工", lambda x: x.username),
            ],
            "case-actions",
            key=lambda x: x.id,
        )
        if case.status == "open" and actor.can(Permission.log_contact):
            action_form(request, act, case, done)


def case_table(items: list[cs.CaseOut]) -> ui.table:
    return grid(
        items,
        [
            ("应办日期", lambda c: c.due_on),
            ("客户号", lambda c: c.customer_id),
            ("客户", lambda c: c.customer_name),
            ("层级", lambda c: c.tier),
            ("流失概率", lambda c: f"{c.score:.0%}"),
            ("主要原因", lambda c: "；".join(r.text for r in c.reasons[:2])),
            ("建议动作", lambda c: "、".join(c.suggested_actions)),
            ("管户人", lambda c: c.owner_name or c.owner_staff_id),
            ("状态", lambda c: "逾期" if c.overdue else c.status_label),
        ],
        "case-table",
        key=lambda c: c.id,
        selection="single",
        pagination=20,
    )


def cases_section(request: Request, act: Act, actor: Actor) -> None:
    chosen: dict[str, int | None] = {"id": None}
    shown = {"closed": False}

    @ui.refreshable
    def body() -> None:
        status = None if shown["closed"] else "open"
        page: cs.CasePage | None = act(request, lambda s, a: cases.list_cases(s, a, status=status))
        items = page.items if page else []
        table = case_table(items)

        def pick(_: object) -> None:
            chosen["id"] = int(table.selected[0]["key"]) if table.selected else None
            detail.refresh()

        table.on_select(pick)
        if not items:
            ui.label("没有挽留工单").classes("text-grey-7 q-pa-sm")
        detail()

    @ui.refreshable
    def detail() -> None:
        if chosen["id"] is not None:
            case_detail(request, act, actor, chosen["id"], body.refresh)

    def toggle(e: Any) -> None:
        shown["closed"] = bool(e.value)
        chosen["id"] = None
        body.refresh()

    with ui.row().classes("items-center"):
        ui.label("挽留工单").classes("text-h6")
        ui.switch("含已结案", on_change=toggle).props("id=cases-closed")
    body()


def effect_section(request: Request, act: Act) -> None:
    out: cs.EffectOut | None = act(request, lambda s, a: effect.report(s, a))
    if out is None:
        return
    ui.label(f"挽留效果 · {out.overall.org_name}").classes("text-h6 q-mt-md")
    rows = [*out.outlets, out.overall]
    grid(
        rows,
        [
            ("网点", lambda r: "合计" if r is out.overall else r.org_name),
            ("挽留组案件", lambda r: r.treated),
            ("挽留组流失率", lambda r: _pct(r.treated_rate)),
            ("对照组案件", lambda r: r.control),
            ("对照组流失率", lambda r: _pct(r.control_rate)),
            ("效果（百分点）", lambda r: _pp(r.uplift)),
            (
                "95% 置信区间",
                lambda r: "—" if r.ci_low is None else f"{_pp(r.ci_low)}～{_pp(r.ci_high)}",
            ),
            ("提示", lambda r: "样本不足" if r.too_small else ""),
        ],
        "effect-table",
        key=lambda r: r.org_id or "total",
    )
    ui.label(
        f"效果 = 对照组流失率 − 挽留组流失率；区间：{out.method}；"
        f"样本不足：任一组已有结果的案件少于 {out.min_group} 件。"
    ).classes("text-grey-7")


def retention_page(request: Request, act: Act, actor: Actor) -> None:
    with ui.column().classes("q-pa-md w-full"):
        ui.label("挽留").classes("text-h5")
        cases_section(request, act, actor)
        if actor.can(Permission.view_aggregates):
            effect_section(request, act)
