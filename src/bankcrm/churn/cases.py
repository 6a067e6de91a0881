"""Retention cases (issue 7 part 5): opened by the nightly for customers at risk, a seeded
control group that gets no case, the owner's actions, the outcome after the window, the effect.

Opening (after the scores are published and owners assigned): every active customer whose
churn score reaches the threshold (default: band 高), in a tier the maintenance policy assigns
staff to (its maintained tiers), with no case still running. A draw seeded per customer and date
puts `control_share` of them (default 10%) in the control group: a recorded row, no owner, no
work. The others get a case for their owner with the score's reasons frozen, suggested actions
and a due date. Re-running a date opens nothing new and draws the same groups.

Outcome: once the window (default 3 months, the churn label's) has ended the batch marks treated
and control cases alike retained or lost, by `is_lost`.
"""

from __future__ import annotations

import hashlib
import json
import random
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.churn import case_repository as repo
from bankcrm.churn import case_schemas as s
from bankcrm.churn.models import RetentionAction, RetentionCase
from bankcrm.db import bulk
from bankcrm.errors import Conflict, Forbidden, NotFound
from bankcrm.kit import clock
from bankcrm.kit.masking import name_or_none
from bankcrm.maintenance import policies
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance import service as maintenance
from bankcrm.security import audit
from bankcrm.security.actor import SYSTEM, Actor
from bankcrm.security.roles import Permission

# (keywords in a reason's or indicator's code or text) → suggested actions, in this order
SUGGESTIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("matur", "到期"), ("到期续作方案",)),
    (("outflow", "转出", "他行"), ("了解资金去向", "推荐同类产品")),
    (("login", "digital", "登录", "手机银行"), ("手机银行激活",)),
    (("complaint", "投诉"), ("投诉回访、化解不满",)),
    (("aum", "月日均", "资产"), ("资产检视与配置建议",)),
    (("dorman", "休眠", "无交易"), ("唤醒回访",)),
    (("salary", "代发", "工资"), ("代发工资维护",)),
)
DEFAULT_SUGGESTION = "电话回访，了解客户需求"


@dataclass(frozen=True)
class Options:
    """The nightly's settings for opening cases (defaults: issue 7)."""

    min_score: float | None = None  # None: the band below decides
    band: str = "high"
    control_share: float = 0.10
    seed: int = 0
    due_days: int = 14
    window_months: int = 3
    rule_set: str | None = None  # None: the maintenance rule set of the settings


@dataclass
class Opening:
    eligible: int = 0
    treated: int = 0
    control: int = 0


def plus_months(d: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, monthrange(y, m + 1)[1]))


def case_seed(seed: int, customer_id: str, opened_on: date) -> int:
    """The per-case seed of the control draw: a hash of (seed, customer, date), so re-running a
    date draws the same groups and any one draw can be reproduced from its row."""
    text = f"{seed}:{customer_id}:{opened_on.isoformat()}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "big") & 0x7FFF_FFFF


def in_control(seed: int, share: float) -> bool:
    return random.Random(seed).random() < share


def suggest(reasons: list[dict[str, Any]], indicators: list[dict[str, Any]]) -> list[str]:
    """Suggested actions (中文) from the score's reasons and the policy's indicators."""
    said = " ".join(f"{r.get('code', '')} {r.get('text', '')}" for r in reasons + indicators)
    said = said.lower()
    out: list[str] = []
    for words, actions in SUGGESTIONS:
        if any(w in said for w in words):
            out += [a for a in actions if a not in out]
    return out or [DEFAULT_SUGGESTION]


def is_lost(opening_fen: int, now_fen: int | None, status: str | None) -> bool:
    """The outcome of a case: lost when the customer closed (or left the extract) or their
    月日均 fell at least 50% below its value at opening — the churn label's spirit (a halving
    of the month-average AUM, or every account closed), measured from the case's own start."""
    if status is None or status == "closed":
        return True
    return opening_fen > 0 and 2 * (now_fen or 0) <= opening_fen


def _json_list(text: str | None) -> list[dict[str, Any]]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def open_cases(session: Session, as_of: date, options: Options = Options()) -> Opening:
    """Open the night's cases and their control twins (one bulk insert); idempotent."""
    from bankcrm.config import get_settings

    rule_set = options.rule_set or get_settings().maintenance_rule_set
    tiers = [r.tier for r in policies.in_force(session, rule_set, as_of).assign]
    rows = repo.eligible(
        session, rule_set=rule_set, tiers=tiers, min_score=options.min_score, band=options.band
    )
    out = Opening(eligible=len(rows))
    cols: dict[str, list[Any]] = {k: [] for k in _CASE_TYPES}
    for row in rows:
        case = _new_case(row, as_of, options, rule_set)
        out.control += case["group_name"] == "control"
        for k, v in case.items():
            cols[k].append(v)
    out.treated = out.eligible - out.control
    table = pa.table({k: pa.array(v, _CASE_TYPES[k]) for k, v in cols.items()})
    bulk.insert(session, RetentionCase.__table__, table)  # type: ignore[arg-type]
    if out.eligible:
        audit.record(
            session,
            SYSTEM,
            audit.Action.retention,
            target=f"retention:{as_of.isoformat()}",
            rows=out.eligible,
            detail={"treated": out.treated, "control": out.control, "rule_set": rule_set},
        )
    return out


def _new_case(row: tuple[Any, ...], as_of: date, options: Options, rule_set: str) -> dict[str, Any]:
    cid, version, score, reasons, indicators, org, aum, tier, owner = row
    seed = case_seed(options.seed, cid, as_of)
    control = in_control(seed, options.control_share)
    actions = suggest(_json_list(reasons), _json_list(indicators))
    return {
        "customer_id": cid,
        "opened_on": as_of,
        "group_name": "control" if control else "treated",
        "seed": seed,
        "model_version": version,
        "score": score,
        "reasons": reasons,
        "suggested_actions": json.dumps(actions, ensure_ascii=False),
        "owner_staff_id": None if control else owner,
        "org_id": org,
        "rule_set": rule_set,
        "tier": tier,
        "aum_month_avg_fen": aum or 0,
        "due_on": as_of + timedelta(days=options.due_days),
        "window_end": plus_months(as_of, options.window_months),
        "status": "open",
    }


_CASE_TYPES: dict[str, pa.DataType] = {
    "customer_id": pa.string(),
    "opened_on": pa.date32(),
    "group_name": pa.string(),
    "seed": pa.int64(),
    "model_version": pa.string(),
    "score": pa.float64(),
    "reasons": pa.string(),
    "suggested_actions": pa.string(),
    "owner_staff_id": pa.string(),
    "org_id": pa.string(),
    "rule_set": pa.string(),
    "tier": pa.string(),
    "aum_month_avg_fen": pa.int64(),
    "due_on": pa.date32(),
    "window_end": pa.date32(),
    "status": pa.string(),
}


def set_outcomes(session: Session, as_of: date) -> dict[str, int]:
    """Retained / lost for every case (treated and control) whose window ended by `as_of`."""
    counts = {"retained": 0, "lost": 0}
    rows: list[dict[str, Any]] = []
    for case_id, opening, found, status, now_fen in repo.ended(session, as_of):
        outcome = "lost" if is_lost(opening, now_fen, status if found else None) else "retained"
        counts[outcome] += 1
        rows.append({"i": case_id, "o": outcome, "d": as_of, "a": now_fen})
    repo.set_outcomes(session, rows)
    return counts


def _case_out(c: RetentionCase, customer_name: str | None, owner_name: str | None) -> s.CaseOut:
    return s.CaseOut(
        id=c.id,
        customer_id=c.customer_id,
        customer_name=name_or_none(customer_name),
        opened_on=c.opened_on,
        score=c.score,
        reasons=[
            s.Reason(code=str(r.get("code", "")), text=str(r.get("text", "")))
            for r in _json_list(c.reasons)
        ],
        suggested_actions=[str(a) for a in json.loads(c.suggested_actions or "[]")],
        owner_staff_id=c.owner_staff_id,
        owner_name=owner_name,
        org_id=c.org_id,
        tier=c.tier,
        aum_month_avg_fen=c.aum_month_avg_fen,
        due_on=c.due_on,
        window_end=c.window_end,
        status=c.status,
        status_label=s.STATUS_LABELS.get(c.status, c.status),
        outcome=c.outcome,
        outcome_label=s.OUTCOME_LABELS.get(c.outcome) if c.outcome else None,
        overdue=c.status == "open" and c.due_on < clock.today(),
    )


def list_cases(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    staff_id: str | None = None,
    customer_id: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> s.CasePage:
    """挽留工单 in the actor's work scope: their own for front-line staff, their units' for heads."""
    if not actor.can(Permission.list_customers):
        raise Forbidden("无权查看挽留工单")
    rows, total = repo.case_rows(
        session,
        actor,
        status=status,
        staff_id=staff_id,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    audit.record(
        session, actor, audit.Action.list_customers, target="retention_cases", rows=len(rows)
    )
    return s.CasePage(items=[_case_out(c, cn, sn) for c, cn, sn in rows], total=total)


def _scoped_case(session: Session, actor: Actor, case_id: int) -> tuple[RetentionCase, Any, Any]:
    rows, _ = repo.case_rows(session, actor, case_id=case_id, limit=1)
    if not rows:
        raise NotFound(f"没有挽留工单 {case_id}")
    return rows[0]


def get_case(session: Session, actor: Actor, case_id: int) -> s.CaseDetail:
    """One case with its history; out of scope (or a control row) is 404. Audited."""
    if not actor.can(Permission.view_customer):
        raise Forbidden("无权查看挽留工单")
    case, cn, sn = _scoped_case(session, actor, case_id)
    audit.record(
        session,
        actor,
        audit.Action.view_customer,
        customer_id=case.customer_id,
        target=f"retention_case:{case.id}",
    )
    actions = [_action_out(a) for a in repo.actions_of(session, case.id)]
    return s.CaseDetail(**_case_out(case, cn, sn).model_dump(), actions=actions)


def _action_out(a: RetentionAction, completed_task_id: int | None = None) -> s.ActionOut:
    return s.ActionOut(
        id=a.id,
        kind=a.kind,
        kind_label=s.ACTION_LABELS.get(a.kind, a.kind),
        staff_id=a.staff_id,
        username=a.username,
        acted_on=a.acted_on,
        note=a.note,
        product_code=a.product_code,
        contact_id=a.contact_id,
        completed_task_id=completed_task_id,
    )


def _log_contact(
    session: Session, actor: Actor, customer_id: str, body: s.ActionIn
) -> tuple[int, date, int | None]:
    """The maintenance contact log (audited there): (contact, its day, the task completed)."""
    assert body.channel is not None  # the schema requires it for a contact
    contact = maintenance.log_contact(
        session,
        actor,
        ms.ContactIn(
            customer_id=customer_id,
            channel=body.channel,
            outcome=body.outcome,
            contacted_at=body.contacted_at,
            note=body.note,
            product_code=body.product_code,
        ),
    )
    task_id = contact.completed_task.id if contact.completed_task else None
    return contact.id, clock.beijing_day(contact.contacted_at), task_id


def log_action(session: Session, actor: Actor, case_id: int, body: s.ActionIn) -> s.ActionOut:
    """Record what the owner did on an open case. A contact goes through the maintenance
    contact log (the same as POST /contacts), so it completes the matching maintenance task."""
    if not actor.can(Permission.log_contact) or actor.staff_id is None:
        raise Forbidden("只有在册员工可以登记挽留动作")
    case, _, _ = _scoped_case(session, actor, case_id)
    if case.status != "open":
        raise Conflict(f"挽留工单 {case_id} 已结案")
    contact_id = task_id = None
    day = clock.today()
    if body.kind is s.ActionKind.contact:
        contact_id, day, task_id = _log_contact(session, actor, case.customer_id, body)
    else:
        audit.record(
            session,
            actor,
            audit.Action.retention,
            customer_id=case.customer_id,
            target=f"retention_case:{case.id}",
            detail={"kind": body.kind.value},
        )
    action = RetentionAction(
        case_id=case.id,
        kind=body.kind.value,
        staff_id=actor.staff_id,
        username=actor.username,
        acted_on=day,
        note=body.note,
        product_code=body.product_code,
        contact_id=contact_id,
    )
    session.add(action)
    session.flush()
    return _action_out(action, task_id)


def close_case(session: Session, actor: Actor, case_id: int, body: s.CloseIn) -> s.CaseOut:
    """The owner (or a head) closes the work on a case; the outcome is still set by the batch
    when the window ends, and the customer gets no new case until then."""
    if not actor.can(Permission.log_contact):
        raise Forbidden("无权结案")
    case, cn, sn = _scoped_case(session, actor, case_id)
    if case.status != "open":
        raise Conflict(f"挽留工单 {case_id} 已结案")
    case.status = "closed"
    if body.note:
        session.add(
            RetentionAction(
                case_id=case.id,
                kind="note",
                staff_id=actor.staff_id or actor.username,
                username=actor.username,
                acted_on=clock.today(),
                note=body.note,
            )
        )
    audit.record(
        session,
        actor,
        audit.Action.retention,
        customer_id=case.customer_id,
        target=f"retention_case:{case.id}",
        detail={"kind": "close"},
    )
    session.flush()
    return _case_out(case, cn, sn)
