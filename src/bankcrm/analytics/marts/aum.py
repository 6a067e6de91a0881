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
from bankcrm.analytics.marts.common import day_number, days, div_half_up, fen, left

DEPOSIT_CLASSES = ("demand", "time")


def account_spans(balances: ir.Table, accounts: ir.Table, *, start: date, as_of: date) -> ir.Table:
    """Each account's balance spans inside [start, as_of]: account_id, customer_id, asset_class,
    balance_fen, first_day, last_day (day numbers, inclusive), held (days)."""
    upto = balances.filter(balances.as_of <= as_of)
    carry = upto.filter(upto.as_of < start)
    carry_in = carry.group_by("account_id").agg(balance=carry.balance.argmax(carry.as_of))
    # The carry-in row sorts before a real row on the first day, which then replaces it.
    carry_in = carry_in.select(
        as_of=ibis.literal(start), account_id="account_id", balance="balance", src=0
    )
    month = upto.filter(upto.as_of >= start)
    rows = month.select("as_of", "account_id", "balance", src=1).union(carry_in)
    w = ibis.window(group_by="account_id", order_by=("as_of", "src"))
    rows = rows.mutate(next_day=days(rows.as_of.lead().over(w)))
    end = day_number(as_of)
    acc = accounts.select("account_id", "customer_id", "asset_class", "closed_on")
    spans = rows.join(acc, "account_id")
    first_day = days(spans.as_of)
    last_day = ibis.least(
        (spans.next_day - 1).fill_null(end), days(spans.closed_on).fill_null(end), end
    )
    spans = spans.select(
        "account_id",
        "customer_id",
        "asset_class",
        balance_fen=fen(spans.balance),
        first_day=first_day,
        last_day=last_day,
        held=last_day - first_day + 1,
    )
    return spans.filter(spans.held > 0)


def aum_daily(spans: ir.Table, customers: ir.Table, *, as_of: date) -> ir.Table:
    """Day-end AUM on `as_of` per customer and asset class (liabilities never count)."""
    on = spans.filter(spans.last_day == day_number(as_of))
    per_class = {
        f"{c}_fen": on.balance_fen.sum(where=on.asset_class == c).fill_null(0)
        for c in ASSET_CLASSES
    }
    sums = on.group_by("customer_id").agg(**per_class)
    out = left(customers.select("customer_id"), sums)
    out = out.select("customer_id", **{k: out[k].fill_null(0).cast("int64") for k in per_class})
    return out.mutate(
        aum_fen=_total(out, ASSET_CLASSES, "_fen"),
        deposit_fen=_total(out, DEPOSIT_CLASSES, "_fen"),
    )


def aum_monthly(
    spans: ir.Table,
    daily: ir.Table,
    history: ir.Table,
    *,
    as_of: date,
    start: date,
    year_days_before: int,
) -> ir.Table:
    """The month of `as_of` per customer (to date when `as_of` is not a month end).

    月日均 = Σ day-end AUM over the days of the month so far ÷ those days, half up to the fen;
    at a month end that is the calendar month (31, 30, 29 or 28 days). Also the deposit-only
    月日均, point AUM at as_of, 年日均 (this year's months in `history` plus this one, over the
    days they cover: `year_days_before` + this month's days) and the peak 月日均 of the last 12
    months. `history` holds earlier months' rows of this mart (possibly none).
    """
    elapsed = (as_of - start).days + 1
    held = spans.balance_fen * spans.held
    sums = spans.group_by("customer_id").agg(
        **{f"{c}_sum": held.sum(where=spans.asset_class == c) for c in ASSET_CLASSES}
    )
    t = left(daily, sums)
    t = t.select(
        *daily.columns,
        **{f"{c}_sum": t[f"{c}_sum"].fill_null(0).cast("int64") for c in ASSET_CLASSES},
    )
    t = t.mutate(
        month=ibis.literal(start),
        days=ibis.literal(elapsed, "int64"),
        aum_sum=_total(t, ASSET_CLASSES, "_sum"),
        deposit_sum=_total(t, DEPOSIT_CLASSES, "_sum"),
    )
    t = t.mutate(
        month_avg_fen=div_half_up(t.aum_sum, elapsed),
        deposit_month_avg_fen=div_half_up(t.deposit_sum, elapsed),
    )
    return t.pipe(_year_and_peak, history, start=start, days_before=year_days_before)


def _year_and_peak(t: ir.Table, history: ir.Table, *, start: date, days_before: int) -> ir.Table:
    year_start = start.replace(month=1)
    peak_from = date(start.year - 1, start.month, 1)  # with this month: 12 months
    h = history
    past = h.group_by("customer_id").agg(
        year_sum=h.aum_sum.sum(where=h.month >= year_start),
        peak=h.month_avg_fen.max(where=h.month > peak_from),
    )
    out = left(t, past)
    year_sum = out.aum_sum + out.year_sum.fill_null(0)
    return out.mutate(
        year_avg_fen=div_half_up(year_sum, days_before + out.days),
        peak_month_avg_fen=ibis.greatest(out.month_avg_fen, out.peak.fill_null(0)),
    ).drop("year_sum", "peak")


def _total(t: ir.Table, classes: tuple[str, ...], suffix: str) -> ir.IntegerValue:
    total: ir.IntegerValue = t[f"{classes[0]}{suffix}"]
    for c in classes[1:]:
        total = total + t[f"{c}{suffix}"]
    return total
