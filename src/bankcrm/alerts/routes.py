"""/api/v1/alerts: the inbox (scoped like tasks), counts, one alert, and its workflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from bankcrm.alerts import schemas as s
from bankcrm.alerts import service
from bankcrm.alerts.rules import Severity
from bankcrm.api.deps import DB, CurrentActor

router = APIRouter(prefix="/alerts", tags=["预警"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", response_model=s.AlertPage, summary="预警列表（本人或所辖机构）")
def list_alerts(
    actor: CurrentActor,
    session: DB,
    status: s.Status | None = None,
    rule: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,31}$")] = None,
    severity: Severity | None = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> s.AlertPage:
    return service.list_alerts(
        session,
        actor,
        status=status.value if status else None,
        rule=rule,
        severity=severity.value if severity else None,
        escalated=escalated,
        limit=limit,
        offset=offset,
    )


@router.get("/rules", response_model=s.RulesOut, summary="预警规则（最新版本，TOML）")
def get_rules(actor: CurrentActor, session: DB) -> s.RulesOut:
    return service.readable_rules(session, actor)


@router.post("/rules", response_model=s.RulesOut, status_code=201, summary="保存预警规则的新版本")
def save_rules(body: s.RulesIn, actor: CurrentActor, session: DB) -> s.RulesOut:
    saved, _changed = service.import_rules(session, actor, body.toml, "API")
    return s.rules_out(saved)


@router.get("/counts", response_model=s.Counts, summary="预警数（按状态、级别）")
def counts(actor: CurrentActor, session: DB) -> s.Counts:
    return service.counts(session, actor)


@router.get("/{alert_id}", response_model=s.AlertDetail, summary="预警详情与处理记录")
def get_alert(alert_id: AlertId, actor: CurrentActor, session: DB) -> s.AlertDetail:
    return service.get_alert(session, actor, alert_id)


@router.post("/{alert_id}/acknowledge", response_model=s.AlertOut, summary="确认预警")
def acknowledge(alert_id: AlertId, actor: CurrentActor, session: DB) -> s.AlertOut:
    return service.acknowledge(session, actor, alert_id)


@router.post("/{alert_id}/handle", response_model=s.AlertOut, summary="处理预警（可登记联系）")
def handle(alert_id: AlertId, body: s.HandleIn, actor: CurrentActor, session: DB) -> s.AlertOut:
    return service.handle(session, actor, alert_id, body)


@router.post("/{alert_id}/dismiss", response_model=s.AlertOut, summary="排除预警（须填原因）")
def dismiss(alert_id: AlertId, body: s.DismissIn, actor: CurrentActor, session: DB) -> s.AlertOut:
    return service.dismiss(session, actor, alert_id, body)
