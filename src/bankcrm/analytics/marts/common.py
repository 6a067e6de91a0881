"""Small expression helpers shared by the marts: current versions, day numbers, exact division."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

import bankcrm.analytics.backend  # noqa: F401  (exact integer division in the compiled SQL)

EPOCH = date(1970, 1, 1)


def latest(raw: ir.Table, key: Sequence[str]) -> ir.Table:
    """The newest version of each row: among extracts, the latest `extract_date` per key wins."""
    w = ibis.window(group_by=list(key), order_by=ibis.desc("extract_date"))
    ranked = raw.mutate(_rank=ibis.row_number().over(w))
    return ranked.filter(ranked._rank == 0).drop("_rank", "extract_date")


def day_number(d: date) -> int:
    """Days since 1970-01-01: the integer the marts compare dates by (Spark has no DATE RANGE)."""
    return (d - EPOCH).days


def days(col: ir.DateValue) -> ir.IntegerValue:
    return col.epoch_days().cast("int64")


def fen(amount: ir.DecimalValue) -> ir.IntegerValue:
    """DECIMAL(18,2) yuan → int64 fen (exact: ×100 leaves no fraction)."""
    return (amount * 100).cast("int64")


def int64(value: ir.IntegerValue) -> ir.IntegerValue:
    """`value` as BIGINT in the SQL, always. DuckDB sums BIGINT into HUGEINT (128-bit), and every
    join, pivot and division after it then runs on 128-bit integers (at 1M customers the AUM
    pivot and the 月日均 division cost ≈ 1 s more); Ibis believes a sum of int64 is int64 and
    drops `.cast("int64")`, so the cast is built directly. Exact: an overflow fails the cast."""
    return ops.Cast(value, to=dt.int64).to_expr()  # type: ignore[no-any-return]


def div_half_up(num: ir.IntegerValue, den: ir.IntegerValue | int) -> ir.IntegerValue:
    """num ÷ den rounded half up, in integers (num ≥ 0, den > 0). A DECIMAL or DOUBLE division
    would round differently on the two engines; floor((2·num + den) ÷ 2·den) does not. The
    division is exact (the remainder is taken off first) and compiles to integer division."""
    twice = num * 2 + den
    return (twice - twice % (den * 2)) // (den * 2)


def yuan_text(fen_value: ir.IntegerValue) -> ir.StringValue:
    """'52300.00' from 5230000 fen, for reasons staff read."""
    whole = (fen_value - fen_value % 100) // 100
    cents = (fen_value % 100).cast("string").lpad(2, "0")
    return whole.cast("string") + "." + cents


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """The first day of the month `months` after d's month."""
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def left(t: ir.Table, other: ir.Table, key: str = "customer_id") -> ir.Table:
    """`t` LEFT JOIN `other` USING (key), keeping one key column."""
    return t.left_join(other, key).drop(f"{key}_right")
