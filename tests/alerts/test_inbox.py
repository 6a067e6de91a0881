"""The nightly's alert step and the inbox: loading without duplicates or reopening, owners and
the outlet queue, escalation past the SLA, the workflow, handling with a contact, and scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bankcrm.alerts import jobs, service
from bankcrm.alerts import schemas as s
from bankcrm.alerts.models import Alert, AlertEvent
from bankcrm.analytics.lake import Lake
from bankcrm.analytics.marts.alerts import CANDIDATE_SCHEMA
from bankcrm.analytics.nightly import mart_dir
from bankcrm.assignment.service import run_nightly
from bankcrm.errors import Conflict, Forbidden, NotFound
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance.models import Contact, Task
from bankcrm.maintenance.tasks import generate
from bankcrm.security.models import AuditEvent
from tests.maintenance.bank import AS_OF, Bank, actor

pytestmark = pytest.mark.db
Pin = Callable[[date], None]
NOW = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # the night after AS_OF (09:00 in Beijing)


def cand(cid: str, rule: str, key: str, **over: Any) -> dict[str, Any]:
    kinds = {"maturity_7d": "maturity", "large_outflow": "large_outflow", "dormancy": "dormancy"}
    sev = {"maturity_7d": "high", "large_outflow": "high", "dormancy": "low"}
    row = {"customer_id": cid, "rule": rule, "kind": kinds[rule], "event_key": key}
    return row | {"severity": sev[rule], "amount_fen": 12_345_678} | over


def drop(lake: Lake, day: date, rows: list[dict[str, Any]]) -> None:
    """`rows` as the `alert_candidates` mart of `day` (as the nightly writes it)."""
    schema = CANDIDATE_SCHEMA.to_pyarrow()
    folder = mart_dir(lake, "alert_candidates", day)
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({n: [r.get(n) for r in rows] for n in schema.names}, schema=schema)
    pq.write_table(table, folder / "part-0.parquet")


@pytest.fixture
def inbox(bank: Bank, tmp_path: Path) -> tuple[Bank, Lake]:
    service.install_presets(bank.session, "test")
    bank.customer("C1", "OU1", "中端")  # → A1 (see the maintenance tests)
    bank.customer("C2", "OU1", "中端")  # → L1
    bank.customer("C9", "OU1", "大众")  # 大众: no owner, the outlet's queue
    bank.customer("C3", "OU2", "中端")
    run_nightly(bank.session, AS_OF)
    lake = Lake(tmp_path)
    drop(
        lake,
        AS_OF,
        [
            cand("C1", "maturity_7d", "T1:2026-11-05", due_date=date(2026, 11, 5)),
            cand("C1", "large_outflow", "2026-10-31"),
            cand("C2", "dormancy", "opened", days=200),
            cand("C9", "large_outflow", "2026-10-30"),
            cand("C3", "dormancy", "opened", days=181),
            cand("CX", "dormancy", "opened"),  # not in the customers snapshot: skipped
        ],
    )
    return bank, lake


def alerts_of(bank: Bank) -> dict[tuple[str, str], Alert]:
    bank.session.expire_all()
    rows = bank.session.scalars(select(Alert))
    return {(a.customer_id, a.rule): a for a in rows}


def test_load_assigns_owners_the_outlet_queue_and_sla(inbox: tuple[Bank, Lake]) -> None:
    bank, lake = inbox
    run = jobs.run(bank.session, lake, AS_OF, now=NOW)
    assert (run.version, run.candidates, run.created, run.escalated) == (1, 6, 5, 0)
    got = alerts_of(bank)
    m = got[("C1", "maturity_7d")]
    assert (m.staff_id, m.org_id, m.status, m.due_on) == ("A1", "OU1", "new", date(2026, 11, 5))
    assert m.sla_due_at.replace(tzinfo=UTC) == NOW + timedelta(hours=24)  # the rule's SLA
    queued = got[("C9", "large_outflow")]
    assert (queued.staff_id, queued.org_id) == (None, "OU1")
    # no date of its own: due by the end of its SLA (Beijing date)
    assert queued.due_on == date(2026, 11, 2)
    assert got[("C3", "dormancy")].org_id == "OU2"


def test_rerun_and_the_next_night_never_duplicate_or_reopen(inbox: tuple[Bank, Lake]) -> None:
    bank, lake = inbox
    jobs.run(bank.session, lake, AS_OF, now=NOW)
    a = alerts_of(bank)[("C1", "large_outflow")]
    service.dismiss(bank.session, actor("A1"), a.id, s.DismissIn(reason="客户本人理财转账"))
    again = jobs.run(bank.session, lake, AS_OF, now=NOW + timedelta(hours=1))
    assert again.created == 0
    drop(lake, AS_OF + timedelta(1), [cand("C1", "large_outflow", "2026-10-31")])
    nxt = jobs.run(bank.session, lake, AS_OF + timedelta(1), now=NOW + timedelta(days=1))
    assert nxt.created == 0
    count = bank.session.scalar(select(func.count()).select_from(Alert))
    assert count == 5 and alerts_of(bank)[("C1", "large_outflow")].status == "dismissed"


def test_escalation_after_the_sla_for_alerts_still_new(inbox: tuple[Bank, Lake]) -> None:
    bank, lake = inbox
    jobs.run(bank.session, lake, AS_OF, now=NOW)
    got = alerts_of(bank)
    service.acknowledge(bank.session, actor("A1"), got[("C1", "large_outflow")].id)
    # 24 h later the two 24-hour alerts are due; the acknowledged one does not escalate
    later = jobs.run(bank.session, lake, AS_OF, now=NOW + timedelta(hours=24))
    assert later.escalated == 2
    got = alerts_of(bank)
    assert {k for k, a in got.items() if a.escalated_at is not None} == {
        ("C1", "maturity_7d"),
        ("C9", "large_outflow"),
    }
    events = bank.session.scalars(select(AlertEvent).where(AlertEvent.by == "system")).all()
    assert len(events) == 2
    # the outlet head sees them flagged; escalation happens once
    page = service.list_alerts(bank.session, actor("H1"), escalated=True)
    assert {a.customer_id for a in page.items} == {"C1", "C9"}
    assert service.counts(bank.session, actor("H1")).escalated == 2
    assert jobs.run(bank.session, lake, AS_OF, now=NOW + timedelta(days=9)).escalated == 2


def test_workflow_and_dismiss_needs_a_reason(inbox: tuple[Bank, Lake]) -> None:
    bank, lake = inbox
    jobs.run(bank.session, lake, AS_OF, now=NOW)
    a = alerts_of(bank)[("C1", "maturity_7d")]
    out = service.acknowledge(bank.session, actor("A1"), a.id)
    assert out.status == "acknowledged"
    with pytest.raises(Conflict):
        service.acknowledge(bank.session, actor("A1"), a.id)
    with pytest.raises(ValidationError):
        s.DismissIn(reason="")
    done = service.dismiss(bank.session, actor("A1"), a.id, s.DismissIn(reason="已电话确认续存"))
    assert (done.status, done.dismiss_reason) == ("dismissed", "已电话确认续存")
    with pytest.raises(Conflict):
        service.handle(bank.session, actor("A1"), a.id, s.HandleIn())
    history = service.get_alert(bank.session, actor("A1"), a.id).events
    assert [(e.from_status, e.to_status) for e in history] == [
        ("new", "acknowledged"),
        ("acknowledged", "dismissed"),
    ]
    with pytest.raises(Forbidden):  # an analyst has no workflow
        from bankcrm.security.actor import Actor
        from bankcrm.security.roles import Role

        analyst = Actor(None, "an", "OU1", frozenset({Role.analyst}), None)
        service.acknowledge(bank.session, analyst, a.id)


def test_handling_logs_a_contact_and_completes_a_task(
    inbox: tuple[Bank, Lake], business_day: Pin
) -> None:
    bank, lake = inbox
    generate(bank.session, AS_OF)
    business_day(date(2026, 11, 20))
    jobs.run(bank.session, lake, AS_OF, now=NOW)
    a = alerts_of(bank)[("C1", "maturity_7d")]
    open_before = bank.session.scalar(
        select(func.count()).where(Task.customer_id == "C1", Task.status == "open")
    )
    contact = s.AlertContact(channel=ms.Channel.visit, note="到期续存意向")
    out = service.handle(bank.session, actor("A1"), a.id, s.HandleIn(contact=contact))
    assert out.status == "handled" and out.contact_id is not None
    logged = bank.session.get(Contact, out.contact_id)
    assert logged is not None and (logged.customer_id, logged.channel) == ("C1", "visit")
    assert logged.task_id is not None
    task = bank.session.get(Task, logged.task_id)
    assert task is not None and task.status == "done"
    open_after = bank.session.scalar(
        select(func.count()).where(Task.customer_id == "C1", Task.status == "open")
    )
    assert open_after == (open_before or 0) - 1


def test_scope_owner_sees_own_head_the_outlet_others_nothing(inbox: tuple[Bank, Lake]) -> None:
    bank, lake = inbox
    jobs.run(bank.session, lake, AS_OF, now=NOW)
    got = alerts_of(bank)
    mine = service.list_alerts(bank.session, actor("A1"))
    assert {(a.customer_id, a.rule) for a in mine.items} == {
        ("C1", "maturity_7d"),
        ("C1", "large_outflow"),
    }
    assert mine.items[0].customer_name == "欧**华"  # masked
    head = service.list_alerts(bank.session, actor("H1"))
    assert {a.customer_id for a in head.items} == {"C1", "C2", "C9"}
    assert {a.customer_id for a in service.list_alerts(bank.session, actor("H2")).items} == {"C3"}
    other = got[("C2", "dormancy")].id
    for who in ("A1", "H2", "W4"):
        with pytest.raises(NotFound):
            service.get_alert(bank.session, actor(who), other)
        with pytest.raises(NotFound):
            service.acknowledge(bank.session, actor(who), other)
    counts = service.counts(bank.session, actor("A1"))
    assert counts.by_status["new"] == 2 and counts.by_severity == {"high": 2, "medium": 0, "low": 0}
    views = bank.session.scalars(select(AuditEvent.action).where(AuditEvent.target == "alerts"))
    assert list(views) == ["list_customers"] * 3


def test_rules_import_is_versioned_and_audited(inbox: tuple[Bank, Lake]) -> None:
    from bankcrm.alerts.rules import preset_toml
    from bankcrm.security.actor import Actor
    from bankcrm.security.roles import Role

    bank, _ = inbox
    admin = Actor(None, "ra", "HO", frozenset({Role.rule_admin}), None)
    text = preset_toml().replace('min_amount = "5万"      # 单笔转出他行', 'min_amount = "10万"')
    saved, changed = service.import_rules(bank.session, admin, text)
    assert (saved.version, changed) == (2, True)
    assert saved.spec.rule("large_outflow").min_amount == "10万"  # type: ignore[union-attr]
    assert service.import_rules(bank.session, admin, text)[1] is False
    with pytest.raises(Forbidden):
        service.import_rules(bank.session, actor("H1"), text)
    rows = bank.session.scalars(select(AuditEvent).where(AuditEvent.action == "rule_change"))
    assert [r.target for r in rows] == ["alert_rules v2"]
