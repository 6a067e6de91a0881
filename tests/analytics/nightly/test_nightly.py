"""The nightly batch end to end on a small demo bank: marts in the lake, publish to the DB
(SQLite and PostgreSQL), re-runs, and failures half way."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.analytics import nightly, publish
from bankcrm.analytics.lake import Lake
from bankcrm.customers.models import Customer
from bankcrm.tiering import service as tiering
from bankcrm.tiering.models import CustomerTier, TierChange
from bankcrm.tiering.service import RuleSetVersion
from tests.analytics.nightly.conftest import copy_lake

MONTH_ENDS = (date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31))


@pytest.fixture(scope="module")
def ran(demo_lake: Lake, tmp_path_factory: pytest.TempPathFactory) -> Lake:
    """The demo lake with the nightly run for three month ends (marts only)."""
    from bankcrm.tiering.schemas import parse_toml
    from bankcrm.tiering.service import PRESETS, preset_toml

    lake = copy_lake(demo_lake, tmp_path_factory.mktemp("ran") / "lake")
    from datetime import UTC, datetime

    sets = [RuleSetVersion(parse_toml(preset_toml(n)), 1, datetime.now(UTC), "t") for n in PRESETS]
    for d in MONTH_ENDS:
        nightly.run(d, sets, lake=lake)
    return lake


def _mart(lake: Lake, table: str, on: date):  # type: ignore[no-untyped-def]
    return pq.read_table(sorted(nightly.mart_dir(lake, table, on).glob("*.parquet"))).drop_columns(
        []
    )


def _ids(lake: Lake, on: date) -> set[str]:
    return set(_mart(lake, "aum_monthly", on).column("customer_id").to_pylist())


def _names(rule_sets: list[RuleSetVersion]) -> list[str]:
    return [rs.spec.name for rs in rule_sets]


def test_every_mart_has_one_row_per_customer(ran: Lake) -> None:
    on = MONTH_ENDS[-1]
    n = _mart(ran, "aum_monthly", on).num_rows
    assert n > 350
    for table in ("aum_daily", "holdings", "features"):
        assert _mart(ran, table, on).num_rows == n, table
    tiers = _mart(ran, "tiers", on)
    assert tiers.num_rows == 3 * n
    monthly = _mart(ran, "aum_monthly", on).to_pylist()
    assert all(r["days"] == 31 and r["month"] == date(2026, 10, 1) for r in monthly)


@pytest.mark.db
def test_publish_fills_snapshot_current_tiers_and_history(
    ran: Lake, db_session: Session, rule_sets: list[RuleSetVersion]
) -> None:
    for d in MONTH_ENDS:
        publish.publish(db_session, ran, d, _names(rule_sets))
    on = MONTH_ENDS[-1]
    monthly = {r["customer_id"]: r for r in _mart(ran, "aum_monthly", on).to_pylist()}
    customers = db_session.scalars(select(Customer)).all()
    assert len(customers) == len(monthly)
    some = customers[0]
    assert some.as_of == on
    assert some.aum_month_avg_fen == monthly[some.customer_id]["month_avg_fen"]
    assert some.aum_fen == monthly[some.customer_id]["aum_fen"]
    assert db_session.scalar(select(func.count()).select_from(CustomerTier)) == 3 * len(monthly)
    # history holds only upgrades and downgrades, chained; the current tier is the last one
    currents = db_session.scalars(
        select(CustomerTier).where(CustomerTier.rule_set == "deposit_4tier")
    )
    ids = {d: _ids(ran, d) for d in MONTH_ENDS}
    moved = 0
    for cur in currents:
        changes = tiering.history(db_session, cur.customer_id, "deposit_4tier")
        for a, b in itertools.pairwise(changes):
            assert b.from_tier == a.to_tier
        if changes:
            moved += 1
            assert changes[-1].to_tier == cur.tier and cur.since == changes[-1].effective_on
            assert all(c.direction in ("up", "down") and c.from_tier != c.to_tier for c in changes)
        else:  # tiered once, never moved: since its first month in the bank
            first = next(d for d in MONTH_ENDS if cur.customer_id in ids[d])
            assert cur.since == first
    assert moved > 0


def test_a_change_is_published_only_for_customers_who_moved(ran: Lake) -> None:
    tiers = _mart(ran, "tiers", MONTH_ENDS[-1]).to_pylist()
    changed = [t for t in tiers if t["change"] != "same"]
    assert 0 < len(changed) < len(tiers) / 4  # a month moves a few, not everyone


@pytest.mark.db
def test_republishing_a_date_records_each_change_once(
    ran: Lake, db_session: Session, rule_sets: list[RuleSetVersion]
) -> None:
    for d in (*MONTH_ENDS, MONTH_ENDS[1], MONTH_ENDS[2], MONTH_ENDS[2]):
        publish.publish(db_session, ran, d, _names(rule_sets))
    count = db_session.scalar(select(func.count()).select_from(TierChange))
    per_key = db_session.execute(
        select(TierChange.customer_id, TierChange.rule_set, TierChange.effective_on, func.count())
        .group_by(TierChange.customer_id, TierChange.rule_set, TierChange.effective_on)
        .having(func.count() > 1)
    ).all()
    assert per_key == []
    expected = sum(
        sum(1 for r in _mart(ran, "tiers", d).to_pylist() if r["change"] in ("up", "down"))
        for d in MONTH_ENDS
    )
    assert count == expected


@pytest.mark.db
def test_rerunning_an_older_date_does_not_roll_the_snapshot_back(
    ran: Lake, db_session: Session, rule_sets: list[RuleSetVersion]
) -> None:
    publish.publish(db_session, ran, MONTH_ENDS[2], _names(rule_sets))
    publish.publish(db_session, ran, MONTH_ENDS[0], _names(rule_sets))
    assert set(db_session.scalars(select(Customer.as_of).distinct())) == {MONTH_ENDS[2]}
    assert set(db_session.scalars(select(CustomerTier.as_of).distinct())) == {MONTH_ENDS[2]}


def test_rerunning_a_date_gives_identical_marts(
    demo_lake: Lake, rule_sets: list[RuleSetVersion], tmp_path: Path
) -> None:
    lake = copy_lake(demo_lake, tmp_path / "lake")
    d = MONTH_ENDS[0]
    nightly.run(d, rule_sets, lake=lake)
    first = {t: _mart(lake, t, d) for t in nightly.MART_TABLES}
    nightly.run(d, rule_sets, lake=lake)
    for t in nightly.MART_TABLES:
        assert _mart(lake, t, d).equals(first[t]), t


def test_a_failure_half_way_leaves_the_previous_marts(
    demo_lake: Lake,
    rule_sets: list[RuleSetVersion],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lake = copy_lake(demo_lake, tmp_path / "lake")
    before, d = MONTH_ENDS[0], MONTH_ENDS[1]
    nightly.run(before, rule_sets, lake=lake)
    nightly.run(d, rule_sets, lake=lake)
    kept = {t: _mart(lake, t, d) for t in nightly.MART_TABLES}

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("injected: features step failed")

    monkeypatch.setattr(nightly.features, "features", broken)
    with pytest.raises(RuntimeError, match="injected"):
        nightly.run(d, rule_sets, lake=lake)
    for t in nightly.MART_TABLES:  # D's previous results stand, nothing half-written
        assert _mart(lake, t, d).equals(kept[t]), t
    assert not list((lake.root / "_tmp").glob("*/marts"))
    with pytest.raises(RuntimeError, match="injected"):
        nightly.run(MONTH_ENDS[2], rule_sets, lake=lake)
    assert nightly.mart_dates(lake, "aum_daily") == [before, d]


@pytest.mark.db
def test_a_failed_publish_leaves_the_previous_date_published(
    ran: Lake, db_session: Session, rule_sets: list[RuleSetVersion], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish.publish(db_session, ran, MONTH_ENDS[1], _names(rule_sets))

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("injected: tiers publish failed")

    monkeypatch.setattr(publish.tiering, "publish_tiers", broken)
    nested = db_session.begin_nested()  # what unit_of_work's rollback does for the job
    with pytest.raises(RuntimeError, match="injected"):
        publish.publish(db_session, ran, MONTH_ENDS[2], _names(rule_sets))
    nested.rollback()
    assert set(db_session.scalars(select(Customer.as_of).distinct())) == {MONTH_ENDS[1]}
    assert set(db_session.scalars(select(CustomerTier.as_of).distinct())) == {MONTH_ENDS[1]}
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(TierChange)
            .where(TierChange.effective_on == MONTH_ENDS[2])
        )
        == 0
    )


def test_preview_of_an_unchanged_rule_set_matches_the_published_tiers(ran: Lake) -> None:
    """A draft's preview runs the same transforms: the preset itself gives the nightly's counts,
    and lowering a bound moves customers up."""
    from collections import Counter

    from bankcrm.analytics import preview
    from bankcrm.config import Settings
    from bankcrm.tiering.schemas import parse_toml
    from bankcrm.tiering.service import preset_toml

    spec = parse_toml(preset_toml("maintenance_3tier"))
    counts = dict(preview.tier_distribution(ran, spec, Settings()))
    tiers = _mart(ran, "tiers", MONTH_ENDS[-1]).to_pylist()
    published = Counter(r["tier"] for r in tiers if r["rule_set"] == "maintenance_3tier")
    assert counts == {name: published.get(name, 0) for name in spec.tier_names()}
    looser = parse_toml(preset_toml("maintenance_3tier").replace('lower = "20万"', 'lower = "1万"'))
    moved = dict(preview.tier_distribution(ran, looser, Settings()))
    assert moved["中端"] > counts["中端"] and sum(moved.values()) == sum(counts.values())
