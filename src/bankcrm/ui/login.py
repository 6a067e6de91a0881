"""The login, logout and change-password forms: plain server-rendered HTML, so the session cookie
is set by an ordinary HTTP response (HttpOnly, SameSite=Strict) and no password crosses the UI's
websocket. CSRF: a double-submit token (cookie + hidden field) on the login form, the session's
token on the others."""

from __future__ import annotations

import html
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bankcrm.api.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    cookie_session,
    set_cookie,
    source,
    state,
)
from bankcrm.db.session import transaction
from bankcrm.errors import BankCrmError
from bankcrm.security import service as security

router = APIRouter(include_in_schema=False)

TITLE = "个人客户分层维护与流失预警系统"
STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;background:#eef2f7;
margin:0;display:flex;align-items:center;justify-content:center;height:100vh}
form{background:#fff;padding:32px 36px;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.12);width:360px}
h1{font-size:20px;margin:0 0 4px;color:#1f3b63} p.sub{color:#667;margin:0 0 18px;font-size:13px}
label{display:block;font-size:14px;margin:12px 0 4px;color:#333}
input{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c5ccd6;border-radius:4px;font-size:15px}
button{margin-top:20px;width:100%;padding:10px;border:0;border-radius:4px;background:#1f5fae;color:#fff;font-size:16px}
.err{color:#b00020;font-size:14px;margin-top:12px}
"""
LOGIN_FIELDS = """
<label for="username">用户名</label><input id="username" name="username" required maxlength="64" value="{username}">
<label for="password">口令</label><input id="password" name="password" type="password" required maxlength="128">"""
PASSWORD_FIELDS = """
<label for="old">原口令</label><input id="old" name="old_password" type="password" required maxlength="128">
<label for="new">新口令</label><input id="new" name="new_password" type="password" required maxlength="128">
<label for="again">再次输入新口令</label><input id="again" name="again" type="password" required maxlength="128">"""


def _page(
    *,
    title: str,
    action: str,
    heading: str,
    sub: str,
    csrf: str,
    fields: str,
    button: str,
    error: str,
    status: int,
) -> HTMLResponse:
    """One page around one form. Every value the caller passes in `sub`, `fields` and `error`
    that came from outside is escaped here or by the caller."""
    body = (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title} · {TITLE}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>"
        f'<form method="post" action="{action}" autocomplete="off">'
        f'<h1>{heading}</h1><p class="sub">{sub}</p>'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">{fields}'
        f'<button type="submit">{button}</button>'
        f'<div class="err" role="alert">{html.escape(error)}</div></form></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def _login_form(
    request: Request, *, error: str = "", username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = _page(
        title="登录",
        action="/login",
        heading=TITLE,
        sub="请使用工号或分配的账户登录",
        csrf=token,
        fields=LOGIN_FIELDS.format(username=html.escape(username)),
        button="登录",
        error=error,
        status=status,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=128)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf):
        return _login_form(request, error="页面已过期，请重新登录", username=username, status=403)
    app = state(request)
    with transaction(app.sessions) as session:  # a failure's count, lock and audit rows stay
        result = security.login(session, app.settings, username, password, source(request))
    if not result.ok:
        return _login_form(request, error=result.message, username=username, status=result.status)
    assert result.token
    response = RedirectResponse("/password" if result.password_expired else "/", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, result.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _csrf_ok(auth: security.Authenticated, sent: str) -> bool:
    return bool(auth.csrf_token) and secrets.compare_digest(sent, auth.csrf_token or "")


@router.post("/logout")
def logout_submit(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    found = cookie_session(state(request), request)
    if found and found.session_id and _csrf_ok(found, csrf):
        with transaction(state(request).sessions) as session:
            security.logout(session, found.actor, found.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _password_form(
    auth: security.Authenticated, request: Request, error: str = "", status: int = 200
) -> Response:
    settings = state(request).settings
    why = "口令已过期，请修改后继续使用。" if auth.password_expired else ""
    rules = (
        f"口令 {settings.password_min_length}–128 位，不得为常见口令，"
        f"须含大写字母、小写字母、数字、符号中的至少 {settings.password_min_classes} 类。"
    )
    return _page(
        title="修改口令",
        action="/password",
        heading="修改口令",
        sub=why + rules,
        csrf=auth.csrf_token or "",
        fields=PASSWORD_FIELDS,
        button="确认修改",
        error=error,
        status=status,
    )


@router.get("/password")
def password_page(request: Request) -> Response:
    auth = cookie_session(state(request), request)
    if auth is None:
        return RedirectResponse("/login", status_code=303)
    return _password_form(auth, request)


@router.post("/password")
def password_submit(
    request: Request,
    old_password: Annotated[str, Form(max_length=128)],
    new_password: Annotated[str, Form(max_length=128)],
    again: Annotated[str, Form(max_length=128)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    auth = cookie_session(state(request), request)
    if auth is None:
        return RedirectResponse("/login", status_code=303)
    if not _csrf_ok(auth, csrf):
        return _password_form(auth, request, "页面已过期，请重试", 403)
    if new_password != again:
        return _password_form(auth, request, "两次输入的新口令不一致", 422)
    app = state(request)
    try:
        with transaction(app.sessions) as session:
            security.change_own_password(session, auth, app.settings, old_password, new_password)
    except BankCrmError as exc:
        return _password_form(auth, request, exc.message, exc.status_code)
    return RedirectResponse("/", status_code=303)
