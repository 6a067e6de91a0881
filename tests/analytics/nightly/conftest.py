"""A small demo bank in a lake (3 months + 1 daily drop), built once per test session."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bankcrm.analytics.ingest import ingest_drop
from bankcrm.analytics.lake import Lake
from bankcrm.demo.generator import DemoSpec, build_demo
from bankcrm.tiering.schemas import parse_toml
from bankcrm.tiering.service import PRESETS, RuleSetVersion, preset_toml


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("demo")
    result = build_demo(
        DemoSpec(customers=400, months=3, seed=11, daily_tail=1, fmt="parquet"), root / "drops"
    )
    lake = Lake(root / "lake")
    for drop in result.drops:
        report = ingest_drop(drop, lake)
        assert report.status == "landed", report
    return lake


@pytest.fixture
def rule_sets() -> list[RuleSetVersion]:
    now = datetime.now(UTC)
    return [RuleSetVersion(parse_toml(preset_toml(n)), 1, now, "test") for n in PRESETS]


def copy_lake(lake: Lake, to: Path) -> Lake:
    import shutil

    shutil.copytree(lake.root, to)
    return Lake(to)
