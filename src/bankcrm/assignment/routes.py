"""/api/v1 assignment: hand-overs, the reassignment queue, performance credit, history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from bankcrm.api.deps import DB, CurrentActor
from bankcrm.assignment import handover
from bankcrm.assignment import schemas as s
from bankcrm.customers.routes import CustomerId
from bankcrm.security.classification import field

router = APIRouter(tags=["管户"])


class ChangeOut(BaseModel):
    customer_id: str = field("assignment_history.customer_id")
    from_staff_id: str | None = field("assignment_history.from_staff_id")
    to_staff_id: str | None = field("assignment_history.to_staff_id")
    reason: str = field("assignment_history.reason")
    effective_on: date = field("assignment_history.effective_on")
    changed_at: datetime = field("assignment_history.changed_at")
    changed_by: str = field("assignment_history.changed_by")


@router.post("/handovers", response_model=s.HandoverOut, status_code=201, summary="发起管户移交")
def request_handover(body: s.HandoverIn, actor: CurrentActor, session: DB) -> s.HandoverOut:
    return handover.request(session, actor, body)


@router.get(
    "/handovers", response_model=list[s.HandoverOut], summary="移交申请（本人发起或待本人审批）"
)
def handovers(
    actor: CurrentActor,
    session: DB,
    status: Annotated[str | None, Query(pattern="^(pending|approved|rejected|cancelled)$")] = None,
) -> list[s.HandoverOut]:
    return handover.handovers(session, actor, status)


@router.post(
    "/handovers/{handover_id}/decision", response_model=s.HandoverOut, summary="审批管户移交"
)
def decide(
    handover_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: s.DecisionIn,
    actor: CurrentActor,
    session: DB,
) -> s.HandoverOut:
    return handover.decide(session, actor, handover_id, body)


@router.get(
    "/assignment/queue", response_model=list[s.QueueItem], summary="待分配客户（离职、容量不足）"
)
def queue(actor: CurrentActor, session: DB) -> list[s.QueueItem]:
    return handover.queue(session, actor)


@router.post("/assignment/queue/{customer_id}", status_code=204, summary="分配待分配客户")
def reassign(
    customer_id: CustomerId, body: s.ReassignIn, actor: CurrentActor, session: DB
) -> Response:
    handover.reassign(session, actor, customer_id, body.to_staff_id)
    return Response(status_code=204)


@router.put("/customers/{customer_id}/credit", status_code=204, summary="登记客户选择的业绩归属")
def credit(customer_id: CustomerId, body: s.CreditIn, actor: CurrentActor, session: DB) -> Response:
    handover.set_credit(session, actor, customer_id, body.credit_staff_id)
    return Response(status_code=204)


@router.get(
    "/customers/{customer_id}/assignments", response_model=list[ChangeOut], summary="管户变更历史"
)
def assignments(customer_id: CustomerId, actor: CurrentActor, session: DB) -> list[ChangeOut]:
    return [
        ChangeOut.model_validate(c, from_attributes=True)
        for c in handover.history(session, actor, customer_id)
    ]
