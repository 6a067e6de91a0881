"""管户移交 (/handovers): requests to decide, one's own requests, the reassignment queue."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import ui
from sqlalchemy.orm import Session

from bankcrm.assignment import handover
from bankcrm.assignment import schemas as hs
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.pages import beijing
from bankcrm.ui.work.common import (
    HANDOVER_STATUS,
    Act,
    fen_wan,
    grid,
    staff_choices,
)


def decision_rows(
    request: Request, act: Act, items: list[hs.HandoverOut], done: Callable[[], object]
) -> None:
    """待我审批: one line per pending request with a note and 同意 / 驳回."""
    if not items:
        ui.label("没有待审批的移交申请").classes("text-grey-7 q-pa-sm")
    for h in items:
        with ui.row().classes("items-center w-full q-py-xs no-wrap").props(f"id=handover-{h.id}"):
            ui.label(f"#{h.id}").classes("w-12")
            ui.link(h.customer_name or h.customer_id, f"/customers/{h.customer_id}").classes("w-24")
            ui.label(f"{h.from_staff_name or h.from_staff_id} → {h.to_staff_name or h.to_staff_id}")
            if h.cross_outlet:
                ui.badge("跨网点", color="orange")
            ui.label(f"原因：{h.reason}").classes("w-48")
            ui.label(f"{h.requested_by} {beijing(h.requested_at)}").classes("text-grey-7")
            ui.space()
            note = ui.input("审批意见").props("dense maxlength=500").classes("w-48")

            def decide(h: hs.HandoverOut = h, note: ui.input = note, ok: bool = True) -> None:
                body = hs.DecisionIn(
                    decision=hs.Decision.approve if ok else hs.Decision.reject,
                    note=(note.value or "").strip() or None,
                )
                if act(request, lambda s, a: handover.decide(s, a, h.id, body)) is not None:
                    ui.notify("已同意，管户已变更" if ok else "已驳回", type="positive")
                    done()

            ui.button("同意", on_click=lambda d=decide: d(ok=True)).props(
                f"id=approve-{h.id} color=positive dense"
            )
            ui.button("驳回", on_click=lambda d=decide: d(ok=False)).props(
                f"id=reject-{h.id} color=negative dense outline"
            )


def handover_table(items: list[hs.HandoverOut]) -> None:
    grid(
        items,
        [
            ("编号", lambda h: h.id),
            ("客户号", lambda h: h.customer_id),
            ("客户", lambda h: h.customer_name),
            ("移出", lambda h: h.from_staff_name or h.from_staff_id),
            ("接收", lambda h: h.to_staff_name or h.to_staff_id),
            ("原因", lambda h: h.reason),
            ("状态", lambda h: HANDOVER_STATUS.get(h.status, h.status)),
            ("申请时间", lambda h: beijing(h.requested_at)),
            ("审批人", lambda h: h.decided_by),
            ("审批意见", lambda h: h.decision_note),
        ],
        "my-handovers",
        key=lambda h: h.id,
        pagination=20,
    )


def queue_section(request: Request, act: Act) -> None:
    """待分配客户: customers whose owner left or whom the nightly could not place."""

    def load(s: Session, a: Actor) -> tuple[list[hs.QueueItem], dict[str, str]]:
        return handover.queue(s, a), staff_choices(s, a.org_id)

    @ui.refreshable
    def body() -> None:
        found = act(request, load)
        items, staff = found if found else ([], {})
        table = grid(
            items,
            [
                ("客户号", lambda q: q.customer_id),
                ("客户", lambda q: q.customer_name),
                ("归属机构", lambda q: q.home_org_id),
                ("层级", lambda q: q.tier),
                ("月日均（万元）", lambda q: fen_wan(q.aum_month_avg_fen)),
                ("原管户人", lambda q: q.staff_name or q.staff_id),
                ("原因", lambda q: q.why),
            ],
            "queue-table",
            key=lambda q: q.customer_id,
            selection="single",
            pagination=20,
        )
        with ui.row().classes("items-center"):
            to = ui.select(staff, label="分配给", with_input=True).classes("w-64")
            to.props("for=queue-staff")

            def place() -> None:
                if not table.selected or not to.value:
                    ui.notify("请选择客户和员工", type="warning")
                    return
                cid, sid = str(table.selected[0]["key"]), str(to.value)

                def assign(s: Session, a: Actor) -> bool:
                    handover.reassign(s, a, cid, sid)
                    return True

                if act(request, assign):
                    ui.notify(f"已将客户 {cid} 分配给 {staff.get(sid, sid)}", type="positive")
                    body.refresh()

            ui.button("分配", on_click=place).props("id=queue-assign color=primary")

    ui.label("待分配客户").classes("text-h6 q-mt-md")
    body()


def handovers_page(request: Request, act: Act, actor: Actor) -> None:
    manage = actor.can(Permission.manage_assignment)

    @ui.refreshable
    def lists() -> None:
        mine: list[hs.HandoverOut] = act(request, lambda s, a: handover.handovers(s, a)) or []
        if manage:
            pending: list[hs.HandoverOut] = (
                act(request, lambda s, a: handover.handovers(s, a, "pending")) or []
            )
            ui.label("待我审批").classes("text-h6")
            with ui.card().classes("w-full").props("id=handover-pending"):
                decision_rows(request, act, [h for h in pending if h.can_decide], lists.refresh)
        ui.label("我的申请").classes("text-h6 q-mt-md")
        handover_table([h for h in mine if h.requested_by == actor.username])

    with ui.column().classes("q-pa-md w-full"):
        ui.label("管户移交").classes("text-h5")
        lists()
        if manage:
            queue_section(request, act)
