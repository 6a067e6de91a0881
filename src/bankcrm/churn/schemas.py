"""Shapes of a customer's churn score as the service returns it."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from bankcrm.customers.schemas import CUSTOMER_LINKED
from bankcrm.security.classification import field


class Reason(BaseModel):
    model_config = CUSTOMER_LINKED

    code: str = field("churn_scores.band", description="模型特征")
    text: str = field("churn_scores.reasons", description="原因（含客户的数值）")
    value: float | None = field("churn_scores.reasons", description="客户的数值")
    contribution: float = field("churn_scores.score", description="该特征推高的对数几率")


class Indicator(BaseModel):
    model_config = CUSTOMER_LINKED

    code: str = field("churn_scores.band", description="指标代码")
    text: str = field("churn_scores.indicators", description="指标（含客户的数值）")


class ChurnView(BaseModel):
    model_config = CUSTOMER_LINKED

    customer_id: str = field("churn_scores.customer_id")
    as_of: date = field("churn_scores.as_of")
    model_version: str = field("churn_scores.model_version")
    score: float = field("churn_scores.score", description="流失概率（标签观察期内）")
    band: str = field("churn_scores.band", description="high / medium / low")
    reasons: list[Reason] = field("churn_scores.reasons")
    indicators: list[Indicator] = field("churn_scores.indicators")
    notes: list[str] = field("churn_scores.band", description="指标暂不能覆盖的内容（如投诉）")
