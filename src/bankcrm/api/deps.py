"""Request dependencies: one DB session per request (committed once at the end), the acting
user from the session cookie or a personal access token, CSRF on unsafe cookie requests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.analytics.lake import Lake
from bankcrm.config import Settings
from bankcrm.db.session import transaction
from bankcrm.errors import Forbidden, Unauthorized
from bankcrm.security import service as security
from bankcrm.security.actor import Actor

SESSION_COOKIE = "bankcrm_session"
LOGIN_CSRF_COOKIE = "bankcrm_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# what a user whose password has expired may still do
PASSWORD_EXPIRED_ALLOWED = frozenset(
    {"/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout"}
)


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    lake: Lake

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)


def state(request: Request) -> AppState:
    return request.app.state.bankcrm  # type: ignore[no-any-return]


def db(request: Request) -> Iterator[Session]:
    """The request's unit of work: commit once after the endpoint, roll back on any error."""
    with transaction(state(request).sessions) as session:
        yield session


def source(request: Request) -> str | None:
    return request.client.host if request.client else None


# scope="function": the transaction commits when the endpoint has returned and its response is
# serialised, before a byte is sent — a commit that fails (the audit row with it) is an error
# response, never a 200 whose audit row was lost; the audit chain's lock is not held while the
# response travels
DB = Annotated[Session, Depends(db, scope="function")]


def json_body(model: BaseModel, status_code: int = 200) -> Response:
    """A response model serialised once by pydantic: FastAPI would validate the returned model
    against the route's response_model again before serialising it (the route keeps
    response_model for its OpenAPI schema). For the busiest endpoints."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def set_cookie(response: Response, request: Request, name: str, value: str, **kw: Any) -> None:
    """Every cookie the app sets: HttpOnly, SameSite=Strict, Secure when served over TLS."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=state(request).settings.secure_cookies,
        path="/",
        **kw,
    )


def cookie_session(app: AppState, request: Request) -> security.Authenticated | None:
    """The live session of the request's cookie, in a transaction of its own (the workbench's
    pages and forms; an expired session is removed). `app` is passed in: a NiceGUI page's
    request belongs to NiceGUI's own app, not to ours."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with transaction(app.sessions) as session:
        return security.authenticate_session(session, app.settings, token, source(request))


def authenticated(request: Request, session: DB) -> security.Authenticated:
    settings = state(request).settings
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = security.authenticate_token(session, header[7:].strip(), source(request))
        if found is None:
            raise Unauthorized("访问令牌无效或已过期")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    found = (
        security.authenticate_session(session, settings, cookie, source(request))
        if cookie
        else None
    )
    if found is None:
        session.commit()  # an expired session is removed even though the request fails
        raise Unauthorized("未登录或会话已过期，请重新登录")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not found.csrf_token or not secrets.compare_digest(sent, found.csrf_token):
            raise Forbidden("缺少或错误的 CSRF 令牌")
    if found.password_expired and request.url.path not in PASSWORD_EXPIRED_ALLOWED:
        raise Forbidden("口令已过期，请先修改口令（POST /api/v1/auth/password）")
    return found


def actor(auth: Annotated[security.Authenticated, Depends(authenticated)]) -> Actor:
    return auth.actor


CurrentActor = Annotated[Actor, Depends(actor)]
