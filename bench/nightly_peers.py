"""Comparison baselines for the nightly benchmark: 月日均 and tier straight from the lake.

    uv run python bench/nightly_peers.py --lake /tmp/peers/lake-1m --as-of 2026-10-31

Three ways to the same figure (DESIGN §5 aum_monthly, §6 `maintenance_3tier`), each timed:
- `io_floor`: DuckDB's plain scan `sum(balance)` of the balance files, the I/O floor;
- `reference_sql`: the best hand-written DuckDB SQL, the bar the Ibis marts are measured against;
- `pandas_peer`: what an analyst would write in pandas.

The definition, for a month end D: a change-mode balance row holds from its as_of until the
account's next row (or D); days after `closed_on` count zero, the closing day itself still counts;
an account has 0 before its first row; the last row before the month holds from its first day.
Rows from extracts after D and balance rows dated after D are ignored; the same (as_of,
account_id) sent in several extracts, and an account sent again, take the latest extract_date.
The customers are those of the latest customers extract ≤ D (customers with no accounts get 0).
月日均 = Σ balance_fen × days held within the month ÷ days of the month so far (D.day), rounded
half up in integer fen; the sum is never expanded to an account × day grid (DESIGN §5).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bankcrm.analytics.ingest.rules import lit
from bankcrm.analytics.lake import Lake

# maintenance_3tier (DESIGN §6): inclusive lower bounds in fen, ascending.
TIERS: tuple[tuple[str, int], ...] = (
    ("大众", 0),
    ("中端", 20_000_000),  # 20万 yuan
    ("高端", 100_000_000),  # 100万
    ("顶级", 500_000_000),  # 500万
)


def _dated_files(lake: Path, table: str, as_of: date) -> list[tuple[date, list[Path]]]:
    """(extract_date, parquet files) of a table for every extract date ≤ as_of, oldest first."""
    store = Lake(lake)
    dated = [
        (d, sorted(store.raw_dir(table, d).glob("*.parquet")))
        for d in store.dates(table)
        if d <= as_of
    ]
    if not dated:
        raise ValueError(f"no {table} extract on or before {as_of} in {lake}")
    return dated


def _file_list(dated: list[tuple[date, list[Path]]]) -> str:
    return "[" + ", ".join(lit(str(f)) for _d, files in dated for f in files) + "]"


def _connect(threads: int) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": threads})


def io_floor(lake: Path, as_of: date, threads: int = 2) -> int:
    """Σ balance in fen over the balance files with extract_date ≤ as_of (a plain scan)."""
    files = _file_list(_dated_files(lake, "balances", as_of))
    with _connect(threads) as con:
        row = con.execute(f"SELECT sum(balance) FROM read_parquet({files})").fetchone()
    total = row[0] if row and row[0] is not None else 0
    return int(total * 100)


def _accounts_sql(dated: list[tuple[date, list[Path]]]) -> str:
    files = _file_list(dated)
    if len(dated) == 1:
        return f"SELECT account_id, customer_id, closed_on FROM read_parquet({files})"
    # One struct per account: arg_max over separate columns would skip a NULL closed_on.
    return f"""
        SELECT account_id, latest.customer_id, latest.closed_on FROM (
            SELECT account_id,
                   arg_max({{'customer_id': customer_id, 'closed_on': closed_on}}, extract_date)
                       AS latest
            FROM read_parquet({files}, hive_partitioning = true) GROUP BY account_id)"""


def _balances_sql(dated: list[tuple[date, list[Path]]], first: str, last: str) -> tuple[str, str]:
    """In-month rows plus each account's last row before the month (the carry-in); the ORDER BY
    tail of the span window.

    With several extracts, duplicates stay: the window orders ties on as_of by extract_date, so
    an older copy's span ends where the newer copy starts (zero days) and only the latest counts.
    """
    files = _file_list(dated)
    if len(dated) == 1:
        src, order = f"read_parquet({files})", ""
        cols, carry = "as_of", "max(as_of), arg_max(balance, as_of)"
    else:
        src, order = f"read_parquet({files}, hive_partitioning = true)", ", extract_date"
        cols = "as_of, extract_date"
        # The carry-in row's extract_date orders nothing: no other row of its account has its as_of.
        carry = "max(as_of), max(extract_date), arg_max(balance, (as_of, extract_date))"
    sql = f"""
        SELECT account_id, {cols}, balance FROM {src} WHERE as_of BETWEEN {first} AND {last}
        UNION ALL
        SELECT account_id, {carry} FROM {src} WHERE as_of < {first} GROUP BY account_id
    """
    return sql, order


def _tier_case(column: str) -> str:
    whens = " ".join(f"WHEN {column} >= {lo} THEN '{name}'" for name, lo in reversed(TIERS[1:]))
    return f"CASE {whens} ELSE '{TIERS[0][0]}' END"


def _half_up(total: str, days: int) -> str:
    """total ÷ days rounded half up (away from zero) on integers: ⌊(2·|t| + d) ÷ 2d⌋, signed.

    Never `total / days`: DuckDB makes that a DOUBLE (DESIGN §5)."""
    return f"(sign({total}) * ((2 * abs({total}) + {days}) // {2 * days}))::BIGINT"


def _reference_sql(lake: Path, as_of: date) -> str:
    # Ids are strings: each balance row hashes its account_id once, in the join that hands out
    # integer keys; the span window then partitions, and the sum groups, on integers (the window
    # alone took 2.3× the CPU partitioned on the string account_id, at 1M customers).
    first = f"DATE {lit(as_of.replace(day=1).isoformat())}"
    stop = f"DATE {lit((as_of + timedelta(days=1)).isoformat())}"  # first day not counted
    balances, order = _balances_sql(
        _dated_files(lake, "balances", as_of), first, f"DATE {lit(as_of.isoformat())}"
    )
    customers = _file_list(_dated_files(lake, "customers", as_of)[-1:])
    accounts = _accounts_sql(_dated_files(lake, "accounts", as_of))
    ext = ", b.extract_date" if order else ""
    return f"""
        WITH cust AS (
            SELECT customer_id, row_number() OVER () AS ck FROM read_parquet({customers})
        ), acct AS (
            SELECT a.account_id, c.ck, coalesce(a.closed_on + 1, {stop}) AS cut,
                   row_number() OVER () AS ak
            FROM ({accounts}) a JOIN cust c USING (customer_id)
        ), spans AS (
            SELECT a.ck, a.cut, greatest(b.as_of, {first}) AS start,
                   (b.balance * 100)::BIGINT AS fen,
                   lead(b.as_of, 1, {stop}) OVER (PARTITION BY a.ak ORDER BY b.as_of{ext})
                       AS until
            FROM ({balances}) b JOIN acct a USING (account_id)
        ), per_customer AS (
            SELECT ck, sum(fen * greatest(least(until, cut) - start, 0)) AS fen_days
            FROM spans GROUP BY ck
        ), averaged AS (
            SELECT c.customer_id, {_half_up("coalesce(p.fen_days, 0)", as_of.day)} AS month_avg_fen
            FROM cust c LEFT JOIN per_customer p USING (ck)
        )
        SELECT customer_id, month_avg_fen, {_tier_case("month_avg_fen")} AS tier
        FROM averaged ORDER BY customer_id
    """


def reference_sql(lake: Path, as_of: date, threads: int = 2) -> pd.DataFrame:
    """月日均 (fen) and maintenance_3tier per customer, as hand-written DuckDB SQL."""
    with _connect(threads) as con:
        # Arrow, then pandas: DuckDB's own .df() took ~0.5 s more for 1M string rows.
        return con.sql(_reference_sql(lake, as_of)).to_arrow_table().to_pandas()


def _read(files: list[tuple[date, list[Path]]], columns: list[str]) -> pd.DataFrame:
    """One frame of the given extracts with their extract_date; balance becomes integer fen."""
    frames = []
    for extract_date, paths in files:
        for path in paths:
            table = pq.read_table(path, columns=columns)
            if "balance" in columns:
                fen = pc.cast(pc.multiply(table["balance"], 100), pa.int64())
                table = table.drop_columns("balance").append_column("fen", fen)
            frame = table.to_pandas(date_as_object=False)
            frame["extract_date"] = pd.Timestamp(extract_date)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _latest(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    frame = frame.sort_values([*key, "extract_date"], kind="stable")
    return frame.drop_duplicates(key, keep="last")


def _spans(bal: pd.DataFrame, first: pd.Timestamp, stop: pd.Timestamp) -> pd.DataFrame:
    """The month's balance rows and each account's last row before it (the carry-in), in
    (account, as_of) order, each with the date its value stops holding."""
    before = bal["as_of"] < first
    carry = bal[before].groupby("account_id").tail(1).index
    spans = bal[~before | bal.index.isin(carry)].copy()
    spans["until"] = spans.groupby("account_id")["as_of"].shift(-1).fillna(stop)
    spans["start"] = spans["as_of"].clip(lower=first)
    return spans


def pandas_peer(lake: Path, as_of: date) -> pd.DataFrame:
    """月日均 (fen) and maintenance_3tier per customer, as an analyst would write it in pandas."""
    first, last = pd.Timestamp(as_of.replace(day=1)), pd.Timestamp(as_of)
    stop = last + pd.Timedelta(days=1)
    bal = _read(_dated_files(lake, "balances", as_of), ["as_of", "account_id", "balance"])
    # sorted by account and date: the spans below rely on that order
    bal = _latest(bal[bal["as_of"] <= last], ["account_id", "as_of"])
    accounts = _read(
        _dated_files(lake, "accounts", as_of), ["account_id", "customer_id", "closed_on"]
    )
    accounts = _latest(accounts, ["account_id"])
    spans = _spans(bal, first, stop).merge(
        accounts[["account_id", "customer_id", "closed_on"]], on="account_id"
    )
    closed_after = (spans["closed_on"] + pd.Timedelta(days=1)).fillna(stop)
    end = spans["until"].where(spans["until"] < closed_after, closed_after)
    days = (end - spans["start"]).dt.days.clip(lower=0)
    spans["fen_days"] = spans["fen"] * days
    per_customer = spans.groupby("customer_id")["fen_days"].sum()

    customers = _read(_dated_files(lake, "customers", as_of)[-1:], ["customer_id"])
    out = customers[["customer_id"]].sort_values("customer_id", ignore_index=True)
    total = out["customer_id"].map(per_customer).fillna(0).astype("int64").to_numpy()
    n = as_of.day
    out["month_avg_fen"] = np.sign(total) * ((2 * np.abs(total) + n) // (2 * n))
    bounds = np.array([lo for _name, lo in TIERS[1:]], dtype="int64")
    names = np.array([name for name, _lo in TIERS])
    tier = names[np.searchsorted(bounds, out["month_avg_fen"].to_numpy(), side="right")]
    out["tier"] = pd.Series(tier, dtype="str")
    return out


def _timed(run: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - start)
    return samples, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="samples per method (median shown)")
    args = parser.parse_args()
    lake, day = args.lake, args.as_of

    runs: dict[str, Callable[[], object]] = {
        "floor": lambda: io_floor(lake, day, args.threads),
        "reference": lambda: reference_sql(lake, day, args.threads),
        "pandas": lambda: pandas_peer(lake, day),
    }
    results: dict[str, object] = {}
    print(f"nightly peers: {lake} as of {day}, {args.threads} DuckDB threads")
    for name, run in runs.items():
        samples, results[name] = _timed(run, args.repeat)
        shown = ", ".join(f"{s:.2f}" for s in samples)
        print(f"  {name:<10}{statistics.median(samples):8.2f} s   (samples {shown})")

    reference, peer = results["reference"], results["pandas"]
    assert isinstance(reference, pd.DataFrame) and isinstance(peer, pd.DataFrame)
    pd.testing.assert_frame_equal(reference, peer)
    print(f"  floor Σ balance = {results['floor']:,} fen; {len(reference):,} customers")
    print("  reference == pandas: identical frames")
    counts = reference["tier"].value_counts()
    print("  tiers: " + ", ".join(f"{name} {counts.get(name, 0):,}" for name, _lo in TIERS))


if __name__ == "__main__":
    main()
