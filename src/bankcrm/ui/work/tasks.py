"""今日待办 and the task calendar (/tasks), with the 登记联系 and 群发 dialogs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.kit import clock
from bankcrm.maintenance import compliance, service
from bankcrm.maintenance import schemas as ms
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.work.common import (
    KIND_COLORS,
    TASK_COLUMNS,
    WEEKDAYS,
    Act,
    OpenContact,
    checked,
    grid,
    staff_choices,
)


def contact_dialog(
    request: Request, act: Act, on_saved: Callable[[], object]
) -> Callable[[str, ms.TaskOut | None], None]:
    """The 登记联系 dialog; returns `open(customer_id, task)` — with a task (from a task list)
    that task is completed, without one the service picks the matching open task."""
    target: dict[str, Any] = {}
    with ui.dialog() as dialog, ui.card().classes("w-[30rem]"):
        ui.label("登记联系").classes("text-h6")
        about = ui.label("").classes("text-grey-8")
        channel = ui.select(ms.CHANNEL_LABELS, value="phone", label="联系方式").classes("w-full")
        channel.props("for=contact-channel")
        outcome = ui.select(ms.OUTCOME_LABELS, value="reached", label="联系结果").classes("w-full")
        outcome.props("for=contact-outcome")
        note = ui.textarea("沟通内容").props("outlined autogrow maxlength=1000 for=contact-note")
        note.classes("w-full")
        step = ui.input("下一步").props("maxlength=200 for=contact-next").classes("w-full")
        product = ui.input("推荐产品代码（选填）").props("maxlength=32 for=contact-product")
        product.classes("w-full")

        def save() -> None:
            task: ms.TaskOut | None = target.get("task")
            body = checked(
                lambda: ms.ContactIn(
                    customer_id=target["customer_id"],
                    channel=ms.Channel(channel.value),
                    outcome=ms.Outcome(outcome.value),
                    note=(note.value or "").strip() or None,
                    next_step=(step.value or "").strip() or None,
                    product_code=(product.value or "").strip() or None,
                    task_id=task.id if task else None,
                )
            )
            if body is None:
                return
            out: ms.ContactOut | None = act(request, lambda s, a: service.log_contact(s, a, body))
            if out is None:
                return
            dialog.close()
            done = out.completed_task is not None
            ui.notify(
                "已登记，任务已完成" if done else "已登记（没有对应的待办任务）", type="positive"
            )
            on_saved()

        with ui.row():
            ui.button("保存", on_click=save).props("id=contact-save color=primary")
            ui.button("取消", on_click=dialog.close).props("flat")

    def open_(customer_id: str, task: ms.TaskOut | None = None) -> None:
        target.update(customer_id=customer_id, task=task)
        about.text = f"客户 {customer_id}" + (
            f"；完成任务：{task.kind_label} {task.occasion}（{task.due_on}）" if task else ""
        )
        note.value = step.value = product.value = ""
        dialog.open()

    return open_


def message_dialog(
    request: Request, act: Act, on_saved: Callable[[], object]
) -> Callable[[], object]:
    """The 群发产品信息 dialog: one batch message to every customer the user maintains."""
    with ui.dialog() as dialog, ui.card().classes("w-[30rem]"):
        ui.label("群发产品信息").classes("text-h6")
        ui.label("收件人：本人管户的全部维护客户").classes("text-grey-8")
        text = ui.textarea("信息内容").props("outlined autogrow maxlength=500 for=message-text")
        text.classes("w-full")
        product = ui.input("产品代码（选填）").props("maxlength=32 for=message-product")
        product.classes("w-full")

        def send() -> None:
            body = checked(
                lambda: ms.ProductMessageIn(
                    message=(text.value or "").strip(),
                    product_code=(product.value or "").strip() or None,
                )
            )
            if body is None:
                return
            out: ms.ProductMessageOut | None = act(
                request, lambda s, a: service.send_product_message(s, a, body)
            )
            if out is None:
                return
            dialog.close()
            done = "，批量任务已完成" if out.completed_task_id else "（没有已到期的批量任务）"
            ui.notify(f"已发送给 {out.recipients} 位客户{done}", type="positive")
            on_saved()

        with ui.row():
            ui.button("发送", on_click=send).props("id=message-send color=primary")
            ui.button("取消", on_click=dialog.close).props("flat")

    def open_() -> None:
        text.value = product.value = ""
        dialog.open()

    return open_


def task_rows(
    items: list[ms.TaskOut], actor: Actor, log: OpenContact, send: Callable[[], object]
) -> None:
    """One line per task: due date, kind, occasion, masked customer, tier, overdue, action."""
    if not items:
        ui.label("没有待办任务").classes("text-grey-7 q-pa-sm")
    can_log, today = actor.can(Permission.log_contact), clock.today()
    for t in items:
        with ui.row().classes("items-center w-full q-py-xs no-wrap").props(f"id=task-{t.id}"):
            ui.label(t.due_on.isoformat()).classes("w-24")
            with ui.element("div").classes("w-32"):
                ui.badge(t.kind_label, color=KIND_COLORS.get(t.kind, "grey"))
            ui.label(t.occasion).classes("w-40")
            if t.customer_id:
                name = t.customer_name or t.customer_id
                ui.link(name, f"/customers/{t.customer_id}").classes("w-24")
            else:
                ui.label("全部管户客户").classes("w-24 text-grey-7")
            ui.label(t.tier or "").classes("w-16")
            ui.label(f"截止 {t.deadline.isoformat()}").classes("w-32 text-grey-7")
            if t.overdue:
                ui.badge("逾期", color="negative")
            ui.space()
            if can_log and t.customer_id:
                ui.button("登记联系", on_click=lambda t=t: log(t)).props(
                    f"id=log-contact-{t.id} outline dense"
                )
            elif can_log:
                button = ui.button("群发产品信息", on_click=send)
                button.props(f"id=send-message-{t.id} outline dense")
                early = t.due_on - timedelta(days=service.BATCH_EARLY_DAYS)
                if early > today:  # the service completes batch tasks due within a week
                    button.disable()
                    button.tooltip(f"{early.isoformat()} 起可群发并完成本批任务")


class Calendar:
    """The 列表 / 周 / 月 views of `list_tasks` with prev/next and (for heads) a staff filter."""

    def __init__(self, request: Request, act: Act, actor: Actor, log: OpenContact) -> None:
        self.request, self.act, self.actor, self.log = request, act, actor, log
        self.mode, self.anchor, self.staff = "month", clock.today(), ""
        self.items: list[ms.TaskOut] = []
        self.day: date | None = None

    def period(self) -> tuple[date, date]:
        if self.mode == "week":
            monday = self.anchor - timedelta(days=self.anchor.weekday())
            return monday, monday + timedelta(days=6)
        return compliance.month_bounds(self.anchor)

    def turn(self, step: int) -> None:
        if self.mode == "week":
            self.anchor += timedelta(days=7 * step)
        else:
            first = self.anchor.replace(day=1)
            self.anchor = (first + timedelta(days=32 if step > 0 else -1)).replace(day=1)
        self.day = None
        self.body.refresh()

    def switch(self, mode: str | None = None, staff: str | None = None) -> None:
        self.mode = mode or self.mode
        self.staff = self.staff if staff is None else staff
        self.body.refresh()

    def build(self) -> None:
        with ui.row().classes("items-center q-gutter-sm"):
            with ui.tabs() as tabs:
                ui.tab("list", "列表").props("id=tab-list")
                ui.tab("week", "周").props("id=tab-week")
                ui.tab("month", "月").props("id=tab-month")
            tabs.value = self.mode
            tabs.on_value_change(lambda e: self.switch(mode=str(e.value)))
            ui.button("上一期", on_click=lambda: self.turn(-1)).props("flat id=cal-prev")
            ui.button("下一期", on_click=lambda: self.turn(1)).props("flat id=cal-next")
            if not self.actor.assigned_only:
                found = self.act(self.request, lambda s, a: staff_choices(s, a.org_id))
                ui.select(
                    {"": "全部", **(found or {})},
                    value="",
                    label="员工",
                    with_input=True,
                    on_change=lambda e: self.switch(staff=str(e.value or "")),
                ).classes("w-56").props("for=cal-staff")
        self.body()

    @ui.refreshable_method
    def body(self) -> None:
        first, last = self.period()
        page: ms.TaskPage | None = self.act(
            self.request,
            lambda s, a: service.list_tasks(
                s, a, first=first, last=last, staff_id=self.staff or None, limit=2000
            ),
        )
        self.items = page.items if page else []
        more = (
            f"（共 {page.total} 项，显示前 {len(self.items)} 项）"
            if page and page.total > 2000
            else ""
        )
        ui.label(f"{first.isoformat()} 至 {last.isoformat()}，{len(self.items)} 项{more}").props(
            "id=cal-period"
        ).classes("text-subtitle1")
        if self.mode == "list":
            self.table(self.items, "calendar-table")
        elif self.mode == "week":
            self.week(first)
        else:
            self.month(first, last)

    def table(self, items: list[ms.TaskOut], element_id: str) -> None:
        table = grid(items, TASK_COLUMNS, element_id, key=lambda t: t.id, pagination=50)
        by_id = {t.id: t for t in items}
        table.on("rowClick", lambda e: self.pick(by_id.get(e.args[1]["key"])))

    def pick(self, task: ms.TaskOut | None) -> None:
        """A click on an open task of a customer opens the contact dialog for it."""
        if task and task.customer_id and task.status == "open":
            if self.actor.can(Permission.log_contact):
                self.log(task)
            return
        if task and task.customer_id:
            ui.navigate.to(f"/customers/{task.customer_id}")

    def week(self, monday: date) -> None:
        by_day: dict[date, list[ms.TaskOut]] = defaultdict(list)
        for t in self.items:
            by_day[t.due_on].append(t)
        with ui.row().classes("w-full no-wrap items-start gap-1").props("id=calendar-week"):
            for i in range(7):
                d = monday + timedelta(days=i)
                today = " bg-blue-1" if d == clock.today() else ""
                with ui.column().classes(f"col gap-1 q-pa-xs rounded-borders border{today}"):
                    ui.label(f"周{WEEKDAYS[i]} {d:%m-%d}").classes("text-weight-bold")
                    for t in by_day[d]:
                        self.chip(t)

    def chip(self, t: ms.TaskOut) -> None:
        state = " 已完成" if t.status == "done" else (" 逾期" if t.overdue else "")
        who = t.customer_name or "批量"
        color = "green-7" if t.status == "done" else KIND_COLORS.get(t.kind, "grey")
        ui.chip(
            f"{t.kind_label} {who}{state}",
            color="negative" if t.overdue else color,
            text_color="white",
            on_click=lambda t=t: self.pick(t),
        ).props(f"dense id=task-chip-{t.id}").tooltip(f"{t.occasion}，截止 {t.deadline}")

    def month(self, first: date, last: date) -> None:
        by_day: dict[date, list[ms.TaskOut]] = defaultdict(list)
        for t in self.items:
            by_day[t.due_on].append(t)
        with (
            ui.element("div")
            .classes("w-full")
            .props("id=calendar-month")
            .style("display:grid;grid-template-columns:repeat(7,1fr);gap:4px")
        ):
            for w in WEEKDAYS:
                ui.label(f"周{w}").classes("text-center text-weight-bold")
            for _ in range(first.weekday()):
                ui.element("div")
            for n in range(1, last.day + 1):
                self.cell(first.replace(day=n), by_day[first.replace(day=n)])
        self.detail()

    def cell(self, d: date, items: list[ms.TaskOut]) -> None:
        shade = "bg-blue-1" if d == clock.today() else ("bg-grey-2" if d.weekday() > 4 else "")
        with (
            ui.element("div")
            .classes(f"q-pa-xs rounded-borders border cursor-pointer {shade}")
            .style("min-height:72px")
            .props(f"id=day-{d.isoformat()}")
            .on("click", lambda d=d: self.choose(d))
        ):
            ui.label(str(d.day)).classes("text-weight-bold")
            for kind, n in sorted(Counter(t.kind_label for t in items).items()):
                ui.label(f"{kind} {n}").classes("text-caption")

    def choose(self, d: date) -> None:
        self.day = d
        self.detail.refresh()

    @ui.refreshable_method
    def detail(self) -> None:
        if self.day is None:
            ui.label("点击日期查看当天任务").classes("text-grey-7")
            return
        ui.label(f"{self.day.isoformat()} 的任务").classes("text-subtitle1 q-mt-sm")
        self.table([t for t in self.items if t.due_on == self.day], "day-table")


def tasks_page(request: Request, act: Act, actor: Actor) -> None:
    today = clock.today()
    soon = today + timedelta(days=7)

    def refresh() -> None:
        lists.refresh()
        cal.body.refresh()

    log = contact_dialog(request, act, refresh)
    send = message_dialog(request, act, refresh)

    def open_task(t: ms.TaskOut) -> None:
        if t.customer_id:
            log(t.customer_id, t)

    @ui.refreshable
    def lists() -> None:
        now: ms.TaskPage | None = act(request, lambda s, a: service.today_list(s, a))
        ui.label(f"今日待办（{today.isoformat()}）").classes("text-h5")
        with ui.card().classes("w-full").props("id=today-list"):
            task_rows(now.items if now else [], actor, open_task, send)
        ahead: ms.TaskPage | None = act(
            request,
            lambda s, a: service.list_tasks(
                s,
                a,
                first=today + timedelta(days=1),
                last=soon,
                staff_id=a.staff_id,
                status="open",
                limit=200,
            ),
        )
        ui.label(f"近七日待办（至 {soon.isoformat()}，可提前完成）").classes("text-h6 q-mt-md")
        with ui.card().classes("w-full").props("id=upcoming-list"):
            task_rows(ahead.items if ahead else [], actor, open_task, send)

    with ui.column().classes("q-pa-md w-full"):
        lists()
        ui.label("任务日历").classes("text-h6 q-mt-md")
        cal = Calendar(request, act, actor, open_task)
        cal.build()
