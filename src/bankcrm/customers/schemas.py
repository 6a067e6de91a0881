"""API shapes of customer data. Every field is tagged through `security.classification.field`
(its JR/T 0171 category and masking rule land in the OpenAPI schema as `x-jrt0171`,
`x-masking`); values are masked before they reach these models, unless unmasked through the
audited path. Money is exact yuan (Decimal, two places, serialised as a string)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.security.classification import field as tagged

CUSTOMER_LINKED = ConfigDict(json_schema_extra={"x-customer-linked": True})


class CustomerRow(BaseModel):
    model_config = CUSTOMER_LINKED

    customer_id: str = tagged("customers.customer_id")
    name: str = tagged("customers.name")
    gender: str | None = tagged("customers.gender")
    phone: str | None = tagged("customers.phone")
    home_org_id: str = tagged("customers.home_org_id")
    org_name: str | None = tagged("org_name")
    rule_set: str | None = tagged("rule_set")
    tier: str | None = tagged("tier")
    tier_since: date | None = tagged("tier_since")
    aum: Decimal | None = tagged("customers.aum_fen", description="AUM 时点（元）")
    aum_month_avg: Decimal | None = tagged(
        "customers.aum_month_avg_fen", description="AUM 月日均（元）"
    )
    owner_staff_id: str | None = tagged("owner_staff_id")
    owner_name: str | None = tagged("owner_name")


class CustomerPage(BaseModel):
    items: list[CustomerRow]
    next_cursor: str | None = Field(description="下一页游标；为空表示没有更多")
    as_of: date | None = Field(description="数据日期")


class Profile(BaseModel):
    model_config = CUSTOMER_LINKED

    customer_id: str = tagged("customers.customer_id")
    name: str = tagged("customers.name")
    id_type: str = tagged("customers.id_type")
    id_number: str = tagged("customers.id_number")
    birth_date: str | None = tagged("customers.birth_date")
    age: int | None = tagged("age")
    gender: str | None = tagged("customers.gender")
    home_org_id: str = tagged("customers.home_org_id")
    org_name: str | None = tagged("org_name")
    opened_on: date = tagged("customers.opened_on")
    phone: str | None = tagged("customers.phone")
    home_phone: str | None = tagged("customers.home_phone")
    address: str | None = tagged("customers.address")
    employer: str | None = tagged("customers.employer")
    occupation: str | None = tagged("customers.occupation")
    marital_status: str | None = tagged("customers.marital_status")
    risk_level: str | None = tagged("customers.risk_level")
    risk_assessed_on: date | None = tagged("customers.risk_assessed_on")
    status: str = tagged("customers.status")
    e_banking: bool | None = tagged("customers.e_banking")
    aum: Decimal | None = tagged("customers.aum_fen")
    aum_month_avg: Decimal | None = tagged("customers.aum_month_avg_fen")
    deposit_month_avg: Decimal | None = tagged("customers.deposit_month_avg_fen")
    aum_year_avg: Decimal | None = tagged("customers.aum_year_avg_fen")
    product_count: int | None = tagged("customers.product_count")
    next_maturity_date: date | None = tagged("customers.next_maturity_date")
    owner_staff_id: str | None = tagged("owner_staff_id")
    owner_name: str | None = tagged("owner_name")
    as_of: date = tagged("customers.as_of")
    masked: bool = tagged("masked")


class TierNow(BaseModel):
    model_config = CUSTOMER_LINKED

    rule_set: str = tagged("customer_tiers.rule_set")
    tier: str = tagged("customer_tiers.tier")
    since: date = tagged("customer_tiers.since")
    basis_value: Decimal = tagged("customer_tiers.basis_value_fen")
    reason: str = tagged("customer_tiers.reason")


class TierChangeOut(BaseModel):
    model_config = CUSTOMER_LINKED

    rule_set: str = tagged("tier_history.rule_set")
    effective_on: date = tagged("tier_history.effective_on")
    from_tier: str = tagged("tier_history.from_tier")
    to_tier: str = tagged("tier_history.to_tier")
    direction: str = tagged("tier_history.direction")
    basis_value: Decimal = tagged("tier_history.basis_value_fen")
    reason: str = tagged("tier_history.reason")


class MonthAum(BaseModel):
    model_config = CUSTOMER_LINKED

    month: date = tagged("month")
    aum: Decimal = tagged("aum_point_fen")
    month_avg: Decimal = tagged("month_avg_fen")


class AccountOut(BaseModel):
    model_config = CUSTOMER_LINKED

    account_id: str = tagged("account_id")
    product_code: str = tagged("product_code")
    asset_class: str = tagged("asset_class")
    opened_on: date = tagged("opened_on")
    maturity_date: date | None = tagged("maturity_date")
    closed_on: date | None = tagged("closed_on")


class LoanOut(BaseModel):
    model_config = CUSTOMER_LINKED

    loan_id: str = tagged("loan_id")
    product_code: str = tagged("product_code")
    balance: Decimal = tagged("balance")
    overdue_days: int = tagged("overdue_days")
    status: str | None = tagged("status")


class CardOut(BaseModel):
    model_config = CUSTOMER_LINKED

    card_id: str = tagged("card_id")
    card_type: str = tagged("card_type")
    level: str | None = tagged("level")
    status: str | None = tagged("status")


class Customer360(BaseModel):
    profile: Profile
    tiers: list[TierNow]
    tier_history: list[TierChangeOut]
    aum_monthly: list[MonthAum]
    holdings: dict[str, int | bool | str | None] | None = tagged("products")
    accounts: list[AccountOut]
    loans: list[LoanOut]
    cards: list[CardOut]


UNMASKABLE = (
    "name",
    "id_number",
    "phone",
    "home_phone",
    "address",
    "employer",
    "birth_date",
    "marital_status",
)


class UnmaskRequest(BaseModel):
    fields: list[str] = Field(
        min_length=1, description=f"要查看明文的字段：{', '.join(UNMASKABLE)}"
    )
    reason: str = Field(min_length=2, max_length=200, description="查看明文的原因（记入审计）")


class UnmaskedValues(BaseModel):
    model_config = CUSTOMER_LINKED

    customer_id: str = tagged("customers.customer_id")
    fields: dict[str, str | None] = tagged("fields")


class TierBucket(BaseModel):
    tier: str
    tier_rank: int
    customers: int
    aum_month_avg: Decimal = Field(description="月日均合计（元）")


class TierDistribution(BaseModel):
    rule_set: str
    as_of: date | None
    buckets: list[TierBucket]
    changes_this_month: dict[str, int] = Field(description="本月升级 up / 降级 down 人数")


class TierMove(BaseModel):
    model_config = CUSTOMER_LINKED

    customer_id: str = tagged("tier_history.customer_id")
    name: str = tagged("customers.name")
    effective_on: date = tagged("tier_history.effective_on")
    from_tier: str = tagged("tier_history.from_tier")
    to_tier: str = tagged("tier_history.to_tier")
    direction: str = tagged("tier_history.direction")
    basis_value: Decimal = tagged("tier_history.basis_value_fen")
