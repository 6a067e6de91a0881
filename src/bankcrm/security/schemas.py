"""API shapes of the security domain: login, the current user, access tokens, audit rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class Me(BaseModel):
    username: str
    display_name: str
    org_id: str | None
    roles: list[str]
    role_labels: list[str]
    permissions: list[str]
    csrf_token: str | None = Field(
        default=None, description="非 GET 请求须在 X-CSRF-Token 头中带上"
    )
    password_expired: bool = False


class PasswordChange(BaseModel):
    old_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class CsrfOut(BaseModel):
    csrf_token: str


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    days: int | None = Field(default=90, ge=1, le=366, description="有效天数")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


class NewToken(TokenOut):
    token: str = Field(description="只显示这一次，请妥善保存")


class AuditRow(BaseModel):
    id: int
    at: datetime
    username: str
    org_id: str | None
    action: str
    action_label: str
    customer_id: str | None
    target: str | None
    rows: int | None
    reason: str | None
    detail: str | None
    source: str | None


class AuditPage(BaseModel):
    items: list[AuditRow]
    next_cursor: int | None
