"""The customer 360 page's 维护记录: open tasks, contacts, 登记联系 and 申请移交."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import ui
from sqlalchemy.orm import Session

from bankcrm.assignment import handover
from bankcrm.assignment import schemas as hs
from bankcrm.assignment.orgmap import OrgMap
from bankcrm.churn import schemas as churn_schemas
from bankcrm.churn import service as churn
from bankcrm.customers import schemas as cs
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance import service
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.pages import beijing
from bankcrm.ui.work.common import (
    TASK_COLUMNS,
    Act,
    checked,
    grid,
    staff_choices,
)
from bankcrm.ui.work.tasks import contact_dialog


def handover_dialog(
    request: Request, act: Act, profile: cs.Profile, on_saved: Callable[[], object]
) -> Callable[[], object]:
    """申请移交: to an active member of the customer's sub-branch (and its outlets)."""

    def choices(s: Session, a: Actor) -> dict[str, str]:
        sub = OrgMap.load(s).sub_branch_of(profile.home_org_id)
        return staff_choices(s, sub, exclude=profile.owner_staff_id)

    with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
        ui.label("申请移交").classes("text-h6")
        ui.label(f"当前管户人：{profile.owner_name or '—'}").classes("text-grey-8")
        to = ui.select({}, label="接收人（同一支行）", with_input=True).classes("w-full")
        to.props("for=handover-to")
        reason = ui.input("移交原因").props("maxlength=200 for=handover-reason").classes("w-full")

        def submit() -> None:
            body = checked(
                lambda: hs.HandoverIn(
                    customer_id=profile.customer_id,
                    to_staff_id=str(to.value or ""),
                    reason=(reason.value or "").strip(),
                )
            )
            if body is None:
                return
            out = act(request, lambda s, a: handover.request(s, a, body))
            if out is not None:
                dialog.close()
                ui.notify(f"已提交移交申请（编号 {out.id}），待审批", type="positive")
                on_saved()

        with ui.row():
            ui.button("提交", on_click=submit).props("id=handover-submit color=primary")
            ui.button("取消", on_click=dialog.close).props("flat")

    def open_() -> None:
        to.set_options(act(request, choices) or {})
        reason.value = ""
        dialog.open()

    return open_


PLAN_FIELDS = (
    ("risk_tolerance", "风险承受能力"),
    ("assets_liabilities", "资产负债情况"),
    ("cash_flow", "现金流"),
    ("fund_flows", "资金往来"),
    ("products_used", "使用产品"),
)


def profile_card(request: Request, act: Act, actor: Actor, cid: str) -> None:
    """建档: lunar birthday and product preference; the service plan (required for 100万+)."""
    kept: ms.ProfileOut | None = act(request, lambda s, a: service.profile(s, a, cid))
    if kept is None:
        return
    editable = actor.can(Permission.log_contact)

    def done(save: Callable[..., None], session: Session, who: Actor, body: object) -> bool:
        save(session, who, cid, body)
        return True  # `act` answers None when the service refused

    with ui.card().classes("w-full q-mt-md"):
        ui.label("建档信息").classes("text-subtitle1")
        with ui.row().classes("items-center q-gutter-md"):
            lunar = ui.checkbox("按农历过生日", value=kept.lunar_birthday).props(
                "for=profile-lunar"
            )
            pref = ui.input("产品偏好", value=kept.product_preference or "").props(
                "maxlength=100 for=profile-preference"
            )
            if not editable:
                lunar.disable()
                pref.disable()

            def save_profile() -> None:
                body = checked(
                    lambda: ms.ProfileIn(
                        lunar_birthday=bool(lunar.value),
                        product_preference=(pref.value or "").strip() or None,
                    )
                )
                if body is not None and act(
                    request, lambda s, a: done(service.set_profile, s, a, body)
                ):
                    ui.notify("建档信息已保存", type="positive")

            if editable:
                ui.button("保存", on_click=save_profile).props("id=profile-save outline dense")
        plan = kept.service_plan
        with (
            ui.expansion("服务方案" + ("" if plan else "（未制定）"), value=False)
            .classes("w-full")
            .props("id=service-plan")
        ):
            boxes = {
                k: ui.textarea(label, value=getattr(plan, k) if plan else "")
                .props(f"maxlength=500 autogrow for=plan-{k}")
                .classes("w-full")
                for k, label in PLAN_FIELDS
            }

            def save_plan() -> None:
                body = checked(
                    lambda: ms.ServicePlanIn(
                        **{k: (b.value or "").strip() for k, b in boxes.items()}
                    )
                )
                if body is not None and act(
                    request, lambda s, a: done(service.set_service_plan, s, a, body)
                ):
                    ui.notify("服务方案已保存", type="positive")

            if editable:
                ui.button("保存服务方案", on_click=save_plan).props("id=plan-save outline dense")
            else:
                for b in boxes.values():
                    b.disable()


def customer_section(request: Request, act: Act, actor: Actor, profile: cs.Profile) -> None:
    """The 360 page's 维护记录: open tasks, recent contacts, 登记联系 and 申请移交."""
    cid = profile.customer_id

    @ui.refreshable
    def body() -> None:
        tasks: ms.TaskPage | None = act(
            request, lambda s, a: service.list_tasks(s, a, customer_id=cid, status="open")
        )
        done: list[ms.ContactOut] = act(request, lambda s, a: service.contacts(s, a, cid)) or []
        with ui.row().classes("w-full q-gutter-md no-wrap items-start"):
            with ui.card().classes("col"):
                ui.label("待办任务").classes("text-subtitle1")
                own = [c for c in TASK_COLUMNS if c[0] not in ("客户号", "客户", "层级")]
                grid(tasks.items if tasks else [], own, "customer-tasks", key=lambda t: t.id)
            with ui.card().classes("col"):
                ui.label("联系记录").classes("text-subtitle1")
                grid(
                    done,
                    [
                        ("联系时间", lambda c: beijing(c.contacted_at)),
                        ("方式", lambda c: ms.CHANNEL_LABELS.get(c.channel, c.channel)),
                        ("结果", lambda c: ms.OUTCOME_LABELS.get(c.outcome, c.outcome)),
                        ("内容", lambda c: c.note),
                        ("下一步", lambda c: c.next_step),
                        ("产品", lambda c: c.product_code),
                        ("工号", lambda c: c.staff_id),
                    ],
                    "customer-contacts",
                    key=lambda c: c.id,
                    pagination=10,
                )

    with ui.row().classes("items-center q-mt-md"):
        ui.label("维护记录").classes("text-h6")
        if actor.can(Permission.log_contact):
            log = contact_dialog(request, act, body.refresh)
            ui.button("登记联系", on_click=lambda: log(cid, None)).props(
                "id=contact-open outline"
            ).classes("q-ml-md")
        owner = actor.staff_id is not None and actor.staff_id == profile.owner_staff_id
        if owner or actor.can(Permission.manage_assignment):
            move = handover_dialog(request, act, profile, body.refresh)
            ui.button("申请移交", on_click=move).props("id=handover-open outline").classes(
                "q-ml-sm"
            )
    body()
    churn_card(request, act, cid)
    profile_card(request, act, actor, cid)


BAND_LABELS = {
    "high": ("高风险", "red-8"),
    "medium": ("中风险", "orange-8"),
    "low": ("低风险", "green-8"),
}


def churn_card(request: Request, act: Act, cid: str) -> None:
    """流失预警: the latest score, its band, the model's reasons and the policy's indicators."""
    view: churn_schemas.ChurnView | None = act(request, lambda s, a: churn.latest_churn(s, a, cid))
    with ui.card().classes("w-full q-mt-md").props("id=churn-card"):
        ui.label("流失预警").classes("text-subtitle1")
        if view is None:
            ui.label("尚无流失评分（夜间批处理在训练模型后评分）").classes("text-grey-7")
            return
        label, colour = BAND_LABELS.get(view.band, (view.band, "grey-8"))
        with ui.row().classes("items-center q-gutter-md"):
            ui.badge(label, color=colour).props("id=churn-band")
            ui.label(f"流失概率 {view.score:.0%}").classes("text-body1")
            ui.label(f"评分日 {view.as_of:%Y年%m月%d日} · 模型 {view.model_version}").classes(
                "text-grey-7"
            )
        with ui.row().classes("w-full q-gutter-md no-wrap items-start"):
            with ui.column().classes("col"):
                ui.label("主要原因（模型）").classes("text-grey-8")
                for r in view.reasons or []:
                    ui.label(f"· {r.text}")
                if not view.reasons:
                    ui.label("无推高风险的因素").classes("text-grey-7")
            with ui.column().classes("col"):
                ui.label("预警指标（规则）").classes("text-grey-8")
                for i in view.indicators:
                    ui.label(f"· {i.text}")
                if not view.indicators:
                    ui.label("未触发").classes("text-grey-7")
                for note in view.notes:
                    ui.label(note).classes("text-caption text-grey-6")
