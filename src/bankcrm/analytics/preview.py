"""What a draft rule set would do: the tier distribution it produces on the latest nightly
marts, before a rule_admin publishes it (issue 5 §5). Same transforms as the nightly
(`marts.tiers`), on DuckDB; nothing is written."""

from __future__ import annotations

from bankcrm.analytics import backend, nightly
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts import tiers
from bankcrm.config import Settings
from bankcrm.errors import NotFound
from bankcrm.tiering.schemas import RuleSetSpec


def tier_distribution(lake: Lake, spec: RuleSetSpec, settings: Settings) -> list[tuple[str, int]]:
    """(tier, customers) in the rule set's tier order, on the latest date with marts."""
    dates = nightly.mart_dates(lake, "aum_monthly")
    if not dates:
        raise NotFound("还没有夜间批处理结果：请先运行 bankcrm nightly")
    as_of = dates[-1]
    engine = backend.connect(settings.model_copy(update={"engine": "duckdb"}))
    try:
        base = lake.root / nightly.MARTS
        monthly = engine.read(
            nightly.mart_files(lake, "aum_monthly", as_of), base=base / "aum_monthly"
        )
        facts = engine.read(nightly.mart_files(lake, "features", as_of), base=base / "features")
        history, _days = nightly.monthly_history(engine, lake, as_of.replace(day=1))
        t = tiers.tiers(
            monthly,
            history,
            facts.select("customer_id", *tiers.FACTS),
            engine.empty(nightly.PREVIOUS_TIER_SCHEMA),
            spec=spec,
            version=0,
            as_of=as_of,
        )
        counts = t.group_by("tier_rank", "tier").agg(n=t.count()).order_by("tier_rank")
        sql = engine.con.compile(counts)
        rows = engine.con.raw_sql(sql).fetchall()
    finally:
        engine.close()
    found = {tier: int(n) for _rank, tier, n in rows}
    return [(name, found.get(name, 0)) for name in spec.tier_names()]
