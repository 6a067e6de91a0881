"""Customer snapshot: published per as_of; read masked, in the user's scope, and audited.

Every read of personal data leaves one audit row in the same transaction (DESIGN §7): a list
page (how many rows, which filters), a 360 view, an unmask (which fields, why).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.analytics.lake import Lake
from bankcrm.customers import repository as repo
from bankcrm.customers import schemas as s
from bankcrm.customers.models import Customer
from bankcrm.errors import Forbidden, InvalidInput, NotFound
from bankcrm.kit.money import fen_to_yuan
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.audit import Action
from bankcrm.security.classification import mask_value
from bankcrm.security.roles import Permission

Filters = repo.Filters
MAX_PAGE = 200
SORTS = ("customer_id", "-aum_month_avg")


def publish_snapshot(session: Session, rows: pa.Table) -> int:
    """Bulk upsert; a row older than the stored one (re-running an old date) changes nothing."""
    return repo.upsert_snapshot(session, rows)


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else fen_to_yuan(fen)


def _mask(column: str, value: Any, unmasked: bool = False) -> Any:
    return value if unmasked else mask_value("customers", column, value)


def _cursor(sort: str, token: str | None) -> tuple[int, str] | str | None:
    if not token:
        return None
    try:
        padded = token.encode() + b"=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
        if not raw:
            raise ValueError("empty cursor")
        if sort == "-aum_month_avg":
            value, cid = raw.split(":", 1)
            return int(value), cid
        return raw
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput(f"分页游标无效：{token}", loc=("query", "cursor")) from exc


def _token(sort: str, row: Any) -> str:
    raw = row.customer_id
    if sort == "-aum_month_avg":
        raw = f"{row.aum_month_avg_fen}:{row.customer_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def list_customers(
    session: Session,
    actor: Actor,
    f: Filters,
    *,
    sort: str = "customer_id",
    cursor: str | None = None,
    limit: int = 50,
) -> s.CustomerPage:
    if not actor.can(Permission.list_customers):
        raise Forbidden("无权查看客户列表")
    if sort not in SORTS:
        raise InvalidInput(f"排序只能是 {', '.join(SORTS)}", loc=("query", "sort"))
    limit = max(1, min(limit, MAX_PAGE))
    rows = repo.page(session, actor, f, sort=sort, after=_cursor(sort, cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        s.CustomerRow(
            customer_id=r.customer_id,
            name=_mask("name", r.name),
            gender=r.gender,
            phone=_mask("phone", r.phone),
            home_org_id=r.home_org_id,
            org_name=r.org_name,
            rule_set=r.rule_set,
            tier=r.tier,
            tier_since=r.tier_since,
            aum=_yuan(r.aum_fen),
            aum_month_avg=_yuan(r.aum_month_avg_fen),
            owner_staff_id=r.owner_staff_id,
            owner_name=r.owner_name,
        )
        for r in rows
    ]
    filters = {k: (str(v) if isinstance(v, date) else v) for k, v in vars(f).items() if v}
    audit.record(
        session,
        actor,
        Action.list_customers,
        rows=len(items),
        detail={"filters": filters, "sort": sort, "page": bool(cursor)},
    )
    return s.CustomerPage(
        items=items,
        next_cursor=_token(sort, rows[-1]) if more and rows else None,
        as_of=rows[0].as_of if rows else None,
    )


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _found(session: Session, actor: Actor, customer_id: str) -> Any:
    """The customer's row if the actor may see it; else NotFound — existence is not leaked."""
    if not actor.can(Permission.view_customer):
        raise Forbidden("无权查看客户详情")
    row = repo.one(session, actor, customer_id)
    if row is None:
        raise NotFound(f"客户不存在：{customer_id}")
    return row


def require_visible(
    session: Session, actor: Actor, customer_id: str, *, lookup: bool = False
) -> Customer:
    """The customer if `actor` may see it (their data scope); else NotFound, as for the 360.
    `lookup`: reading one customer's page (see `security.scope.scoped`)."""
    found = repo.visible(session, actor, customer_id, lookup=lookup)
    if found is None:
        raise NotFound(f"客户不存在：{customer_id}")
    return found


def data_date(session: Session) -> date | None:
    """The latest nightly date published into the customers snapshot."""
    return repo.latest_as_of(session)


def visible_ids(session: Session, actor: Actor, customer_ids: list[str]) -> set[str]:
    """Which of `customer_ids` the actor may see."""
    found: set[str] = set()
    for start in range(0, len(customer_ids), 1000):
        found |= repo.visible_ids(session, actor, customer_ids[start : start + 1000])
    return found


def customer_360(
    session: Session, actor: Actor, lake: Lake | None, customer_id: str
) -> s.Customer360:
    row = _found(session, actor, customer_id)
    c = row.Customer
    profile = s.Profile(
        customer_id=c.customer_id,
        name=_mask("name", c.name),
        id_type=c.id_type,
        id_number=_mask("id_number", c.id_number),
        birth_date=_mask("birth_date", c.birth_date),
        age=_age(c.birth_date, c.as_of),
        gender=c.gender,
        home_org_id=c.home_org_id,
        org_name=row.org_name,
        opened_on=c.opened_on,
        phone=_mask("phone", c.phone),
        home_phone=_mask("home_phone", c.home_phone),
        address=_mask("address", c.address),
        employer=_mask("employer", c.employer),
        occupation=c.occupation,
        marital_status=_mask("marital_status", c.marital_status),
        risk_level=c.risk_level,
        risk_assessed_on=c.risk_assessed_on,
        status=c.status,
        e_banking=c.e_banking,
        aum=_yuan(c.aum_fen),
        aum_month_avg=_yuan(c.aum_month_avg_fen),
        deposit_month_avg=_yuan(c.deposit_month_avg_fen),
        aum_year_avg=_yuan(c.aum_year_avg_fen),
        product_count=c.product_count,
        next_maturity_date=c.next_maturity_date,
        owner_staff_id=row.owner_staff_id,
        owner_name=row.owner_name,
        as_of=c.as_of,
        masked=True,
    )
    tiers = [
        s.TierNow(
            rule_set=t.rule_set,
            tier=t.tier,
            since=t.since,
            basis_value=fen_to_yuan(t.basis_value_fen),
            reason=t.reason,
        )
        for t in repo.current_tiers(session, actor, customer_id)
    ]
    history = [
        s.TierChangeOut(
            rule_set=h.rule_set,
            effective_on=h.effective_on,
            from_tier=h.from_tier,
            to_tier=h.to_tier,
            direction=h.direction,
            basis_value=fen_to_yuan(h.basis_value_fen),
            reason=h.reason,
        )
        for h in repo.tier_history(session, actor, customer_id)
    ]
    detail = None
    if lake is not None and lake.root.is_dir():
        from bankcrm.analytics.lookup import customer_detail

        detail = customer_detail(lake, customer_id)
    audit.record(session, actor, Action.view_customer, customer_id=customer_id)
    return s.Customer360(
        profile=profile,
        tiers=tiers,
        tier_history=history,
        aum_monthly=[
            s.MonthAum(
                month=m["month"],
                aum=fen_to_yuan(m["aum_fen"]),
                month_avg=fen_to_yuan(m["month_avg_fen"]),
            )
            for m in (detail.monthly if detail else [])
        ],
        holdings=_holdings(c),
        accounts=[
            s.AccountOut(**{**a, "account_id": mask_value("", "account_id", a["account_id"])})
            for a in (detail.accounts if detail else [])
        ],
        loans=[
            s.LoanOut(
                **{k: v for k, v in ln.items() if k != "balance_fen"},
                balance=fen_to_yuan(ln["balance_fen"]),
            )
            for ln in (detail.loans if detail else [])
        ],
        cards=[
            s.CardOut(**{**cd, "card_id": mask_value("", "card_id", cd["card_id"])})
            for cd in (detail.cards if detail else [])
        ],
    )


def _holdings(c: Any) -> dict[str, int | bool | str | None]:
    """The key holdings of the snapshot (published from the holdings mart each night)."""
    return {
        "product_count": c.product_count,
        "has_debit_gold": c.has_debit_gold,
        "has_credit_card": c.has_credit_card,
        "has_e_banking": c.e_banking,
        "has_wealth": c.has_wealth,
        "has_fund": c.has_fund,
        "has_insurance": c.has_insurance,
        "next_maturity_date": c.next_maturity_date.isoformat() if c.next_maturity_date else None,
    }


def unmask(
    session: Session, actor: Actor, customer_id: str, fields: list[str], reason: str
) -> s.UnmaskedValues:
    """The plain values of `fields`, for a permitted role with a reason; audited."""
    if not actor.can(Permission.unmask):
        raise Forbidden("无权查看明文")
    unknown = sorted(set(fields) - set(s.UNMASKABLE))
    if unknown:
        raise InvalidInput(f"不能查看明文的字段：{', '.join(unknown)}", loc=("body", "fields"))
    if not reason.strip():
        raise InvalidInput("请填写查看原因", loc=("body", "reason"))
    row = _found(session, actor, customer_id)
    c = row.Customer
    values = {
        name: (None if getattr(c, name) is None else str(getattr(c, name)))
        for name in sorted(set(fields))
    }
    audit.record(
        session,
        actor,
        Action.unmask,
        customer_id=customer_id,
        reason=reason.strip(),
        detail={"fields": sorted(values)},
    )
    return s.UnmaskedValues(customer_id=customer_id, fields=values)


def tier_distribution(session: Session, actor: Actor, rule_set: str) -> s.TierDistribution:
    if not actor.can(Permission.view_aggregates):
        raise Forbidden("无权查看汇总数据")
    as_of = repo.latest_as_of(session)
    buckets = [
        s.TierBucket(
            tier=r.tier,
            tier_rank=r.tier_rank,
            customers=int(r.customers),
            aum_month_avg=fen_to_yuan(int(r.aum_fen)),
        )
        for r in repo.distribution(session, actor, rule_set)
    ]
    changes = {}
    if as_of is not None:
        changes = repo.changes_since(session, actor, rule_set, as_of.replace(day=1))
    return s.TierDistribution(
        rule_set=rule_set, as_of=as_of, buckets=buckets, changes_this_month=changes
    )


def recent_changes(
    session: Session, actor: Actor, rule_set: str, since: date, limit: int = 50
) -> list[s.TierMove]:
    """Upgrades and downgrades since `since` in the actor's scope (names masked); audited as a
    list view when it shows any customer."""
    if not actor.can(Permission.list_customers):
        return []
    moves = [
        s.TierMove(
            customer_id=r.customer_id,
            name=_mask("name", r.name),
            effective_on=r.effective_on,
            from_tier=r.from_tier,
            to_tier=r.to_tier,
            direction=r.direction,
            basis_value=fen_to_yuan(r.basis_value_fen),
        )
        for r in repo.recent_changes(session, actor, rule_set, since, limit)
    ]
    if moves:
        audit.record(
            session,
            actor,
            Action.list_customers,
            rows=len(moves),
            detail={"view": "tier_changes", "rule_set": rule_set, "since": since.isoformat()},
        )
    return moves
