"""/api/v1/auth (login, logout, who am I), /api/v1/tokens and /api/v1/audit."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from bankcrm.api.deps import (
    CSRF_HEADER,
    DB,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CurrentActor,
    authenticated,
    set_cookie,
    source,
    state,
)
from bankcrm.errors import BankCrmError, Forbidden
from bankcrm.security import audit
from bankcrm.security import service as security
from bankcrm.security.actor import Actor
from bankcrm.security.roles import ROLE_LABELS, Permission
from bankcrm.security.schemas import (
    AuditPage,
    AuditRow,
    CsrfOut,
    LoginRequest,
    Me,
    NewToken,
    PasswordChange,
    TokenOut,
    TokenRequest,
)

router = APIRouter()
BEIJING = timedelta(hours=8)
MAX_ID = 2**63 - 1  # audit ids are BIGINT: anything larger is not an id (422, not a 500)
MAX_INT = 2**31 - 1  # other ids are INTEGER


def me(actor: Actor, csrf: str | None = None, expired: bool = False) -> Me:
    return Me(
        username=actor.username,
        display_name=actor.display_name,
        org_id=actor.org_id,
        roles=sorted(r.value for r in actor.roles),
        role_labels=[ROLE_LABELS[r] for r in sorted(actor.roles)],
        permissions=sorted(p.value for p in actor.permissions),
        csrf_token=csrf,
        password_expired=expired,
    )


@router.get("/auth/csrf", response_model=CsrfOut, tags=["登录"], summary="登录前获取 CSRF 令牌")
def login_csrf(request: Request, response: Response) -> CsrfOut:
    token = secrets.token_urlsafe(32)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return CsrfOut(csrf_token=token)


@router.post("/auth/login", response_model=Me, tags=["登录"], summary="用户名口令登录")
def login(body: LoginRequest, request: Request, response: Response, session: DB) -> Me:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not cookie or not secrets.compare_digest(cookie, sent):
        raise Forbidden("缺少或错误的 CSRF 令牌：请先 GET /api/v1/auth/csrf")
    result = security.login(
        session, state(request).settings, body.username, body.password, source(request)
    )
    if not result.ok:
        session.commit()  # the failure count, lock and audit rows stay
        raise BankCrmError(result.message, status_code=result.status)
    assert result.token and result.actor
    set_cookie(response, request, SESSION_COOKIE, result.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return me(result.actor, result.csrf_token, result.password_expired)


Auth = Annotated[security.Authenticated, Depends(authenticated)]


@router.post("/auth/logout", status_code=204, tags=["登录"], summary="退出登录")
def logout(auth: Auth, session: DB, response: Response) -> Response:
    if auth.session_id:
        security.logout(session, auth.actor, auth.session_id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=Me, tags=["登录"], summary="当前用户")
def whoami(auth: Auth) -> Me:
    return me(auth.actor, auth.csrf_token, auth.password_expired)


@router.post("/auth/password", status_code=204, tags=["登录"], summary="修改本人口令")
def change_password(body: PasswordChange, auth: Auth, session: DB, request: Request) -> Response:
    security.change_own_password(
        session, auth, state(request).settings, body.old_password, body.new_password
    )
    return Response(status_code=204)


def _token_out(t: object) -> TokenOut:
    return TokenOut.model_validate(t, from_attributes=True)


@router.get("/tokens", response_model=list[TokenOut], tags=["访问令牌"], summary="我的访问令牌")
def tokens(actor: CurrentActor, session: DB) -> list[TokenOut]:
    return [_token_out(t) for t in security.list_tokens(session, actor)]


@router.post(
    "/tokens",
    response_model=NewToken,
    status_code=201,
    tags=["访问令牌"],
    summary="创建访问令牌（权限同本人）",
)
def new_token(body: TokenRequest, actor: CurrentActor, session: DB) -> NewToken:
    row, token = security.create_token(session, actor, body.name, body.days)
    return NewToken(**_token_out(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=204, tags=["访问令牌"], summary="吊销访问令牌")
def revoke(
    token_id: Annotated[int, Path(ge=1, le=MAX_INT)], actor: CurrentActor, session: DB
) -> Response:
    security.revoke_token(session, actor, token_id)
    return Response(status_code=204)


def _day_start(d: date) -> datetime:
    """Beijing midnight as UTC: auditors search by the dates they live in."""
    return datetime.combine(d, time()) - BEIJING


@router.get("/audit", response_model=AuditPage, tags=["审计"], summary="审计日志查询（审计岗）")
def audit_log(
    actor: CurrentActor,
    session: DB,
    username: str | None = None,
    customer_id: str | None = None,
    action: str | None = None,
    date_from: Annotated[date | None, Query(description="起始日期（北京时间）")] = None,
    date_to: Annotated[date | None, Query(description="截止日期（含，北京时间）")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    if not actor.can(Permission.view_audit):
        raise Forbidden("无权查看审计日志")
    rows = audit.search(
        session,
        actor,
        username=username,
        customer_id=customer_id,
        action=action,
        since=_day_start(date_from) if date_from else None,
        until=_day_start(date_to + timedelta(days=1)) if date_to else None,
        before_id=before_id,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        AuditRow(
            id=r.id,
            at=r.at,
            username=r.username,
            org_id=r.org_id,
            action=r.action,
            action_label=audit.ACTION_LABELS.get(r.action, r.action),
            customer_id=r.customer_id,
            target=r.target,
            rows=r.rows,
            reason=r.reason,
            detail=r.detail,
            source=r.source,
        )
        for r in rows
    ]
    return AuditPage(items=items, next_cursor=rows[-1].id if more and rows else None)
