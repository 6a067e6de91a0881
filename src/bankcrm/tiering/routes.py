"""/api/v1/rule-sets: tier rule sets — read for anyone who sees aggregates, a new version for
rule_admin (edit_rules). Every change is versioned and audited."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bankcrm.api.deps import DB, CurrentActor
from bankcrm.errors import Forbidden
from bankcrm.security.actor import Actor
from bankcrm.security.roles import Permission
from bankcrm.tiering import service as tiering

router = APIRouter(tags=["分层规则"])


class RuleSetOut(BaseModel):
    name: str
    title: str
    version: int
    versions: int
    basis: str
    effective_from: date
    tiers: list[str]
    created_at: datetime
    created_by: str
    toml: str = Field(description="规则集全文（TOML）")


class RuleSetIn(BaseModel):
    toml: str = Field(min_length=1, max_length=20_000, description="规则集全文（TOML）")


def _out(rs: tiering.RuleSetVersion) -> RuleSetOut:
    return RuleSetOut(
        name=rs.spec.name,
        title=rs.spec.title,
        version=rs.version,
        versions=rs.versions,
        basis=rs.spec.basis.value,
        effective_from=rs.spec.effective_from,
        tiers=rs.spec.tier_names(),
        created_at=rs.created_at,
        created_by=rs.created_by,
        toml=rs.spec.to_toml(),
    )


def _readable(actor: Actor) -> None:
    if not (actor.can(Permission.edit_rules) or actor.can(Permission.view_aggregates)):
        raise Forbidden("无权查看分层规则")


@router.get("/rule-sets", response_model=list[RuleSetOut], summary="分层规则集（最新版本）")
def rule_sets(actor: CurrentActor, session: DB) -> list[RuleSetOut]:
    _readable(actor)
    return [_out(rs) for rs in tiering.list_rule_sets(session)]


@router.get("/rule-sets/{name}", response_model=RuleSetOut, summary="一个规则集（最新版本）")
def rule_set(name: str, actor: CurrentActor, session: DB) -> RuleSetOut:
    _readable(actor)
    return _out(tiering.get(session, name))


@router.post(
    "/rule-sets", response_model=RuleSetOut, status_code=201, summary="保存为规则集的新版本"
)
def save_rule_set(body: RuleSetIn, actor: CurrentActor, session: DB) -> RuleSetOut:
    return _out(tiering.edit(session, actor, body.toml)[0])
