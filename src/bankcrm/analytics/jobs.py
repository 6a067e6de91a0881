"""The nightly job: marts of a date into the lake, then one publish transaction into the DB."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from datetime import date

from bankcrm.alerts import service as alerts
from bankcrm.analytics import nightly, publish
from bankcrm.analytics.lake import Lake
from bankcrm.config import Settings, get_settings
from bankcrm.db import migrate
from bankcrm.db.session import get_engine, unit_of_work
from bankcrm.tiering import service as tiering


@dataclass
class NightlyRun:
    outcome: nightly.Outcome
    published: publish.Published


def run_nightly(
    as_of: date,
    *,
    lake: Lake,
    settings: Settings | None = None,
    progress: nightly.Progress = lambda _step: None,
) -> NightlyRun:
    """Compute every mart of `as_of` under the rule sets in force that day, then publish them."""
    settings = settings or get_settings()
    migrate.require_current(get_engine())
    with unit_of_work() as session:
        rule_sets = tiering.active_rule_sets(session, as_of)
        alert_rules = alerts.rules_in_force(session, as_of)
    outcome = nightly.run(
        as_of,
        rule_sets,
        lake=lake,
        settings=settings,
        progress=progress,
        alert_rules=alert_rules.spec.enabled() if alert_rules else (),
    )
    progress("发布到运营库")
    t0 = time.perf_counter()
    with unit_of_work() as session:
        names = [rs.spec.name for rs in rule_sets]
        published = publish.publish(session, lake, as_of, names)
    outcome.steps["发布到运营库"] = time.perf_counter() - t0
    return NightlyRun(outcome, published)


def month_ends(start: date, end: date) -> list[date]:
    """Every month end in [start, end], in order (a backfill runs them one by one)."""
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        last = date(y, m, calendar.monthrange(y, m)[1])
        if start <= last <= end:
            out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
