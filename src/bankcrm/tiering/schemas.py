"""Tier rule sets (DESIGN §6) as data: what a rule_admin writes in TOML and the DB stores per version.

Amounts are written the way staff say them — "5万", "300万", "50000", "49999.99" — and held as
integer fen. TOML floats are refused (50000.1 would not be exact); write a quoted string instead.

    name = "deposit_4tier"
    title = "存款四层"
    basis = "deposit_month_avg"
    effective_from = 2026-01-01
    hysteresis_months = 0

    [[tiers]]
    name = "普通"
    lower = "0"

    [[tiers]]
    name = "潜力"
    lower = "5万"          # inclusive: exactly 50,000.00 is 潜力

    [[qualifiers]]
    kind = "credit_card_annual_spend"
    at_least = "5万"
    tier = "潜力"          # lifts a customer to at least this tier

    [coefficients]
    fund = "0.8"           # asset class weight in the basis (default 1)
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bankcrm.analytics.ingest.contract import TABLES
from bankcrm.kit.documents import VersionedDocument, load_toml
from bankcrm.kit.money import FEN_PER_YUAN

_WAN_FEN = 10_000 * FEN_PER_YUAN
_AMOUNT = re.compile(r"(\d+(?:\.\d{1,2})?)(万)?")
_COEFFICIENT = re.compile(r"\d+(\.\d{1,4})?")
ASSET_CLASSES = tuple(TABLES["accounts"].column("asset_class").enum)
CARD_LEVELS = tuple(TABLES["cards"].column("level").enum)  # lowest first


class Basis(StrEnum):
    aum_month_avg = "aum_month_avg"
    aum_point = "aum_point"
    deposit_month_avg = "deposit_month_avg"


class QualifierKind(StrEnum):
    credit_card_annual_spend = "credit_card_annual_spend"
    personal_loan_balance = "personal_loan_balance"
    custody_margin = "custody_margin"
    card_level = "card_level"  # at_least is a card level: that level or above


def parse_amount(value: object) -> int:
    """Fen of "5万", "50000", "49999.99" or 50000; ValueError with the reason in 中文."""
    if isinstance(value, bool | float):
        raise ValueError(f'金额 {value!r} 请写成整数或加引号的小数（如 "49999.99" 或 "5万"）')
    text = str(value).strip().replace(",", "")
    m = _AMOUNT.fullmatch(text)
    if not m:
        raise ValueError(f"金额 {value!r} 无法识别：应为元（最多两位小数）或“N万”")
    fen = int(Decimal(m.group(1)) * FEN_PER_YUAN)
    return fen * 10_000 if m.group(2) else fen


def format_amount(fen: int) -> str:
    """The inverse of parse_amount, in the form staff write: "5万" when whole 万, else yuan."""
    if fen % _WAN_FEN == 0 and fen:
        return f"{fen // _WAN_FEN}万"
    yuan = Decimal(fen) / FEN_PER_YUAN
    return f"{yuan:f}" if fen % FEN_PER_YUAN else str(fen // FEN_PER_YUAN)


class TierSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=20)
    lower_fen: int = Field(ge=0)  # inclusive lower bound of the basis value
    max_age: int | None = Field(default=None, ge=1, le=150)  # only customers younger than this


class QualifierSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: QualifierKind
    at_least_fen: int | None = Field(default=None, ge=0)
    at_least_level: str | None = None
    tier: str

    @model_validator(mode="after")
    def _threshold_fits_kind(self) -> QualifierSpec:
        if self.kind is QualifierKind.card_level:
            if self.at_least_level not in CARD_LEVELS:
                raise ValueError(f"卡等级应为 {'/'.join(CARD_LEVELS)} 之一")
        elif self.at_least_fen is None:
            raise ValueError(f"{self.kind.value} 需要金额门槛 at_least")
        return self


class RuleSetSpec(VersionedDocument):
    """One version of a rule set, validated as a whole."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = Field(min_length=1, max_length=60)
    basis: Basis = Basis.aum_month_avg
    effective_from: date
    hysteresis_months: int = Field(default=0, ge=0, le=24)
    tiers: tuple[TierSpec, ...] = Field(min_length=2)
    qualifiers: tuple[QualifierSpec, ...] = ()
    coefficients: dict[str, str] = Field(default_factory=dict)  # asset class → decimal weight

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", value):
            raise ValueError(f"名称 {value!r} 应为 2–40 位小写字母、数字或下划线，以字母开头")
        return value

    @field_validator("coefficients")
    @classmethod
    def _known_classes(cls, value: dict[str, str]) -> dict[str, str]:
        for asset_class, weight in value.items():
            if asset_class not in ASSET_CLASSES:
                raise ValueError(f"未知资产类别 {asset_class}：可选 {', '.join(ASSET_CLASSES)}")
            if not _COEFFICIENT.fullmatch(weight) or Decimal(weight) > 1:
                raise ValueError(f"{asset_class} 的折算系数 {weight} 应为 0 到 1 之间的小数")
        return value

    @model_validator(mode="after")
    def _tiers_ordered(self) -> RuleSetSpec:
        if self.tiers[0].lower_fen != 0:
            raise ValueError("第一层的下限必须为 0（每位客户都落在某一层）")
        for lo, hi in zip(self.tiers, self.tiers[1:], strict=False):
            if hi.lower_fen <= lo.lower_fen:
                raise ValueError(f"层级下限必须严格递增：{hi.name} 不高于 {lo.name}")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("层级名称重复")
        for q in self.qualifiers:
            if q.tier not in names:
                raise ValueError(f"资格条件指向不存在的层级 {q.tier}")
        return self

    def tier_names(self) -> list[str]:
        return [t.name for t in self.tiers]

    def to_toml(self) -> str:
        doc: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "basis": self.basis.value,
            "effective_from": self.effective_from,
            "hysteresis_months": self.hysteresis_months,
            "tiers": [
                {"name": t.name, "lower": format_amount(t.lower_fen)}
                | ({"max_age": t.max_age} if t.max_age is not None else {})
                for t in self.tiers
            ],
        }
        if self.qualifiers:
            doc["qualifiers"] = [
                {
                    "kind": q.kind.value,
                    "at_least": q.at_least_level
                    if q.kind is QualifierKind.card_level
                    else format_amount(q.at_least_fen or 0),
                    "tier": q.tier,
                }
                for q in self.qualifiers
            ]
        if self.coefficients:
            doc["coefficients"] = dict(self.coefficients)
        return tomli_w.dumps(doc)


def parse_toml(text: str, source: str = "rule set") -> RuleSetSpec:
    """A rule set from TOML text; any problem → InvalidInput naming the field and why."""
    return load_toml(RuleSetSpec, text, source, _from_document)


def _from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The TOML's words (lower, at_least in yuan or 万) → the model's fields (fen)."""
    data = dict(doc)
    tiers = []
    for i, tier in enumerate(doc.get("tiers", [])):
        t = dict(tier)
        if "lower" not in t:
            raise ValueError(f"tiers[{i}]（{t.get('name', '?')}）缺少 lower")
        t["lower_fen"] = parse_amount(t.pop("lower"))
        tiers.append(t)
    data["tiers"] = tiers
    qualifiers = []
    for q in doc.get("qualifiers", []):
        q = dict(q)
        threshold = q.pop("at_least", None)
        if q.get("kind") == QualifierKind.card_level.value:
            q["at_least_level"] = threshold
        elif threshold is not None:
            q["at_least_fen"] = parse_amount(threshold)
        qualifiers.append(q)
    data["qualifiers"] = qualifiers
    if "coefficients" in doc:
        data["coefficients"] = {k: _coefficient(v) for k, v in doc["coefficients"].items()}
    return data


def _coefficient(value: object) -> str:
    if isinstance(value, float):
        raise ValueError(f'折算系数 {value!r} 请加引号写成小数（如 "0.8"）')
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        raise ValueError(f"折算系数 {value!r} 不是数字") from None
