"""Queries over retention cases: who is eligible for one, whose window has ended, the scoped
case lists, and the counts the effect is measured on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from bankcrm.assignment.models import CustomerOwner
from bankcrm.churn.models import ChurnScore, RetentionAction, RetentionCase
from bankcrm.customers.models import Customer
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security.actor import Actor
from bankcrm.security.scope import org_subtree, scoped_work
from bankcrm.tiering.models import CustomerTier


def has_scores(session: Session) -> bool:
    return session.scalar(select(ChurnScore.customer_id).limit(1)) is not None


def eligible(
    session: Session,
    *,
    rule_set: str,
    tiers: Sequence[str],
    min_score: float | None,
    band: str,
) -> list[tuple[Any, ...]]:
    """Active customers above the threshold (`min_score`, else the score's `band`) in a
    maintained tier with no case still running (no outcome yet), with their owner."""
    running = select(RetentionCase.customer_id).where(RetentionCase.outcome.is_(None))
    above = ChurnScore.score >= min_score if min_score is not None else ChurnScore.band == band
    stmt = (
        select(
            ChurnScore.customer_id,
            ChurnScore.model_version,
            ChurnScore.score,
            ChurnScore.reasons,
            ChurnScore.indicators,
            Customer.home_org_id,
            Customer.aum_month_avg_fen,
            CustomerTier.tier,
            CustomerOwner.staff_id,
        )
        .join(Customer, Customer.customer_id == ChurnScore.customer_id)
        .join(
            CustomerTier,
            and_(
                CustomerTier.customer_id == ChurnScore.customer_id,
                CustomerTier.rule_set == rule_set,
            ),
        )
        .outerjoin(CustomerOwner, CustomerOwner.customer_id == ChurnScore.customer_id)
        .where(
            above,
            Customer.status == "active",
            CustomerTier.tier.in_(list(tiers) or [""]),
            ChurnScore.customer_id.not_in(running),
        )
        .order_by(ChurnScore.customer_id)
    )
    return [tuple(r) for r in session.execute(stmt)]


def ended(session: Session, as_of: date) -> list[tuple[Any, ...]]:
    """Cases without an outcome whose window ended by `as_of`, with the customer's snapshot
    (None when the customer is no longer in the extract)."""
    stmt = (
        select(
            RetentionCase.id,
            RetentionCase.aum_month_avg_fen,
            Customer.customer_id,
            Customer.status,
            Customer.aum_month_avg_fen,
        )
        .outerjoin(Customer, Customer.customer_id == RetentionCase.customer_id)
        .where(RetentionCase.outcome.is_(None), RetentionCase.window_end <= as_of)
        .order_by(RetentionCase.id)
    )
    return [tuple(r) for r in session.execute(stmt)]


def set_outcomes(session: Session, rows: list[dict[str, Any]]) -> None:
    """rows: {i: case id, o: outcome, d: date, a: 月日均 at the outcome}; closes each case."""
    if not rows:
        return
    t = cast(Table, RetentionCase.__table__)
    stmt = (
        update(t)
        .where(t.c.id == bindparam("i"))
        .values(
            outcome=bindparam("o"),
            outcome_on=bindparam("d"),
            outcome_aum_month_avg_fen=bindparam("a"),
            status="closed",
        )
    )
    session.execute(stmt, rows)


def case_rows(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    staff_id: str | None = None,
    customer_id: str | None = None,
    case_id: int | None = None,
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[tuple[RetentionCase, str | None, str | None]], int]:
    """Treated cases in the actor's work scope (control rows are nobody's work)."""
    st = aliased(Staff)
    stmt = (
        select(RetentionCase, Customer.name, st.name)
        .outerjoin(Customer, Customer.customer_id == RetentionCase.customer_id)
        .outerjoin(st, st.staff_id == RetentionCase.owner_staff_id)
        .where(RetentionCase.group_name == "treated")
    )
    for col, value in (
        (RetentionCase.status, status),
        (RetentionCase.owner_staff_id, staff_id),
        (RetentionCase.customer_id, customer_id),
        (RetentionCase.id, case_id),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    stmt = scoped_work(stmt, actor, RetentionCase.owner_staff_id, RetentionCase.org_id)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    order = (RetentionCase.status.desc(), RetentionCase.due_on, RetentionCase.score.desc())
    rows = session.execute(stmt.order_by(*order, RetentionCase.id).limit(limit).offset(offset))
    return [(c, cn, sn) for c, cn, sn in rows.all()], total


def actions_of(session: Session, case_id: int) -> list[RetentionAction]:
    stmt = (
        select(RetentionAction)
        .where(RetentionAction.case_id == case_id)
        .order_by(RetentionAction.acted_on, RetentionAction.id)
    )
    return list(session.scalars(stmt))


def effect_counts(
    session: Session, *, within: str | None, as_of: date | None
) -> list[tuple[str, str, str, int]]:
    """(outlet, group, outcome, cases) over cases with an outcome, in the subtree of `within`
    (every unit when None), whose outcome was set by `as_of`."""
    stmt = select(
        RetentionCase.org_id, RetentionCase.group_name, RetentionCase.outcome, func.count()
    ).where(RetentionCase.outcome.is_not(None))
    if within is not None:
        stmt = stmt.where(RetentionCase.org_id.in_(org_subtree(within)))
    if as_of is not None:
        stmt = stmt.where(RetentionCase.outcome_on <= as_of)
    stmt = stmt.group_by(RetentionCase.org_id, RetentionCase.group_name, RetentionCase.outcome)
    return [(str(o), str(g), str(r), int(n)) for o, g, r, n in session.execute(stmt)]


def org_names(session: Session, org_ids: Sequence[str]) -> dict[str, str]:
    if not org_ids:
        return {}
    stmt = select(OrgUnit.org_id, OrgUnit.name).where(OrgUnit.org_id.in_(list(org_ids)))
    return {str(k): str(v) for k, v in session.execute(stmt)}


def in_subtree(session: Session, root: str, org_id: str) -> bool:
    """Whether `org_id` is `root` or a unit below it."""
    stmt = select(OrgUnit.org_id).where(
        OrgUnit.org_id == org_id, OrgUnit.org_id.in_(org_subtree(root))
    )
    return session.scalar(stmt) is not None
