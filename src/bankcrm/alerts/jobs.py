"""The nightly's alert step (after the maintenance step): load the date's `alert_candidates`
into `alerts` — never reopening or duplicating one — then escalate those past their SLA."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from bankcrm.alerts import repository as repo
from bankcrm.alerts import service
from bankcrm.alerts.models import Alert
from bankcrm.alerts.rules import AlertRulesSpec
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.nightly import mart_files
from bankcrm.db import bulk
from bankcrm.kit import clock

MART = "alert_candidates"
KEY = ("customer_id", "rule", "event_key")
COPIED = (
    "customer_id", "rule", "kind", "event_key", "severity", "item_id", "amount_fen",
    "reference_fen", "ratio_bp", "days", "ref_date", "detail",
)  # fmt: skip


@dataclass
class AlertRun:
    version: int | None = None  # the rules version in force (None: no rules installed)
    candidates: int = 0
    created: int = 0
    escalated: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)  # candidates per rule code

    def line(self) -> str:
        if self.version is None:
            return "事件预警：未安装预警规则（bankcrm db upgrade 安装预置规则）"
        return (
            f"事件预警（规则第 {self.version} 版）：候选 {self.candidates:,} 条，"
            f"新增预警 {self.created:,} 条，超时升级 {self.escalated:,} 条"
        )


def run(session: Session, lake: Lake, as_of: date, *, now: datetime | None = None) -> AlertRun:
    """Load `as_of`'s candidates, then escalate — in the caller's transaction."""
    now = now or clock.now()
    rules = service.rules_in_force(session, as_of)
    out = AlertRun(version=rules.version if rules else None)
    files = mart_files(lake, MART, as_of)
    if rules is not None and files:
        candidates = pq.ParquetFile(files[0]).read() if len(files) == 1 else _read(files)
        out.candidates = candidates.num_rows
        counts = pc.value_counts(candidates["rule"]).to_pylist() if candidates.num_rows else []
        out.by_rule = {c["values"]: c["counts"] for c in counts}
        before = repo.count_all(session)
        load(session, candidates, rules.spec, as_of, now)
        out.created = repo.count_all(session) - before
    out.escalated = repo.escalate_due(session, now)
    return out


def _read(files: list[Path]) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in files])


def load(
    session: Session, candidates: pa.Table, rules: AlertRulesSpec, as_of: date, now: datetime
) -> None:
    """Candidates as `new` alerts for the customer's owner (none: the home outlet's queue);
    a (customer, rule, event_key) already stored is left exactly as it is."""
    if candidates.num_rows == 0:
        return
    ids = candidates["customer_id"].to_pylist()
    owners = repo.owners_of(session, sorted(set(ids)))
    known = [i for i, c in enumerate(ids) if c in owners]
    picked = candidates.take(known)
    t = picked.select(list(COPIED))
    sla = {r.code: r.sla_hours for r in rules.rules}
    rules_col = t["rule"].to_pylist()
    deadlines = [now + timedelta(hours=sla.get(r, 48)) for r in rules_col]
    due = [
        d if d is not None else clock.beijing_day(x)
        for d, x in zip(picked["due_date"].to_pylist(), deadlines, strict=True)
    ]
    kept_ids = t["customer_id"].to_pylist()
    t = t.append_column("staff_id", pa.array([owners[c][0] for c in kept_ids], pa.string()))
    t = t.append_column("org_id", pa.array([owners[c][1] for c in kept_ids], pa.string()))
    t = t.append_column("status", pa.array(["new"] * t.num_rows, pa.string()))
    t = t.append_column("detected_on", pa.array([as_of] * t.num_rows, pa.date32()))
    t = t.append_column("due_on", pa.array(due, pa.date32()))
    sqlite = session.get_bind().dialect.name == "sqlite"
    t = t.append_column("sla_due_at", _moments(deadlines, sqlite))
    t = t.append_column("created_at", _moments([now] * t.num_rows, sqlite))
    bulk.upsert(session, Alert.__table__, t, newer_only=False, key=KEY, only_if="1 = 0")  # type: ignore[arg-type]


def _moments(values: list[datetime], sqlite: bool) -> pa.Array:
    """UTC timestamps; on SQLite as the text SQLAlchemy stores and compares them as."""
    utc = [v.astimezone(UTC) for v in values]
    if sqlite:
        return pa.array([v.strftime("%Y-%m-%d %H:%M:%S.%f") for v in utc], pa.string())
    return pa.array(utc, pa.timestamp("us", tz="UTC"))
