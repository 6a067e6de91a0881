"""One customer's detail from the lake, for the 360 page: the monthly AUM series (aum_monthly of
the last 13 month ends) and accounts, loans and cards (holdings_detail). The key holdings come
with the customer snapshot in the operational DB. The caller has already checked the customer is
in the user's scope (`security.scope.scoped`); this module only reads.

Marts are written in customer order in small row groups (`nightly.LOOKUP_ROW_GROUP`). Each
file's footer is parsed once per process and kept with its row groups' customer ranges; a lookup
bisects to the customer's row group(s) and decodes only those with pyarrow (≈ 2 ms at 1M
customers, against ≈ 25 ms for the same query through DuckDB, which plans and scans the footer
on every call).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from bankcrm.analytics import nightly
from bankcrm.analytics.lake import Lake

SERIES_MONTHS = 13


@dataclass
class Detail:
    monthly: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    loans: list[dict[str, Any]]
    cards: list[dict[str, Any]]


@dataclass(frozen=True)
class _Index:
    """A Parquet file's footer and its row groups' customer id ranges (in file order)."""

    mtime_ns: int
    metadata: pq.FileMetaData
    lows: list[str]
    highs: list[str]


_INDEXES: dict[Path, _Index] = {}
_LOCK = threading.Lock()


def _index(path: Path) -> _Index:
    mtime = path.stat().st_mtime_ns
    found = _INDEXES.get(path)
    if found is not None and found.mtime_ns == mtime:
        return found
    md = pq.read_metadata(path)
    col = md.schema.names.index("customer_id")
    lows, highs = [], []
    for i in range(md.num_row_groups):
        stats = md.row_group(i).column(col).statistics
        lows.append(stats.min if stats is not None and stats.has_min_max else "")
        highs.append(stats.max if stats is not None and stats.has_min_max else "\U0010ffff")
    index = _Index(mtime, md, lows, highs)
    with _LOCK:
        _INDEXES[path] = index
    return index


def rows_of(path: Path, customer_id: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of `customer_id` in one mart file written in customer order."""
    index = _index(path)
    groups = []  # the file is in customer order: the first group ending at or after the id on
    for i in range(bisect.bisect_left(index.highs, customer_id), len(index.lows)):
        if index.lows[i] > customer_id:
            break
        groups.append(i)
    if not groups:
        return []
    # a ParquetFile per call (the parsed footer is shared): safe across request threads
    table = pq.ParquetFile(path, metadata=index.metadata).read_row_groups(groups, columns=columns)
    rows: list[dict[str, Any]] = table.filter(
        pc.equal(table["customer_id"], customer_id)
    ).to_pylist()
    return rows


def _month_ends(lake: Lake) -> list[Path]:
    """The latest aum_monthly partition of each of the last SERIES_MONTHS months."""
    per_month: dict[date, date] = {}
    for d in nightly.mart_dates(lake, "aum_monthly"):
        per_month[d.replace(day=1)] = d
    chosen = sorted(per_month.values())[-SERIES_MONTHS:]
    return [f for d in chosen for f in nightly.mart_files(lake, "aum_monthly", d)]


def customer_detail(lake: Lake, customer_id: str) -> Detail:
    monthly: list[dict[str, Any]] = []
    for f in _month_ends(lake):
        monthly += rows_of(f, customer_id, ["customer_id", "month", "aum_fen", "month_avg_fen"])
    monthly = [
        {k: r[k] for k in ("month", "aum_fen", "month_avg_fen")}
        for r in sorted(monthly, key=lambda r: r["month"])
    ]
    accounts: list[dict[str, Any]] = []
    loans: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    detail_dates = nightly.mart_dates(lake, "holdings_detail")
    found = [
        row
        for f in (
            nightly.mart_files(lake, "holdings_detail", detail_dates[-1]) if detail_dates else []
        )
        for row in rows_of(f, customer_id)
    ]
    for row in sorted(found, key=lambda r: (r["kind"], r["item_id"])):
        if row["kind"] == "account":
            accounts.append({k: row[k] for k in ACCOUNT_FIELDS} | {"account_id": row["item_id"]})
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
