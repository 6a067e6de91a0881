"""One customer's detail from the lake, for the 360 page: the monthly AUM series (aum_monthly of
the last 13 month ends) and accounts, loans and cards (holdings_detail). The key holdings come
with the customer snapshot in the operational DB. The caller has already checked the customer is in the user's scope
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
from bankcrm.analytics.ingest.rules import parquet_source
from bankcrm.analytics.lake import Lake

SERIES_MONTHS = 13


@dataclass
class Detail:
    monthly: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    cards: list[dict[str, Any]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _month_ends(lake: Lake) -> list[Path]:
    """The latest aum_monthly partition of each of the last SERIES_MONTHS months."""
    per_month: dict[date, date] = {}
    for d in nightly.mart_dates(lake, "aum_monthly"):
        per_month[d.replace(day=1)] = d
    chosen = sorted(per_month.values())[-SERIES_MONTHS:]
    return [f for d in chosen for f in nightly.mart_files(lake, "aum_monthly", d)]


_DB: duckdb.DuckDBPyConnection | None = None


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on one in-process DuckDB database kept for the life of the process: its object
    cache keeps the Parquet footers, so a lookup reads only the customer's row groups."""
    global _DB
    if _DB is None:
        _DB = duckdb.connect(config={"threads": 1, "enable_object_cache": True})
    return _DB.cursor()


def customer_detail(lake: Lake, customer_id: str) -> Detail:
    with _cursor() as con:
        monthly: list[dict[str, Any]] = []
        files = _month_ends(lake)
        if files:
            monthly = _rows(
                con,
                f"SELECT month, aum_fen, month_avg_fen FROM {parquet_source(files)} "
                "WHERE customer_id = $1 ORDER BY month",
                [customer_id],
            )
        accounts: list[dict[str, Any]] = []
        loans: list[dict[str, Any]] = []
        cards: list[dict[str, Any]] = []
        detail_dates = nightly.mart_dates(lake, "holdings_detail")
        if detail_dates:
            src = parquet_source(nightly.mart_files(lake, "holdings_detail", detail_dates[-1]))
            for row in _rows(
                con,
                f"SELECT * FROM {src} WHERE customer_id = $1 ORDER BY kind, item_id",
                [customer_id],
            ):
                if row["kind"] == "account":
                    accounts.append(
                        {k: row[k] for k in ACCOUNT_FIELDS} | {"account_id": row["item_id"]}
                    )
                elif row["kind"] == "loan":
                    loans.append(
                        {
                            "loan_id": row["item_id"],
                            "product_code": row["product_code"],
                            "balance_fen": row["balance_fen"],
                            "overdue_days": row["overdue_days"],
                            "status": row["status"],
                        }
                    )
                else:
                    cards.append({"card_id": row["item_id"]} | {k: row[k] for k in CARD_FIELDS})
    return Detail(monthly, accounts, loans, cards)


ACCOUNT_FIELDS = ("product_code", "asset_class", "opened_on", "maturity_date", "closed_on")
CARD_FIELDS = ("card_type", "level", "status")
