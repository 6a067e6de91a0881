"""/api/v1 maintenance: the task calendar, contacts, product messages, 建档 fields, compliance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from bankcrm.api.deps import DB, CurrentActor
from bankcrm.customers.routes import CustomerId
from bankcrm.errors import InvalidInput
from bankcrm.kit import clock
from bankcrm.maintenance import compliance, service
from bankcrm.maintenance import schemas as s

router = APIRouter(tags=["维护"])
StaffId = Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
OrgId = Annotated[str | None, Query(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Month = Annotated[str | None, Query(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Day = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))]


def _month(text: str | None) -> tuple[date, date]:
    if text is None:
        return compliance.month_bounds(clock.today())
    y, m = (int(x) for x in text.split("-"))
    return compliance.month_bounds(date(y, m, 1))


@router.get("/tasks", response_model=s.TaskPage, summary="维护任务（本人或所辖机构）")
def tasks(
    actor: CurrentActor,
    session: DB,
    first: Annotated[Day, Query(alias="from")] = None,
    last: Annotated[Day, Query(alias="to")] = None,
    staff_id: StaffId = None,
    org_id: OrgId = None,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(s.KIND_LABELS) + ")$")] = None,
    status: Annotated[str | None, Query(pattern="^(open|done|cancelled)$")] = None,
    customer_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> s.TaskPage:
    if first and last and first > last:
        raise InvalidInput("开始日期晚于结束日期", loc=("query", "from"))
    return service.list_tasks(
        session,
        actor,
        first=first,
        last=last,
        staff_id=staff_id,
        org_id=org_id,
        kind=kind,
        status=status,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )


@router.get("/tasks/today", response_model=s.TaskPage, summary="今日待办（本人）")
def today(actor: CurrentActor, session: DB) -> s.TaskPage:
    return service.today_list(session, actor)


@router.post("/contacts", response_model=s.ContactOut, status_code=201, summary="登记维护记录")
def log_contact(body: s.ContactIn, actor: CurrentActor, session: DB) -> s.ContactOut:
    return service.log_contact(session, actor, body)


@router.get(
    "/customers/{customer_id}/contacts",
    response_model=list[s.ContactOut],
    summary="客户的维护记录",
)
def contacts(customer_id: CustomerId, actor: CurrentActor, session: DB) -> list[s.ContactOut]:
    return service.contacts(session, actor, customer_id)


@router.post(
    "/product-messages",
    response_model=s.ProductMessageOut,
    status_code=201,
    summary="产品信息群发（一次批量动作及收件名单）",
)
def product_message(
    body: s.ProductMessageIn, actor: CurrentActor, session: DB
) -> s.ProductMessageOut:
    return service.send_product_message(session, actor, body)


@router.get(
    "/customers/{customer_id}/profile", response_model=s.ProfileOut, summary="建档信息与服务方案"
)
def get_profile(customer_id: CustomerId, actor: CurrentActor, session: DB) -> s.ProfileOut:
    return service.profile(session, actor, customer_id)


@router.put("/customers/{customer_id}/profile", status_code=204, summary="维护建档信息")
def profile(
    customer_id: CustomerId, body: s.ProfileIn, actor: CurrentActor, session: DB
) -> Response:
    service.set_profile(session, actor, customer_id, body)
    return Response(status_code=204)


@router.put("/customers/{customer_id}/service-plan", status_code=204, summary="维护服务方案")
def service_plan(
    customer_id: CustomerId, body: s.ServicePlanIn, actor: CurrentActor, session: DB
) -> Response:
    service.set_service_plan(session, actor, customer_id, body)
    return Response(status_code=204)


@router.get(
    "/compliance", response_model=list[s.ComplianceRow], summary="维护达标率（按月，可分组）"
)
def compliance_rows(
    actor: CurrentActor,
    session: DB,
    month: Month = None,
    by: Annotated[
        str, Query(pattern=r"^(org|staff|tier|kind)(,(org|staff|tier|kind)){0,3}$")
    ] = "org,staff",
    org_id: OrgId = None,
    staff_id: StaffId = None,
) -> list[s.ComplianceRow]:
    first, last = _month(month)
    groups = tuple(dict.fromkeys(by.split(",")))
    return compliance.compliance(
        session, actor, first, last, by=groups, org_id=org_id, staff_id=staff_id
    )


@router.get("/compliance/missed", response_model=list[s.TaskOut], summary="未完成任务明细")
def compliance_missed(
    actor: CurrentActor,
    session: DB,
    month: Month = None,
    org_id: OrgId = None,
    staff_id: StaffId = None,
) -> list[s.TaskOut]:
    first, last = _month(month)
    return compliance.missed(session, actor, first, last, org_id=org_id, staff_id=staff_id)


@router.get("/compliance/coverage", summary="建档覆盖率与产品指标（按网点）")
def coverage(
    actor: CurrentActor, session: DB
) -> dict[str, list[s.CoverageRow] | list[s.TargetRow]]:
    cov, targets = compliance.coverage(session, actor)
    return {"profile": cov, "targets": targets}


@router.get(
    "/compliance/meeting.xlsx",
    summary="网点周例会材料（Excel，脱敏，带水印，记入审计）",
    response_class=Response,
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
def meeting(
    actor: CurrentActor,
    session: DB,
    week_of: Day = None,
    org_id: OrgId = None,
) -> Response:
    data = compliance.meeting_workbook(session, actor, week_of or clock.today(), org_id)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="outlet-meeting.xlsx"'},
    )
