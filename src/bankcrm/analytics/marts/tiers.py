"""The `tiers` mart (DESIGN §6): every customer's tier under one rule set, and why.

Order of the rules: the basis value (weighted by the rule set's asset coefficients, in exact
integers) picks the highest tier whose inclusive lower bound it reaches and whose age limit the
customer is under; hysteresis keeps the highest basis tier of the last N months as well as this
one (an upgrade is immediate, a downgrade waits until N + 1 consecutive months are below — the
same as "downgrade only after N consecutive months below"); qualifying criteria lift the result
to at least their tier. The threshold is the lower bound of the tier decided; `reason` says it in
words a branch reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.ingest.contract import ASSET_CLASSES
from bankcrm.analytics.marts.aum import DEPOSIT_CLASSES
from bankcrm.analytics.marts.common import add_months, div_half_up, left, yuan_text
from bankcrm.tiering.schemas import (
    CARD_LEVELS,
    Basis,
    QualifierKind,
    QualifierSpec,
    RuleSetSpec,
    format_amount,
)

SCALE = 10_000  # coefficients have at most 4 decimals: weights are integers at this scale
BASIS_LABELS = {
    Basis.aum_month_avg: "AUM月日均",
    Basis.aum_point: "AUM时点",
    Basis.deposit_month_avg: "存款月日均",
}
# aum_monthly's own total of the classes a basis weighs
TOTALS = {
    Basis.aum_month_avg: "aum_sum",
    Basis.aum_point: "aum_fen",
    Basis.deposit_month_avg: "deposit_sum",
}
QUALIFIER_LABELS = {
    QualifierKind.credit_card_annual_spend: "信用卡年消费",
    QualifierKind.personal_loan_balance: "个人贷款余额",
    QualifierKind.custody_margin: "三方存管保证金",
    QualifierKind.card_level: "持卡等级",
}
CARD_LEVEL_LABELS = {"standard": "普卡", "gold": "金卡", "platinum": "白金卡", "diamond": "钻石卡"}
# the column of `facts` each qualifier reads (card_level compares level ranks); joined in with a
# `fact_` prefix, since `aum_monthly` has a custody_fen of its own
QUALIFIER_FACTS = {
    QualifierKind.credit_card_annual_spend: "credit_card_spend_12m_fen",
    QualifierKind.personal_loan_balance: "loan_balance_fen",
    QualifierKind.custody_margin: "custody_fen",
    QualifierKind.card_level: "card_level_rank",
}
FACTS = ("age", *QUALIFIER_FACTS.values())


def basis_value(t: ir.Table, spec: RuleSetSpec) -> ir.IntegerValue:
    """The rule set's basis for rows of `aum_monthly`, in fen, coefficients applied exactly."""
    classes = DEPOSIT_CLASSES if spec.basis is Basis.deposit_month_avg else ASSET_CLASSES
    point = spec.basis is Basis.aum_point
    suffix = "_fen" if point else "_sum"
    weights = {c: int(Decimal(spec.coefficients.get(c, "1")) * SCALE) for c in classes}
    whole = TOTALS[spec.basis]
    if whole in t.columns and all(w == SCALE for w in weights.values()):
        # every class at 1: the total aum_monthly keeps (the same integer; ÷ SCALE cancels)
        return t[whole] if point else div_half_up(t[whole], t.days)
    total: ir.IntegerValue | None = None
    for c, w in weights.items():
        if w == 0:
            continue
        term = t[f"{c}{suffix}"] * w
        total = term if total is None else total + term
    if total is None:
        return ibis.literal(0, "int64")
    return div_half_up(total, SCALE if point else t.days * SCALE)


def basis_rank(value: ir.IntegerValue, age: ir.IntegerValue, spec: RuleSetSpec) -> ir.IntegerValue:
    """Index of the highest tier reached (lower bounds inclusive; an age limit excludes)."""
    branches = []
    for rank in range(len(spec.tiers) - 1, 0, -1):
        tier = spec.tiers[rank]
        cond = value >= tier.lower_fen
        if tier.max_age is not None:
            cond = cond & (age.fill_null(0) < tier.max_age)
        branches.append((cond, rank))
    return ibis.cases(*branches, else_=0) if branches else ibis.literal(0)


def _qualifies(facts: ir.Table, q: QualifierSpec) -> ir.BooleanValue:
    col = facts[f"fact_{QUALIFIER_FACTS[q.kind]}"]
    if q.kind is QualifierKind.card_level:
        return col >= CARD_LEVELS.index(q.at_least_level or "")
    return col >= (q.at_least_fen or 0)


def tiers(
    monthly: ir.Table,
    history: ir.Table,
    facts: ir.Table,
    previous: ir.Table,
    *,
    spec: RuleSetSpec,
    version: int,
    as_of: date,
) -> ir.Table:
    """One row per customer of `monthly` (this month's `aum_monthly`). `history` holds earlier
    months' `aum_monthly` rows, `facts` per customer: age, credit_card_spend_12m_fen,
    loan_balance_fen, custody_fen, card_level_rank; `previous` the last earlier `tiers` rows of
    this rule set (customer_id, tier, tier_rank) or none."""
    names = spec.tier_names()
    prefixed = facts.select("customer_id", **{f"fact_{c}": c for c in FACTS})
    whole = [TOTALS[spec.basis]] if TOTALS[spec.basis] in monthly.columns else []
    t = monthly.select("customer_id", "days", *_basis_columns(spec), *whole).pipe(left, prefixed)
    t = t.mutate(basis_value_fen=basis_value(t, spec))
    t = t.mutate(basis_rank=basis_rank(t.basis_value_fen, t.fact_age, spec))
    t = t.pipe(_hysteresis, history, facts, spec=spec, as_of=as_of)
    qual = [ibis.ifelse(_qualifies(t, q), names.index(q.tier), 0) for q in spec.qualifiers]
    t = t.mutate(qualifier_rank=ibis.greatest(*qual, 0) if qual else ibis.literal(0))
    t = t.mutate(tier_rank=ibis.greatest(t.held_rank, t.qualifier_rank).cast("int8"))
    t = t.mutate(
        reason_kind=ibis.cases(
            (t.tier_rank == t.basis_rank, "basis"),
            (t.tier_rank == t.qualifier_rank, "qualifier"),
            else_="hysteresis",
        )
    )
    t = t.mutate(
        tier=_by_rank(t.tier_rank, names),
        threshold_fen=_by_rank(t.tier_rank, [x.lower_fen for x in spec.tiers]).cast("int64"),
    )
    t = t.mutate(reason=_reason(t, spec))
    p = previous.select("customer_id", prev_tier="tier", prev_rank="tier_rank")
    t = t.pipe(left, p, "customer_id")
    change = ibis.cases(
        (t.prev_rank.isnull(), "new"),
        (t.tier_rank > t.prev_rank, "up"),
        (t.tier_rank < t.prev_rank, "down"),
        else_="same",
    )
    return t.select(
        "customer_id",
        rule_set=ibis.literal(spec.name),
        version=ibis.literal(version, "int32"),
        basis=ibis.literal(spec.basis.value),
        basis_value_fen="basis_value_fen",
        basis_rank=t.basis_rank.cast("int8"),
        tier_rank="tier_rank",
        tier="tier",
        threshold_fen="threshold_fen",
        reason_kind="reason_kind",
        reason="reason",
        prev_tier="prev_tier",
        change=change,
    )


def _basis_columns(spec: RuleSetSpec) -> list[str]:
    suffix = "_fen" if spec.basis is Basis.aum_point else "_sum"
    return [f"{c}{suffix}" for c in ASSET_CLASSES]


def _hysteresis(
    t: ir.Table, history: ir.Table, facts: ir.Table, *, spec: RuleSetSpec, as_of: date
) -> ir.Table:
    """held_rank: the highest basis tier over this month and the N months before it."""
    n = spec.hysteresis_months
    if n == 0:
        return t.mutate(held_rank=t.basis_rank)
    since = add_months(as_of.replace(day=1), -n)
    h = history.filter(history.month >= since).select("customer_id", "days", *_basis_columns(spec))
    h = h.pipe(left, facts.select("customer_id", "age"), "customer_id")
    h = h.mutate(rank=basis_rank(basis_value(h, spec), h.age, spec))
    best = h.group_by("customer_id").agg(past_rank=h["rank"].max())
    t = t.pipe(left, best, "customer_id")
    return t.mutate(held_rank=ibis.greatest(t.basis_rank, t.past_rank.fill_null(0))).drop(
        "past_rank"
    )


def _by_rank(rank: ir.IntegerValue, values: Sequence[object]) -> ir.Value:
    return ibis.cases(*((rank == i, v) for i, v in enumerate(values)))


def _reason(t: ir.Table, spec: RuleSetSpec) -> ir.StringValue:
    label = BASIS_LABELS[spec.basis]
    value = label + " " + yuan_text(t.basis_value_fen) + " 元"
    branches: list[tuple[ir.BooleanValue, ir.StringValue]] = []
    names = spec.tier_names()
    for q in spec.qualifiers:
        rank = names.index(q.tier)
        fact = t[f"fact_{QUALIFIER_FACTS[q.kind]}"]
        if q.kind is QualifierKind.card_level:
            what = f"持有{CARD_LEVEL_LABELS[q.at_least_level or '']}及以上卡"
            text = ibis.literal(f"资格条件：{what}，至少为{q.tier}")
        else:
            head = f"资格条件：{QUALIFIER_LABELS[q.kind]} "
            tail = f" 元 ≥ {format_amount(q.at_least_fen or 0)}，至少为{q.tier}"
            text = head + yuan_text(fact) + tail
        cond = (t.reason_kind == "qualifier") & (t.tier_rank == rank) & _qualifies(t, q)
        branches.append((cond, text))
    threshold = t.threshold_fen
    branches.append(
        (
            t.reason_kind == "hysteresis",
            value
            + "，低于"
            + t.tier
            + "下限 "
            + yuan_text(threshold)
            + f" 元，未满 {spec.hysteresis_months} 个月缓冲期，暂保留"
            + t.tier,
        )
    )
    for rank, tier in enumerate(spec.tiers[1:], start=1):
        if tier.max_age is not None:
            excluded = (t.basis_rank < rank) & (t.basis_value_fen >= tier.lower_fen)
            below = f"，年龄 {tier.max_age} 岁及以上不入{tier.name}，为"
            branches.append((excluded & (t.tier_rank < rank), value + below + t.tier))
    lowest = spec.tiers[1]
    branches.append(
        (
            t.tier_rank == 0,
            value
            + f" < {lowest.name}下限 {format_amount(lowest.lower_fen)}，为{spec.tiers[0].name}",
        )
    )
    return ibis.cases(
        *branches, else_=value + " ≥ " + t.tier + "下限 " + yuan_text(threshold) + " 元"
    )
