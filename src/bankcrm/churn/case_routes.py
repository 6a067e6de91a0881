"""/api/v1/retention: 挽留工单 (cases, actions, closing) and 挽留效果 (the measured effect)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from bankcrm.api.deps import DB, CurrentActor
from bankcrm.churn import case_schemas as s
from bankcrm.churn import cases, effect

router = APIRouter(prefix="/retention", tags=["挽留"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/cases", response_model=s.CasePage, summary="挽留工单（本人或所辖机构）")
def list_cases(
    actor: CurrentActor,
    session: DB,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    staff_id: Code = None,
    customer_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> s.CasePage:
    return cases.list_cases(
        session,
        actor,
        status=status,
        staff_id=staff_id,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )


@router.get("/cases/{case_id}", response_model=s.CaseDetail, summary="挽留工单详情与处理记录")
def get_case(case_id: CaseId, actor: CurrentActor, session: DB) -> s.CaseDetail:
    return cases.get_case(session, actor, case_id)


@router.post(
    "/cases/{case_id}/actions",
    response_model=s.ActionOut,
    status_code=201,
    summary="登记挽留动作（联系 / 方案 / 成交产品 / 备注）",
)
def log_action(case_id: CaseId, body: s.ActionIn, actor: CurrentActor, session: DB) -> s.ActionOut:
    return cases.log_action(session, actor, case_id, body)


@router.post("/cases/{case_id}/close", response_model=s.CaseOut, summary="挽留工单结案")
def close_case(case_id: CaseId, body: s.CloseIn, actor: CurrentActor, session: DB) -> s.CaseOut:
    return cases.close_case(session, actor, case_id, body)


@router.get("/effect", response_model=s.EffectOut, summary="挽留效果（挽留组与对照组流失率）")
def retention_effect(
    actor: CurrentActor,
    session: DB,
    as_of: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))] = None,
    org: Code = None,
) -> s.EffectOut:
    return effect.report(session, actor, as_of=as_of, org=org)
