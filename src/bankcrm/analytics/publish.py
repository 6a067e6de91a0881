"""Publish one date's results from the lake into the operational DB (DESIGN §2).

Reads the raw extracts the nightly read (same cutoff) and the marts of `as_of`, shapes them into
each owning domain's rows, and hands them to that domain's service, which bulk-loads them. The
caller owns the transaction: everything of a date lands together or not at all.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa
from sqlalchemy import text
from sqlalchemy.orm import Session

from bankcrm.analytics.ingest.rules import lit, parquet_source
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.nightly import KEYS, cutoff, mart_files, raw_files
from bankcrm.churn import service as churn
from bankcrm.customers import service as customers
from bankcrm.orgs import service as orgs
from bankcrm.products import service as products
from bankcrm.tiering import service as tiering

LEVEL_ORDER = (
    "CASE level WHEN 'head_office' THEN 0 WHEN 'branch' THEN 1 WHEN 'sub_branch' THEN 2 ELSE 3 END"
)


@dataclass
class Published:
    customers: int = 0
    churn_scores: int = 0  # scores published (replacing all stored ones); 0: no model yet
    tiers: int = 0  # current-tier rows written (changed or new customers)
    changes: int = 0  # upgrades and downgrades recorded in tier history
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # rule set → tier → n
    moves: dict[str, dict[str, int]] = field(default_factory=dict)  # rule set → up/down/new → n


class _Reader:
    def __init__(self, lake: Lake, as_of: date) -> None:
        self.lake, self.as_of = lake, as_of
        self.until = cutoff(lake, as_of)
        self.db = duckdb.connect()

    def raw(self, table: str) -> str:
        """SQL for the newest version of each key among extracts up to the cutoff (as `Inputs`)."""
        files = raw_files(self.lake, table, self.until)
        if not files:
            raise ValueError(f"数据湖中没有 {self.as_of} 及以前的 {table}")
        src = parquet_source(files, hive=True)
        if len({f.parent for f in files}) == 1:  # one extract: its keys are unique (ingest)
            return f"(SELECT * EXCLUDE (extract_date) FROM {src})"
        key = ", ".join(KEYS[table])
        return f"(SELECT * EXCLUDE (extract_date) FROM {src} QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY extract_date DESC) = 1)"

    def mart(self, table: str) -> str:
        files = mart_files(self.lake, table, self.as_of)
        if not files:
            raise ValueError(f"{self.as_of} 的 {table} 尚未计算：请先运行 bankcrm nightly")
        return parquet_source(files)

    def arrow(self, sql: str) -> pa.Table:
        return self.db.sql(sql).to_arrow_table()

    def arrow_apart(self, sql: str) -> pa.Table:
        """As `arrow`, on a cursor of its own (another thread may use the connection)."""
        with self.db.cursor() as cur:
            return cur.sql(sql).to_arrow_table()


def publish(session: Session, lake: Lake, as_of: date, rule_sets: list[str]) -> Published:
    r = _Reader(lake, as_of)
    d = f"DATE {lit(as_of.isoformat())}"
    out = Published()
    orgs.publish(
        session,
        r.arrow(
            f"SELECT org_id, NULLIF(parent_id, '') AS parent_id, name, level, {d} AS as_of "
            f"FROM {r.raw('org_units')} ORDER BY {LEVEL_ORDER}, org_id"
        ),
        r.arrow(
            "SELECT staff_id, name, org_id, role, phone, coalesce(status, 'active') AS status, "
            f"joined_on, {d} AS as_of FROM {r.raw('staff')} ORDER BY staff_id"
        ),
    )
    products.publish(
        session,
        r.arrow(
            "SELECT product_code, name, category, risk_level, term_days, "
            "CAST(min_amount * 100 AS BIGINT) AS min_amount_fen, launched_on, "
            f"coalesce(active, true) AS active, {d} AS as_of FROM {r.raw('products')} "
            "ORDER BY product_code"
        ),
    )
    # Current tiers: only customers whose tier changed (or who are new) — plus every customer of
    # a rule set the DB holds no tiers for yet (a fresh DB next to a lake with history).
    empty = [rs for rs in rule_sets if not tiering.has_current(session, rs)]
    fresh = ", ".join(lit(rs) for rs in empty) or "NULL"
    with ThreadPoolExecutor(1) as pool:
        # DuckDB reads the tiers on its own cursor while SQLite loads the customers (≈ 1 s of a
        # 1M-customer first publish)
        tier_rows = pool.submit(_tier_rows, r, d, fresh) if rule_sets else None
        out.customers = customers.publish_snapshot(session, r.arrow(_snapshot_sql(r, d)))
        if mart_files(lake, "churn_scores", as_of):
            out.churn_scores = churn.publish(
                session, r.arrow(f"SELECT * FROM {r.mart('churn_scores')}"), as_of
            )
        if tier_rows is None:  # no rule set in force on this date: nothing to tier
            return out
        current, changes = tier_rows.result()
    out.tiers, out.changes = tiering.publish_tiers(
        session, as_of, rule_sets, current, changes, fresh=empty
    )
    for rs, tier, change, n in r.db.execute(
        f"SELECT rule_set, tier, change, count(*) FROM {r.mart('tiers')} "
        "GROUP BY ALL ORDER BY rule_set, min(tier_rank), change"
    ).fetchall():
        counts = out.counts.setdefault(rs, {})
        counts[tier] = counts.get(tier, 0) + n
        if change != "same":
            moves = out.moves.setdefault(rs, {})
            moves[change] = moves.get(change, 0) + n
    _refresh_statistics(session)
    return out


def _tier_rows(r: _Reader, d: str, fresh: str) -> tuple[pa.Table, pa.Table]:
    """The current-tier rows to write (changed, new, or of a rule set stored `fresh`) in primary
    key order — the index then grows at its end instead of at random — and the date's changes."""
    current = r.arrow_apart(
        "SELECT customer_id, rule_set, version, tier, tier_rank, basis_value_fen, threshold_fen, "
        f"reason, {d} AS since, {d} AS as_of FROM {r.mart('tiers')} "
        f"WHERE change <> 'same' OR rule_set IN ({fresh}) ORDER BY customer_id, rule_set"
    )
    changes = r.arrow_apart(
        "SELECT customer_id, rule_set, version, "
        f"{d} AS effective_on, prev_tier AS from_tier, tier AS to_tier, change AS direction, "
        f"basis_value_fen, reason FROM {r.mart('tiers')} WHERE change IN ('up', 'down') "
        "ORDER BY rule_set, customer_id"
    )
    return current, changes


def _refresh_statistics(session: Session) -> None:
    """SQLite keeps no statistics until ANALYZE: without them it lists an outlet's customers by
    fetching and sorting all of them (0.3–0.8 s a page at 1M customers, 10 ms with them). A
    full ANALYZE takes ≈ 1.2 s at 1M customers (a sampled one, analysis_limit = 1000, left the
    bad plans). PostgreSQL's autovacuum does this on its own."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("ANALYZE"))


def _snapshot_sql(r: _Reader, d: str) -> str:
    return f"""
        SELECT c.customer_id, c.name, c.id_type, c.id_number, c.birth_date, c.gender,
               c.home_org_id, c.opened_on, c.phone, c.home_phone, c.address, c.employer,
               c.occupation, c.marital_status, c.risk_level, c.risk_assessed_on,
               coalesce(c.status, 'active') AS status, c.closed_on, c.e_banking,
               m.aum_fen, m.month_avg_fen AS aum_month_avg_fen, m.deposit_month_avg_fen,
               m.year_avg_fen AS aum_year_avg_fen, h.product_count, h.has_debit_gold,
               h.has_credit_card, h.has_wealth, h.has_fund, h.has_insurance,
               h.next_maturity_date, {d} AS as_of
        FROM {r.raw("customers")} c
        JOIN {r.mart("aum_monthly")} m USING (customer_id)
        LEFT JOIN {r.mart("holdings")} h USING (customer_id)
        ORDER BY c.customer_id
    """
