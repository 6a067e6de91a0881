"""The `alert_candidates` mart (issue 7): the events of the as_of date each enabled alert rule
fires on, one row per (customer_id, rule, event_key) with the numbers that fired it.

`event_key` names the event, not the run: the account and its maturity date, the transaction,
the day of a large outflow, the month of an AUM drop, the start of a dormancy or of a loan's
overdue spell, the loan and its instalment date — so re-running a date, or the next night seeing
the same event, gives the same key and the operational load never duplicates an alert.

What the extracts support (DESIGN §4): loans carry no instalment schedule, so the monthly
instalment day is taken as the day of month of `maturity_date` (an annuity's last instalment falls
on its due day), clipped to the month's end; cards carry no statement or due date, so no card
repayment rule. Holdings carry no cost basis: a fund/wealth drawdown compares the account's
latest market value with its first recorded one (the amount bought, when no top-up or partial
redemption followed). A day's outflow is compared with the customer's 月日均 of the as_of month.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.alerts.rules import Kind, RuleSpec
from bankcrm.analytics.marts.common import add_months, day_number, days, div_half_up, fen, int64

CANDIDATE_SCHEMA = ibis.schema(
    {
        "customer_id": "string",
        "rule": "string",
        "kind": "string",
        "event_key": "string",
        "severity": "string",
        "due_date": "date",
        "item_id": "string",
        "amount_fen": "int64",
        "reference_fen": "int64",
        "ratio_bp": "int64",
        "days": "int32",
        "ref_date": "date",
        "detail": "string",
    }
)


class Sources:
    """The tables the rules read (the nightly's raw extracts and marts of as_of)."""

    def __init__(
        self,
        *,
        accounts: ir.Table,
        balances: ir.Table,
        transactions: ir.Table,
        loans: ir.Table,
        monthly: ir.Table,
        history: ir.Table,
        features: ir.Table,
        tiers: ir.Table | None,
    ) -> None:
        self.accounts, self.balances, self.transactions = accounts, balances, transactions
        self.loans, self.monthly, self.history = loans, monthly, history
        self.features, self.tiers = features, tiers


def alert_candidates(
    src: Sources, rules: tuple[RuleSpec, ...], *, as_of: date, own_bank: str
) -> ir.Table | None:
    """Every enabled rule's events on `as_of` (None when no rule is enabled)."""
    parts = []
    for rule in rules:
        if not rule.enabled:
            continue
        found = _BY_KIND[rule.kind](src, rule, as_of, own_bank)
        found = _in_tiers(found, src.tiers, rule)
        if found is not None:
            parts.append(_shaped(found, rule))
    if not parts:
        return None
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _shaped(t: ir.Table, rule: RuleSpec) -> ir.Table:
    t = t.mutate(
        rule=ibis.literal(rule.code),
        kind=ibis.literal(rule.kind.value),
        severity=ibis.literal(rule.severity.value),
    )
    cols = {
        n: (t[n] if n in t.columns else ibis.null(typ)).cast(typ)
        for n, typ in CANDIDATE_SCHEMA.items()
    }
    return t.select(**cols)


def _in_tiers(t: ir.Table, tiers: ir.Table | None, rule: RuleSpec) -> ir.Table | None:
    """Only customers whose tier (as_of) is one the rule names; every customer when none."""
    if not rule.tiers:
        return t
    if tiers is None:
        return None
    wanted = [(tiers.rule_set == f.rule_set) & tiers.tier.isin(f.tiers) for f in rule.tiers]
    match = wanted[0]
    for w in wanted[1:]:
        match = match | w
    return t.semi_join(tiers.filter(match).select("customer_id"), "customer_id")


def _last_balance(balances: ir.Table, accounts: ir.Table, as_of: date) -> ir.Table:
    """account_id → the last balance on or before as_of (fen), of `accounts` only."""
    b = balances.filter(balances.as_of <= as_of).semi_join(
        accounts.select("account_id"), "account_id"
    )
    return b.group_by("account_id").agg(balance_fen=fen(b.balance.argmax(b.as_of)))


def _held(accounts: ir.Table, classes: tuple[str, ...], as_of: date) -> ir.Table:
    a = accounts
    return a.filter(
        (a.opened_on <= as_of)
        & (a.closed_on.isnull() | (a.closed_on > as_of))
        & a.asset_class.isin(classes)
    )


def _text(d: ir.DateValue) -> ir.StringValue:
    return d.strftime("%Y-%m-%d")


def maturity(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    a = _held(src.accounts, rule.asset_classes or (), as_of)
    end = day_number(as_of) + rule.num("lead_days")
    a = a.filter(a.maturity_date.notnull() & (a.maturity_date >= as_of))
    a = a.filter(days(a.maturity_date) <= end)
    a = a.left_join(_last_balance(src.balances, a, as_of), "account_id").drop("account_id_right")
    return a.select(
        "customer_id",
        event_key=a.account_id + ":" + _text(a.maturity_date),
        due_date=a.maturity_date,
        item_id=a.account_id,
        amount_fen=a.balance_fen,
        days=(days(a.maturity_date) - day_number(as_of)).cast("int32"),
        ref_date=a.maturity_date,
        detail=a.product_code,
    )


def _other_bank_txns(src: Sources, rule: RuleSpec, as_of: date, own: str, way: str) -> ir.Table:
    t = src.transactions
    since = day_number(as_of) - rule.num("lookback_days")
    t = t.filter(
        (t.txn_date <= as_of)
        & (days(t.txn_date) > since)
        & (t.direction == way)
        & t.counterparty_bank.notnull()
        & (t.counterparty_bank != "")
        & (t.counterparty_bank != own)
    )
    return t.mutate(amount_fen=fen(t.amount))


def large_outflow(src: Sources, rule: RuleSpec, as_of: date, own: str) -> ir.Table:
    """A day with a single transfer out to another bank ≥ min_amount, or whose transfers out
    to other banks add up to ≥ share_pct of the customer's 月日均 when that is ≥ min_aum (a
    3,000 yuan payment from a 1,000 yuan account is no large outflow); one event per day."""
    t = _other_bank_txns(src, rule, as_of, own, "out")
    day = t.group_by("customer_id", "txn_date").agg(
        day_fen=int64(t.amount_fen.sum()),
        biggest_fen=t.amount_fen.max(),
        biggest_txn=t.txn_id.argmax(t.amount_fen),
    )
    m = src.monthly.select("customer_id", avg_fen="month_avg_fen")
    d = day.left_join(m, "customer_id").drop("customer_id_right")
    base = d.avg_fen.fill_null(0)
    by_share = (base >= max(rule.fen("min_aum"), 1)) & (
        d.day_fen * 100 >= base * rule.num("share_pct")
    )
    d = d.filter((d.biggest_fen >= rule.fen("min_amount")) | by_share)
    return d.select(
        "customer_id",
        event_key=_text(d.txn_date),
        item_id=d.biggest_txn,
        amount_fen=d.day_fen,
        reference_fen=d.avg_fen,
        ratio_bp=ibis.ifelse(base > 0, div_half_up(d.day_fen * 10_000, base), ibis.null("int64")),
        ref_date=d.txn_date,
        detail=d.biggest_fen.cast("string"),
    )


def large_inflow(src: Sources, rule: RuleSpec, as_of: date, own: str) -> ir.Table:
    t = _other_bank_txns(src, rule, as_of, own, "in")
    t = t.filter(t.amount_fen >= rule.fen("min_amount"))
    return t.select(
        "customer_id",
        event_key=t.txn_id,
        item_id=t.txn_id,
        amount_fen=t.amount_fen,
        ref_date=t.txn_date,
        detail=t.counterparty_bank,
    )


def aum_drop(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    """The last complete month's 月日均 against the month before it (as_of's own month when
    as_of is its last day)."""
    month_end = as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]
    later_month = as_of.replace(day=1) if month_end else add_months(as_of, -1)
    earlier_month = add_months(later_month, -1)
    h = src.history
    if month_end:
        later = src.monthly.select("customer_id", later_fen="month_avg_fen")
    else:
        later = h.filter(h.month == later_month).select("customer_id", later_fen="month_avg_fen")
    earlier = h.filter(h.month == earlier_month).select("customer_id", earlier_fen="month_avg_fen")
    t = earlier.inner_join(later, "customer_id")
    t = t.filter(t.earlier_fen > 0)
    drop = t.earlier_fen - t.later_fen
    t = t.filter(drop * 100 >= t.earlier_fen * rule.num("drop_pct"))
    return t.select(
        "customer_id",
        event_key=ibis.literal(later_month.strftime("%Y-%m")),
        amount_fen=t.later_fen,
        reference_fen=t.earlier_fen,
        ratio_bp=div_half_up((t.earlier_fen - t.later_fen) * 10_000, t.earlier_fen),
        ref_date=ibis.literal(later_month),
    )


def dormancy(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    f = src.features.select("customer_id", "dormancy_days", "last_active_date")
    m = src.monthly.select("customer_id", "aum_fen")
    t = f.inner_join(m, "customer_id")
    t = t.filter((t.dormancy_days >= rule.num("dormant_days")) & (t.aum_fen >= rule.fen("min_aum")))
    return t.select(
        "customer_id",
        event_key=ibis.ifelse(
            t.last_active_date.isnull(), "opened", "since:" + _text(t.last_active_date)
        ),
        amount_fen=t.aum_fen,
        days=t.dormancy_days,
        ref_date=t.last_active_date,
    )


def tier_drop(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    if src.tiers is None:
        return _nothing(src)
    t = src.tiers.filter(src.tiers.change == "down")
    if rule.tiers:  # a drop under the rule sets the rule names (into the tiers it names)
        t = t.filter(t.rule_set.isin([f.rule_set for f in rule.tiers]))
    return t.select(
        "customer_id",
        event_key=t.rule_set + ":" + as_of.isoformat(),
        item_id=t.rule_set,
        amount_fen=t.basis_value_fen,
        reference_fen=t.threshold_fen,
        ref_date=ibis.literal(as_of),
        detail=t.prev_tier + "→" + t.tier,
    )


def _open_loans(src: Sources) -> ir.Table:
    ln = src.loans
    return ln.filter(ln.status.isnull() | (ln.status != "closed"))


def loan_overdue(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    ln = _open_loans(src)
    ln = ln.filter(ln.overdue_days >= rule.num("overdue_days"))
    start = (ibis.literal(as_of) - (ln.overdue_days - 1).as_interval("D")).cast("date")
    return ln.select(
        "customer_id",
        event_key=ln.loan_id + ":" + _text(start),
        item_id=ln.loan_id,
        amount_fen=fen(ln.overdue_amount),
        reference_fen=fen(ln.balance),
        days=ln.overdue_days.cast("int32"),
        ref_date=start,
        detail=ln.product_code,
    )


def _due_in(y: int, m: int, dom: ir.IntegerValue) -> ir.DateValue:
    return ibis.date(
        ibis.literal(y), ibis.literal(m), ibis.least(dom, calendar.monthrange(y, m)[1])
    )


def repayment_due(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    """The next monthly instalment (see the module docstring) within lead_days."""
    ln = _open_loans(src)
    ln = ln.filter((ln.maturity_date >= as_of) & (ln.balance > 0))
    dom = ln.maturity_date.day()
    nxt = add_months(as_of, 1)
    this = _due_in(as_of.year, as_of.month, dom)
    due = ibis.ifelse(this >= as_of, this, _due_in(nxt.year, nxt.month, dom))
    ln = ln.mutate(due=ibis.least(due, ln.maturity_date))
    ln = ln.filter(days(ln.due) <= day_number(as_of) + rule.num("lead_days"))
    return ln.select(
        "customer_id",
        event_key=ln.loan_id + ":" + _text(ln.due),
        due_date=ln.due,
        item_id=ln.loan_id,
        reference_fen=fen(ln.balance),
        days=(days(ln.due) - day_number(as_of)).cast("int32"),
        ref_date=ln.due,
        detail=ln.product_code,
    )


def drawdown(src: Sources, rule: RuleSpec, as_of: date, _own: str) -> ir.Table:
    a = _held(src.accounts, rule.asset_classes or (), as_of).select(
        "account_id", "customer_id", "product_code"
    )
    b = src.balances.filter(src.balances.as_of <= as_of).semi_join(a, "account_id")
    v = b.group_by("account_id").agg(
        first_fen=fen(b.balance.argmin(b.as_of)),
        last_fen=fen(b.balance.argmax(b.as_of)),
        first_on=b.as_of.min(),
    )
    t = a.inner_join(v, "account_id").filter(lambda x: x.first_fen > 0)
    loss = t.last_fen * 100 <= t.first_fen * (100 - rule.num("stop_loss_pct"))
    gain = t.last_fen * 100 >= t.first_fen * (100 + rule.num("take_profit_pct"))
    t = t.filter(loss | gain).mutate(side=ibis.ifelse(loss, "stop_loss", "take_profit"))
    return t.select(
        "customer_id",
        event_key=t.account_id + ":" + t.side,
        item_id=t.account_id,
        amount_fen=t.last_fen,
        reference_fen=t.first_fen,
        ratio_bp=div_half_up((t.last_fen - t.first_fen).abs() * 10_000, t.first_fen),
        ref_date=t.first_on,
        detail=t.side,
    )


def _nothing(src: Sources) -> ir.Table:
    f = src.features
    return f.filter(ibis.literal(False)).select("customer_id")


_BY_KIND: dict[Kind, Callable[[Sources, RuleSpec, date, str], ir.Table]] = {
    Kind.maturity: maturity,
    Kind.large_outflow: large_outflow,
    Kind.large_inflow: large_inflow,
    Kind.aum_drop: aum_drop,
    Kind.dormancy: dormancy,
    Kind.tier_drop: tier_drop,
    Kind.loan_overdue: loan_overdue,
    Kind.repayment_due: repayment_due,
    Kind.drawdown: drawdown,
}
