"""Model rows from the lake (issue 7, part 2): the `features` mart of a date, a few derived
columns, and — for training — the label from later months' `aum_monthly` and account closures.

The same SQL shapes rows for training (past month ends) and for scoring (the nightly's date), so
the model sees one definition. Read with DuckDB straight from the Parquet marts; money stays
integer fen in the Arrow columns (the model's float matrix is made from them at the end, exact
below 2^53 fen). Derived, null where the history is missing:
- month_avg_fen, aum_fen (the date's `aum_monthly`) and the falls of 月日均 as ratios of the
  earlier level (drop_1m/3m/6m: 0.62 = 62% lower);
- outflow_ratio / inflow_ratio: other-bank flows of 30 days ÷ 月日均;
- term_change_1m_fen: 定期 + 理财 at the date against the previous month's end (maturities that
  were not renewed show as a fall);
- digital/txn/salary change against the features of 3 months before; login_days since the
  last login.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from bankcrm.analytics.ingest.contract import CHANNELS
from bankcrm.analytics.ingest.rules import lit, parquet_source
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts.common import add_months
from bankcrm.analytics.nightly import cutoff, mart_dates, mart_files, raw_files
from bankcrm.churn.label import MISSING, LabelSpec, floors, label

BASE = [
    "age",
    "tenure_months",
    "custody_fen",
    "aum_change_1m_fen",
    "aum_change_3m_fen",
    "aum_change_6m_fen",
    "inflow_other_bank_30d_fen",
    "outflow_other_bank_30d_fen",
    "salary_30d_fen",
    "credit_card_spend_12m_fen",
    "txn_30d",
    *(f"txn_30d_{c}" for c in CHANNELS),
    "digital_30d",
    "product_count",
    "maturing_30d_count",
    "maturing_30d_fen",
    "loan_balance_fen",
    "card_level_rank",
    "recency_days",
    "dormancy_days",
]
DERIVED = {
    "month_avg_fen": "m.month_avg_fen",
    "aum_fen": "m.aum_fen",
    "drop_1m": "-f.aum_change_1m_fen / nullif(m.month_avg_fen - f.aum_change_1m_fen, 0)",
    "drop_3m": "-f.aum_change_3m_fen / nullif(m.month_avg_fen - f.aum_change_3m_fen, 0)",
    "drop_6m": "-f.aum_change_6m_fen / nullif(m.month_avg_fen - f.aum_change_6m_fen, 0)",
    "outflow_ratio": "f.outflow_other_bank_30d_fen / greatest(m.month_avg_fen, 100)",
    "inflow_ratio": "f.inflow_other_bank_30d_fen / greatest(m.month_avg_fen, 100)",
    "term_change_1m_fen": "(m.time_fen + m.wealth_fen) - (p.time_fen + p.wealth_fen)",
    "digital_change_3m": "f.digital_30d - q.digital_30d",
    "txn_change_3m": "f.txn_30d - q.txn_30d",
    "salary_change_3m_fen": "f.salary_30d_fen - q.salary_30d_fen",
    "login_days": "{day} - f.last_login_date",
}
FEATURES = BASE + list(DERIVED)


@dataclass
class Sources:
    """The Parquet files one date's rows are read from (the nightly passes its staged marts)."""

    as_of: date
    features: list[Path]
    monthly: list[Path]
    monthly_prev: list[Path] = field(default_factory=list)  # the previous month's end
    features_prev: list[Path] = field(default_factory=list)  # 3 months before


def _month_end_partition(lake: Lake, table: str, month: date) -> date | None:
    """The partition of `table` on `month`'s last day, if the nightly ran it."""
    ends = [d for d in mart_dates(lake, table) if d.replace(day=1) == month]
    last = add_months(month, 1).toordinal() - 1
    return ends[-1] if ends and ends[-1].toordinal() == last else None


def _latest_in_month(lake: Lake, table: str, month: date, until: date) -> list[Path]:
    dates = [d for d in mart_dates(lake, table) if d.replace(day=1) == month and d <= until]
    return mart_files(lake, table, dates[-1]) if dates else []


def sources(lake: Lake, as_of: date) -> Sources:
    """The marts a date's rows are read from, all committed in the lake."""
    month = as_of.replace(day=1)
    return Sources(
        as_of,
        mart_files(lake, "features", as_of),
        mart_files(lake, "aum_monthly", as_of),
        _latest_in_month(lake, "aum_monthly", add_months(month, -1), as_of),
        _latest_in_month(lake, "features", add_months(month, -3), as_of),
    )


def _or_empty(files: list[Path], columns: str) -> str:
    if files:
        return parquet_source(files)
    return f"(SELECT {columns} WHERE false)"


def rows(db: duckdb.DuckDBPyConnection, src: Sources) -> pa.Table:
    """customer_id + FEATURES of every customer in the date's features mart, in customer order."""
    if not src.features or not src.monthly:
        raise ValueError(f"{src.as_of} 的 features / aum_monthly 尚未计算：请先运行夜间批处理")
    day = f"DATE {lit(src.as_of.isoformat())}"
    derived = ", ".join(
        f"CAST({sql.format(day=day)} AS DOUBLE) AS {name}"
        if not name.endswith("_fen") and name != "login_days"
        else f"CAST({sql.format(day=day)} AS BIGINT) AS {name}"
        for name, sql in DERIVED.items()
    )
    empty_m = "NULL::VARCHAR AS customer_id, 0::BIGINT AS time_fen, 0::BIGINT AS wealth_fen"
    empty_f = (
        "NULL::VARCHAR AS customer_id, 0::BIGINT AS digital_30d, 0::BIGINT AS txn_30d, "
        "0::BIGINT AS salary_30d_fen"
    )
    sql = f"""
        SELECT f.customer_id, {", ".join(f"f.{c}" for c in BASE)}, {derived}
        FROM {parquet_source(src.features)} f
        JOIN {parquet_source(src.monthly)} m USING (customer_id)
        LEFT JOIN {_or_empty(src.monthly_prev, empty_m)} p USING (customer_id)
        LEFT JOIN {_or_empty(src.features_prev, empty_f)} q USING (customer_id)
        ORDER BY f.customer_id
    """
    return db.sql(sql).to_arrow_table()


def matrix(table: pa.Table, names: Sequence[str] = FEATURES) -> np.ndarray:
    """The model's float matrix (NaN for null), columns in `names` order."""
    cols = [
        table[n].cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64) for n in names
    ]
    return np.column_stack(cols) if cols else np.empty((table.num_rows, 0))


def labels(
    db: duckdb.DuckDBPyConnection,
    lake: Lake,
    t: date,
    until: date,
    spec: LabelSpec,
    rule_set: str,
) -> pa.Table | None:
    """customer_id → label at month end t (only labelled customers), None when the lake lacks
    the trailing or future month ends (up to `until`)."""
    month = t.replace(day=1)
    offsets = list(range(-spec.trailing_months + 1, spec.horizon_months + 1))
    parts = {k: _month_end_partition(lake, "aum_monthly", add_months(month, k)) for k in offsets}
    if any(parts[k] is None for k in offsets if k <= 0):
        return None
    if any(parts[k] is None or parts[k] > until for k in offsets if k > 0):  # type: ignore[operator]
        return None
    union = " UNION ALL ".join(
        f"SELECT customer_id, {k} AS k, month_avg_fen "
        f"FROM {parquet_source(mart_files(lake, 'aum_monthly', d))}"
        for k, d in parts.items()
        if d is not None
    )
    pivot = ", ".join(
        f"coalesce(max(month_avg_fen) FILTER (WHERE k = {k}), {MISSING}) AS m{i}"
        for i, k in enumerate(offsets)
    )
    horizon_end = add_months(month, spec.horizon_months + 1).toordinal() - 1
    closed = _closed_sql(lake, t, date.fromordinal(horizon_end), until)
    tiers = mart_files(lake, "tiers", t)
    tier_sql = (
        f"(SELECT customer_id, threshold_fen, tier_rank FROM {parquet_source(tiers)} "
        f"WHERE rule_set = {lit(rule_set)})"
        if tiers
        else "(SELECT NULL::VARCHAR AS customer_id, NULL::BIGINT AS threshold_fen, "
        "NULL::INT AS tier_rank WHERE false)"
    )
    got = db.sql(f"""
        WITH months AS (SELECT customer_id, {pivot} FROM ({union}) GROUP BY customer_id)
        SELECT months.*, t.threshold_fen, t.tier_rank, coalesce(c.closed, false) AS closed
        FROM months LEFT JOIN {tier_sql} t USING (customer_id)
        LEFT JOIN {closed} c USING (customer_id)
        ORDER BY customer_id
    """).to_arrow_table()
    k = spec.trailing_months
    m = np.column_stack([got[f"m{i}"].to_numpy() for i in range(len(offsets))])
    floor = floors(
        got["threshold_fen"].to_numpy(zero_copy_only=False),
        got["tier_rank"].to_numpy(zero_copy_only=False),
        spec,
    )
    y = label(m[:, :k], m[:, k:], floor, got["closed"].to_numpy(zero_copy_only=False), spec)
    keep = y >= 0
    return pa.table({"customer_id": got["customer_id"].filter(pa.array(keep)), "y": y[keep]})


def _closed_sql(lake: Lake, t: date, horizon_end: date, until: date) -> str:
    """Customers with an asset account open at t and none open at the horizon's end."""
    files = raw_files(lake, "accounts", cutoff(lake, until))
    if not files:
        return "(SELECT NULL::VARCHAR AS customer_id, false AS closed WHERE false)"
    src = parquet_source(files, hive=True)
    d_t, d_h = (f"DATE {lit(x.isoformat())}" for x in (t, horizon_end))
    return f"""(
        SELECT customer_id, true AS closed FROM (
            SELECT * EXCLUDE (extract_date) FROM {src}
            QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY extract_date DESC) = 1)
        WHERE opened_on <= {d_t}
        GROUP BY customer_id
        HAVING bool_or(closed_on IS NULL OR closed_on > {d_t})
           AND bool_and(closed_on IS NOT NULL AND closed_on <= {d_h})
    )"""


def training_months(lake: Lake, until: date) -> list[date]:
    """Month ends ≤ until whose features mart exists (candidates for labelled rows)."""
    out = []
    for d in mart_dates(lake, "features"):
        if d <= until and _month_end_partition(lake, "features", d.replace(day=1)) == d:
            out.append(d)
    return out


def labelled(
    lake: Lake, until: date, spec: LabelSpec, rule_set: str
) -> list[tuple[date, pa.Table]]:
    """(month end, rows with FEATURES + y) for every month end with a complete label."""
    db = duckdb.connect()
    out = []
    try:
        for t in training_months(lake, until):
            y = labels(db, lake, t, until, spec, rule_set)
            if y is None or y.num_rows == 0:
                continue
            x = rows(db, sources(lake, t))
            db.register("x_rows", x)
            db.register("y_rows", y)
            joined = "SELECT * FROM x_rows JOIN y_rows USING (customer_id) ORDER BY customer_id"
            out.append((t, db.sql(joined).to_arrow_table()))
            db.unregister("x_rows")
            db.unregister("y_rows")
    finally:
        db.close()
    return out
