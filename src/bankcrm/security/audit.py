"""The audit log (DESIGN §7): append-only, hash-chained, written in the caller's transaction.

Each row's hash is SHA-256 over the previous row's hash and this row's fields in a canonical
JSON form, so changing, inserting or deleting a row inside the chain breaks every link after it;
`verify` reports the first row that does not match. The retention purge removes whole rows from
the old end only: the oldest remaining row's `prev_hash` is then the chain's anchor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bankcrm.db.base import utcnow
from bankcrm.security.actor import Actor
from bankcrm.security.models import AuditEvent

GENESIS = "0" * 64
MIN_RETENTION_DAYS = 180  # 网络安全法第二十一条：网络日志留存不少于六个月
_PG_LOCK = 0x6261_6E6B  # one advisory lock serialises appends on PostgreSQL


class Action:
    login = "login"
    login_failed = "login_failed"
    account_locked = "account_locked"
    address_locked = "address_locked"
    logout = "logout"
    list_customers = "list_customers"
    view_customer = "view_customer"
    unmask = "unmask"
    export = "export"
    rule_change = "rule_change"
    user_change = "user_change"
    token_change = "token_change"
    audit_purge = "audit_purge"
    assignment = "assignment"
    handover = "handover"
    contact = "contact"
    retention = "retention"


ACTION_LABELS = {
    Action.login: "登录",
    Action.login_failed: "登录失败",
    Action.account_locked: "账户锁定",
    Action.address_locked: "来源地址锁定",
    Action.logout: "退出",
    Action.list_customers: "查看客户列表",
    Action.view_customer: "查看客户",
    Action.unmask: "查看明文",
    Action.export: "导出",
    Action.rule_change: "规则变更",
    Action.user_change: "用户变更",
    Action.token_change: "访问令牌变更",
    Action.audit_purge: "审计日志清理",
    Action.assignment: "管户变更",
    Action.handover: "管户移交",
    Action.contact: "维护记录",
    Action.retention: "挽留工单",
}

_FIELDS = (
    "at",
    "user_id",
    "username",
    "org_id",
    "action",
    "customer_id",
    "target",
    "rows",
    "reason",
    "detail",
    "source",
)


def _utc_text(at: datetime) -> str:
    """SQLite hands back naive datetimes: every stored time is UTC."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def digest(prev_hash: str, row: dict[str, Any]) -> str:
    fields = {k: (_utc_text(row[k]) if k == "at" else row[k]) for k in _FIELDS}
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    customer_id: str | None = None,
    target: str | None = None,
    rows: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Append one row in the session's transaction (it commits or rolls back with the action)."""
    # Serialise appends, so two transactions never chain onto the same previous row:
    # PostgreSQL takes an advisory lock; SQLite takes its write lock with a write that changes
    # nothing (the driver opens the transaction before it), so the read below is current.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    else:
        session.execute(text("UPDATE audit_log SET id = id WHERE 0"))
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    row: dict[str, Any] = {
        "at": utcnow(),
        "user_id": actor.user_id,
        "username": username or actor.username,
        "org_id": actor.org_id,
        "action": action,
        "customer_id": customer_id,
        "target": target,
        "rows": rows,
        "reason": reason,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        "source": actor.source,
    }
    prev_hash = prev or GENESIS
    event = AuditEvent(**row, prev_hash=prev_hash, hash=digest(prev_hash, row))
    session.add(event)
    session.flush()
    return event


@dataclass
class Verification:
    checked: int
    first_broken: int | None  # the id of the first row whose hash or link does not match
    why: str = ""


def verify(session: Session) -> Verification:
    """Walk the chain in id order; stop at the first row that does not match."""
    prev: str | None = None
    checked = 0
    # columns, not entities: the stored values, never objects cached in the session
    stmt = select(*AuditEvent.__table__.c).order_by(AuditEvent.id).execution_options(yield_per=5000)
    for ev in session.execute(stmt):
        if prev is not None and ev.prev_hash != prev:
            return Verification(checked, ev.id, "与上一条记录的链接不符（记录被删除或插入）")
        row = {k: getattr(ev, k) for k in _FIELDS}
        if digest(ev.prev_hash, row) != ev.hash:
            return Verification(checked, ev.id, "内容与摘要不符（记录被修改）")
        prev = ev.hash
        checked += 1
    return Verification(checked, None)


def purge(session: Session, actor: Actor, retention_days: int, now: datetime | None = None) -> int:
    """Delete rows older than the retention period (never younger ones); records the purge."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"审计日志保留期不得少于 {MIN_RETENTION_DAYS} 天")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    n = session.scalar(select(func.count()).where(AuditEvent.at < cutoff)) or 0
    if n:
        session.execute(
            delete(AuditEvent).where(AuditEvent.at < cutoff),
            execution_options={"synchronize_session": False},
        )
    record(session, actor, Action.audit_purge, rows=n, detail={"before": cutoff.isoformat()})
    return n


def search(
    session: Session,
    actor: Actor,
    *,
    username: str | None = None,
    customer_id: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first, for auditors: rows of users in their org subtree (security.scope)."""
    from bankcrm.security.scope import scoped_audit

    stmt = scoped_audit(select(AuditEvent), actor, AuditEvent.org_id)
    if username:
        stmt = stmt.where(AuditEvent.username == username)
    if customer_id:
        stmt = stmt.where(AuditEvent.customer_id == customer_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    if before_id:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit)))
