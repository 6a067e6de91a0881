"""Shared pieces of the maintenance workbench: types, formatting, tables, staff choices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui
from pydantic import ValidationError
from sqlalchemy.orm import Session

from bankcrm.assignment.orgmap import OrgMap
from bankcrm.maintenance import schemas as ms
from bankcrm.orgs import service as orgs
from bankcrm.security import service as security
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.pages import wan

Work = Callable[[Session, Actor], Any]
Act = Callable[[Request, Work], Any]
Enter = Callable[
    [Request, str, Permission | None, str], security.Authenticated | RedirectResponse | None
]
OpenContact = Callable[[ms.TaskOut], None]
T = TypeVar("T")

WEEKDAYS = "一二三四五六日"
HANDOVER_STATUS = {"pending": "待审批", "approved": "已同意", "rejected": "已驳回"}
KIND_COLORS = {
    "contact": "blue-7",
    "greeting": "pink-6",
    "salon": "purple-6",
    "gift": "orange-8",
    "flowers": "red-5",
    "exec_visit": "brown-6",
    "product_message": "teal-7",
}


def fen_wan(fen: int | None) -> str:
    return "" if fen is None else wan(Decimal(fen) / 100)


def pct(share: Decimal | None) -> str:
    """A ratio as a percentage with one decimal (按时完成率, 覆盖率); — when unknown."""
    return "—" if share is None else f"{(share * 100).quantize(Decimal('0.1'))}%"


def shown(value: object) -> object:
    """A table cell: dates as YYYY-MM-DD, nothing as an empty cell."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value


def grid(
    items: Sequence[T],
    spec: Sequence[tuple[str, Callable[[T], object]]],
    element_id: str,
    *,
    key: Callable[[T], object],
    **options: Any,
) -> ui.table:
    """A table of `items`, one column per (label, value of an item); rows carry `key`."""
    cols = [
        {"name": f"c{i}", "label": lb, "field": f"c{i}", "align": "left"}
        for i, (lb, _) in enumerate(spec)
    ]
    rows = [
        {"key": key(x), **{f"c{i}": shown(get(x)) for i, (_, get) in enumerate(spec)}}
        for x in items
    ]
    table = ui.table(columns=cols, rows=rows, row_key="key", **options)
    return table.classes("w-full").props(f"id={element_id}")


def status_of(t: ms.TaskOut) -> str:
    if t.status == "done":
        return f"已完成（{t.done_on.isoformat() if t.done_on else ''}）"
    if t.overdue:
        return "逾期未完成"
    return ms.STATUS_LABELS.get(t.status, t.status)


TASK_COLUMNS: list[tuple[str, Callable[[ms.TaskOut], object]]] = [
    ("应办日期", lambda t: t.due_on),
    ("截止日期", lambda t: t.deadline),
    ("类型", lambda t: t.kind_label),
    ("事项", lambda t: t.occasion),
    ("客户号", lambda t: t.customer_id),
    ("客户", lambda t: t.customer_name),
    ("层级", lambda t: t.tier),
    ("员工", lambda t: t.staff_name or t.staff_id),
    ("状态", status_of),
]
FIGURES: list[tuple[str, Callable[[ms.ComplianceRow], object]]] = [
    ("应办", lambda r: r.due),
    ("按时", lambda r: r.on_time),
    ("逾期完成", lambda r: r.late),
    ("未完成", lambda r: r.missed),
    ("待办", lambda r: r.pending),
    ("按时完成率", lambda r: pct(r.rate)),
]
MET = {True: "✔ 达标", False: "✘ 未达标"}


def staff_choices(
    session: Session, org_id: str | None, *, exclude: str | None = None
) -> dict[str, str]:
    """Active staff of `org_id` and every unit below it, as select options 姓名（工号）."""
    if org_id is None:
        return {}
    units = OrgMap.load(session).subtree(org_id)
    return {
        st.staff_id: f"{st.name}（{st.staff_id}）"
        for st in orgs.staff_in(session, units)
        if st.staff_id != exclude
    }


def checked(build: Callable[[], Any]) -> Any:
    """A request body from the form, or None (and a notice) when a field is out of bounds."""
    try:
        return build()
    except ValidationError as exc:
        ui.notify(f"输入有误：{exc.errors()[0]['msg']}", type="warning")
        return None
