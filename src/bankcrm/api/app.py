"""The ASGI app: JSON API under /api/v1 (OpenAPI at /api/docs, its assets served locally),
security headers on every response, errors as 4xx JSON with a Chinese message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bankcrm.analytics.lake import Lake
from bankcrm.api.deps import AppState
from bankcrm.config import Settings, get_settings
from bankcrm.db.session import make_engine
from bankcrm.errors import BankCrmError

log = logging.getLogger("bankcrm.api")

# pages (workbench, API docs): only the app's own assets; Vue (NiceGUI) compiles templates in
# the browser, hence 'unsafe-eval'
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


_NUL_REFUSED = "请求中含有不允许的控制字符（NUL）"


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or stream as with `@app.middleware`): refuses
    NUL anywhere in the path, query or a JSON/form body — PostgreSQL refuses it in text (a 500
    otherwise), and no field of this API has a use for it — and sets the security headers on
    every response (API responses: nothing may load or run, never cached)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app, self.hsts = app, hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        refused = b"%00" in raw or b"\x00" in raw
        if not refused and scope["method"] in ("POST", "PUT", "PATCH"):
            body, receive = await _buffered(receive)
            ctype = dict(scope["headers"]).get(b"content-type", b"")
            form = ctype.startswith(b"application/x-www-form")
            refused = b"\x00" in body or b"\\u0000" in body or (form and b"%00" in body)
        api = scope["path"].startswith("/api/v1")

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    if k not in headers:
                        headers[k] = v
                if api:
                    headers["Content-Security-Policy"] = API_CSP
                    headers["Cache-Control"] = "no-store"
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        if refused:
            await JSONResponse({"detail": _NUL_REFUSED}, status_code=422)(scope, receive, headed)
            return
        await self.app(scope, receive, headed)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it on to the app."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", receive  # the client went away
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, ui: bool = False
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPIOffline(
        title="bankcrm 个人客户分层维护与流失预警系统",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        static_url="/api/_docs",
    )
    app.state.bankcrm = AppState(
        settings=settings,
        engine=engine or make_engine(settings.database_url),
        lake=Lake(settings.lake_path),
    )

    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)

    @app.exception_handler(BankCrmError)
    async def bankcrm_error(_request: Request, exc: BankCrmError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    @app.exception_handler(OperationalError)
    async def busy(_request: Request, exc: OperationalError) -> JSONResponse:
        """SQLite's single writer under load (busy past its timeout): try again, not a 500."""
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            return JSONResponse(
                {"detail": "系统繁忙，请稍后重试"}, status_code=503, headers={"Retry-After": "1"}
            )
        raise exc

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": "请求参数不正确", "errors": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "页面不存在", 405: "不支持的请求方法"}
        detail = messages.get(exc.status_code, str(exc.detail))
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    from bankcrm.alerts.routes import router as alerts
    from bankcrm.assignment.routes import router as assignment
    from bankcrm.churn.case_routes import router as retention
    from bankcrm.churn.routes import router as churn
    from bankcrm.customers.routes import router as customers
    from bankcrm.maintenance.routes import router as maintenance
    from bankcrm.security.routes import router as security
    from bankcrm.tiering.routes import router as tiering

    app.include_router(security, prefix="/api/v1")
    app.include_router(customers, prefix="/api/v1")
    app.include_router(tiering, prefix="/api/v1")
    app.include_router(maintenance, prefix="/api/v1")
    app.include_router(assignment, prefix="/api/v1")
    app.include_router(alerts, prefix="/api/v1")
    app.include_router(retention, prefix="/api/v1")
    app.include_router(churn, prefix="/api/v1")
    if ui:
        from bankcrm.ui import login, pages

        app.include_router(login.router)
        pages.install(app)
    return app
