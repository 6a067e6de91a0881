"""Customers per asset band on a date, straight from the lake (the demo summary's figures).

Point AUM = Σ over a customer's asset accounts of the last balance on or before the date (change
mode carries a balance forward; an account closed on or before the date counts zero). Sums stay
DECIMAL end to end. The nightly marts (issue 4) own the full AUM definitions; this is a read-only
check that the demo bank has the intended shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from bankcrm.analytics.ingest.rules import lit, parquet_source
from bankcrm.analytics.lake import Lake

BANDS: tuple[tuple[str, Decimal], ...] = (
    ("<5万", Decimal(0)),
    ("5万-50万", Decimal(50_000)),
    ("50万-300万", Decimal(500_000)),
    ("≥300万", Decimal(3_000_000)),
)


@dataclass(frozen=True)
class Band:
    name: str
    customers: int
    share: float  # a ratio for display, never money
    aum: Decimal


def _files(lake: Lake, table: str, on: date, *, latest_only: bool) -> str:
    dates = [d for d in lake.dates(table) if d <= on]
    if not dates:
        raise ValueError(f"数据湖中没有 {on} 及以前的 {table}")
    chosen = dates[-1:] if latest_only else dates
    return parquet_source(
        [f for d in chosen for f in sorted(lake.raw_dir(table, d).glob("*.parquet"))]
    )


def aum_bands(lake: Lake, on: date) -> list[Band]:
    """Customers and AUM per band on `on` (point AUM, lower bounds inclusive)."""
    day = f"DATE {lit(on.isoformat())}"
    cases = " ".join(
        f"WHEN aum >= {lower} THEN {i}" for i, (_n, lower) in reversed(list(enumerate(BANDS)))
    )
    sql = f"""
        WITH customers AS (
            SELECT customer_id FROM {_files(lake, "customers", on, latest_only=True)}
        ), accounts AS (
            SELECT account_id, customer_id, closed_on
            FROM {_files(lake, "accounts", on, latest_only=True)}
        ), last_balance AS (
            SELECT account_id, arg_max(balance, as_of) AS balance
            FROM {_files(lake, "balances", on, latest_only=False)}
            WHERE as_of <= {day} GROUP BY account_id
        ), per_customer AS (
            SELECT c.customer_id,
                   coalesce(sum(CASE WHEN a.closed_on IS NULL OR a.closed_on > {day}
                                     THEN b.balance END), 0)::DECIMAL(18,2) AS aum
            FROM customers c
            LEFT JOIN accounts a USING (customer_id)
            LEFT JOIN last_balance b USING (account_id)
            GROUP BY c.customer_id
        )
        SELECT CASE {cases} END AS band, count(*), sum(aum)::DECIMAL(20,2)
        FROM per_customer GROUP BY band ORDER BY band
    """
    rows = {int(b): (int(n), Decimal(s)) for b, n, s in duckdb.execute(sql).fetchall()}
    total = sum(n for n, _ in rows.values()) or 1
    return [
        Band(
            name,
            rows.get(i, (0, Decimal(0)))[0],
            rows.get(i, (0, 0))[0] / total,
            rows.get(i, (0, Decimal(0)))[1],
        )
        for i, (name, _lower) in enumerate(BANDS)
    ]
