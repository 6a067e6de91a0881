"""The retention effect: the interval on published examples, on synthetic populations whose true
uplift is known, and the per-outlet table over cases in the database, scoped."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bankcrm.churn import effect
from bankcrm.churn.effect import Counts, measure, newcombe, wilson
from bankcrm.churn.models import RetentionCase
from bankcrm.cli import app
from bankcrm.db.session import get_engine
from bankcrm.errors import Forbidden, NotFound
from bankcrm.orgs.models import OrgUnit
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Role
from tests.cli.conftest import cli_home  # noqa: F401  (the shared fixtures)
from tests.maintenance.bank import AS_OF, ORGS, Bank, actor
from tests.maintenance.conftest import bank  # noqa: F401

runner = CliRunner()


def test_wilson_and_newcombe_match_the_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II, method 10: 56/70 − 48/80
    d, low, high = newcombe(56, 70, 48, 80)
    assert (round(d, 4), round(low, 4), round(high, 4)) == (0.2, 0.0524, 0.3339)
    assert tuple(round(x, 4) for x in wilson(81, 263)) == (0.2553, 0.3662)
    assert wilson(0, 10) == (0.0, pytest.approx(0.2775, abs=1e-4))
    assert wilson(10, 10)[1] == 1.0


def synthetic(n: int, rng: np.random.Generator) -> Counts:
    """`n` cases, 10% control: control churns at 30%, treated at 22% (true uplift 8 points)."""
    control = n // 10
    treated = n - control
    return Counts(
        treated, int(rng.binomial(treated, 0.22)), control, int(rng.binomial(control, 0.30))
    )


def test_a_synthetic_population_recovers_the_true_uplift_within_its_interval() -> None:
    rng = np.random.default_rng(20261201)
    e = measure(synthetic(20_000, rng))
    assert e.uplift is not None and e.ci_low is not None and e.ci_high is not None
    assert e.ci_low < 0.08 < e.ci_high
    assert e.ci_low > 0  # 2,000 controls are enough to tell 8 points from nothing
    assert abs(e.uplift - 0.08) < 0.03 and not e.too_small
    # and it does so about 95% of the time (1,000 populations: 95% ± 3 sd)
    covered = 0
    for _ in range(1000):
        r = measure(synthetic(20_000, rng))
        assert r.ci_low is not None and r.ci_high is not None
        covered += r.ci_low <= 0.08 <= r.ci_high
    assert 930 <= covered <= 970


def test_the_interval_shrinks_with_n() -> None:
    widths = []
    for n in (2_000, 20_000, 200_000):
        # the expected counts, so only n changes
        e = measure(Counts(n * 9 // 10, n * 9 // 10 * 22 // 100, n // 10, n // 10 * 30 // 100))
        assert e.ci_low is not None and e.ci_high is not None
        widths.append(e.ci_high - e.ci_low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[1] == pytest.approx(10**0.5, rel=0.05)  # ∝ 1/√n


def test_small_or_empty_groups_are_flagged_not_hidden() -> None:
    small = measure(Counts(200, 40, 12, 4))
    assert small.too_small and small.uplift == pytest.approx(4 / 12 - 40 / 200)
    assert small.ci_low is not None and small.ci_low < 0 < small.ci_high  # type: ignore[operator]
    empty = measure(Counts(50, 10, 0, 0))
    assert empty.too_small and empty.control_rate is None and empty.uplift is None
    assert empty.treated_rate == 0.2


def add_cases(s: Session, org: str, group: str, lost: int, retained: int) -> None:
    for i in range(lost + retained):
        s.add(
            RetentionCase(
                customer_id=f"{org}-{group}-{i}",
                opened_on=date(2026, 7, 31),
                group_name=group,
                seed=i,
                model_version="m1",
                score=0.7,
                reasons="[]",
                suggested_actions="[]",
                owner_staff_id=None,
                org_id=org,
                rule_set="maintenance_3tier",
                tier="中端",
                aum_month_avg_fen=30_000_000,
                due_on=date(2026, 8, 14),
                window_end=date(2026, 10, 31),
                status="closed",
                outcome="lost" if i < lost else "retained",
                outcome_on=date(2026, 10, 31),
            )
        )
    s.flush()


@pytest.mark.db
def test_the_table_per_outlet_and_overall_within_the_scope(bank: Bank) -> None:  # noqa: F811
    s = bank.session
    add_cases(s, "OU1", "treated", 20, 80)  # 20%
    add_cases(s, "OU1", "control", 4, 6)  # 40%
    add_cases(s, "OU3", "treated", 30, 70)  # 30%
    add_cases(s, "OU3", "control", 3, 7)  # 30%
    analyst = Actor(None, "an", "BR1", frozenset({Role.analyst}))
    whole = effect.report(s, analyst)
    assert [
        (r.org_id, r.treated, r.treated_lost, r.control, r.control_lost) for r in whole.outlets
    ] == [
        ("OU1", 100, 20, 10, 4),
        ("OU3", 100, 30, 10, 3),
    ]
    overall = whole.overall
    assert (overall.treated, overall.treated_lost, overall.control, overall.control_lost) == (
        200,
        50,
        20,
        7,
    )
    assert overall.uplift == pytest.approx(7 / 20 - 50 / 200) and overall.too_small
    assert whole.outlets[0].org_name == "南湖网点" and whole.outlets[0].uplift == pytest.approx(0.2)
    head = effect.report(s, actor("H1"))
    assert [r.org_id for r in head.outlets] == ["OU1"] and head.overall.treated == 100
    assert [r.org_id for r in effect.report(s, analyst, org="SB2").outlets] == ["OU3"]
    with pytest.raises(NotFound):
        effect.report(s, actor("H1"), org="OU3")
    with pytest.raises(Forbidden):
        effect.report(s, Actor(None, "au", "BR1", frozenset({Role.auditor})))
    before = effect.report(s, analyst, as_of=date(2026, 10, 30))
    assert before.overall.treated == 0 and before.overall.uplift is None


def test_the_cli_prints_the_table_and_writes_json(cli_home: Path) -> None:  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with Session(get_engine()) as s:
        for org_id, parent, name, level in ORGS:
            s.add(OrgUnit(org_id=org_id, parent_id=parent, name=name, level=level, as_of=AS_OF))
        s.flush()
        add_cases(s, "OU1", "treated", 44, 156)  # 22%
        add_cases(s, "OU1", "control", 15, 35)  # 30%
        s.commit()
    out = cli_home / "effect.json"
    shown = runner.invoke(app, ["churn", "effect", "--org", "SB1", "--json", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "挽留效果 · 南湖支行" in shown.output and "南湖网点" in shown.output
    assert "44/200 22.0%" in shown.output and "15/50 30.0%" in shown.output
    assert "+8.0" in shown.output and "合计" in shown.output
    saved = json.loads(out.read_text("utf-8"))
    assert saved["overall"]["treated"] == 200 and saved["overall"]["control_lost"] == 15
    assert saved["overall"]["uplift"] == pytest.approx(0.08)
    assert saved["outlets"][0]["too_small"] is False
    low, high = saved["overall"]["ci_low"], saved["overall"]["ci_high"]
    assert low < 0.08 < high
    missing = runner.invoke(app, ["churn", "effect", "--org", "NOPE"])
    assert missing.exit_code == 2 and "没有机构 NOPE" in missing.output
