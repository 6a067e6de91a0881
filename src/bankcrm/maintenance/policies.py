"""Maintenance policies stored per version (a version is never changed once written)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.db import versioned
from bankcrm.errors import InvalidInput, NotFound
from bankcrm.maintenance.models import MaintenancePolicy
from bankcrm.maintenance.policy import PRESETS, PolicySpec, parse_toml, preset_toml
from bankcrm.tiering import service as tiering

PolicyVersion = versioned.Version[PolicySpec]


def _view(row: MaintenancePolicy) -> PolicyVersion:
    return versioned.view(row, PolicySpec.from_json)


def _latest(session: Session, name: str) -> MaintenancePolicy | None:
    stmt = (
        select(MaintenancePolicy)
        .where(MaintenancePolicy.name == name)
        .order_by(MaintenancePolicy.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def save(session: Session, actor: str, spec: PolicySpec) -> tuple[PolicyVersion, bool]:
    """`spec` as the policy's next version — or the latest, unchanged, when it is equal. Its
    tiers must be tiers of the rule set of the same name."""
    rule_set = tiering.get(session, spec.name).spec
    names = set(rule_set.tier_names())
    for tier in [r.tier for r in spec.assign] + [s.tier for s in spec.standards]:
        if tier not in names:
            raise InvalidInput(
                f"维护方案 {spec.name}：层级 {tier} 不在规则集 {spec.name} 中"
                f"（{'、'.join(rule_set.tier_names())}）"
            )
    row, changed = versioned.save(
        session, MaintenancePolicy, _latest(session, spec.name), spec, actor
    )
    return _view(row), changed


def import_toml(
    session: Session, actor: str, text: str, source: str = "policy"
) -> tuple[PolicyVersion, bool]:
    return save(session, actor, parse_toml(text, source))


def install_presets(session: Session, actor: str) -> list[PolicyVersion]:
    """The shipped policies, each only when none of that name exists (edits are kept)."""
    return [
        import_toml(session, actor, preset_toml(name), f"{name}.toml")[0]
        for name in PRESETS
        if _latest(session, name) is None and tiering.has_rule_set(session, name)
    ]


def list_policies(session: Session) -> list[PolicyVersion]:
    latest = (
        select(MaintenancePolicy.name, func.max(MaintenancePolicy.version).label("v"))
        .group_by(MaintenancePolicy.name)
        .subquery()
    )
    stmt = (
        select(MaintenancePolicy)
        .join(
            latest,
            (MaintenancePolicy.name == latest.c.name) & (MaintenancePolicy.version == latest.c.v),
        )
        .order_by(MaintenancePolicy.name)
    )
    return [_view(r) for r in session.scalars(stmt)]


def get(session: Session, name: str, version: int | None = None) -> PolicyVersion:
    if version is None:
        row = _latest(session, name)
    else:
        row = session.scalars(
            select(MaintenancePolicy).where(
                MaintenancePolicy.name == name, MaintenancePolicy.version == version
            )
        ).first()
    if row is None:
        raise NotFound(f"没有维护方案 {name}" + (f" 第 {version} 版" if version else ""))
    return _view(row)


def in_force(session: Session, name: str, on: date) -> PolicySpec:
    """The newest version already effective on `on`."""
    stmt = (
        select(MaintenancePolicy)
        .where(MaintenancePolicy.name == name, MaintenancePolicy.effective_from <= on)
        .order_by(MaintenancePolicy.effective_from.desc(), MaintenancePolicy.version.desc())
        .limit(1)
    )
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(f"维护方案 {name} 在 {on.isoformat()} 没有生效的版本")
    return PolicySpec.from_json(row.spec)
