"""Customer snapshot queries. Every read of customer rows goes through `security.scope.scoped`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import Row, and_, exists, func, select
from sqlalchemy.orm import Session

from bankcrm.assignment.models import CustomerOwner
from bankcrm.customers.models import Customer
from bankcrm.db import bulk
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security.actor import Actor
from bankcrm.security.scope import org_subtree, scoped
from bankcrm.tiering.models import CustomerTier, TierChange


def upsert_snapshot(session: Session, rows: pa.Table) -> int:
    fresh = session.scalar(select(Customer.customer_id).limit(1)) is None
    return bulk.upsert(session, Customer.__table__, rows, fresh=fresh)  # type: ignore[arg-type]


@dataclass
class Filters:
    rule_set: str = "maintenance_3tier"
    tier: str | None = None
    outlet: str | None = None  # an org unit: its whole subtree
    manager: str | None = None  # staff_id of the owner
    aum_min_fen: int | None = None  # on 月日均
    aum_max_fen: int | None = None
    tier_changed_since: date | None = None
    customer_id: str | None = None


LIST_COLUMNS = (
    Customer.customer_id,
    Customer.name,
    Customer.gender,
    Customer.phone,
    Customer.home_org_id,
    OrgUnit.name.label("org_name"),
    CustomerTier.rule_set,
    CustomerTier.tier,
    CustomerTier.since.label("tier_since"),
    Customer.aum_fen,
    Customer.aum_month_avg_fen,
    CustomerOwner.staff_id.label("owner_staff_id"),
    Staff.name.label("owner_name"),
    Customer.as_of,
)


def _joined(stmt: Any, rule_set: str, *, inner_tier: bool) -> Any:
    on_tier = and_(
        CustomerTier.customer_id == Customer.customer_id, CustomerTier.rule_set == rule_set
    )
    stmt = stmt.join(CustomerTier, on_tier) if inner_tier else stmt.outerjoin(CustomerTier, on_tier)
    return (
        stmt.outerjoin(OrgUnit, OrgUnit.org_id == Customer.home_org_id)
        .outerjoin(CustomerOwner, CustomerOwner.customer_id == Customer.customer_id)
        .outerjoin(Staff, Staff.staff_id == CustomerOwner.staff_id)
    )


def page(
    session: Session,
    actor: Actor,
    f: Filters,
    *,
    sort: str,
    after: tuple[int, str] | str | None,
    limit: int,
) -> list[Row[*tuple[Any, ...]]]:
    """One page in keyset order: by customer_id, or by 月日均 then customer_id, both descending
    (an index on the two columns read backwards)."""
    stmt = _joined(select(*LIST_COLUMNS).select_from(Customer), f.rule_set, inner_tier=bool(f.tier))
    stmt = scoped(stmt, actor)
    if f.tier:
        stmt = stmt.where(CustomerTier.tier == f.tier)
    if f.outlet:
        stmt = stmt.where(Customer.home_org_id.in_(org_subtree(f.outlet)))
    if f.manager:
        stmt = stmt.where(CustomerOwner.staff_id == f.manager)
    if f.aum_min_fen is not None:
        stmt = stmt.where(Customer.aum_month_avg_fen >= f.aum_min_fen)
    if f.aum_max_fen is not None:
        stmt = stmt.where(Customer.aum_month_avg_fen <= f.aum_max_fen)
    if f.customer_id:
        stmt = stmt.where(Customer.customer_id == f.customer_id)
    if f.tier_changed_since:
        changed = exists().where(
            TierChange.customer_id == Customer.customer_id,
            TierChange.rule_set == f.rule_set,
            TierChange.effective_on >= f.tier_changed_since,
        )
        stmt = stmt.where(changed)
    if sort == "-aum_month_avg":
        # customers without nightly figures have no place in a 月日均 ranking
        aum = Customer.aum_month_avg_fen
        stmt = stmt.where(aum.is_not(None))
        if isinstance(after, tuple):
            value, cid = after
            stmt = stmt.where(aum <= value, (aum < value) | (Customer.customer_id < cid))
        stmt = stmt.order_by(aum.desc(), Customer.customer_id.desc())
    else:
        if isinstance(after, str):
            stmt = stmt.where(Customer.customer_id > after)
        stmt = stmt.order_by(Customer.customer_id)
    return list(session.execute(stmt.limit(limit)).all())


def one(session: Session, actor: Actor, customer_id: str) -> Row[*tuple[Any, ...]] | None:
    stmt = (
        select(
            Customer,
            OrgUnit.name.label("org_name"),
            CustomerOwner.staff_id.label("owner_staff_id"),
            Staff.name.label("owner_name"),
        )
        .select_from(Customer)
        .outerjoin(OrgUnit, OrgUnit.org_id == Customer.home_org_id)
        .outerjoin(CustomerOwner, CustomerOwner.customer_id == Customer.customer_id)
        .outerjoin(Staff, Staff.staff_id == CustomerOwner.staff_id)
        .where(Customer.customer_id == customer_id)
    )
    return session.execute(scoped(stmt, actor, lookup=True)).first()


def visible(
    session: Session, actor: Actor, customer_id: str, *, lookup: bool = False
) -> Customer | None:
    stmt = select(Customer).where(Customer.customer_id == customer_id)
    stmt = scoped(stmt, actor, lookup=lookup)
    return session.scalars(stmt).first()


def visible_ids(session: Session, actor: Actor, customer_ids: list[str]) -> set[str]:
    stmt = select(Customer.customer_id).where(Customer.customer_id.in_(customer_ids))
    return set(session.scalars(scoped(stmt, actor)))


def current_tiers(session: Session, actor: Actor, customer_id: str) -> list[CustomerTier]:
    stmt = select(CustomerTier).where(CustomerTier.customer_id == customer_id)
    stmt = scoped(stmt, actor, CustomerTier.customer_id, lookup=True)
    stmt = stmt.order_by(CustomerTier.rule_set)
    return list(session.scalars(stmt))


def tier_history(session: Session, actor: Actor, customer_id: str) -> list[TierChange]:
    stmt = select(TierChange).where(TierChange.customer_id == customer_id)
    stmt = scoped(stmt, actor, TierChange.customer_id, lookup=True)
    return list(session.scalars(stmt.order_by(TierChange.effective_on.desc(), TierChange.rule_set)))


def distribution(session: Session, actor: Actor, rule_set: str) -> list[Row[*tuple[Any, ...]]]:
    stmt = (
        select(
            CustomerTier.tier,
            CustomerTier.tier_rank,
            func.count().label("customers"),
            func.coalesce(func.sum(Customer.aum_month_avg_fen), 0).label("aum_fen"),
        )
        .select_from(Customer)
        .join(
            CustomerTier,
            and_(
                CustomerTier.customer_id == Customer.customer_id,
                CustomerTier.rule_set == rule_set,
            ),
        )
        .group_by(CustomerTier.tier, CustomerTier.tier_rank)
        .order_by(CustomerTier.tier_rank)
    )
    return list(session.execute(scoped(stmt, actor)).all())


def changes_since(session: Session, actor: Actor, rule_set: str, since: date) -> dict[str, int]:
    stmt = (
        select(TierChange.direction, func.count())
        .where(TierChange.rule_set == rule_set, TierChange.effective_on >= since)
        .group_by(TierChange.direction)
    )
    stmt = scoped(stmt, actor, TierChange.customer_id)
    return {d: int(n) for d, n in session.execute(stmt).all()}


def latest_as_of(session: Session) -> date | None:
    return session.scalar(select(func.max(Customer.as_of)))


def recent_changes(
    session: Session, actor: Actor, rule_set: str, since: date, limit: int
) -> list[Row[*tuple[Any, ...]]]:
    """Tier changes since `since` in scope, newest first, with the customer's masked-later name."""
    stmt = (
        select(
            TierChange.customer_id,
            Customer.name,
            TierChange.effective_on,
            TierChange.from_tier,
            TierChange.to_tier,
            TierChange.direction,
            TierChange.basis_value_fen,
        )
        .join(Customer, Customer.customer_id == TierChange.customer_id)
        .where(TierChange.rule_set == rule_set, TierChange.effective_on >= since)
    )
    stmt = scoped(stmt, actor)
    stmt = stmt.order_by(TierChange.effective_on.desc(), TierChange.customer_id).limit(limit)
    return list(session.execute(stmt).all())
