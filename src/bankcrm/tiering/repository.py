"""Rule sets, current tiers and tier history. Only the tiering service calls this module."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bankcrm.db import bulk
from bankcrm.tiering.models import CustomerTier, TierChange, TierRuleSet


def latest(session: Session, name: str) -> TierRuleSet | None:
    stmt = (
        select(TierRuleSet)
        .where(TierRuleSet.name == name)
        .order_by(TierRuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def version(session: Session, name: str, number: int) -> TierRuleSet | None:
    stmt = select(TierRuleSet).where(TierRuleSet.name == name, TierRuleSet.version == number)
    return session.scalars(stmt).first()


def in_force(session: Session, name: str, on: date) -> TierRuleSet | None:
    """The newest version whose effective_from is on or before `on`."""
    stmt = (
        select(TierRuleSet)
        .where(TierRuleSet.name == name, TierRuleSet.effective_from <= on)
        .order_by(TierRuleSet.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def latest_of_each(session: Session) -> list[tuple[TierRuleSet, int]]:
    """(latest version, number of versions) per rule-set name, by name."""
    newest = (
        select(
            TierRuleSet.name,
            func.max(TierRuleSet.version).label("v"),
            func.count().label("n"),
        )
        .group_by(TierRuleSet.name)
        .subquery()
    )
    stmt = (
        select(TierRuleSet, newest.c.n)
        .join(newest, (TierRuleSet.name == newest.c.name) & (TierRuleSet.version == newest.c.v))
        .order_by(TierRuleSet.name)
    )
    return [(row, int(n)) for row, n in session.execute(stmt).all()]


def upsert_current(session: Session, rows: pa.Table, fresh: list[str]) -> int:
    """Rows of the rule sets in `fresh` (none stored yet) go in as a plain bulk insert."""
    table = CustomerTier.__table__
    is_fresh = pc.is_in(rows["rule_set"], value_set=pa.array(fresh, pa.string()))
    # one kind only (a first publish, or a nightly): no copy of 3M rows into two tables
    if pc.all(is_fresh).as_py():
        new, old = rows, rows.slice(0, 0)
    elif not pc.any(is_fresh).as_py():
        new, old = rows.slice(0, 0), rows
    else:
        new, old = rows.filter(is_fresh), rows.filter(pc.invert(is_fresh))
    return bulk.insert(session, table, new) + bulk.upsert(session, table, old)  # type: ignore[arg-type]


def has_current(session: Session, rule_set: str) -> bool:
    stmt = select(CustomerTier.customer_id).where(CustomerTier.rule_set == rule_set).limit(1)
    return session.scalar(stmt) is not None


def replace_history(
    session: Session, effective_on: date, rule_sets: list[str], rows: pa.Table
) -> int:
    """The changes of one date: earlier rows of that date go first (a re-run records once)."""
    session.execute(
        delete(TierChange).where(
            TierChange.effective_on == effective_on, TierChange.rule_set.in_(rule_sets)
        )
    )
    return bulk.insert(session, TierChange.__table__, rows)  # type: ignore[arg-type]


def history(session: Session, customer_id: str, rule_set: str | None = None) -> list[TierChange]:
    stmt = select(TierChange).where(TierChange.customer_id == customer_id)
    if rule_set is not None:
        stmt = stmt.where(TierChange.rule_set == rule_set)
    return list(session.scalars(stmt.order_by(TierChange.rule_set, TierChange.effective_on)))
