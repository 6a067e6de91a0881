"""AUM marts (DESIGN §5.1–5.2): account spans, `aum_daily` and `aum_monthly`.

Change-mode balances are carried forward as *spans*: each balance row holds from its date until
the account's next row, the day after `closed_on` (the closing day still counts its day-end
balance), or the as_of date — whichever comes first. A month's Σ day-end AUM is then
Σ balance × days held, never a materialised account × day grid (DESIGN §5: the grid cost 5.6×).

Asset classes stay separate columns (`<class>_fen` on a day, `<class>_sum` = Σ fen × days over
the month) so any rule set can weight them with its own coefficients, exactly, in `tiers`.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.ingest.contract import ASSET_CLASSES
from bankcrm.analytics.marts.common import day_number, days, div_half_up, fen, int64, left

DEPOSIT_CLASSES = ("demand", "time")


def account_spans(
    balances: ir.Table,
    accounts: ir.Table,
    keyed: ir.Table,
    *,
    start: date,
    as_of: date,
    integer_keys: bool = True,
) -> ir.Table:
    """Each asset account's balance spans inside [start, as_of]: ck (the customer's key from
    `keyed`, see `keyed_customers`), cls (the asset class's index in ASSET_CLASSES), balance_fen,
    first_day, last_day (day numbers, inclusive), held (days).

    With `integer_keys` (DuckDB) accounts are numbered too, so the window and the aggregation run
    on integers rather than strings (faster at 1M customers). A Spark cluster would number rows
    in one partition, so it keeps the string keys. The window carries only integers: the class
    as its index, the closing day as a day number — a string beside 7.8M sorted rows at 1M
    customers cost more than the sort itself.
    """
    end = day_number(as_of)
    acct = accounts.select("account_id", "customer_id", "asset_class", "closed_on").join(
        keyed, "customer_id"
    )
    acct = acct.select(
        "account_id",
        "ck",
        cls=_class_index(acct.asset_class),
        cut=ibis.least(days(acct.closed_on).fill_null(end), end),
        ak=ibis.row_number().over() if integer_keys else acct.account_id,
    )
    upto = balances.filter(balances.as_of <= as_of)
    # Each account's last row before the month carries in, keeping its own date (so rows of an
    # account never tie on as_of); its span starts on the month's first day.
    carry = upto.filter(upto.as_of < start)
    carry_in = carry.group_by("account_id").agg(
        as_of=carry.as_of.max(), balance=carry.balance.argmax(carry.as_of)
    )
    month = upto.filter(upto.as_of >= start).select("account_id", "as_of", "balance")
    rows = month.union(carry_in).join(acct, "account_id")
    rows = rows.select(
        "ck", "cls", "cut", "ak", day=days(rows.as_of), balance_fen=fen(rows.balance)
    )
    w = ibis.window(group_by="ak", order_by="day")
    rows = rows.mutate(next_day=rows.day.lead().over(w))
    first_day = ibis.greatest(rows.day, day_number(start))
    last_day = ibis.least((rows.next_day - 1).fill_null(end), rows.cut)
    spans = rows.select(
        "ck",
        "cls",
        "balance_fen",
        first_day=first_day,
        last_day=last_day,
        held=last_day - first_day + 1,
    )
    return spans.filter(spans.held > 0)


def _class_index(asset_class: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(*((asset_class == c, i) for i, c in enumerate(ASSET_CLASSES)), else_=-1).cast(
        "int8"
    )


def keyed_customers(customers: ir.Table, *, integer_keys: bool = True) -> ir.Table:
    """customer_id → ck, the key spans are aggregated by: row numbers in customer_id order, so
    every evaluation numbers the same way (the query may scan customers twice)."""
    cust = customers.select("customer_id")
    if not integer_keys:
        return cust.mutate(ck=cust.customer_id)
    return cust.mutate(ck=ibis.row_number().over(order_by="customer_id"))


def aum_monthly(
    spans: ir.Table,
    customers: ir.Table,
    history: ir.Table,
    *,
    as_of: date,
    start: date,
    year_days_before: int,
) -> ir.Table:
    """The month of `as_of` per customer (to date when `as_of` is not a month end).

    Point AUM per asset class on as_of (`<class>_fen`); Σ day-end AUM per class over the month so
    far (`<class>_sum`); 月日均 = Σ ÷ days, half up to the fen — at a month end the calendar
    month (31, 30, 29 or 28 days); the deposit-only (活期 + 定期) 月日均; 年日均 over this year's
    months in `history` plus this one (the days they cover: `year_days_before` + this month's);
    the peak 月日均 of the last 12 months. `customers` carries `ck` (see `keyed_customers`);
    `history` holds earlier months' rows of this mart (possibly none).
    """
    elapsed = (as_of - start).days + 1
    # Sum per (customer, class) first, then pivot the classes on that far smaller table: 16
    # filtered sums over every span cost more than the whole span computation.
    on_day = spans.last_day == day_number(as_of)
    per_class = spans.group_by("ck", "cls").agg(
        point=int64(spans.balance_fen.sum(where=on_day)),
        held=int64((spans.balance_fen * spans.held).sum()),
    )
    pc = per_class
    # One row per (customer, class) is left: max picks it (cheaper than sum on DuckDB). The
    # totals are sums of their own, not additions of the pivoted columns: a query that needs
    # only a total (a rule set without coefficients) then skips the pivot altogether.
    deposit = pc.cls.isin([ASSET_CLASSES.index(c) for c in DEPOSIT_CLASSES])
    sums = pc.group_by("ck").agg(
        **{f"{c}_fen": pc.point.max(where=pc.cls == i) for i, c in enumerate(ASSET_CLASSES)},
        **{f"{c}_sum": pc.held.max(where=pc.cls == i) for i, c in enumerate(ASSET_CLASSES)},
        aum_fen=int64(pc.point.sum()),
        deposit_fen=int64(pc.point.sum(where=deposit)),
        aum_sum=int64(pc.held.sum()),
        deposit_sum=int64(pc.held.sum(where=deposit)),
    )
    t = customers.left_join(sums, "ck")
    t = t.select(
        "customer_id",
        **{k: t[k].fill_null(0) for k in sums.columns if k != "ck"},
    )
    t = t.mutate(month=ibis.literal(start), days=ibis.literal(elapsed, "int64"))
    t = t.relocate("month", "days", after="deposit_fen")
    t = t.mutate(
        month_avg_fen=div_half_up(t.aum_sum, elapsed),
        deposit_month_avg_fen=div_half_up(t.deposit_sum, elapsed),
    )
    return t.pipe(_year_and_peak, history, start=start, days_before=year_days_before)


def aum_daily(monthly: ir.Table) -> ir.Table:
    """Day-end AUM on the as_of date per customer and asset class (liabilities never count)."""
    point = [f"{c}_fen" for c in ASSET_CLASSES]
    return monthly.select("customer_id", *point, "aum_fen", "deposit_fen")


def _year_and_peak(t: ir.Table, history: ir.Table, *, start: date, days_before: int) -> ir.Table:
    year_start = start.replace(month=1)
    peak_from = date(start.year - 1, start.month, 1)  # with this month: 12 months
    h = history
    past = h.group_by("customer_id").agg(
        year_sum=int64(h.aum_sum.sum(where=h.month >= year_start)),
        peak=h.month_avg_fen.max(where=h.month > peak_from),
    )
    out = left(t, past)
    year_sum = out.aum_sum + out.year_sum.fill_null(0)
    return out.mutate(
        year_avg_fen=div_half_up(year_sum, days_before + out.days),
        peak_month_avg_fen=ibis.greatest(out.month_avg_fen, out.peak.fill_null(0)),
    ).drop("year_sum", "peak")
