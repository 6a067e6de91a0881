"""Property: whatever valid money text a drop holds, the lake's sums equal the files' sums to the fen."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.ingest.contract import TABLES, Kind
from bankcrm.analytics.lake import Lake
from bankcrm.demo import DemoSpec, build_demo
from tests.factories import drop_rows, write_drop

# yuan with at most 2 decimals, up to the DECIMAL(18,2) limit, incl. 0.00 and 0.01
amounts = st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2)


def _text(value: Decimal, style: int) -> str:
    """The same amount written the ways core systems write it: 12 / 12.5 / 12.50."""
    if style == 0:
        return f"{value:.2f}"
    text = format(value.normalize(), "f") if value else "0"
    return text if style == 1 else text.rstrip("0").rstrip(".") if "." in text else text


def _lake_sum(lake: Lake, table: str, column: str) -> Decimal:
    files = [str(f) for f in lake.files(table)]
    total = duckdb.sql(f"SELECT coalesce(sum({column}), 0) FROM read_parquet({files})").fetchall()
    return Decimal(total[0][0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    balances=st.lists(st.tuples(amounts, st.integers(0, 2)), min_size=1, max_size=40),
    spends=st.lists(st.tuples(amounts, st.integers(0, 2)), min_size=0, max_size=40),
)
def test_money_round_trips_exactly(
    balances: list[tuple[Decimal, int]], spends: list[tuple[Decimal, int]]
) -> None:
    rows = drop_rows()
    start = date(2026, 1, 1)
    rows["balances"] = [
        {
            "as_of": (start + timedelta(days=i)).isoformat(),
            "account_id": "A1",
            "balance": _text(v, s),
        }
        for i, (v, s) in enumerate(balances)
    ]
    template = rows["transactions"][0]
    rows["transactions"] = [
        {**template, "txn_id": f"T{i}", "amount": _text(v, s)} for i, (v, s) in enumerate(spends)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(Path(tmp) / "lake")
        report = ingest_drop(write_drop(Path(tmp) / "drop", rows), lake)
        assert report.status == "landed", report.problems[:3]
        assert _lake_sum(lake, "balances", "balance") == sum((v for v, _ in balances), Decimal(0))
        assert _lake_sum(lake, "transactions", "amount") == sum((v for v, _ in spends), Decimal(0))


def _file_sums(drop: Path, table: str, columns: list[str]) -> dict[str, Decimal]:
    """Column sums straight from the CSV text, with Python's Decimal (no DuckDB, no float)."""
    sums = dict.fromkeys(columns, Decimal(0))
    with (drop / f"{table}.csv").open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for c in columns:
                if row[c].strip():
                    sums[c] += Decimal(row[c])
    return sums


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), customers=st.integers(50, 400), months=st.integers(1, 3))
def test_generated_drop_round_trips_exactly(seed: int, customers: int, months: int) -> None:
    """Every money column of every table of a generated drop sums in the lake to the fen of the
    file's own text."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = DemoSpec(customers=customers, months=months, seed=seed)
        result = build_demo(spec, Path(tmp) / "drops")
        lake = Lake(Path(tmp) / "lake")
        drop = result.drops[0]
        assert ingest_drop(drop, lake).status == "landed"
        for name, table in TABLES.items():
            money = [c.name for c in table.columns if c.kind is Kind.MONEY]
            if not money or not (drop / f"{name}.csv").exists():
                continue
            expected = _file_sums(drop, name, money)
            for column in money:
                assert _lake_sum(lake, name, column) == expected[column], (name, column)
