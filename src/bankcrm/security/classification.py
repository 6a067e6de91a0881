"""The one registry of customer-linked fields (DESIGN §7, JR/T 0171-2020 个人金融信息保护技术规范).

Every column of a customer-linked table (one with a `customer_id`) and every field of an API
schema that carries customer data is tagged here, once, with its category and masking rule:
- C3 用户鉴别信息 (authentication data: passwords, session and access tokens): never shown, never
  logged — stored only as hashes;
- C2 可识别个人身份与金融状况的信息 (identity and financial data): identity fields masked by
  default (`mask` names a rule of `kit.masking`), unmasked only through the audited path;
  financial figures are shown within the user's data scope (the workbench's purpose) and every
  view of them is audited;
- C1 内部使用信息 (internal: keys, tiers, dates the bank assigns).
`tests/security/test_classification.py` fails on a customer-linked column or schema field
missing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field
from pydantic.config import JsonDict

from bankcrm.kit import masking


class Category(StrEnum):
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"


@dataclass(frozen=True)
class Tag:
    category: Category
    mask: str | None = None  # a rule of kit.masking; None: shown as is (within scope)
    label: str = ""


C1, C2, C3 = Category.C1, Category.C2, Category.C3

_CUSTOMER_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1, label="客户号"),
    "name": Tag(C2, "name", "姓名"),
    "id_type": Tag(C1, label="证件类型"),
    "id_number": Tag(C2, "id_number", "证件号码"),
    "birth_date": Tag(C2, "text", "出生日期"),
    "gender": Tag(C1, label="性别"),
    "home_org_id": Tag(C1, label="归属机构"),
    "opened_on": Tag(C1, label="开户日期"),
    "phone": Tag(C2, "phone", "手机号码"),
    "home_phone": Tag(C2, "phone", "固定电话"),
    "address": Tag(C2, "address", "地址"),
    "employer": Tag(C2, "text", "工作单位"),
    "occupation": Tag(C1, label="职业"),
    "marital_status": Tag(C2, "text", "婚姻状况"),
    "risk_level": Tag(C1, label="风险等级"),
    "risk_assessed_on": Tag(C1, label="风险评估日期"),
    "status": Tag(C1, label="状态"),
    "closed_on": Tag(C1, label="销户日期"),
    "e_banking": Tag(C1, label="电子银行"),
    "aum_fen": Tag(C2, label="AUM时点"),
    "aum_month_avg_fen": Tag(C2, label="AUM月日均"),
    "deposit_month_avg_fen": Tag(C2, label="存款月日均"),
    "aum_year_avg_fen": Tag(C2, label="AUM年日均"),
    "product_count": Tag(C1, label="持有产品数"),
    "has_debit_gold": Tag(C1, label="借记金卡"),
    "has_credit_card": Tag(C1, label="信用卡"),
    "has_wealth": Tag(C1, label="理财"),
    "has_fund": Tag(C1, label="基金"),
    "has_insurance": Tag(C1, label="保险"),
    "next_maturity_date": Tag(C1, label="最近到期日"),
    "as_of": Tag(C1, label="数据日期"),
    "loaded_at": Tag(C1, label="加载时间"),
}
_TIER_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1),
    "rule_set": Tag(C1, label="规则集"),
    "version": Tag(C1, label="版本"),
    "tier": Tag(C1, label="层级"),
    "tier_rank": Tag(C1),
    "basis_value_fen": Tag(C2, label="分层依据值"),
    "threshold_fen": Tag(C1, label="层级下限"),
    "reason": Tag(C2, label="原因"),
    "since": Tag(C1, label="起始日期"),
    "as_of": Tag(C1),
    "loaded_at": Tag(C1),
}
_HISTORY_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "rule_set": Tag(C1),
    "version": Tag(C1),
    "effective_on": Tag(C1, label="生效日期"),
    "from_tier": Tag(C1, label="原层级"),
    "to_tier": Tag(C1, label="新层级"),
    "direction": Tag(C1, label="方向"),
    "basis_value_fen": Tag(C2, label="分层依据值"),
    "reason": Tag(C2, label="原因"),
}
_OWNER_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1),
    "staff_id": Tag(C1, label="管户人"),
    "role": Tag(C1, label="管户角色"),
    "since": Tag(C1, label="管户起始"),
}
_OWNER_COLUMNS |= {
    "tier": Tag(C1, label="管户层级"),
    "originator_staff_id": Tag(C1, label="原管户人"),
    "credit_staff_id": Tag(C1, label="业绩归属"),
    "credit_by_choice": Tag(C1, label="客户自选归属"),
    "assigned_by": Tag(C1, label="分配方式"),
}
_ASSIGNMENT_HISTORY_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "from_staff_id": Tag(C1, label="原管户人"),
    "to_staff_id": Tag(C1, label="新管户人"),
    "reason": Tag(C1, label="原因"),
    "effective_on": Tag(C1, label="生效日期"),
    "changed_at": Tag(C1),
    "changed_by": Tag(C1),
    "batch": Tag(C1),
    "handover_id": Tag(C1),
}
_HANDOVER_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "from_staff_id": Tag(C1, label="移交人"),
    "to_staff_id": Tag(C1, label="接收人"),
    "reason": Tag(C1, label="移交原因"),
    "status": Tag(C1, label="状态"),
    "approver_org_id": Tag(C1, label="审批机构"),
    "cross_outlet": Tag(C1, label="跨网点"),
    "requested_by": Tag(C1),
    "requested_at": Tag(C1),
    "decided_by": Tag(C1),
    "decided_at": Tag(C1),
    "decision_note": Tag(C1, label="审批意见"),
}
_TASK_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "key": Tag(C1),
    "staff_id": Tag(C1, label="管户人"),
    "org_id": Tag(C1, label="机构"),
    "customer_id": Tag(C1),
    "tier": Tag(C1, label="层级"),
    "kind": Tag(C1, label="任务类型"),
    "occasion": Tag(C1, label="事项"),
    "due_on": Tag(C1, label="应办日期"),
    "deadline": Tag(C1, label="截止日期"),
    "status": Tag(C1, label="状态"),
    "done_on": Tag(C1, label="完成日期"),
    "contact_id": Tag(C1),
    "generated_on": Tag(C1),
    "run": Tag(C1),
}
_CONTACT_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "staff_id": Tag(C1, label="联系人"),
    "username": Tag(C1),
    "channel": Tag(C1, label="渠道"),
    "contacted_at": Tag(C1, label="联系时间"),
    "outcome": Tag(C1, label="结果"),
    # free text staff write about the customer: financial situation, family — C2, shown within
    # scope (its purpose), never in logs
    "note": Tag(C2, label="记录"),
    "next_step": Tag(C2, label="下一步"),
    "product_code": Tag(C1, label="产品"),
    "task_id": Tag(C1),
    "created_at": Tag(C1),
}
_PROFILE_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1),
    "lunar_birthday": Tag(C1, label="农历生日"),
    "product_preference": Tag(C2, label="产品偏好"),
    "updated_at": Tag(C1),
    "updated_by": Tag(C1),
}
_PLAN_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1),
    "risk_tolerance": Tag(C2, label="风险承受能力"),
    "assets_liabilities": Tag(C2, label="资产负债"),
    "cash_flow": Tag(C2, label="现金流"),
    "fund_flows": Tag(C2, label="资金往来"),
    "products_used": Tag(C2, label="使用产品"),
    "updated_at": Tag(C1),
    "updated_by": Tag(C1),
}
_ALERT_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "rule": Tag(C1, label="预警规则"),
    "kind": Tag(C1, label="预警类型"),
    "event_key": Tag(C1),
    "severity": Tag(C1, label="级别"),
    "status": Tag(C1, label="状态"),
    "staff_id": Tag(C1, label="管户人"),
    "org_id": Tag(C1, label="机构"),
    "detected_on": Tag(C1, label="发现日期"),
    "due_on": Tag(C1, label="应办日期"),
    "item_id": Tag(C2, "card", label="账号/借据号/流水号"),
    "amount_fen": Tag(C2, label="金额"),
    "reference_fen": Tag(C2, label="参照金额"),
    "ratio_bp": Tag(C2, label="比例"),
    "days": Tag(C1, label="天数"),
    "ref_date": Tag(C1, label="事件日期"),
    "detail": Tag(C1, label="说明"),
    "sla_due_at": Tag(C1, label="确认时限"),
    "escalated_at": Tag(C1, label="升级时间"),
    "dismiss_reason": Tag(C1, label="排除原因"),
    "contact_id": Tag(C1),
    "created_at": Tag(C1),
    "updated_at": Tag(C1),
}
_CHURN_SCORE_COLUMNS: dict[str, Tag] = {
    "customer_id": Tag(C1),
    "model_version": Tag(C1, label="模型版本"),
    "score": Tag(C1, label="流失概率"),
    "band": Tag(C1, label="风险等级"),
    # the customer's own figures in words ("近30天转出他行 38.2万"): financial data
    "reasons": Tag(C2, label="主要原因"),
    "indicators": Tag(C2, label="预警指标"),
    "as_of": Tag(C1),
    "loaded_at": Tag(C1),
}
_RETENTION_CASE_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "customer_id": Tag(C1),
    "opened_on": Tag(C1, label="开单日期"),
    "group_name": Tag(C1, label="分组"),
    "seed": Tag(C1),
    "model_version": Tag(C1, label="模型版本"),
    "score": Tag(C1, label="流失概率"),
    "reasons": Tag(C2, label="主要原因"),
    "suggested_actions": Tag(C1, label="建议动作"),
    "owner_staff_id": Tag(C1, label="管户人"),
    "org_id": Tag(C1, label="机构"),
    "rule_set": Tag(C1),
    "tier": Tag(C1, label="层级"),
    "aum_month_avg_fen": Tag(C2, label="开单时月日均"),
    "due_on": Tag(C1, label="应办日期"),
    "window_end": Tag(C1, label="观察期末"),
    "status": Tag(C1, label="状态"),
    "outcome": Tag(C1, label="结果"),
    "outcome_on": Tag(C1, label="结果日期"),
    "outcome_aum_month_avg_fen": Tag(C2, label="观察期末月日均"),
    "created_at": Tag(C1),
}
_AUDIT_COLUMNS: dict[str, Tag] = {
    "id": Tag(C1),
    "at": Tag(C1),
    "user_id": Tag(C1),
    "username": Tag(C1),
    "org_id": Tag(C1),
    "action": Tag(C1),
    "customer_id": Tag(C1),
    "target": Tag(C1),
    "rows": Tag(C1),
    "reason": Tag(C1),
    "detail": Tag(C1),
    "source": Tag(C1),
    "prev_hash": Tag(C1),
    "hash": Tag(C1),
}

# table → column → tag, for every table with a customer_id column, plus the C3 columns
COLUMNS: dict[str, dict[str, Tag]] = {
    "customers": _CUSTOMER_COLUMNS,
    "customer_tiers": _TIER_COLUMNS,
    "tier_history": _HISTORY_COLUMNS,
    "customer_owners": _OWNER_COLUMNS,
    "audit_log": _AUDIT_COLUMNS,
    "assignment_history": _ASSIGNMENT_HISTORY_COLUMNS,
    "handovers": _HANDOVER_COLUMNS,
    "maintenance_tasks": _TASK_COLUMNS,
    "contacts": _CONTACT_COLUMNS,
    "product_message_recipients": {"message_id": Tag(C1), "customer_id": Tag(C1)},
    "customer_profiles": _PROFILE_COLUMNS,
    "service_plans": _PLAN_COLUMNS,
    "alerts": _ALERT_COLUMNS,
    "churn_scores": _CHURN_SCORE_COLUMNS,
    "retention_cases": _RETENTION_CASE_COLUMNS,
    "users": {"password_hash": Tag(C3, "hidden", "口令摘要")},
    "user_sessions": {"id": Tag(C3, "hidden"), "csrf_token": Tag(C3, "hidden")},
    "access_tokens": {"token_hash": Tag(C3, "hidden")},
}

# API schema fields of customer data that are not columns of the tables above (lake detail)
EXTRA: dict[str, Tag] = {
    "account_id": Tag(C2, "card", "账号"),
    "card_no": Tag(C2, "card", "卡号"),
    "loan_id": Tag(C1, label="借据号"),
    "card_id": Tag(C2, "card", "卡号"),
    "product_code": Tag(C1),
    "product_name": Tag(C1),
    "category": Tag(C1),
    "closed_on": Tag(C1),
    "opened_on": Tag(C1),
    "status": Tag(C1),
    "rule_set": Tag(C1),
    "tier": Tag(C1),
    "tier_since": Tag(C1),
    "org_name": Tag(C1),
    "aum_fen": Tag(C2),
    "products": Tag(C1),
    "asset_class": Tag(C1),
    "balance": Tag(C2, label="余额"),
    "maturity_date": Tag(C1),
    "overdue_days": Tag(C2, label="逾期天数"),
    "card_type": Tag(C1),
    "level": Tag(C1),
    "month": Tag(C1),
    "month_avg_fen": Tag(C2),
    "aum_point_fen": Tag(C2),
    "owner_staff_id": Tag(C1),
    "owner_name": Tag(C1),
    "tier_changed_on": Tag(C1),
    "age": Tag(C2, label="年龄"),
    "masked": Tag(C1),
    "fields": Tag(C1),
    "value": Tag(C2),
}


def tag(table: str, column: str) -> Tag:
    return COLUMNS[table][column]


def field(key: str, **kwargs: Any) -> Any:
    """A pydantic Field for schema property `key` ("table.column" or an EXTRA name) carrying
    its tag into the OpenAPI schema (`x-jrt0171`, `x-masking`)."""
    t = EXTRA[key] if "." not in key else tag(*key.split(".", 1))
    extra: JsonDict = {"x-jrt0171": t.category.value, "x-masking": t.mask or "none"}
    return Field(json_schema_extra=extra, **kwargs)


def mask_value(table: str, column: str, value: object) -> object:
    t = COLUMNS[table][column] if column in COLUMNS.get(table, {}) else EXTRA[column]
    return masking.apply(t.mask, value) if t.mask else value
