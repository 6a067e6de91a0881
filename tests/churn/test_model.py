"""The churn model on a small demo bank (3,000 customers × 13 months of month-end marts, built
once for this module): out-of-time validation against the AUM-drop rule, reasons with the
customer's real numbers, deterministic scoring, scoring in the nightly."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pyarrow.compute as pc
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.analytics import jobs, nightly, publish
from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts import churn as mart
from bankcrm.analytics.marts.common import add_months
from bankcrm.churn import dataset, model
from bankcrm.churn import service as churn_service
from bankcrm.churn.models import ChurnScore
from bankcrm.config import Settings
from bankcrm.demo.generator import DemoSpec, build_demo
from bankcrm.errors import InvalidInput
from bankcrm.tiering.schemas import parse_toml
from bankcrm.tiering.service import RuleSetVersion, preset_toml

RULE_SET = "maintenance_3tier"


def _rule_sets() -> list[RuleSetVersion]:
    return [RuleSetVersion(parse_toml(preset_toml(RULE_SET)), 1, datetime.now(UTC), "test")]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, model.Model]:
    t0 = time.perf_counter()
    root = tmp_path_factory.mktemp("churn")
    spec = DemoSpec(customers=3000, months=13, seed=7, fmt="parquet")
    lake = Lake(root / "lake")
    for drop in build_demo(spec, root / "drops").drops:
        assert ingest_drop(drop, lake).status == "landed"
    last = nightly.latest_extract(lake)
    for d in jobs.month_ends(add_months(last.replace(day=1), -12), last):
        nightly.run(d, _rule_sets(), lake=lake, settings=Settings())
    built = time.perf_counter()
    trained = model.train(lake, last, rule_set=RULE_SET)
    print(f"\n演示银行 {built - t0:.1f}s，训练 {time.perf_counter() - built:.1f}s")
    return lake, trained


def test_out_of_time_auc_beats_the_aum_drop_rule(bank: tuple[Lake, model.Model]) -> None:
    lake, trained = bank
    card = trained.card
    w = card["windows"]
    assert max(w["train"]) < min(w["calibration"]) <= max(w["calibration"]) < min(w["test"])
    assert w["test"] == ["2026-07-31"]  # the last month end with 3 later months in the lake
    auc, base = card["test"]["roc_auc"], card["baseline"]
    print(f"\n样本外 ROC-AUC {auc:.4f}，PR-AUC {card['test']['pr_auc']:.4f}；基线 {base}")
    assert auc > max(base.values())
    assert 0 < card["positives"]["test"] < card["rows"]["test"]
    assert len(card["test"]["calibration"]) == 10
    assert {f["feature"] for f in card["top_features"]} <= set(dataset.FEATURES)
    folder = lake.root / model.MODELS / trained.version
    assert sorted(p.name for p in folder.iterdir()) == [
        "booster.txt",
        "calibrator.json",
        "card.json",
        "features.json",
    ]
    assert model.latest(lake, date(2026, 10, 30)) is None  # trained on 10-31: not before
    loaded = model.latest(lake, date(2026, 11, 30))
    assert loaded is not None and loaded.version == trained.version


def test_too_short_a_history_is_refused_and_saves_nothing(
    bank: tuple[Lake, model.Model],
) -> None:
    lake, _ = bank
    before = sorted(p.name for p in (lake.root / model.MODELS).iterdir())
    with pytest.raises(InvalidInput, match=r"有完整标签的月末只有 \d+ 个，至少需要 3 个"):
        model.train(lake, date(2026, 4, 30), rule_set=RULE_SET)
    assert sorted(p.name for p in (lake.root / model.MODELS).iterdir()) == before


def _wan(fen: int) -> str:
    return str((Decimal(abs(fen)) / 1_000_000).quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_reasons_name_real_features_with_the_customers_numbers(
    bank: tuple[Lake, model.Model],
) -> None:
    lake, trained = bank
    as_of = date(2026, 9, 30)
    db = duckdb.connect()
    rows = dataset.rows(db, dataset.sources(lake, as_of))
    scored = mart.churn_scores(trained, rows).to_pylist()
    features = {
        r["customer_id"]: r
        for r in db.sql(
            f"SELECT * FROM read_parquet({[str(f) for f in nightly.mart_files(lake, 'features', as_of)]})"
        )
        .to_arrow_table()
        .to_pylist()
    }
    checked = 0
    for s in scored:
        reasons = json.loads(s["reasons"])
        assert len(reasons) <= 3
        contributions = [r["contribution"] for r in reasons]
        assert all(c > 0 for c in contributions) and contributions == sorted(contributions)[::-1]
        for r in reasons:
            assert r["code"] in dataset.FEATURES
            row = features[s["customer_id"]]
            if r["code"] == "outflow_other_bank_30d_fen" and row[r["code"]] > 0:
                assert r["value"] == row[r["code"]]
                assert r["text"] == f"近30天转出他行 {_wan(row[r['code']])}万"
                checked += 1
            elif r["code"] in ("aum_change_3m_fen", "aum_change_6m_fen") and r["value"]:
                assert r["value"] == row[r["code"]]
                assert _wan(row[r["code"]]) + "万" in r["text"]
                assert ("减少" if row[r["code"]] < 0 else "增加") in r["text"]
                checked += 1
            elif r["code"] == "dormancy_days":
                assert r["text"] == f"{row['dormancy_days']} 天无主动交易"
                checked += 1
    assert checked >= 20, checked
    high = [s for s in scored if s["band"] == "high"]
    assert high and all(s["score"] >= mart.Bands().high for s in high)


def test_scoring_is_deterministic_and_runs_in_the_nightly(
    bank: tuple[Lake, model.Model],
) -> None:
    lake, trained = bank
    last = nightly.latest_extract(lake)
    db = duckdb.connect()
    rows = dataset.rows(db, dataset.sources(lake, last))
    first, again = mart.churn_scores(trained, rows), mart.churn_scores(trained, rows, batch=700)
    assert first.equals(again)
    # no model trained on or before 09-30: the nightly skips the step, with a note
    notes: list[str] = []
    nightly.run(date(2026, 9, 30), _rule_sets(), lake=lake, progress=notes.append)
    assert not nightly.mart_files(lake, "churn_scores", date(2026, 9, 30))
    assert any("跳过" in n for n in notes)
    out = nightly.run(last, _rule_sets(), lake=lake)
    assert "流失评分" in out.steps
    written = mart.pq.read_table(nightly.mart_files(lake, "churn_scores", last)[0])
    assert written.equals(first)
    assert set(pc.unique(written["band"]).to_pylist()) <= {"high", "medium", "low"}
    assert written["model_version"][0].as_py() == trained.version


def test_the_nightly_publish_replaces_the_stored_scores(
    bank: tuple[Lake, model.Model], db_session: Session
) -> None:
    lake, _ = bank
    last = nightly.latest_extract(lake)
    if not nightly.mart_files(lake, "churn_scores", last):
        nightly.run(last, _rule_sets(), lake=lake)
    mart_rows = mart.pq.read_table(nightly.mart_files(lake, "churn_scores", last)[0])
    churn_service.publish(db_session, mart_rows.slice(0, 10), date(2026, 9, 30))  # an older run
    for _ in range(2):  # publishing the same date twice leaves the same rows
        out = publish.publish(db_session, lake, last, [])
        db_session.flush()
        assert out.churn_scores == mart_rows.num_rows
        stored = db_session.execute(select(ChurnScore.customer_id, ChurnScore.score)).all()
        assert len(stored) == mart_rows.num_rows
    by_id = dict(stored)
    first = mart_rows.slice(0, 1).to_pylist()[0]
    assert by_id[first["customer_id"]] == first["score"]
    assert db_session.scalar(select(func.max(ChurnScore.as_of))) == last
    assert db_session.scalar(select(func.min(ChurnScore.as_of))) == last
