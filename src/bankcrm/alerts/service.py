"""Alert rules (versioned, edited by rule_admin) and the alert workflow: new → acknowledged →
handled / dismissed (with a reason), every change in `alert_events`, views audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bankcrm.alerts import repository as repo
from bankcrm.alerts import schemas as s
from bankcrm.alerts.evidence import evidence, shown_item
from bankcrm.alerts.models import Alert, AlertEvent, AlertRuleSet
from bankcrm.alerts.rules import PRESET, AlertRulesSpec, parse_toml, preset_toml
from bankcrm.db import versioned
from bankcrm.errors import Conflict, Forbidden, NotFound
from bankcrm.kit import clock, masking
from bankcrm.maintenance import schemas as ms
from bankcrm.maintenance import service as maintenance
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission

OPEN = ("new", "acknowledged")


RulesVersion = versioned.Version[AlertRulesSpec]


def _view(row: AlertRuleSet) -> RulesVersion:
    return versioned.view(row, AlertRulesSpec.from_json)


def save_rules(session: Session, author: str, spec: AlertRulesSpec) -> tuple[RulesVersion, bool]:
    """`spec` as the next version — or the latest, unchanged, when equal to it."""
    row, changed = versioned.save(
        session, AlertRuleSet, repo.latest_rules(session, spec.name), spec, author
    )
    return _view(row), changed


def import_rules(
    session: Session, actor: Actor, text: str, source: str = "预警规则"
) -> tuple[RulesVersion, bool]:
    """A rule_admin's import or edit: a new version when the content changed, audited."""
    if not actor.can(Permission.edit_rules):
        raise Forbidden("无权修改预警规则")
    saved, changed = save_rules(session, actor.username, parse_toml(text, source))
    if changed:
        audit.record(
            session,
            actor,
            audit.Action.rule_change,
            target=f"{saved.spec.name} v{saved.version}",
            detail={"digest": saved.spec.digest()},
        )
    return saved, changed


def install_presets(session: Session, author: str) -> list[RulesVersion]:
    """The shipped rules, only when none exist (an edited rule set is never overwritten)."""
    if repo.latest_rules(session, PRESET) is not None:
        return []
    return [save_rules(session, author, parse_toml(preset_toml(), f"{PRESET}.toml"))[0]]


def rules(session: Session, version: int | None = None, name: str = PRESET) -> RulesVersion:
    row = (
        repo.latest_rules(session, name)
        if version is None
        else repo.rules_version(session, name, version)
    )
    if row is None:
        raise NotFound(f"没有预警规则 {name}" + (f" 第 {version} 版" if version else ""))
    return _view(row)


def readable_rules(session: Session, actor: Actor) -> s.RulesOut:
    """The rules in their latest version, for rule_admin and those who read aggregates."""
    if not (actor.can(Permission.edit_rules) or actor.can(Permission.view_aggregates)):
        raise Forbidden("无权查看预警规则")
    return s.rules_out(rules(session))


def rule_versions(session: Session, name: str = PRESET) -> list[RulesVersion]:
    return [_view(r) for r in repo.rules_versions(session, name)]


def rules_in_force(session: Session, on: date, name: str = PRESET) -> RulesVersion | None:
    """The newest version already effective on `on` (None: no alert rules installed)."""
    row = repo.rules_in_force(session, name, on)
    return _view(row) if row else None


def _labels(session: Session) -> dict[str, str]:
    row = repo.latest_rules(session, PRESET)
    return {r.code: r.label for r in AlertRulesSpec.from_json(row.spec).rules} if row else {}


def alert_out(a: Alert, customer_name: str | None, labels: dict[str, str]) -> s.AlertOut:
    return s.AlertOut(
        id=a.id,
        customer_id=a.customer_id,
        customer_name=masking.name_or_none(customer_name),
        rule=a.rule,
        rule_label=labels.get(a.rule, a.rule),
        kind=a.kind,
        severity=a.severity,
        status=a.status,
        staff_id=a.staff_id,
        org_id=a.org_id,
        detected_on=a.detected_on,
        due_on=a.due_on,
        item_id=shown_item(a),
        amount_fen=a.amount_fen,
        reference_fen=a.reference_fen,
        ratio_bp=a.ratio_bp,
        ref_date=a.ref_date,
        detail=a.detail,
        evidence=evidence(a),
        sla_due_at=a.sla_due_at,
        escalated=a.escalated_at is not None,
        dismiss_reason=a.dismiss_reason,
        contact_id=a.contact_id,
    )


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    escalated: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> s.AlertPage:
    """The alerts in the actor's work scope (own alerts; a head: the subtree's), audited."""
    rows, total = repo.alert_rows(
        session,
        actor,
        status=status,
        rule=rule,
        severity=severity,
        escalated=escalated,
        limit=limit,
        offset=offset,
    )
    labels = _labels(session)
    items = [alert_out(a, n, labels) for a, n in rows]
    audit.record(session, actor, audit.Action.list_customers, target="alerts", rows=len(items))
    return s.AlertPage(items=items, total=total)


def counts(session: Session, actor: Actor) -> s.Counts:
    """Counts by status, open ones by severity, open escalated (aggregates: not audited)."""
    rows = repo.counts(session, actor)
    by_status = dict.fromkeys(s.STATUS_LABELS, 0)
    by_severity = {"high": 0, "medium": 0, "low": 0}
    escalated = 0
    for status, severity, esc, n in rows:
        by_status[status] = by_status.get(status, 0) + n
        if status in OPEN:
            by_severity[severity] = by_severity.get(severity, 0) + n
            escalated += n if esc else 0
    return s.Counts(
        by_status=by_status,
        by_severity=by_severity,
        escalated=escalated,
        rows=[s.CountRow(status=a, severity=b, escalated=c, n=d) for a, b, c, d in rows],
    )


def _require(session: Session, actor: Actor, alert_id: int) -> tuple[Alert, str | None]:
    found = repo.alert(session, actor, alert_id)
    if found is None:
        raise NotFound(f"没有预警 {alert_id}")
    return found


def get_alert(session: Session, actor: Actor, alert_id: int) -> s.AlertDetail:
    a, name = _require(session, actor, alert_id)
    audit.record(
        session,
        actor,
        audit.Action.view_customer,
        customer_id=a.customer_id,
        target=f"alert:{a.id}",
    )
    out = alert_out(a, name, _labels(session))
    events = [
        s.AlertEventOut(
            at=e.at, by=e.by, from_status=e.from_status, to_status=e.to_status, note=e.note
        )
        for e in repo.events(session, a.id)
    ]
    return s.AlertDetail(**out.model_dump(), events=events)


def _move(
    session: Session,
    actor: Actor,
    alert_id: int,
    to: str,
    allowed: tuple[str, ...],
    note: str | None,
) -> Alert:
    if not actor.can(Permission.log_contact):
        raise Forbidden("无权处理预警")
    a, _ = _require(session, actor, alert_id)
    if a.status not in allowed:
        raise Conflict(
            f"预警 {a.id} {s.STATUS_LABELS.get(a.status, a.status)}，不能再{s.STATUS_LABELS[to].removeprefix('已')}"
        )
    session.add(
        AlertEvent(
            alert_id=a.id,
            by=actor.username,
            from_status=a.status,
            to_status=to,
            note=note,
            at=clock.now(),
        )
    )
    a.status, a.updated_at = to, clock.now()
    session.flush()
    return a


def acknowledge(session: Session, actor: Actor, alert_id: int) -> s.AlertOut:
    """new → acknowledged (stops the SLA clock: it no longer escalates)."""
    a = _move(session, actor, alert_id, "acknowledged", ("new",), None)
    return alert_out(a, None, _labels(session))


def handle(session: Session, actor: Actor, alert_id: int, body: s.HandleIn) -> s.AlertOut:
    """new/acknowledged → handled; with `contact`, the contact is logged as `POST /contacts`
    logs one (completing the customer's matching maintenance task)."""
    a = _move(session, actor, alert_id, "handled", OPEN, body.note)
    if body.contact is not None:
        c = body.contact
        logged = maintenance.log_contact(
            session,
            actor,
            ms.ContactIn(
                customer_id=a.customer_id,
                channel=c.channel,
                outcome=c.outcome,
                note=c.note,
                next_step=c.next_step,
            ),
        )
        a.contact_id = logged.id
        session.flush()
    return alert_out(a, None, _labels(session))


def dismiss(session: Session, actor: Actor, alert_id: int, body: s.DismissIn) -> s.AlertOut:
    """new/acknowledged → dismissed, with the reason (required)."""
    a = _move(session, actor, alert_id, "dismissed", OPEN, body.reason)
    a.dismiss_reason = body.reason
    session.flush()
    return alert_out(a, None, _labels(session))
