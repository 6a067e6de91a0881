"""Tier rule sets: import (a new version only when the content changed), look up, export.

Services take the session and the acting user first and never commit (DESIGN §8). Until the
security issue brings users, the actor is the name recorded in `created_by`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from importlib import resources

import pyarrow as pa
from sqlalchemy.orm import Session

from bankcrm.db import versioned
from bankcrm.errors import Forbidden, NotFound
from bankcrm.security import audit
from bankcrm.security.actor import Actor
from bankcrm.security.audit import Action
from bankcrm.security.roles import Permission
from bankcrm.tiering import repository as repo
from bankcrm.tiering.models import TierChange, TierRuleSet
from bankcrm.tiering.schemas import RuleSetSpec, parse_toml

PRESETS = ("deposit_4tier", "maintenance_3tier", "outlet_adoption")


RuleSetVersion = versioned.Version[RuleSetSpec]


def _view(row: TierRuleSet, versions: int = 1) -> RuleSetVersion:
    return versioned.view(row, RuleSetSpec.from_json, versions)


def save(session: Session, actor: str, spec: RuleSetSpec) -> tuple[RuleSetVersion, bool]:
    """Store `spec` as the rule set's next version; (that version, True) — or, when it equals the
    latest version, (the latest, False): re-importing a file changes nothing."""
    row, changed = versioned.save(
        session, TierRuleSet, repo.latest(session, spec.name), spec, actor, basis=spec.basis.value
    )
    return _view(row), changed


def import_toml(
    session: Session, actor: str, text: str, source: str = "rule set"
) -> tuple[RuleSetVersion, bool]:
    return save(session, actor, parse_toml(text, source))


def install_presets(session: Session, actor: str) -> list[RuleSetVersion]:
    """The three shipped presets (DESIGN §6), each only if the rule set does not exist yet:
    an edited preset is never overwritten by an upgrade."""
    created = []
    for name in PRESETS:
        if repo.latest(session, name) is None:
            text = preset_toml(name)
            created.append(import_toml(session, actor, text, f"{name}.toml")[0])
    return created


def preset_toml(name: str) -> str:
    return resources.files("bankcrm.tiering").joinpath(f"presets/{name}.toml").read_text("utf-8")


def list_rule_sets(session: Session) -> list[RuleSetVersion]:
    return [_view(row, n) for row, n in repo.latest_of_each(session)]


def has_rule_set(session: Session, name: str) -> bool:
    return repo.latest(session, name) is not None


def get(session: Session, name: str, version: int | None = None) -> RuleSetVersion:
    row = repo.latest(session, name) if version is None else repo.version(session, name, version)
    if row is None:
        which = f"{name} 第 {version} 版" if version is not None else name
        raise NotFound(f"没有规则集 {which}")
    return _view(row)


def in_force(session: Session, name: str, on: date) -> RuleSetVersion:
    """The version that decides tiers on `on` (the newest one already effective)."""
    row = repo.in_force(session, name, on)
    if row is None:
        raise NotFound(f"规则集 {name} 在 {on.isoformat()} 没有生效的版本")
    return _view(row)


def active_rule_sets(session: Session, on: date) -> list[RuleSetVersion]:
    """Every rule set with a version in force on `on` (the nightly tiers under each)."""
    out = []
    for rs in list_rule_sets(session):
        row = repo.in_force(session, rs.spec.name, on)
        if row is not None:
            out.append(_view(row))
    return out


def publish_tiers(
    session: Session,
    as_of: date,
    rule_sets: list[str],
    current: pa.Table,
    changes: pa.Table,
    fresh: Sequence[str] = (),
) -> tuple[int, int]:
    """The nightly's tiers of `as_of`: the current tier of every customer whose tier changed
    (never rolled back by re-running an older date) and that date's upgrades and downgrades for
    tier history (DESIGN §6), replaced as a whole so a change is recorded once however often the
    date runs. `fresh`: rule sets with no current tiers stored yet (loaded by plain insert)."""
    return repo.upsert_current(session, current, list(fresh)), repo.replace_history(
        session, as_of, rule_sets, changes
    )


def has_current(session: Session, rule_set: str) -> bool:
    """Whether any customer has a current tier under `rule_set` in the DB."""
    return repo.has_current(session, rule_set)


def history(session: Session, customer_id: str, rule_set: str | None = None) -> list[TierChange]:
    return repo.history(session, customer_id, rule_set)


def edit(session: Session, actor: Actor, text: str) -> tuple[RuleSetVersion, bool]:
    """A rule_admin's edit: the TOML saved as the rule set's next version, audited."""
    if not actor.can(Permission.edit_rules):
        raise Forbidden("无权修改分层规则")
    saved, changed = import_toml(session, actor.username, text, "编辑内容")
    if changed:
        audit.record(
            session,
            actor,
            Action.rule_change,
            target=f"{saved.spec.name} v{saved.version}",
            detail={"digest": saved.spec.digest()},
        )
    return saved, changed
