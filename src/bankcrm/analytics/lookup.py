"""One customer's detail from the lake, for the 360 page: the monthly AUM series, holdings,
accounts, loans and cards. The caller has already checked the customer is in the user's scope
(`security.scope.scoped`); this module only reads.

Marts are written in customer order, so DuckDB skips every row group but the customer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from bankcrm.analytics import nightly
from bankcrm.analytics.ingest.rules import lit, parquet_source
from bankcrm.analytics.lake import Lake

SERIES_MONTHS = 13


@dataclass
class Detail:
    monthly: list[dict[str, Any]]
    holdings: dict[str, Any] | None
    accounts: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    cards: list[dict[str, Any]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _raw(lake: Lake, table: str) -> str | None:
    dates = lake.dates(table)
    if not dates:
        return None
    files = nightly.raw_files(lake, table, dates[-1])
    key = ", ".join(nightly.KEYS[table])
    return (
        f"(SELECT * EXCLUDE (extract_date) FROM {parquet_source(files, hive=True)} "
        f"WHERE customer_id = $1 QUALIFY row_number() OVER (PARTITION BY {key} "
        "ORDER BY extract_date DESC) = 1)"
    )


def _month_ends(lake: Lake) -> list[Path]:
    """The latest aum_monthly partition of each of the last SERIES_MONTHS months."""
    per_month: dict[date, date] = {}
    for d in nightly.mart_dates(lake, "aum_monthly"):
        per_month[d.replace(day=1)] = d
    chosen = sorted(per_month.values())[-SERIES_MONTHS:]
    return [f for d in chosen for f in nightly.mart_files(lake, "aum_monthly", d)]


def customer_detail(lake: Lake, customer_id: str) -> Detail:
    with duckdb.connect(config={"threads": 1}) as con:
        monthly: list[dict[str, Any]] = []
        files = _month_ends(lake)
        if files:
            monthly = _rows(
                con,
                f"SELECT month, aum_fen, month_avg_fen FROM {parquet_source(files)} "
                "WHERE customer_id = $1 ORDER BY month",
                [customer_id],
            )
        holdings = None
        dates = nightly.mart_dates(lake, "holdings")
        if dates:
            src = parquet_source(nightly.mart_files(lake, "holdings", dates[-1]))
            found = _rows(con, f"SELECT * FROM {src} WHERE customer_id = $1", [customer_id])
            holdings = found[0] if found else None
        accounts = _select(
            con,
            lake,
            "accounts",
            "account_id, product_code, asset_class, opened_on, maturity_date, closed_on",
            customer_id,
            "opened_on, account_id",
        )
        loans = _select(
            con,
            lake,
            "loans",
            "loan_id, product_code, balance, overdue_days, status",
            customer_id,
            "loan_id",
        )
        cards = _select(
            con, lake, "cards", "card_id, card_type, level, status", customer_id, "card_id"
        )
    return Detail(monthly, holdings, accounts, loans, cards)


def _select(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    table: str,
    columns: str,
    customer_id: str,
    order: str,
) -> list[dict[str, Any]]:
    src = _raw(lake, table)
    if src is None:
        return []
    return _rows(con, f"SELECT {columns} FROM {src} ORDER BY {order}", [customer_id])


__all__ = ["Detail", "customer_detail", "lit"]
