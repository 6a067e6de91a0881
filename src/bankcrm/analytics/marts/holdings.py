"""The `holdings` mart (DESIGN §5.3): what each customer holds on the as_of date.

An account is held from `opened_on` until the day before `closed_on`; a loan while its status is
not closed; a card while active (or frozen: the customer still has it). `product_count` counts the
product *categories* held (活期, 定期, 理财, …, 贷款, 信用卡, 借记卡, 电子银行) — the 产品覆盖 figure
a branch reports. The nearest maturity looks at held accounts maturing on or after as_of.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.ingest.contract import PRODUCT_CATEGORIES
from bankcrm.analytics.marts.common import day_number, days, fen, int64, left
from bankcrm.tiering.schemas import CARD_LEVELS

# the product categories an asset account can have (loans and cards are counted from their own
# extracts; e_banking from the customer's flag)
ACCOUNT_CATEGORIES = PRODUCT_CATEGORIES[: PRODUCT_CATEGORIES.index("custody") + 1]
HELD_CARD_STATUS = ("active", "frozen")


def held_accounts(accounts: ir.Table, products: ir.Table, *, as_of: date) -> ir.Table:
    a = accounts.filter(
        (accounts.opened_on <= as_of) & (accounts.closed_on.isnull() | (accounts.closed_on > as_of))
    )
    p = products.select("product_code", "category")
    return a.pipe(left, p, "product_code")


def holdings(
    accounts: ir.Table,
    products: ir.Table,
    loans: ir.Table,
    cards: ir.Table,
    customers: ir.Table,
    balances: ir.Table,
    *,
    as_of: date,
) -> ir.Table:
    """One row per customer: counts by category, key products held, loans, cards, maturities.
    The amount maturing is each held account's last balance on or before as_of."""
    a = held_accounts(accounts, products, as_of=as_of)

    def maturing(t: ir.Table) -> ir.BooleanValue:
        return t.maturity_date.notnull() & (t.maturity_date >= as_of)

    def soon(t: ir.Table) -> ir.BooleanValue:
        return maturing(t) & (days(t.maturity_date) <= day_number(as_of) + 30)

    # balances only of the accounts maturing soon: a small join side instead of a last-balance
    # aggregation over every account's rows
    b = balances.filter(balances.as_of <= as_of).semi_join(
        a.filter(soon(a)).select("account_id"), "account_id"
    )
    on_day = b.group_by("account_id").agg(balance_fen=fen(b.balance.argmax(b.as_of)))
    a = a.pipe(left, on_day, "account_id")
    acc = a.group_by("customer_id").agg(
        **{f"n_{c}": a.count(where=a.category == c) for c in ACCOUNT_CATEGORIES},
        next_maturity_date=a.maturity_date.min(where=maturing(a)),
        maturing_30d_count=a.count(where=soon(a)),
        maturing_30d_fen=a.balance_fen.sum(where=soon(a)),
    )
    ln = loans.filter(loans.status.isnull() | (loans.status != "closed"))
    ln = ln.group_by("customer_id").agg(
        n_loan=ln.count(),
        loan_balance_fen=fen(ln.balance).sum(),
        max_overdue_days=ln.overdue_days.max(),
    )
    held = cards.filter(cards.status.isnull() | cards.status.isin(HELD_CARD_STATUS))
    level = ibis.cases(*((held.level == lv, i) for i, lv in enumerate(CARD_LEVELS)), else_=0)
    held = held.mutate(level_rank=level)
    cd = held.group_by("customer_id").agg(
        n_credit_card=held.count(where=held.card_type == "credit"),
        n_debit_card=held.count(where=held.card_type == "debit"),
        card_level_rank=held.level_rank.max(),
        debit_gold=held.count(where=(held.card_type == "debit") & (held.level_rank >= 1)),
    )
    t = customers.select("customer_id", "e_banking")
    t = t.pipe(left, acc, "customer_id").pipe(left, ln, "customer_id")
    t = t.pipe(left, cd, "customer_id")
    counts = [f"n_{c}" for c in ACCOUNT_CATEGORIES] + ["n_loan", "n_credit_card", "n_debit_card"]
    t = t.mutate(**{c: t[c].fill_null(0).cast("int32") for c in counts})
    has_e_banking = t.e_banking.fill_null(False)
    category_count = sum(
        (ibis.ifelse(t[c] > 0, 1, 0) for c in counts), start=ibis.ifelse(has_e_banking, 1, 0)
    )
    return t.select(
        "customer_id",
        *counts,
        product_count=category_count.cast("int32"),
        has_debit_gold=t.debit_gold.fill_null(0) > 0,
        has_credit_card=t.n_credit_card > 0,
        has_e_banking=has_e_banking,
        has_wealth=t.n_wealth > 0,
        has_fund=t.n_fund > 0,
        has_insurance=t.n_insurance > 0,
        card_level_rank=t.card_level_rank.fill_null(-1).cast("int8"),
        loan_balance_fen=int64(t.loan_balance_fen.fill_null(0)),
        max_overdue_days=t.max_overdue_days.fill_null(0).cast("int32"),
        next_maturity_date="next_maturity_date",
        maturing_30d_count=t.maturing_30d_count.fill_null(0).cast("int32"),
        maturing_30d_fen=int64(t.maturing_30d_fen.fill_null(0)),
    )


def holdings_detail(
    accounts: ir.Table, loans: ir.Table, cards: ir.Table, *, as_of: date
) -> ir.Table:
    """Every account, loan and card of each customer on as_of, one row each (`kind`), for the
    customer 360 page: written in customer order, a lookup reads one row group of one file
    however long the extract history is."""
    a = accounts.filter(accounts.opened_on <= as_of)
    rows = [
        a.select(
            "customer_id",
            kind=ibis.literal("account"),
            item_id=a.account_id,
            product_code=a.product_code,
            asset_class=a.asset_class,
            opened_on=a.opened_on,
            maturity_date=a.maturity_date,
            closed_on=a.closed_on,
            balance_fen=ibis.null("int64"),
            overdue_days=ibis.null("int32"),
            card_type=ibis.null("string"),
            level=ibis.null("string"),
            status=ibis.null("string"),
        ),
        loans.select(
            "customer_id",
            kind=ibis.literal("loan"),
            item_id=loans.loan_id,
            product_code=loans.product_code,
            asset_class=ibis.null("string"),
            opened_on=ibis.null("date"),
            maturity_date=ibis.null("date"),
            closed_on=ibis.null("date"),
            balance_fen=fen(loans.balance),
            overdue_days=loans.overdue_days.cast("int32"),
            card_type=ibis.null("string"),
            level=ibis.null("string"),
            status=loans.status,
        ),
        cards.select(
            "customer_id",
            kind=ibis.literal("card"),
            item_id=cards.card_id,
            product_code=ibis.null("string"),
            asset_class=ibis.null("string"),
            opened_on=ibis.null("date"),
            maturity_date=ibis.null("date"),
            closed_on=ibis.null("date"),
            balance_fen=ibis.null("int64"),
            overdue_days=ibis.null("int32"),
            card_type=cards.card_type,
            level=cards.level,
            status=cards.status,
        ),
    ]
    return ibis.union(*rows)
