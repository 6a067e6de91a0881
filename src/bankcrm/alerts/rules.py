"""Alert rules as data (issue 7): what fires an alert, for whom, how urgent, how long to answer.

One document, versioned like the tier rule sets and maintenance policies (an import is a new
version only when the content changed); rule_admin edits it:

    name = "alert_rules"
    title = "事件预警规则"
    effective_from = 2020-01-01

    [[rules]]
    code = "maturity_7d"          # stable, unique: alerts are de-duplicated per (customer, code, event)
    kind = "maturity"             # what the rule looks at (KIND_LABELS)
    label = "7天内到期"
    severity = "high"             # high / medium / low
    sla_hours = 24                # to acknowledge before it escalates to the outlet head
    lead_days = 7
    asset_classes = ["time", "wealth", "insurance"]
    tiers = [{ rule_set = "maintenance_3tier", tiers = ["中端", "高端", "顶级"] }]  # omitted: all

Thresholds are inclusive ("≥ 5万", "within 7 days": day 7 counts). Amounts are written as staff
write them ("5万", "49999.99"); shares and drops are whole percents.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from importlib import resources

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bankcrm.kit.documents import VersionedDocument, load_toml
from bankcrm.tiering.schemas import parse_amount

PRESET = "alert_rules"


class Kind(StrEnum):
    maturity = "maturity"
    large_outflow = "large_outflow"
    large_inflow = "large_inflow"
    aum_drop = "aum_drop"
    dormancy = "dormancy"
    tier_drop = "tier_drop"
    loan_overdue = "loan_overdue"
    repayment_due = "repayment_due"
    drawdown = "drawdown"


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


KIND_LABELS = {
    Kind.maturity: "产品到期",
    Kind.large_outflow: "大额转出",
    Kind.large_inflow: "他行大额转入",
    Kind.aum_drop: "AUM月日均下降",
    Kind.dormancy: "长期不动户",
    Kind.tier_drop: "客户降层",
    Kind.loan_overdue: "贷款逾期",
    Kind.repayment_due: "贷款还款提醒",
    Kind.drawdown: "基金/理财止损止盈",
}
SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
# the parameters each kind needs (the others must be left out)
NEEDS: dict[Kind, tuple[str, ...]] = {
    Kind.maturity: ("lead_days", "asset_classes"),
    Kind.large_outflow: ("min_amount", "share_pct", "min_aum", "lookback_days"),
    Kind.large_inflow: ("min_amount", "lookback_days"),
    Kind.aum_drop: ("drop_pct",),
    Kind.dormancy: ("dormant_days", "min_aum"),
    Kind.tier_drop: (),
    Kind.loan_overdue: ("overdue_days",),
    Kind.repayment_due: ("lead_days",),
    Kind.drawdown: ("stop_loss_pct", "take_profit_pct", "asset_classes"),
}
PARAMS = (
    "lead_days",
    "asset_classes",
    "min_amount",
    "share_pct",
    "lookback_days",
    "drop_pct",
    "dormant_days",
    "min_aum",
    "overdue_days",
    "stop_loss_pct",
    "take_profit_pct",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierFilter(_Strict):
    rule_set: str = Field(min_length=1, max_length=40)
    tiers: tuple[str, ...] = Field(min_length=1)


class RuleSpec(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    kind: Kind
    label: str = Field(min_length=1, max_length=40)
    enabled: bool = True
    severity: Severity = Severity.medium
    sla_hours: int = Field(default=48, ge=1, le=24 * 90)
    tiers: tuple[TierFilter, ...] = ()
    lead_days: int | None = Field(default=None, ge=0, le=366)
    asset_classes: tuple[str, ...] | None = None
    min_amount: str | None = None
    share_pct: int | None = Field(default=None, ge=1, le=100)
    lookback_days: int | None = Field(default=None, ge=1, le=31)
    drop_pct: int | None = Field(default=None, ge=1, le=100)
    dormant_days: int | None = Field(default=None, ge=1, le=3650)
    min_aum: str | None = None
    overdue_days: int | None = Field(default=None, ge=1, le=3650)
    stop_loss_pct: int | None = Field(default=None, ge=1, le=100)
    take_profit_pct: int | None = Field(default=None, ge=1, le=1000)

    @field_validator("min_amount", "min_aum")
    @classmethod
    def _amount(cls, value: str | None) -> str | None:
        if value is not None:
            parse_amount(value)
        return value

    @field_validator("asset_classes")
    @classmethod
    def _classes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        from bankcrm.analytics.ingest.contract import ASSET_CLASSES

        unknown = [c for c in value or () if c not in ASSET_CLASSES]
        if unknown:
            raise ValueError(
                f"未知的资产类别 {'、'.join(unknown)}：可选 {'、'.join(ASSET_CLASSES)}"
            )
        return value

    @model_validator(mode="after")
    def _params_of_kind(self) -> RuleSpec:
        needed = NEEDS[self.kind]
        missing = [p for p in needed if getattr(self, p) is None]
        extra = [p for p in PARAMS if p not in needed and getattr(self, p) is not None]
        if missing:
            raise ValueError(f"规则 {self.code}（{self.kind.value}）缺少参数 {'、'.join(missing)}")
        if extra:
            raise ValueError(f"规则 {self.code}（{self.kind.value}）不使用参数 {'、'.join(extra)}")
        return self

    def fen(self, param: str) -> int:
        value = getattr(self, param)
        if value is None:
            raise ValueError(f"规则 {self.code} 没有参数 {param}")
        return parse_amount(value)

    def num(self, param: str) -> int:
        value = getattr(self, param)
        if not isinstance(value, int):
            raise ValueError(f"规则 {self.code} 没有参数 {param}")
        return value


class AlertRulesSpec(_Strict, VersionedDocument):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    title: str = Field(min_length=1, max_length=80)
    effective_from: date
    rules: tuple[RuleSpec, ...] = ()

    @model_validator(mode="after")
    def _unique_codes(self) -> AlertRulesSpec:
        codes = [r.code for r in self.rules]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"规则代码重复：{'、'.join(twice)}")
        return self

    def enabled(self) -> tuple[RuleSpec, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, code: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.code == code), None)

    def to_toml(self) -> str:
        doc = self.model_dump(mode="json", exclude_none=True)
        return tomli_w.dumps(doc | {"effective_from": self.effective_from})


def parse_toml(text: str, source: str = "alert rules") -> AlertRulesSpec:
    return load_toml(AlertRulesSpec, text, source)


def preset_toml(name: str = PRESET) -> str:
    path = resources.files("bankcrm.alerts").joinpath(f"presets/{name}.toml")
    return path.read_text("utf-8")
