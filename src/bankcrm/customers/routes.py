"""/api/v1/customers: list with filters and keyset paging, export, the 360 view, unmask; and
/api/v1/tiers/distribution for the caller's scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from bankcrm.api.deps import DB, CurrentActor, json_body, state
from bankcrm.customers import export as exports
from bankcrm.customers import schemas as s
from bankcrm.customers import service
from bankcrm.kit.money import yuan_to_fen

router = APIRouter(tags=["客户"])
CustomerId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Money = Annotated[Decimal | None, Query(ge=0, le=Decimal("1e13"), decimal_places=2)]


def _filters(
    rule_set: Annotated[str, Query(max_length=40)] = "maintenance_3tier",
    tier: Annotated[str | None, Query(max_length=20)] = None,
    outlet: Annotated[str | None, Query(max_length=32, description="机构号（含下级）")] = None,
    manager: Annotated[str | None, Query(max_length=32, description="管户人工号")] = None,
    aum_min: Annotated[Money, Query(description="月日均下限（元）")] = None,
    aum_max: Annotated[Money, Query(description="月日均上限（元）")] = None,
    tier_changed_since: Annotated[date | None, Query(description="层级变动起始日期")] = None,
    customer_id: Annotated[str | None, Query(max_length=32)] = None,
) -> service.Filters:
    return service.Filters(
        rule_set=rule_set,
        tier=tier,
        outlet=outlet,
        manager=manager,
        aum_min_fen=yuan_to_fen(aum_min) if aum_min is not None else None,
        aum_max_fen=yuan_to_fen(aum_max) if aum_max is not None else None,
        tier_changed_since=tier_changed_since,
        customer_id=customer_id,
    )


ListFilters = Annotated[service.Filters, Depends(_filters)]


@router.get("/customers", response_model=s.CustomerPage, summary="客户列表（脱敏，按数据权限）")
def customers(
    actor: CurrentActor,
    session: DB,
    f: ListFilters,
    sort: Annotated[str, Query(pattern="^(customer_id|-aum_month_avg)$")] = "customer_id",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
) -> Response:
    return json_body(
        service.list_customers(session, actor, f, sort=sort, cursor=cursor, limit=limit)
    )


@router.get(
    "/customers/export",
    summary="导出客户清单（CSV / Excel，默认脱敏，带水印，记入审计）",
    response_class=Response,
    responses={200: {"content": {m: {} for m in exports.MEDIA.values()}}},
)
def export(
    actor: CurrentActor,
    session: DB,
    f: ListFilters,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "xlsx",
    unmasked: bool = False,
) -> Response:
    data, _n = exports.export_customers(session, actor, f, fmt=format, unmasked=unmasked)
    return Response(
        data,
        media_type=exports.MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="customers.{format}"'},
    )


@router.get(
    "/customers/{customer_id}", response_model=s.Customer360, summary="客户 360 视图（脱敏）"
)
def customer(
    customer_id: CustomerId, request: Request, actor: CurrentActor, session: DB
) -> Response:
    return json_body(service.customer_360(session, actor, state(request).lake, customer_id))


@router.post(
    "/customers/{customer_id}/unmask",
    response_model=s.UnmaskedValues,
    summary="查看明文（须填写原因，记入审计）",
)
def unmask(
    customer_id: CustomerId, body: s.UnmaskRequest, actor: CurrentActor, session: DB
) -> s.UnmaskedValues:
    return service.unmask(session, actor, customer_id, body.fields, body.reason)


@router.get(
    "/tiers/distribution",
    response_model=s.TierDistribution,
    tags=["分层"],
    summary="本人数据范围内的层级分布",
)
def distribution(
    actor: CurrentActor,
    session: DB,
    rule_set: Annotated[str, Query(max_length=40)] = "maintenance_3tier",
) -> s.TierDistribution:
    return service.tier_distribution(session, actor, rule_set)
