"""/api/v1/customers/{id}/churn: a customer's churn score, band, reasons and indicators (scoped,
audited as a view)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bankcrm.api.deps import DB, CurrentActor, json_body
from bankcrm.churn import schemas as s
from bankcrm.churn import service
from bankcrm.customers.routes import CustomerId

router = APIRouter(tags=["流失预警"])


@router.get(
    "/customers/{customer_id}/churn",
    response_model=s.ChurnView,
    summary="客户流失评分（分数、等级、原因、预警指标）",
)
def customer_churn(customer_id: CustomerId, actor: CurrentActor, session: DB) -> Response:
    return json_body(service.customer_churn(session, actor, customer_id))
