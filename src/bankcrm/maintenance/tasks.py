"""The task calendar (issue 6): each owner's maintenance tasks for the next 45 days, generated
nightly from the standards of the policy in force.

- contacts: n per month, spread through the month — slot k covers days [k·L/n, (k+1)·L/n) of an
  L-day month, each customer gets its own day inside its slot (a stable hash of the customer
  number), moved onto a working day; on time when done by the slot's last day;
- greetings on the birthday (solar, or lunar for customers marked so) and the festivals of the
  standard, due on the day itself (a weekend or holiday does not move them); birthday flowers
  on the birthday;
- salons n per year, each in its own month of the year (spread by the same hash); gifts before
  春节 (one a year) and 中秋 (two); executive visits n per year by the sub-branch president or
  VP;
- product messages: one batch task per owner and slot (n per month).

Generation is idempotent: every task has a key (customer, kind, occasion, period), an upsert by
key rewrites only open tasks, and an open task a re-run no longer wants (the customer left the
tier or was closed) is removed unless its deadline has passed. A changed owner takes over the
customer's open tasks (the key names no staff member).
"""

from __future__ import annotations

import calendar
import uuid
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import Boolean, Date, String, bindparam, column, delete, text
from sqlalchemy.orm import Session

from bankcrm.assignment.orgmap import OrgMap
from bankcrm.db import bulk
from bankcrm.kit import holidays as days
from bankcrm.maintenance import holidays, policies
from bankcrm.maintenance.models import Task
from bankcrm.maintenance.policy import Standard

EXECUTIVES = ("sub_branch_vp", "sub_branch_president")
_COLUMNS = (
    "key",
    "staff_id",
    "org_id",
    "customer_id",
    "tier",
    "kind",
    "occasion",
    "due_on",
    "deadline",
)


@dataclass
class TaskSummary:
    as_of: date
    first: date
    last: date
    customers: int = 0
    owners: int = 0
    generated: int = 0
    removed: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Book:
    """The maintained customers of one tier, as columns."""

    standard: Standard
    customer_id: list[str]
    staff_id: list[str]
    org_id: list[str]
    birth: list[date]
    lunar: list[bool]
    hash: np.ndarray  # stable per customer: spreads days and months


class _Rows:
    def __init__(self) -> None:
        self.cols: dict[str, list[object]] = {c: [] for c in _COLUMNS}

    def add(self, **values: Any) -> None:
        n = len(values["key"])
        for c in _COLUMNS:
            v = values[c]
            self.cols[c].extend(v if isinstance(v, list) else [v] * n)

    def table(self) -> pa.Table:
        types = {"due_on": pa.date32(), "deadline": pa.date32()}
        return pa.table({c: pa.array(v, types.get(c, pa.string())) for c, v in self.cols.items()})


def _months(first: date, last: date) -> Iterator[tuple[int, int]]:
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


class _Days:
    """The months' slots and their working days."""

    def __init__(self, cal: days.WorkCalendar) -> None:
        self.cal = cal

    def slots(self, y: int, m: int, n: int) -> list[tuple[int, int]]:
        """[first day, last day] (1-based) of each of the month's n slots."""
        length = calendar.monthrange(y, m)[1]
        return [(k * length // n + 1, (k + 1) * length // n) for k in range(n)]

    def workday_in(self, y: int, m: int, lo: int, hi: int) -> np.ndarray:
        """The working days of days lo..hi of the month (all of them when none is one): a
        customer's day is picked among them, so weekends do not pile up on Mondays."""
        ds = [date(y, m, d) for d in range(lo, hi + 1)]
        work = [d for d in ds if self.cal.is_workday(d)]
        return np.array(work or ds, dtype=object)


def _load(session: Session, rule_set: str, standards: dict[str, Standard]) -> list[_Book]:
    stmt = (
        text(
            """
        SELECT t.tier, o.customer_id, o.staff_id, c.home_org_id, c.birth_date,
               COALESCE(p.lunar_birthday, :no)
        FROM customer_owners o
        JOIN staff s ON s.staff_id = o.staff_id AND s.status = 'active'
        JOIN customers c ON c.customer_id = o.customer_id AND c.status = 'active'
        JOIN customer_tiers t ON t.customer_id = o.customer_id AND t.rule_set = :rule_set
        LEFT JOIN customer_profiles p ON p.customer_id = o.customer_id
        WHERE t.tier IN :tiers
        ORDER BY o.customer_id
        """
        )
        .bindparams(bindparam("tiers", expanding=True))
        .columns(
            column("tier", String),
            column("customer_id", String),
            column("staff_id", String),
            column("home_org_id", String),
            column("birth_date", Date),
            column("lunar", Boolean),
        )
    )
    grouped: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    params = {"rule_set": rule_set, "tiers": list(standards) or ["\x00"], "no": False}
    for tier, *rest in session.execute(stmt, params):
        grouped[tier].append(tuple(rest))
    books = []
    for tier, rows in grouped.items():
        cid, staff, org, birth, lunar = (list(c) for c in zip(*rows, strict=True))
        h = np.array([zlib.crc32(c.encode()) for c in cid], dtype=np.int64)
        books.append(_Book(standards[tier], cid, staff, org, birth, [bool(x) for x in lunar], h))
    return books


def generate(
    session: Session,
    as_of: date,
    horizon_days: int | None = None,
    rule_set: str | None = None,
) -> TaskSummary:
    """Tasks due in (as_of, as_of + horizon] for every maintained customer's owner."""
    from bankcrm.config import get_settings

    settings = get_settings()
    name = rule_set or settings.maintenance_rule_set
    horizon = horizon_days or settings.task_horizon_days
    first, last = as_of + timedelta(days=1), as_of + timedelta(days=horizon)
    summary = TaskSummary(as_of, first, last)
    policy = policies.in_force(session, name, as_of)
    standards = {s.tier: s for s in policy.standards}
    month_end = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    cal = holidays.calendar(session, first.replace(day=1), month_end)
    summary.warnings += cal.warnings
    books = _load(session, name, standards)
    orgs = OrgMap.load(session)
    rows = _Rows()
    span = _Days(cal)
    batch_slots: dict[str, int] = {}
    for book in books:
        tier, std = book.standard.tier, book.standard
        summary.customers += len(book.customer_id)
        _contacts(rows, book, tier, span, first, last)
        _greetings(rows, book, tier, first, last)
        _yearly(rows, book, tier, orgs, first, last)
        if std.product_messages_per_month:
            for s in book.staff_id:
                batch_slots[s] = max(batch_slots.get(s, 0), std.product_messages_per_month)
    _product_messages(rows, batch_slots, orgs, span, first, last)
    summary.owners = len({s for b in books for s in b.staff_id})
    run = uuid.uuid4().hex
    n = len(rows.cols["key"])
    table = (
        rows.table()
        .append_column("generated_on", pa.array([as_of] * n, pa.date32()))
        .append_column("run", pa.array([run] * n, pa.string()))
    )
    summary.generated = table.num_rows
    summary.by_kind = Counter(str(k) for k in rows.cols["kind"])
    bulk.upsert(
        session,
        Task.__table__,  # type: ignore[arg-type]
        table.append_column("status", pa.array(["open"] * table.num_rows, pa.string())),
        newer_only=False,
        key=("key",),
        only_if=f'"{Task.__tablename__}"."status" = \'open\'',
    )
    # open tasks of this horizon this run no longer wants (tier, owner, standard changed)
    stale = delete(Task).where(
        Task.status == "open", Task.run != run, Task.deadline >= first, Task.due_on <= last
    )
    summary.removed = session.execute(stale).rowcount or 0  # type: ignore[attr-defined]
    return summary


def _contacts(rows: _Rows, book: _Book, tier: str, span: _Days, first: date, last: date) -> None:
    n = book.standard.contacts_per_month
    if not n:
        return
    for y, m in _months(first, last):
        for k, (lo, hi) in enumerate(span.slots(y, m, n)):
            deadline = date(y, m, hi)
            if deadline < first or date(y, m, lo) > last:
                continue
            days_of_slot = span.workday_in(y, m, lo, hi)
            due = days_of_slot[book.hash % len(days_of_slot)]
            keep = due <= last
            ym = f"{y}-{m:02d}"
            cid = [c for c, ok in zip(book.customer_id, keep, strict=True) if ok]
            rows.add(
                key=[f"{c}|contact|{ym}|{k + 1}" for c in cid],
                staff_id=[s for s, ok in zip(book.staff_id, keep, strict=True) if ok],
                org_id=[o for o, ok in zip(book.org_id, keep, strict=True) if ok],
                customer_id=cid,
                tier=tier,
                kind="contact",
                occasion=f"{m}月第{k + 1}次联系",
                due_on=list(due[keep]),
                deadline=deadline,
            )


def _greetings(rows: _Rows, book: _Book, tier: str, first: date, last: date) -> None:
    std = book.standard
    festivals = [g for y in range(first.year, last.year + 1) for g in days.greetings(y)]
    for g in festivals:
        if g.name in std.greetings and first <= g.day <= last:
            rows.add(
                key=[f"{c}|greeting|{g.name}|{g.day.isoformat()}" for c in book.customer_id],
                staff_id=book.staff_id,
                org_id=book.org_id,
                customer_id=book.customer_id,
                tier=tier,
                kind="greeting",
                occasion=f"{g.name}问候",
                due_on=g.day,
                deadline=g.day,
            )
    kinds = (["greeting"] if "生日" in std.greetings else []) + (
        ["flowers"] if std.birthday_flowers else []
    )
    if not kinds:
        return
    solar = _solar_birthdays(first, last)
    for i, (c, birth, lunar) in enumerate(
        zip(book.customer_id, book.birth, book.lunar, strict=True)
    ):
        found = (
            days.birthdays_between(first, last, birth, lunar=True)
            if lunar
            else solar.get((birth.month, birth.day), [])
        )
        for day in found:
            for kind in kinds:
                rows.add(
                    key=[f"{c}|{kind}|生日|{day.isoformat()}"],
                    staff_id=[book.staff_id[i]],
                    org_id=[book.org_id[i]],
                    customer_id=[c],
                    tier=[tier],
                    kind=[kind],
                    occasion=["生日问候" if kind == "greeting" else "生日鲜花/蛋糕"],
                    due_on=[day],
                    deadline=[day],
                )


def _solar_birthdays(first: date, last: date) -> dict[tuple[int, int], list[date]]:
    """(month, day) of birth → the birthdays in [first, last] (29 Feb → 28 Feb off leap years)."""
    out: dict[tuple[int, int], list[date]] = defaultdict(list)
    d = first
    while d <= last:
        out[(d.month, d.day)].append(d)
        if d.month == 2 and d.day == 28 and not calendar.isleap(d.year):
            out[(2, 29)].append(d)
        d += timedelta(days=1)
    return out


def _yearly(rows: _Rows, book: _Book, tier: str, orgs: OrgMap, first: date, last: date) -> None:
    """Salons, gifts and executive visits: n a year, each in a month of its own."""
    std = book.standard
    for y in range(first.year, last.year + 1):
        festival = {g.name: g.day for g in days.greetings(y)}
        if std.gifts_per_year:
            anchors = [festival["春节"], festival["中秋"]][: std.gifts_per_year]
            for k, day in enumerate(anchors):
                due, deadline = day - timedelta(days=10), day - timedelta(days=1)
                if deadline >= first and due <= last:
                    _all(
                        rows,
                        book,
                        tier,
                        "gift",
                        f"{y}|{k + 1}",
                        "节日礼品",
                        due,
                        deadline,
                        book.staff_id,
                    )
        for kind, n, salt, label in (
            ("salon", std.salons_per_year, 0, "沙龙邀约"),
            ("exec_visit", std.executive_visits_per_year, 7, "行长拜访/私享会"),
        ):
            if not n:
                continue
            staff = book.staff_id if kind == "salon" else _executives(book, orgs)
            width = max(1, 12 // n)
            for k in range(n):
                month = np.minimum(12, k * 12 // n + 1 + (book.hash + salt) % width)
                for m in range(1, 13):
                    lo, hi = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
                    if hi < first or lo > last:
                        continue
                    pick = month == m
                    if not pick.any():
                        continue
                    due = max(lo, min(date(y, m, 10), hi))
                    _all(rows, book, tier, kind, f"{y}|{k + 1}", label, due, hi, staff, pick)


def _all(
    rows: _Rows,
    book: _Book,
    tier: str,
    kind: str,
    period: str,
    label: str,
    due: date,
    deadline: date,
    staff: list[str],
    pick: np.ndarray | None = None,
) -> None:
    idx = range(len(book.customer_id)) if pick is None else np.flatnonzero(pick).tolist()
    cid = [book.customer_id[i] for i in idx]
    rows.add(
        key=[f"{c}|{kind}|{period}" for c in cid],
        staff_id=[staff[i] for i in idx],
        org_id=[book.org_id[i] for i in idx],
        customer_id=cid,
        tier=tier,
        kind=kind,
        occasion=label,
        due_on=due,
        deadline=deadline,
    )


def _executives(book: _Book, orgs: OrgMap) -> list[str]:
    """Who makes the executive visit: the owner when they are the president or VP, else the
    VP (or the president) of the customer's sub-branch, else the owner."""
    by_sub: dict[str, str | None] = {}
    out = []
    for staff_id, org in zip(book.staff_id, book.org_id, strict=True):
        if orgs.role_of.get(staff_id) in EXECUTIVES:
            out.append(staff_id)
            continue
        sub = orgs.sub_branch_of(org) or ""
        if sub not in by_sub:
            people = {r: s for s, r in reversed(orgs.staff_by_org.get(sub, []))}
            by_sub[sub] = people.get("sub_branch_vp") or people.get("sub_branch_president")
        out.append(by_sub[sub] or staff_id)
    return out


def _product_messages(
    rows: _Rows, slots: dict[str, int], orgs: OrgMap, span: _Days, first: date, last: date
) -> None:
    for staff_id, n in sorted(slots.items()):
        org = orgs.org_of.get(staff_id, "")
        for y, m in _months(first, last):
            for k, (lo, hi) in enumerate(span.slots(y, m, n)):
                due, deadline = span.workday_in(y, m, lo, hi)[0], date(y, m, hi)
                if deadline < first or due > last:
                    continue
                rows.add(
                    key=[f"pm|{staff_id}|{y}-{m:02d}|{k + 1}"],
                    staff_id=[staff_id],
                    org_id=[org],
                    customer_id=[None],
                    tier=[None],
                    kind=["product_message"],
                    occasion=[f"{m}月第{k + 1}批产品信息"],
                    due_on=[due],
                    deadline=[deadline],
                )
