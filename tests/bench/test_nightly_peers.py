"""The nightly benchmark's baselines agree with 月日均 and tiers worked out by hand.

A tiny lake, month of November 2026 (30 days). Extracts 2026-11-15 and 2026-11-30, plus one on
2026-12-01 that every computation as of 2026-11-30 must ignore.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bench.nightly_peers import io_floor, pandas_peer, reference_sql

MID, END, AFTER = date(2026, 11, 15), date(2026, 11, 30), date(2026, 12, 1)
OPEN = date(2020, 1, 1)

BALANCES = {  # extract date → (as_of, account_id, balance yuan)
    MID: [
        (date(2026, 11, 1), "A1", "100.00"),
        (date(2026, 11, 10), "A1", "300.00"),  # corrected to 310.00 by the next extract
        (date(2026, 11, 1), "A2", "1000.00"),
        (date(2026, 11, 5), "A2", "2000.00"),
        (date(2026, 10, 5), "A3", "9999.00"),
        (date(2026, 10, 20), "A3", "3000.00"),  # carried into November
        (date(2026, 11, 1), "A6", "200000.00"),
        (date(2026, 11, 1), "A7", "199999.99"),
        (date(2026, 11, 1), "A8a", "3000000.00"),
        (date(2026, 11, 1), "A8b", "2000000.00"),
        (date(2026, 10, 31), "A9", "1000000.00"),
    ],
    END: [
        (date(2026, 11, 10), "A1", "310.00"),
        (date(2026, 11, 20), "A1", "50.00"),
        (date(2026, 11, 20), "A2", "500.00"),  # after A2 closed on the 12th: counts zero
        (date(2026, 11, 16), "A3", "4000.00"),
        (date(2026, 11, 16), "A5", "1.01"),  # 101 fen × 15 days ÷ 30 = 50.5 fen
    ],
    AFTER: [
        (date(2026, 11, 25), "A1", "9000.00"),
        (date(2026, 12, 1), "A1", "7000.00"),
    ],
}

ACCOUNTS = {  # account_id → (customer_id, asset_class)
    "A1": ("C1", "demand"),
    "A2": ("C2", "demand"),
    "A3": ("C3", "time"),
    "A6": ("C6", "wealth"),
    "A7": ("C7", "demand"),
    "A8a": ("C8", "time"),
    "A8b": ("C8", "fund"),
    "A9": ("C9", "bond"),
}


def _write(lake: Path, table: str, extract: date, rows: pa.Table) -> None:
    folder = lake / "raw" / table / f"extract_date={extract.isoformat()}"
    folder.mkdir(parents=True)
    pq.write_table(rows, folder / "part-0.parquet")


def _balances(rows: list[tuple[date, str, str]]) -> pa.Table:
    return pa.table(
        {
            "as_of": pa.array([r[0] for r in rows], pa.date32()),
            "account_id": [r[1] for r in rows],
            "balance": pa.array([Decimal(r[2]) for r in rows], pa.decimal128(18, 2)),
        }
    )


def _accounts(accounts: dict[str, tuple[str, str]], closed: dict[str, date]) -> pa.Table:
    ids = sorted(accounts)
    return pa.table(
        {
            "account_id": ids,
            "customer_id": [accounts[a][0] for a in ids],
            "product_code": ["P1"] * len(ids),
            "asset_class": [accounts[a][1] for a in ids],
            "opened_on": pa.array([OPEN] * len(ids), pa.date32()),
            "maturity_date": pa.array([None] * len(ids), pa.date32()),
            "closed_on": pa.array([closed.get(a) for a in ids], pa.date32()),
        }
    )


def _customers(ids: list[str]) -> pa.Table:
    return pa.table(
        {"customer_id": ids, "birth_date": pa.array([date(1970, 1, 1)] * len(ids), pa.date32())}
    )


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lake")
    for extract, rows in BALANCES.items():
        _write(root, "balances", extract, _balances(rows))
    later = {**ACCOUNTS, "A5": ("C5", "demand")}
    _write(root, "accounts", MID, _accounts(ACCOUNTS, {}))
    _write(root, "accounts", END, _accounts(later, {"A2": date(2026, 11, 12)}))
    # closing A6 in an extract after the as_of must not zero it
    _write(root, "accounts", AFTER, _accounts(later, {"A6": date(2026, 11, 2)}))
    early = ["C1", "C2", "C3", "C4", "C6", "C7", "C8", "C9"]  # C4 holds no account
    _write(root, "customers", MID, _customers(early))
    _write(root, "customers", END, _customers(sorted([*early, "C5"])))
    _write(root, "customers", AFTER, _customers(sorted([*early, "C5", "C10"])))
    return root


def _frame(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="str"),
            "month_avg_fen": pd.Series([r[1] for r in rows], dtype="int64"),
            "tier": pd.Series([r[2] for r in rows], dtype="str"),
        }
    )


PEERS: list[Callable[[Path, date], pd.DataFrame]] = [reference_sql, pandas_peer]


@pytest.mark.parametrize("peer", PEERS, ids=["reference_sql", "pandas_peer"])
def test_month_end_over_two_extracts(lake: Path, peer: Callable[[Path, date], pd.DataFrame]):
    expected = _frame(
        [
            # 9 d × 100.00 + 10 d × 310.00 (corrected) + 11 d × 50.00 = 4,550.00 → ÷ 30
            ("C1", 15_167, "大众"),
            # 4 d × 1,000.00 + 8 d × 2,000.00 (closed on the 12th, counted) = 20,000.00
            ("C2", 66_667, "大众"),
            # carry-in 15 d × 3,000.00 + 15 d × 4,000.00 = 105,000.00
            ("C3", 350_000, "大众"),
            ("C4", 0, "大众"),
            ("C5", 51, "大众"),  # 50.5 fen, half up
            ("C6", 20_000_000, "中端"),  # exactly 20万: the lower bound is inclusive
            ("C7", 19_999_999, "大众"),
            ("C8", 500_000_000, "顶级"),  # 300万 + 200万 over two accounts
            ("C9", 100_000_000, "高端"),  # carried in from 31 October
        ]
    )
    pd.testing.assert_frame_equal(peer(lake, END), expected)


@pytest.mark.parametrize("peer", PEERS, ids=["reference_sql", "pandas_peer"])
def test_mid_month_reads_only_the_extracts_so_far(
    lake: Path, peer: Callable[[Path, date], pd.DataFrame]
):
    expected = _frame(
        [
            ("C1", 18_000, "大众"),  # 9 d × 100.00 + 6 d × 300.00 (not yet corrected) ÷ 15
            ("C2", 173_333, "大众"),  # 4 d × 1,000.00 + 11 d × 2,000.00, not yet closed
            ("C3", 300_000, "大众"),
            ("C4", 0, "大众"),
            ("C6", 20_000_000, "中端"),
            ("C7", 19_999_999, "大众"),
            ("C8", 500_000_000, "顶级"),
            ("C9", 100_000_000, "高端"),
        ]
    )
    pd.testing.assert_frame_equal(peer(lake, MID), expected)


def test_io_floor_sums_every_balance_row_up_to_the_as_of(lake: Path):
    # 6,416,398.99 (extract of the 15th) + 4,861.01 (of the 30th); the 1 December extract unread
    assert io_floor(lake, END) == 642_126_000
    assert io_floor(lake, MID) == 641_639_899
