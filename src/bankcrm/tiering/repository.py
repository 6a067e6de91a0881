"""Rule-set rows. Only the tiering service calls this module."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.tiering.models import TierRuleSet


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


def add(session: Session, row: TierRuleSet) -> None:
    session.add(row)
    session.flush()
