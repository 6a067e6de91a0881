"""The `features` mart (DESIGN §5.4): behaviour per customer on the as_of date, one definition for
alerts, churn and marketing.

Windows end on as_of inclusive: "30d" is (as_of − 30, as_of], "12m" is (as_of − 365, as_of].
Other-bank flows are transfers whose counterparty bank is set and is not the bank's own code.
*Customer-initiated* transactions exclude the bank's own postings (channel `auto`, interest,
fees); dormancy counts days since the last one (since the account opening when there is none).
Credit-card annual spend is what the customer repaid to credit cards over 12 months (the extract
contract has no card-transaction table; repayments are the bank's own view of card spend).
Trends are differences of 月日均 in fen against 1, 3 and 6 months before (null without history).
Contacts and complaints join in when the operational export exists (later issues).
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.ingest.contract import CHANNELS
from bankcrm.analytics.marts.common import add_months, day_number, days, fen, int64, left

BANK_POSTINGS = ("interest", "fee")


def age_on(birth: ir.DateValue, on: date) -> ir.IntegerValue:
    """Whole years on `on` (a birthday on 29 Feb counts from 1 Mar in other years)."""
    later = birth.month() * 100 + birth.day() > on.month * 100 + on.day
    return (on.year - birth.year() - ibis.ifelse(later, 1, 0)).cast("int32")


def months_since(start: ir.DateValue, on: date) -> ir.IntegerValue:
    whole = (on.year - start.year()) * 12 + (on.month - start.month())
    return (whole - ibis.ifelse(start.day() > on.day, 1, 0)).cast("int32")


def features(
    customers: ir.Table,
    monthly: ir.Table,
    history: ir.Table,
    holdings: ir.Table,
    transactions: ir.Table,
    digital: ir.Table | None,
    *,
    as_of: date,
    own_bank: str,
) -> ir.Table:
    t = customers.select("customer_id", "birth_date", "opened_on")
    t = t.mutate(
        age=age_on(t.birth_date, as_of),
        tenure_months=months_since(t.opened_on, as_of),
        opened_day=days(t.opened_on),
    ).drop("birth_date")
    m = monthly.select("customer_id", "month_avg_fen", "aum_fen", custody_fen="custody_fen")
    t = t.pipe(left, m, "customer_id")
    for n in (1, 3, 6):
        then = add_months(as_of.replace(day=1), -n)
        h = history.filter(history.month == then).select(
            "customer_id", **{f"m{n}": "month_avg_fen"}
        )
        t = t.pipe(left, h, "customer_id")
        t = t.mutate(**{f"aum_change_{n}m_fen": (t.month_avg_fen - t[f"m{n}"]).cast("int64")})
        t = t.drop(f"m{n}")
    t = t.pipe(left, _flows(transactions, as_of=as_of, own_bank=own_bank), "customer_id")
    if digital is not None:
        t = t.pipe(left, _digital(digital, as_of=as_of), "customer_id")
    else:
        t = t.mutate(digital_30d=ibis.null("int64"), last_login_date=ibis.null("date"))
    h = holdings.select(
        "customer_id",
        "product_count",
        "maturing_30d_count",
        "maturing_30d_fen",
        "loan_balance_fen",
        "card_level_rank",
    )
    t = t.pipe(left, h, "customer_id")
    end = day_number(as_of)
    counted = [f"txn_30d_{c}" for c in CHANNELS] + ["txn_30d", "digital_30d"]
    money = [
        "inflow_other_bank_30d_fen",
        "outflow_other_bank_30d_fen",
        "salary_30d_fen",
        "credit_card_spend_12m_fen",
    ]
    t = t.mutate(
        **{c: int64(t[c].fill_null(0)) for c in counted + money},
        recency_days=(end - days(t.last_txn_date)).cast("int32"),
        dormancy_days=(end - days(t.last_active_date).fill_null(t.opened_day)).cast("int32"),
    )
    return t.drop("opened_on", "opened_day", "month_avg_fen", "aum_fen").relocate("customer_id")


def _flows(txn: ir.Table, *, as_of: date, own_bank: str) -> ir.Table:
    end = day_number(as_of)
    t = txn.filter(txn.txn_date <= as_of).mutate(day=days(txn.txn_date), amount_fen=fen(txn.amount))
    in30 = t.day > end - 30
    in12m = t.day > end - 365
    other = (
        t.counterparty_bank.notnull()
        & (t.counterparty_bank != "")
        & (t.counterparty_bank != own_bank)
    )
    by_customer = ~(t.channel.fill_null("other") == "auto") & ~t.txn_type.isin(BANK_POSTINGS)
    card = (t.txn_type == "repayment") & (
        t.memo.contains("信用卡") | t.counterparty_name.contains("信用卡")
    )
    return t.group_by("customer_id").agg(
        inflow_other_bank_30d_fen=t.amount_fen.sum(where=in30 & other & (t.direction == "in")),
        outflow_other_bank_30d_fen=t.amount_fen.sum(where=in30 & other & (t.direction == "out")),
        salary_30d_fen=t.amount_fen.sum(
            where=in30 & (t.txn_type == "salary") & (t.direction == "in")
        ),
        credit_card_spend_12m_fen=t.amount_fen.sum(
            where=in12m & card.fill_null(False) & (t.direction == "out")
        ),
        txn_30d=t.count(where=in30),
        **{f"txn_30d_{c}": t.count(where=in30 & (t.channel == c)) for c in CHANNELS},
        last_txn_date=t.txn_date.max(),
        last_active_date=t.txn_date.max(where=by_customer.fill_null(True)),
    )


def _digital(events: ir.Table, *, as_of: date) -> ir.Table:
    e = events.filter(events.event_date <= as_of)
    recent = days(e.event_date) > day_number(as_of) - 30
    return e.group_by("customer_id").agg(
        digital_30d=e["count"].fill_null(1).sum(where=recent),
        last_login_date=e.event_date.max(where=e.event == "login"),
    )
