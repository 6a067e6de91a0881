"""Compliance with the maintenance standards and 建档 coverage (issue 6).

Per task (its month = the month of its due date): on time = done by its deadline; late = done
after it; missed = still open after it; pending = open, deadline not yet passed. The rate is
on time ÷ (on time + late + missed): tasks whose outcome is known.

建档 coverage per outlet and band of 月日均 (5万+, 20万+, 100万+): a profile is complete when the
customer has an address, employer, mobile, home phone, risk profile and product preference;
every 100万+ customer needs a service plan; 100万+ customers should hold ≥ 5 products; 20万+
customers the key products (gold debit card, credit card, e-banking) — targets from the policy.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import xlsxwriter
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from bankcrm.customers.export import watermark
from bankcrm.customers.models import Customer
from bankcrm.errors import Forbidden, InvalidInput
from bankcrm.kit import clock
from bankcrm.maintenance import policies
from bankcrm.maintenance import schemas as s
from bankcrm.maintenance.models import CustomerProfile, ServicePlan, Task
from bankcrm.maintenance.policy import CoverageTarget
from bankcrm.orgs import service as orgs_service
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.security.scope import scoped, scoped_work

GROUPS = {"org": Task.org_id, "staff": Task.staff_id, "tier": Task.tier, "kind": Task.kind}
_WAN = Decimal(10_000 * 100)


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _rate(on_time: int, late: int, missed: int) -> Decimal | None:
    known = on_time + late + missed
    if not known:
        return None
    return (Decimal(on_time) / known).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(Decimal("0.0001"), ROUND_HALF_UP) if whole else None


def _require(actor: Actor) -> None:
    if not actor.can(Permission.view_compliance) and not actor.can(Permission.list_customers):
        raise Forbidden("无权查看维护达标情况")


def compliance(
    session: Session,
    actor: Actor,
    first: date,
    last: date,
    *,
    by: tuple[str, ...] = ("org", "staff"),
    org_id: str | None = None,
    staff_id: str | None = None,
    today: date | None = None,
) -> list[s.ComplianceRow]:
    """Due, on time, late, missed and pending tasks due in [first, last], grouped `by` any of
    org, staff, tier, kind — within the actor's scope (their own tasks for front-line staff)."""
    _require(actor)
    unknown = [g for g in by if g not in GROUPS]
    if unknown or not by:
        raise InvalidInput(f"分组只能是 {', '.join(GROUPS)}", loc=("query", "by"))
    day = today or clock.today()
    done = Task.status == "done"
    is_open = Task.status == "open"
    cols = [GROUPS[g] for g in by]

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = select(
        *cols,
        func.count().label("due"),
        n(and_(done, Task.done_on <= Task.deadline)).label("on_time"),
        n(and_(done, Task.done_on > Task.deadline)).label("late"),
        n(and_(is_open, Task.deadline < day)).label("missed"),
        n(and_(is_open, Task.deadline >= day)).label("pending"),
    ).where(Task.due_on >= first, Task.due_on <= last, Task.status != "cancelled")
    if org_id is not None:
        stmt = stmt.where(Task.org_id == org_id)
    if staff_id is not None:
        stmt = stmt.where(Task.staff_id == staff_id)
    stmt = scoped_work(stmt, actor, Task.staff_id, Task.org_id).group_by(*cols).order_by(*cols)
    rows = session.execute(stmt).all()
    orgs = orgs_service.org_names(session)
    staff = orgs_service.staff_names(
        session, {str(r[by.index("staff")]) for r in rows} if "staff" in by else set()
    )
    out = []
    for r in rows:
        key = dict(zip(by, r[: len(by)], strict=True))
        on_time, late, missed = int(r.on_time), int(r.late), int(r.missed)
        out.append(
            s.ComplianceRow(
                org_id=key.get("org") or "",
                org_name=orgs.get(key.get("org") or "", ""),
                staff_id=key.get("staff"),
                staff_name=staff.get(key.get("staff") or ""),
                tier=key.get("tier"),
                kind=key.get("kind"),
                due=int(r.due),
                on_time=on_time,
                late=late,
                missed=missed,
                pending=int(r.pending),
                rate=_rate(on_time, late, missed),
            )
        )
    return out


def _complete() -> Any:
    fields = [
        Customer.address,
        Customer.employer,
        Customer.phone,
        Customer.home_phone,
        Customer.risk_level,
        CustomerProfile.product_preference,
    ]
    return and_(*[and_(f.is_not(None), f != "") for f in fields])


def coverage(
    session: Session, actor: Actor, rule_set: str | None = None, on: date | None = None
) -> tuple[list[s.CoverageRow], list[s.TargetRow]]:
    """建档 coverage and product targets per home outlet in the actor's scope."""
    if not actor.can(Permission.view_compliance):
        raise Forbidden("无权查看建档覆盖率")
    from bankcrm.config import get_settings

    name = rule_set or get_settings().maintenance_rule_set
    t = policies.in_force(session, name, on or clock.today()).targets
    aum = Customer.aum_month_avg_fen

    def n(cond: Any) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    measures: list[tuple[str, str, CoverageTarget, Any]] = []
    for target in t.profile:
        measures.append(("profile", f"{target.at_least}+", target, _complete()))
    measures += [
        (
            "plan",
            f"{t.service_plan.at_least}+ 服务方案",
            t.service_plan,
            ServicePlan.customer_id.is_not(None),
        ),
        (
            "products",
            f"{t.products_held.at_least}+ 持有产品 ≥ {t.min_products}",
            t.products_held,
            func.coalesce(Customer.product_count, 0) >= t.min_products,
        ),
        (
            "key",
            f"{t.key_products.at_least}+ 借记金卡",
            t.key_products,
            Customer.has_debit_gold.is_(True),
        ),
        (
            "key",
            f"{t.key_products.at_least}+ 信用卡",
            t.key_products,
            Customer.has_credit_card.is_(True),
        ),
        (
            "key",
            f"{t.key_products.at_least}+ 电子银行",
            t.key_products,
            Customer.e_banking.is_(True),
        ),
    ]
    cols = []
    for i, (_kind, _label, target, cond) in enumerate(measures):
        band = aum >= target.at_least_fen
        cols += [n(band).label(f"b{i}"), n(and_(band, cond)).label(f"m{i}")]
    stmt = (
        select(Customer.home_org_id, *cols)
        .select_from(Customer)
        .outerjoin(CustomerProfile, CustomerProfile.customer_id == Customer.customer_id)
        .outerjoin(ServicePlan, ServicePlan.customer_id == Customer.customer_id)
        .where(Customer.status == "active")
        .group_by(Customer.home_org_id)
        .order_by(Customer.home_org_id)
    )
    rows = session.execute(scoped(stmt, actor)).all()
    orgs = orgs_service.org_names(session)
    cov: list[s.CoverageRow] = []
    targets: list[s.TargetRow] = []
    for r in rows:
        org = r[0]
        for i, (kind, label, target, _cond) in enumerate(measures):
            whole, part = int(r[1 + 2 * i]), int(r[2 + 2 * i])
            share = _share(part, whole)
            goal = Decimal(target.share)
            met = whole == 0 or (share is not None and share >= goal)
            if kind == "profile":
                cov.append(
                    s.CoverageRow(
                        org_id=org,
                        org_name=orgs.get(org) or org,
                        band=label,
                        customers=whole,
                        profiled=part,
                        share=share,
                        target=goal,
                        met=met,
                    )
                )
            else:
                targets.append(
                    s.TargetRow(
                        org_id=org,
                        org_name=orgs.get(org) or org,
                        measure=label,
                        customers=whole,
                        meeting=part,
                        share=share,
                        target=goal,
                        met=met,
                    )
                )
    return cov, targets


def missed(
    session: Session,
    actor: Actor,
    first: date,
    last: date,
    *,
    org_id: str | None = None,
    staff_id: str | None = None,
    today: date | None = None,
    limit: int = 1000,
) -> list[s.TaskOut]:
    """The drill-down: tasks due in [first, last] still open after their deadline."""
    from bankcrm.maintenance import repository as repo
    from bankcrm.maintenance.service import task_out

    _require(actor)
    day = today or clock.today()
    rows, _ = repo.task_rows(
        session,
        actor,
        first=first,
        last=last,
        org_id=org_id,
        staff_id=staff_id,
        overdue_on=day,
        limit=limit,
    )
    audit.record(session, actor, audit.Action.list_customers, target="missed_tasks", rows=len(rows))
    return [task_out(t, cn, sn, day) for t, cn, sn in rows]


def meeting_workbook(
    session: Session, actor: Actor, week_of: date, org_id: str | None = None
) -> bytes:
    """The weekly outlet meeting (周例会) pack: this week's tasks per manager, the month's rates
    per manager and tier, the missed tasks, and 建档 coverage — masked names, watermarked,
    audited as an export."""
    if not actor.can(Permission.view_compliance) or not actor.can(Permission.export):
        raise Forbidden("无权导出周例会材料")
    monday = week_of - timedelta(days=week_of.weekday())
    sunday = monday + timedelta(days=6)
    m_first, m_last = month_bounds(week_of)
    week = compliance(session, actor, monday, sunday, by=("org", "staff"), org_id=org_id)
    month = compliance(session, actor, m_first, m_last, by=("org", "staff", "tier"), org_id=org_id)
    lost = missed(session, actor, m_first, m_last, org_id=org_id)
    cov, targets = coverage(session, actor)
    if org_id is not None:
        cov = [c for c in cov if c.org_id == org_id]
        targets = [t for t in targets if t.org_id == org_id]
    now = clock.real_now()
    mark = watermark(actor, now)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    pct = book.add_format({"num_format": "0.0%"})
    bold = book.add_format({"bold": True})

    def sheet(
        title: str, header: list[str], rows: list[list[Any]], pct_cols: tuple[int, ...] = ()
    ) -> None:
        ws = book.add_worksheet(title)
        ws.set_header(f"&C{mark}")
        ws.write_row(0, 0, [mark])
        ws.write_row(1, 0, header, bold)
        for i, row in enumerate(rows, start=2):
            for j, v in enumerate(row):
                if j in pct_cols and v is not None:
                    ws.write_number(i, j, float(v), pct)  # display only: the figure is a ratio
                else:
                    ws.write(i, j, v)
        ws.set_column(0, len(header) - 1, 14)

    head = ["机构", "员工", "工号", "应办", "按时完成", "逾期完成", "未完成", "待办", "按时完成率"]
    sheet(
        f"本周任务 {monday:%m-%d}至{sunday:%m-%d}",
        head,
        [
            [
                r.org_name,
                r.staff_name,
                r.staff_id,
                r.due,
                r.on_time,
                r.late,
                r.missed,
                r.pending,
                r.rate,
            ]
            for r in week
        ],
        (8,),
    )
    sheet(
        f"{m_first:%Y年%m月}达标",
        [
            "机构",
            "员工",
            "工号",
            "层级",
            "应办",
            "按时完成",
            "逾期完成",
            "未完成",
            "待办",
            "按时完成率",
        ],
        [
            [
                r.org_name,
                r.staff_name,
                r.staff_id,
                r.tier,
                r.due,
                r.on_time,
                r.late,
                r.missed,
                r.pending,
                r.rate,
            ]
            for r in month
        ],
        (9,),
    )
    sheet(
        "未完成任务",
        ["应办日期", "截止日期", "员工", "客户号", "客户", "层级", "类型", "事项"],
        [
            [
                t.due_on.isoformat(),
                t.deadline.isoformat(),
                t.staff_name,
                t.customer_id,
                t.customer_name,
                t.tier,
                t.kind_label,
                t.occasion,
            ]
            for t in lost
        ],
    )
    sheet(
        "建档覆盖",
        ["机构", "客户段", "客户数", "已建档", "覆盖率", "目标", "达标"],
        [
            [
                c.org_name,
                c.band,
                c.customers,
                c.profiled,
                c.share,
                c.target,
                "是" if c.met else "否",
            ]
            for c in cov
        ],
        (4, 5),
    )
    sheet(
        "产品指标",
        ["机构", "指标", "客户数", "达到", "占比", "目标", "达标"],
        [
            [
                t.org_name,
                t.measure,
                t.customers,
                t.meeting,
                t.share,
                t.target,
                "是" if t.met else "否",
            ]
            for t in targets
        ],
        (4, 5),
    )
    book.close()
    audit.record(
        session,
        actor,
        audit.Action.export,
        target="outlet_meeting.xlsx",
        rows=len(lost),
        detail={"week": monday.isoformat(), "org": org_id, "masked": True},
    )
    return buf.getvalue()
