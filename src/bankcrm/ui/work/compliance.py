"""维护达标 (/compliance): rates per staff and tier, the drill-down, 建档 coverage."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.kit import clock
from bankcrm.maintenance import compliance
from bankcrm.maintenance import schemas as ms
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.ui.work.common import (
    FIGURES,
    MET,
    TASK_COLUMNS,
    Act,
    grid,
    pct,
)


def month_options(today: date) -> dict[str, str]:
    """The business month, the next one (tasks run 45 days ahead) and the eleven before it."""
    first = today.replace(day=1)
    months = [(first + timedelta(days=32)).replace(day=1), first]
    for _ in range(11):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return {m.strftime("%Y-%m"): m.strftime("%Y年%m月") for m in months}


def compliance_page(request: Request, act: Act, actor: Actor) -> None:
    today = clock.today()
    picked: dict[str, Any] = {"month": today.strftime("%Y-%m"), "staff": None}

    def bounds() -> tuple[date, date]:
        y, m = (int(x) for x in picked["month"].split("-"))
        return compliance.month_bounds(date(y, m, 1))

    @ui.refreshable
    def figures() -> None:
        first, last = bounds()
        by_staff = act(
            request, lambda s, a: compliance.compliance(s, a, first, last, by=("org", "staff"))
        )
        by_tier = act(
            request, lambda s, a: compliance.compliance(s, a, first, last, by=("org", "tier"))
        )
        ui.label(f"按员工（{first} 至 {last}，点击一行查看未完成任务）").classes("text-h6")
        rows: list[ms.ComplianceRow] = by_staff or []
        table = grid(
            rows,
            [
                ("机构", lambda r: r.org_name),
                ("员工", lambda r: r.staff_name),
                ("工号", lambda r: r.staff_id),
                *FIGURES,
            ],
            "compliance-table",
            key=lambda r: f"{r.org_id}|{r.staff_id}",
            pagination=30,
        )
        by_key = {f"{r.org_id}|{r.staff_id}": r for r in rows}
        table.on("rowClick", lambda e: drill(by_key.get(e.args[1]["key"])))
        ui.label("按层级").classes("text-h6 q-mt-md")
        grid(
            by_tier or [],
            [("机构", lambda r: r.org_name), ("层级", lambda r: r.tier or "（批量）"), *FIGURES],
            "compliance-tier-table",
            key=lambda r: f"{r.org_id}|{r.tier}",
        )
        missed_tasks()

    def drill(row: ms.ComplianceRow | None) -> None:
        if row is not None:
            picked["staff"] = (row.staff_id, row.staff_name or "")
            missed_tasks.refresh()

    @ui.refreshable
    def missed_tasks() -> None:
        if not picked["staff"]:
            return
        staff_id, name = picked["staff"]
        first, last = bounds()
        lost: list[ms.TaskOut] = (
            act(request, lambda s, a: compliance.missed(s, a, first, last, staff_id=staff_id)) or []
        )
        ui.label(f"{name}（{staff_id}）未完成任务：{len(lost)} 项").classes("text-h6 q-mt-md")
        grid(lost, TASK_COLUMNS, "missed-table", key=lambda t: t.id, pagination=20)

    def choose(month: str) -> None:
        picked.update(month=month, staff=None)
        figures.refresh()

    with ui.column().classes("q-pa-md w-full"):
        with ui.row().classes("items-center q-gutter-md"):
            ui.label("维护达标").classes("text-h5")
            ui.select(
                month_options(today),
                value=picked["month"],
                label="月份",
                on_change=lambda e: choose(str(e.value)),
            ).classes("w-40").props("for=compliance-month")
            if actor.can(Permission.export):
                ui.link("下载周例会材料", "/api/v1/compliance/meeting.xlsx").props(
                    "id=meeting-download"
                ).classes("q-ml-lg")
        figures()
        coverage_tables(request, act)


def coverage_tables(request: Request, act: Act) -> None:
    found = act(request, lambda s, a: compliance.coverage(s, a))
    cov, targets = found if found else ([], [])
    ui.label("建档覆盖").classes("text-h6 q-mt-md")
    grid(
        cov,
        [
            ("机构", lambda c: c.org_name),
            ("客户段", lambda c: c.band),
            ("客户数", lambda c: c.customers),
            ("已建档", lambda c: c.profiled),
            ("覆盖率", lambda c: pct(c.share)),
            ("目标", lambda c: pct(c.target)),
            ("达标", lambda c: MET[c.met]),
        ],
        "coverage-table",
        key=lambda c: f"{c.org_id}|{c.band}",
    )
    ui.label("产品指标").classes("text-h6 q-mt-md")
    grid(
        targets,
        [
            ("机构", lambda t: t.org_name),
            ("指标", lambda t: t.measure),
            ("客户数", lambda t: t.customers),
            ("达到", lambda t: t.meeting),
            ("占比", lambda t: pct(t.share)),
            ("目标", lambda t: pct(t.target)),
            ("达标", lambda t: MET[t.met]),
        ],
        "targets-table",
        key=lambda t: f"{t.org_id}|{t.measure}",
    )
