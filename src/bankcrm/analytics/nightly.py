"""The nightly batch (DESIGN §2, §5): marts for one as_of date, materialised atomically into
`lake/marts/<table>/as_of=D/`, then published to the operational DB.

A run is a function of (lake up to D, rule sets in force on D): it reads raw extracts with
extract_date ≤ D and the marts of earlier dates (months before D's month for 月日均 history and
hysteresis; the last earlier `tiers` for changes). Every mart of D is staged under `_tmp` and
renamed into place as one unit; the publish step runs after that in one transaction per domain,
so a failure anywhere leaves the previous date's lake and DB results as they were.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from bankcrm.analytics import backend
from bankcrm.analytics import lake as lakes
from bankcrm.analytics.ingest.contract import ASSET_CLASSES
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts import aum, features, holdings, tiers
from bankcrm.analytics.marts.common import add_months, latest
from bankcrm.config import Settings, get_settings
from bankcrm.tiering.service import RuleSetVersion

if TYPE_CHECKING:
    from bankcrm.alerts.rules import RuleSpec

MARTS = "marts"
PARTITION = "as_of"
MART_TABLES = (
    "aum_daily",
    "aum_monthly",
    "holdings",
    "holdings_detail",
    "features",
    "tiers",
    "churn_scores",
    "alert_candidates",
)
KEYS = {
    "org_units": ("org_id",),
    "staff": ("staff_id",),
    "products": ("product_code",),
    "customers": ("customer_id",),
    "accounts": ("account_id",),
    "loans": ("loan_id",),
    "cards": ("card_id",),
    "balances": ("as_of", "account_id"),
    "transactions": ("txn_id",),
}
SORT_KEYS = {
    "tiers": ["rule_set", "customer_id"],
    "holdings_detail": ["customer_id", "kind", "item_id"],
    "alert_candidates": ["customer_id", "rule", "event_key"],
}
# marts the 360 page reads one customer at a time: small row groups, so a lookup decodes ≈ 4k
# rows instead of ≈ 120k (files ≈ 15% larger)
LOOKUP_ROW_GROUP = {"aum_monthly": 4096, "holdings_detail": 4096}
HISTORY_MONTHS = 24  # the hysteresis limit of a rule set; 12 months serve 年日均 and the peak

Progress = Callable[[str], None]


@dataclass
class Outcome:
    as_of: date
    steps: dict[str, float] = field(default_factory=dict)  # step → seconds
    customers: int = 0


def mart_dir(lake: Lake, table: str, as_of: date) -> Path:
    return lake.root / MARTS / table / f"{PARTITION}={as_of.isoformat()}"


def mart_files(lake: Lake, table: str, as_of: date) -> list[Path]:
    return sorted(mart_dir(lake, table, as_of).glob("*.parquet"))


def mart_dates(lake: Lake, table: str) -> list[date]:
    base = lake.root / MARTS / table
    if not base.is_dir():
        return []
    return sorted(
        date.fromisoformat(p.name.removeprefix(f"{PARTITION}="))
        for p in base.iterdir()
        if p.is_dir() and p.name.startswith(f"{PARTITION}=")
    )


def latest_extract(lake: Lake) -> date:
    dates = lake.dates("balances")
    if not dates:
        raise ValueError("数据湖中还没有余额数据：请先 bankcrm ingest")
    return dates[-1]


@contextmanager
def _step(outcome: Outcome, name: str, progress: Progress) -> Iterator[None]:
    progress(name)
    t0 = time.perf_counter()
    yield
    outcome.steps[name] = outcome.steps.get(name, 0.0) + time.perf_counter() - t0


def cutoff(lake: Lake, as_of: date) -> date:
    """The last extract date a run for `as_of` reads (see `Inputs`)."""
    later = [d for d in lake.dates("balances") if d >= as_of]
    return later[0] if later else as_of


def raw_files(lake: Lake, table: str, until: date) -> list[Path]:
    """A table's Parquet files of every extract date up to `until` (the cutoff), oldest first."""
    dates = [d for d in lake.dates(table) if d <= until]
    return [f for d in dates for f in sorted(lake.raw_dir(table, d).glob("*.parquet"))]


class Inputs:
    """The raw tables as the marts of one date see them: the newest version of each key
    (deduplicated only when more than one extract date is read) among the extracts up to D.

    Backfill: a bank's first drop often carries months of history. A date earlier than every
    extract therefore reads up to the first extract on or after it (`cutoff`) and keeps only what
    existed on D by business date: balances and transactions up to D (the marts filter them),
    customers and accounts opened by D. For a daily run the cutoff is D itself.
    """

    def __init__(self, engine: backend.Engine, lake: Lake, as_of: date) -> None:
        self.engine, self.lake, self.as_of = engine, lake, as_of
        self.cutoff = cutoff(lake, as_of)

    def table(self, table: str) -> ir.Table | None:
        files = raw_files(self.lake, table, self.cutoff)
        if not files:
            return None
        raw = self.engine.read(files, base=self.lake.root / lakes.RAW / table)
        several = len({f.parent for f in files}) > 1
        t = latest(raw, KEYS[table]) if table in KEYS and several else raw.drop("extract_date")
        if table in ("customers", "accounts"):
            t = t.filter(t.opened_on <= self.as_of)
        return t

    def required(self, table: str) -> ir.Table:
        t = self.table(table)
        if t is None:
            raise ValueError(f"数据湖中没有 {self.as_of} 及以前的 {table}")
        return t


def run(
    as_of: date,
    rule_sets: list[RuleSetVersion],
    *,
    lake: Lake,
    settings: Settings | None = None,
    progress: Progress = lambda _step: None,
    alert_rules: tuple[RuleSpec, ...] = (),
) -> Outcome:
    """Compute and commit every mart of `as_of` (publishing is the caller's next step)."""
    settings = settings or get_settings()
    outcome = Outcome(as_of)
    engine = backend.connect(settings)
    run_id = f"nightly-{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    staged: dict[str, Path] = {}
    stage = lake.tmp_dir(run_id) / MARTS
    try:
        with lakes.locked(lake):
            lakes.recover(lake)
            _compute(
                engine, lake, as_of, rule_sets, settings, stage, staged, outcome, progress,
                alert_rules=alert_rules,
            )  # fmt: skip
            with _step(outcome, "提交数据湖", progress):
                commit_marts(lake, run_id, as_of, staged)
    finally:
        backend.remove(lake.tmp_dir(run_id))
        engine.close()
    return outcome


def _compute(
    engine: backend.Engine,
    lake: Lake,
    as_of: date,
    rule_sets: list[RuleSetVersion],
    settings: Settings,
    stage: Path,
    staged: dict[str, Path],
    outcome: Outcome,
    progress: Progress,
    *,
    alert_rules: tuple[RuleSpec, ...] = (),
) -> None:
    inputs = Inputs(engine, lake, as_of)
    start = as_of.replace(day=1)

    def files(name: str) -> list[Path]:
        return sorted((stage / name).glob("*.parquet"))

    def write(name: str, expr: ir.Table) -> None:
        """Stage a mart in key order (a re-run gives the same files)."""
        folder = stage / name
        keys = SORT_KEYS.get(name, ["customer_id"])
        engine.write(expr.order_by(keys), folder, row_group_size=LOOKUP_ROW_GROUP.get(name))
        staged[name] = folder

    def save(name: str, expr: ir.Table) -> ir.Table:
        """Stage a mart the later steps read, and read it back."""
        write(name, expr)
        return engine.read(files(name), base=stage / name)

    with _step(outcome, "AUM", progress):
        customers = inputs.required("customers")
        accounts = inputs.required("accounts")
        balances = inputs.required("balances")
        numbered = engine.name == "duckdb"
        keyed = aum.keyed_customers(customers, integer_keys=numbered)
        spans = aum.account_spans(
            balances, accounts, keyed, start=start, as_of=as_of, integer_keys=numbered
        )
        history, year_days = monthly_history(engine, lake, start)
        monthly = save(
            "aum_monthly",
            aum.aum_monthly(
                spans, keyed, history, as_of=as_of, start=start, year_days_before=year_days
            ),
        )
        write("aum_daily", aum.aum_daily(monthly))
        outcome.customers = engine.count(monthly)
    with _step(outcome, "持有产品", progress):
        loans = _or_empty(engine, inputs.table("loans"), LOAN_SCHEMA)
        cards = _or_empty(engine, inputs.table("cards"), CARD_SCHEMA)
        held = save(
            "holdings",
            holdings.holdings(
                accounts,
                inputs.required("products"),
                loans,
                cards,
                customers,
                balances,
                as_of=as_of,
            ),
        )
        write("holdings_detail", holdings.holdings_detail(accounts, loans, cards, as_of=as_of))
    with _step(outcome, "行为特征", progress):
        transactions = _or_empty(engine, inputs.table("transactions"), TXN_SCHEMA)
        feats = save(
            "features",
            features.features(
                customers,
                monthly,
                history,
                held,
                transactions,
                inputs.table("digital_events"),
                as_of=as_of,
                own_bank=settings.own_bank_code,
            ),
        )
    with _step(outcome, "分层", progress):
        facts = feats.select(
            "customer_id",
            "age",
            "credit_card_spend_12m_fen",
            "loan_balance_fen",
            "custody_fen",
            "card_level_rank",
        )
        previous = previous_tiers(engine, lake, as_of)
        parts = [
            tiers.tiers(
                monthly,
                history,
                facts,
                previous.filter(previous.rule_set == rs.spec.name),
                spec=rs.spec,
                version=rs.version,
                as_of=as_of,
            )
            for rs in rule_sets
        ]
        tiered = (
            save("tiers", ibis.union(*parts) if len(parts) > 1 else parts[0]) if parts else None
        )
    with _step(outcome, "流失评分", progress):
        from bankcrm.analytics.marts import churn

        folder = stage / "churn_scores"
        scored = churn.stage(
            lake,
            as_of,
            files("features"),
            files("aum_monthly"),
            folder,
        )
        if scored is None:
            progress(
                f"流失评分：数据湖中没有 {as_of} 及以前训练的模型，跳过（bankcrm churn train）"
            )
        else:
            staged["churn_scores"] = folder
    with _step(outcome, "预警候选", progress):
        if alert_rules:
            from bankcrm.analytics.marts import alerts

            src = alerts.Sources(
                accounts=accounts,
                balances=balances,
                transactions=transactions,
                loans=_or_empty(engine, inputs.table("loans"), ALERT_LOAN_SCHEMA),
                monthly=monthly,
                history=history,
                features=feats,
                tiers=tiered,
            )
            found = alerts.alert_candidates(
                src, alert_rules, as_of=as_of, own_bank=settings.own_bank_code
            )
            write(
                "alert_candidates",
                found if found is not None else engine.empty(alerts.CANDIDATE_SCHEMA),
            )


def monthly_history(engine: backend.Engine, lake: Lake, start: date) -> tuple[ir.Table, int]:
    """Earlier months' `aum_monthly` rows (the latest partition of each month, up to 24 months
    back) and how many days of `start`'s year they cover."""
    since = add_months(start, -HISTORY_MONTHS)
    per_month: dict[date, date] = {}
    for d in mart_dates(lake, "aum_monthly"):
        if since <= d < start:
            per_month[d.replace(day=1)] = d
    chosen = sorted(per_month.values())
    year_days = sum(d.day for d in chosen if d.year == start.year)
    files = [f for d in chosen for f in mart_files(lake, "aum_monthly", d)]
    if not files:
        return engine.empty(MONTHLY_SCHEMA), 0
    t = engine.read(files, base=lake.root / MARTS / "aum_monthly")
    return t.select(*MONTHLY_SCHEMA.names), year_days


def previous_tiers(engine: backend.Engine, lake: Lake, as_of: date) -> ir.Table:
    earlier = [d for d in mart_dates(lake, "tiers") if d < as_of]
    if not earlier:
        return engine.empty(PREVIOUS_TIER_SCHEMA)
    t = engine.read(mart_files(lake, "tiers", earlier[-1]), base=lake.root / MARTS / "tiers")
    return t.select(*PREVIOUS_TIER_SCHEMA.names)


def commit_marts(lake: Lake, run_id: str, as_of: date, staged: dict[str, Path]) -> None:
    """Replace D's folder of every mart at once (the lake's journalled commit)."""
    moves: dict[Path, Path | None] = {
        mart_dir(lake, t, as_of): staged.get(t)
        for t in MART_TABLES
        if t in staged or mart_dir(lake, t, as_of).exists()
    }
    lakes.commit_folders(lake, run_id, as_of, moves)


MONTHLY_SCHEMA = ibis.schema(
    {"customer_id": "string", "month": "date", "days": "int64"}
    | {f"{c}_fen": "int64" for c in ASSET_CLASSES}
    | {f"{c}_sum": "int64" for c in ASSET_CLASSES}
    | {"aum_sum": "int64", "month_avg_fen": "int64", "deposit_month_avg_fen": "int64"}
)
PREVIOUS_TIER_SCHEMA = ibis.schema(
    {"customer_id": "string", "rule_set": "string", "tier": "string", "tier_rank": "int8"}
)
LOAN_SCHEMA = ibis.schema(
    {
        "loan_id": "string",
        "customer_id": "string",
        "product_code": "string",
        "balance": "decimal(18,2)",
        "overdue_days": "int32",
        "status": "string",
    }
)
ALERT_LOAN_SCHEMA = ibis.schema(
    {
        "loan_id": "string",
        "customer_id": "string",
        "product_code": "string",
        "balance": "decimal(18,2)",
        "overdue_days": "int32",
        "overdue_amount": "decimal(18,2)",
        "maturity_date": "date",
        "status": "string",
    }
)
CARD_SCHEMA = ibis.schema(
    {
        "card_id": "string",
        "customer_id": "string",
        "card_type": "string",
        "level": "string",
        "status": "string",
    }
)
TXN_SCHEMA = ibis.schema(
    {
        "txn_id": "string",
        "customer_id": "string",
        "txn_date": "date",
        "amount": "decimal(18,2)",
        "direction": "string",
        "channel": "string",
        "txn_type": "string",
        "counterparty_name": "string",
        "counterparty_bank": "string",
        "memo": "string",
    }
)


def _or_empty(engine: backend.Engine, t: ir.Table | None, schema: ibis.Schema) -> ir.Table:
    return t if t is not None else engine.empty(schema)
