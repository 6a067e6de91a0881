"""预警 (/alerts): the alert inbox — counts by status and severity, filters, and the workflow
(确认 / 处理 with a logged contact / 排除 with a reason). Evidence in 中文, amounts in 万元."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from bankcrm.alerts import schemas as s
from bankcrm.alerts import service
from bankcrm.alerts.rules import SEVERITY_LABELS
from bankcrm.maintenance import schemas as ms
from bankcrm.security.actor import Actor
from bankcrm.ui.work.common import Act

SEVERITY_COLORS = {"high": "red-7", "medium": "orange-8", "low": "grey-7"}
STATUS_CHOICES = {"": "全部", **s.STATUS_LABELS}
SEVERITY_CHOICES = {"": "全部", **SEVERITY_LABELS}


PAGE_SIZE = 50


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    page = q.get("page", "1")
    return {
        "status": q.get("status", "new") if q.get("status", "new") in STATUS_CHOICES else "new",
        "severity": q.get("severity", "") if q.get("severity", "") in SEVERITY_CHOICES else "",
        "page": page if page.isdigit() and 1 <= int(page) <= 10_000 else "1",
    }


def _go(filters: dict[str, str], **change: str) -> None:
    query = filters | change
    ui.navigate.to(f"/alerts?{urlencode(query)}")


def alerts_page(request: Request, act: Act, actor: Actor) -> None:
    del actor  # the services scope by the live session's actor (through `act`)
    f = _filters(request)
    counts = act(request, lambda sn, a: service.counts(sn, a))
    number = int(f["page"])
    page = act(
        request,
        lambda sn, a: service.list_alerts(
            sn,
            a,
            status=f["status"] or None,
            severity=f["severity"] or None,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        ),
    )
    if counts is None or page is None:
        return
    with ui.column().classes("q-pa-md w-full"):
        ui.label("事件预警").classes("text-h5")
        _count_cards(counts)
        with ui.row().classes("items-center"):
            ui.select(
                STATUS_CHOICES, value=f["status"], label="状态",
                on_change=lambda e: _go(f, status=e.value or "", page="1"),
            ).classes("w-32").props("id=filter-status")  # fmt: skip
            ui.select(
                SEVERITY_CHOICES, value=f["severity"], label="级别",
                on_change=lambda e: _go(f, severity=e.value or "", page="1"),
            ).classes("w-32").props("id=filter-severity")  # fmt: skip
            ui.label(f"共 {page.total:,} 条").classes("q-ml-md text-grey-8").props("id=alert-total")
        if not page.items:
            ui.label("没有符合条件的预警").classes("text-grey-7 q-pa-sm")
        for a in page.items:
            _row(request, act, a, lambda: _go(f))
        _pager(f, number, page.total)


def _pager(f: dict[str, str], number: int, total: int) -> None:
    """上一页 / 下一页 over the filtered list, 50 alerts a page."""
    pages = max(1, -(-total // PAGE_SIZE))
    if pages == 1:
        return
    with ui.row().classes("items-center q-mt-sm"):
        ui.button("上一页", on_click=lambda: _go(f, page=str(number - 1))).props(
            "id=page-prev flat dense" + (" disable" if number <= 1 else "")
        )
        ui.label(f"第 {min(number, pages)} / {pages} 页").props("id=page-of")
        ui.button("下一页", on_click=lambda: _go(f, page=str(number + 1))).props(
            "id=page-next flat dense" + (" disable" if number >= pages else "")
        )


def _count_cards(c: s.Counts) -> None:
    with ui.row().classes("q-gutter-md"):
        cards = [(s.STATUS_LABELS[k], v, f"count-{k}") for k, v in c.by_status.items()]
        cards += [(f"未结·{SEVERITY_LABELS[k]}", v, f"count-{k}") for k, v in c.by_severity.items()]
        cards.append(("超时升级", c.escalated, "count-escalated"))
        for label, n, element in cards:
            with ui.card().classes("w-32"):
                ui.label(label).classes("text-grey-7")
                ui.label(f"{n:,}").classes("text-h5").props(f"id={element}")


def _row(request: Request, act: Act, a: s.AlertOut, done: object) -> None:
    with ui.card().classes("w-full q-py-xs").props(f"id=alert-{a.id}"):
        with ui.row().classes("items-center w-full no-wrap"):
            ui.badge(SEVERITY_LABELS[a.severity], color=SEVERITY_COLORS[a.severity])
            ui.label(a.rule_label).classes("text-weight-bold")
            ui.link(a.customer_name or a.customer_id, f"/customers/{a.customer_id}")
            ui.label(s.STATUS_LABELS[a.status]).classes("text-grey-8")
            if a.escalated:
                ui.badge("已升级", color="purple-7")
            ui.label(f"应办 {a.due_on or '—'}").classes("text-grey-7")
            ui.space()
            if a.status == "new":
                ui.button("确认", on_click=lambda: _ack(request, act, a, done)).props(
                    f"id=ack-{a.id} dense outline"
                )
            if a.status in ("new", "acknowledged"):
                ui.button("处理", on_click=lambda: _handle_dialog(request, act, a, done)).props(
                    f"id=handle-{a.id} dense color=positive"
                )
                ui.button("排除", on_click=lambda: _dismiss_dialog(request, act, a, done)).props(
                    f"id=dismiss-{a.id} dense flat color=negative"
                )
        ui.label(a.evidence).classes("text-body2").props(f"id=evidence-{a.id}")
        if a.dismiss_reason:
            ui.label(f"排除原因：{a.dismiss_reason}").classes("text-grey-7")


def _after(result: object, message: str, done: object) -> None:
    if result is not None:
        ui.notify(message, type="positive")
        done()  # type: ignore[operator]


def _ack(request: Request, act: Act, a: s.AlertOut, done: object) -> None:
    _after(act(request, lambda sn, x: service.acknowledge(sn, x, a.id)), "已确认", done)


def _handle_dialog(request: Request, act: Act, a: s.AlertOut, done: object) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        ui.label(f"处理预警：{a.rule_label}").classes("text-h6")
        log = ui.checkbox("同时登记联系（完成维护任务）", value=True)
        channel = ui.select(ms.CHANNEL_LABELS, value="phone", label="渠道").props(
            "for=handle-channel"
        )
        outcome = ui.select(ms.OUTCOME_LABELS, value="reached", label="结果")
        note = ui.textarea("记录").props("for=handle-note maxlength=1000")

        def submit() -> None:
            contact = (
                s.AlertContact(
                    channel=ms.Channel(channel.value),
                    outcome=ms.Outcome(outcome.value),
                    note=(note.value or "").strip() or None,
                )
                if log.value
                else None
            )
            body = s.HandleIn(contact=contact)
            result = act(request, lambda sn, x: service.handle(sn, x, a.id, body))
            if result is not None:
                dialog.close()
            _after(result, "已处理" + ("，已登记联系" if contact else ""), done)

        with ui.row():
            ui.button("提交", on_click=submit).props("id=handle-submit color=positive")
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()


def _dismiss_dialog(request: Request, act: Act, a: s.AlertOut, done: object) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        ui.label(f"排除预警：{a.rule_label}").classes("text-h6")
        reason = ui.input("排除原因（必填）").props("for=dismiss-reason maxlength=200")

        def submit() -> None:
            text = (reason.value or "").strip()
            if len(text) < 2:
                ui.notify("请填写排除原因（至少 2 个字）", type="warning")
                return
            result = act(
                request, lambda sn, x: service.dismiss(sn, x, a.id, s.DismissIn(reason=text))
            )
            if result is not None:
                dialog.close()
            _after(result, "已排除", done)

        with ui.row():
            ui.button("提交", on_click=submit).props("id=dismiss-submit color=negative")
            ui.button("取消", on_click=dialog.close).props("flat")
    dialog.open()
