"""The login and logout forms: plain server-rendered HTML, so the session cookie is set by an
ordinary HTTP response (HttpOnly, SameSite=Strict) and the password never crosses the UI's
websocket. CSRF: a double-submit token (cookie + hidden field) on both forms."""

from __future__ import annotations

import html
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bankcrm.api.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, source, state
from bankcrm.db.session import transaction
from bankcrm.errors import BankCrmError
from bankcrm.security import service as security

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · 个人客户分层维护与流失预警系统</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;background:#eef2f7;
margin:0;display:flex;align-items:center;justify-content:center;height:100vh}}
form{{background:#fff;padding:32px 36px;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.12);width:340px}}
h1{{font-size:20px;margin:0 0 4px;color:#1f3b63}} p.sub{{color:#667;margin:0 0 20px;font-size:13px}}
label{{display:block;font-size:14px;margin:12px 0 4px;color:#333}}
input{{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c5ccd6;border-radius:4px;font-size:15px}}
button{{margin-top:20px;width:100%;padding:10px;border:0;border-radius:4px;background:#1f5fae;color:#fff;font-size:16px}}
.err{{color:#b00020;font-size:14px;margin-top:12px}}
</style></head><body>
<form method="post" action="/login" autocomplete="off">
<h1>个人客户分层维护与流失预警系统</h1><p class="sub">请使用工号或分配的账户登录</p>
<input type="hidden" name="csrf" value="{csrf}">
<label for="username">用户名</label><input id="username" name="username" required maxlength="64" value="{username}">
<label for="password">口令</label><input id="password" name="password" type="password" required maxlength="128">
<button type="submit">登录</button>
<div class="err" role="alert">{error}</div>
</form></body></html>"""


def _form(request: Request, *, error: str = "", username: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    body = PAGE.format(csrf=token, error=html.escape(error), username=html.escape(username))
    response = HTMLResponse(body, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=state(request).settings.secure_cookies,
        max_age=3600,
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    return _form(request)


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=128)],
    csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf):
        return _form(request, error="页面已过期，请重新登录", username=username, status=403)
    app = state(request)
    with app.sessions() as session:
        result = security.login(session, app.settings, username, password, source(request))
        session.commit()
    if not result.ok:
        return _form(request, error=result.message, username=username, status=result.status)
    assert result.token
    response = RedirectResponse("/password" if result.password_expired else "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=app.settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout_submit(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    app = state(request)
    token = request.cookies.get(SESSION_COOKIE)
    with app.sessions() as session:
        found = security.authenticate_session(session, app.settings, token) if token else None
        if (
            found
            and found.session_id
            and found.csrf_token
            and secrets.compare_digest(csrf, found.csrf_token)
        ):
            security.logout(session, found.actor, found.session_id)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


PASSWORD_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>修改口令 · 个人客户分层维护与流失预警系统</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;background:#eef2f7;
margin:0;display:flex;align-items:center;justify-content:center;height:100vh}}
form{{background:#fff;padding:32px 36px;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.12);width:360px}}
h1{{font-size:20px;margin:0 0 4px;color:#1f3b63}} p.sub{{color:#667;margin:0 0 16px;font-size:13px}}
label{{display:block;font-size:14px;margin:12px 0 4px;color:#333}}
input{{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c5ccd6;border-radius:4px;font-size:15px}}
button{{margin-top:20px;width:100%;padding:10px;border:0;border-radius:4px;background:#1f5fae;color:#fff;font-size:16px}}
.err{{color:#b00020;font-size:14px;margin-top:12px}}
</style></head><body>
<form method="post" action="/password" autocomplete="off">
<h1>修改口令</h1><p class="sub">{why}口令 12–128 位，不得为常见口令，须含大写字母、小写字母、数字、符号中的至少 {classes} 类。</p>
<input type="hidden" name="csrf" value="{csrf}">
<label for="old">原口令</label><input id="old" name="old_password" type="password" required maxlength="128">
<label for="new">新口令</label><input id="new" name="new_password" type="password" required maxlength="128">
<label for="again">再次输入新口令</label><input id="again" name="again" type="password" required maxlength="128">
<button type="submit">确认修改</button>
<div class="err" role="alert">{error}</div>
</form></body></html>"""


def _current(request: Request) -> security.Authenticated | None:
    app = state(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with app.sessions() as session:
        found = security.authenticate_session(session, app.settings, token, source(request))
        session.commit()
    return found


def _password_form(
    auth: security.Authenticated, request: Request, error: str = "", status: int = 200
) -> Response:
    why = "口令已过期，请修改后继续使用。" if auth.password_expired else ""
    body = PASSWORD_PAGE.format(
        why=why,
        classes=state(request).settings.password_min_classes,
        csrf=html.escape(auth.csrf_token or ""),
        error=html.escape(error),
    )
    return HTMLResponse(body, status_code=status)


@router.get("/password")
def password_page(request: Request) -> Response:
    auth = _current(request)
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
    auth = _current(request)
    if auth is None:
        return RedirectResponse("/login", status_code=303)
    if not auth.csrf_token or not secrets.compare_digest(csrf, auth.csrf_token):
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
