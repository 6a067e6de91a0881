"""Queries over alert rules and alerts; every alert list goes through the work scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, func, insert, literal, select, update
from sqlalchemy.orm import Session

from bankcrm.alerts.models import Alert, AlertEvent, AlertRuleSet
from bankcrm.assignment.models import CustomerOwner
from bankcrm.customers.models import Customer
from bankcrm.security.actor import Actor
from bankcrm.security.scope import scoped_work

ESCALATED_NOTE = "超过时限未确认，升级至网点负责人"


def latest_rules(session: Session, name: str) -> AlertRuleSet | None:
    stmt = (
        select(AlertRuleSet)
        .where(AlertRuleSet.name == name)
        .order_by(AlertRuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def rules_version(session: Session, name: str, version: int) -> AlertRuleSet | None:
    stmt = select(AlertRuleSet).where(AlertRuleSet.name == name, AlertRuleSet.version == version)
    return session.scalars(stmt).first()


def rules_versions(session: Session, name: str) -> list[AlertRuleSet]:
    stmt = select(AlertRuleSet).where(AlertRuleSet.name == name).order_by(AlertRuleSet.version)
    return list(session.scalars(stmt))


def rules_in_force(session: Session, name: str, on: date) -> AlertRuleSet | None:
    stmt = (
        select(AlertRuleSet)
        .where(AlertRuleSet.name == name, AlertRuleSet.effective_from <= on)
        .order_by(AlertRuleSet.effective_from.desc(), AlertRuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def _visible(actor: Actor) -> Select[tuple[Alert]]:
    return scoped_work(select(Alert), actor, Alert.staff_id, Alert.org_id)


def alert_rows(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    escalated: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Alert, str | None]], int]:
    conditions = []
    if status is not None:
        conditions.append(Alert.status == status)
    if rule is not None:
        conditions.append(Alert.rule == rule)
    if severity is not None:
        conditions.append(Alert.severity == severity)
    if escalated is not None:
        conditions.append(
            Alert.escalated_at.is_not(None) if escalated else Alert.escalated_at.is_(None)
        )
    inner = _visible(actor).where(*conditions)
    total = session.scalar(select(func.count()).select_from(inner.order_by(None).subquery())) or 0
    order = (Alert.status != "new", Alert.escalated_at.is_(None), Alert.severity, Alert.id.desc())
    stmt = (
        inner.add_columns(Customer.name)
        .outerjoin(Customer, Customer.customer_id == Alert.customer_id)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return [(a, n) for a, n in session.execute(stmt).all()], total


def alert(session: Session, actor: Actor, alert_id: int) -> tuple[Alert, str | None] | None:
    stmt = (
        _visible(actor)
        .where(Alert.id == alert_id)
        .add_columns(Customer.name)
        .outerjoin(Customer, Customer.customer_id == Alert.customer_id)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def counts(session: Session, actor: Actor) -> list[tuple[str, str, bool, int]]:
    """(status, severity, escalated, n) over the alerts `actor` sees."""
    inner = _visible(actor).subquery()
    stmt = select(
        inner.c.status, inner.c.severity, inner.c.escalated_at.is_not(None), func.count()
    ).group_by(inner.c.status, inner.c.severity, inner.c.escalated_at.is_not(None))
    return [(s, v, bool(e), int(n)) for s, v, e, n in session.execute(stmt).all()]


def events(session: Session, alert_id: int) -> list[AlertEvent]:
    stmt = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    return list(session.scalars(stmt))


def owners_of(session: Session, customer_ids: list[str]) -> dict[str, tuple[str | None, str]]:
    """customer_id → (owner staff_id or None, home outlet), in chunks of 5,000 ids."""
    out: dict[str, tuple[str | None, str]] = {}
    for i in range(0, len(customer_ids), 5000):
        chunk = customer_ids[i : i + 5000]
        stmt = (
            select(Customer.customer_id, CustomerOwner.staff_id, Customer.home_org_id)
            .outerjoin(CustomerOwner, CustomerOwner.customer_id == Customer.customer_id)
            .where(Customer.customer_id.in_(chunk))
        )
        out.update({c: (s, o) for c, s, o in session.execute(stmt).all()})
    return out


def count_all(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Alert)) or 0


def escalate_due(session: Session, now: datetime) -> int:
    """Alerts still new past their SLA: an `escalated` event each, then the flag (two set-based
    statements, whatever the number)."""
    due = (Alert.status == "new") & Alert.escalated_at.is_(None) & (Alert.sla_due_at <= now)
    source = select(
        Alert.id,
        literal(now, Alert.sla_due_at.type),
        literal("system", AlertEvent.by.type),
        Alert.status,
        literal("new", AlertEvent.to_status.type),
        literal(ESCALATED_NOTE, AlertEvent.note.type),
    ).where(due)
    session.execute(
        insert(AlertEvent).from_select(
            ["alert_id", "at", "by", "from_status", "to_status", "note"], source
        )
    )
    result = session.execute(
        update(Alert)
        .where(due)
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
