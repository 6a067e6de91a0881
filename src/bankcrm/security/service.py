"""Users, login, sessions and access tokens (DESIGN §7). Services take `session` first and never
commit; the request or command that opened the session commits once.

Login results are values, not exceptions: a failed attempt must still commit its failure count,
lock and audit row, so the caller commits and then answers 401/429.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bankcrm.config import Settings
from bankcrm.db.base import utcnow
from bankcrm.errors import Conflict, InvalidInput, NotFound
from bankcrm.orgs.models import OrgUnit, Staff
from bankcrm.security import audit, passwords
from bankcrm.security.actor import Actor
from bankcrm.security.audit import Action
from bankcrm.security.models import AccessToken, AddressThrottle, User, UserRole, UserSession
from bankcrm.security.roles import Role

TOKEN_PREFIX = "bcrm_"
ADDRESS_WINDOW = timedelta(minutes=15)
TOUCH_EVERY = timedelta(seconds=30)  # last_seen is written at most this often


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def roles_of(session: Session, user: User) -> frozenset[Role]:
    rows = session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))
    return frozenset(Role(r) for r in rows)


def actor_for(
    session: Session,
    user: User,
    source: str | None = None,
    roles: frozenset[Role] | None = None,
) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        org_id=user.org_id,
        roles=roles_of(session, user) if roles is None else roles,
        staff_id=user.staff_id,
        display_name=user.display_name,
        source=source,
    )


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def _set_roles(session: Session, user: User, roles: frozenset[Role]) -> None:
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.add_all(UserRole(user_id=user.id, role=r.value) for r in sorted(roles))


def create_user(
    session: Session,
    actor: Actor,
    settings: Settings,
    *,
    username: str,
    display_name: str,
    org_id: str,
    roles: frozenset[Role],
    password: str | None,
    staff_id: str | None = None,
) -> User:
    if by_username(session, username):
        raise Conflict(f"用户名已存在：{username}")
    if session.get(OrgUnit, org_id) is None:
        raise InvalidInput(f"机构不存在：{org_id}")
    if not roles:
        raise InvalidInput("至少指定一个角色")
    user = User(
        username=username,
        display_name=display_name,
        org_id=org_id,
        staff_id=staff_id,
        disabled=False,
        failed_logins=0,
        lock_count=0,
    )
    if password is not None:
        passwords.check_policy(password, settings, username=username)
        user.password_hash = passwords.hash_password(password)
        user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    _set_roles(session, user, roles)
    audit.record(
        session,
        actor,
        Action.user_change,
        target=username,
        detail={"op": "create", "roles": sorted(r.value for r in roles), "org_id": org_id},
    )
    return user


def set_password(
    session: Session, actor: Actor, settings: Settings, username: str, password: str
) -> None:
    user = by_username(session, username)
    if user is None:
        raise NotFound(f"用户不存在：{username}")
    passwords.check_policy(password, settings, username=username)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins, user.locked_until, user.lock_count = 0, None, 0
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, Action.user_change, target=username, detail={"op": "password"})


def change_own_password(
    session: Session, auth: Authenticated, settings: Settings, old: str, new: str
) -> None:
    """A user changes their own password (the old one proves it is them); their other sessions
    end, this one stays."""
    user = session.get(User, auth.actor.user_id) if auth.actor.user_id else None
    if user is None or not passwords.verify(user.password_hash, old):
        raise InvalidInput("原口令不正确", loc=("body", "old_password"))
    if old == new:
        raise InvalidInput("新口令不能与原口令相同", loc=("body", "new_password"))
    passwords.check_policy(new, settings, username=user.username)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    others = delete(UserSession).where(UserSession.user_id == user.id)
    if auth.session_id:
        others = others.where(UserSession.id != auth.session_id)
    session.execute(others)
    audit.record(
        session, auth.actor, Action.user_change, target=user.username, detail={"op": "own_password"}
    )


def disable(session: Session, actor: Actor, username: str) -> None:
    user = by_username(session, username)
    if user is None:
        raise NotFound(f"用户不存在：{username}")
    user.disabled = True
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit.record(session, actor, Action.user_change, target=username, detail={"op": "disable"})


def list_users(session: Session) -> list[tuple[User, frozenset[Role]]]:
    users = session.scalars(select(User).order_by(User.username)).all()
    return [(u, roles_of(session, u)) for u in users]


def sync_from_staff(session: Session, actor: Actor) -> tuple[int, int, int]:
    """Users follow HR: one per staff member (username = 工号), org unit and role from the
    `staff` extract; staff who left are disabled. Returns (created, updated, disabled). New users
    have no password until `users set-password`."""
    created = updated = disabled = 0
    users = {u.staff_id: u for u in session.scalars(select(User).where(User.staff_id.is_not(None)))}
    for st in session.scalars(select(Staff).order_by(Staff.staff_id)):
        user = users.get(st.staff_id)
        role = frozenset({Role(st.role)})
        if user is None:
            if st.status != "active":
                continue
            user = User(
                username=st.staff_id,
                display_name=st.name,
                org_id=st.org_id,
                staff_id=st.staff_id,
                disabled=False,
                failed_logins=0,
                lock_count=0,
            )
            session.add(user)
            session.flush()
            _set_roles(session, user, role)
            created += 1
            continue
        if st.status != "active" and not user.disabled:
            user.disabled = True
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
            disabled += 1
        elif user.org_id != st.org_id or roles_of(session, user) != role:
            user.org_id = st.org_id
            _set_roles(session, user, role)
            updated += 1
    if created or updated or disabled:
        audit.record(
            session,
            actor,
            Action.user_change,
            detail={
                "op": "sync_staff",
                "created": created,
                "updated": updated,
                "disabled": disabled,
            },
        )
    return created, updated, disabled


@dataclass
class LoginResult:
    ok: bool
    message: str = ""
    status: int = 200
    token: str | None = None
    csrf_token: str | None = None
    actor: Actor | None = None
    password_expired: bool = False


FAILED = "用户名或口令错误"


def login(
    session: Session, settings: Settings, username: str, password: str, source: str | None
) -> LoginResult:
    """Check the password and open a server-side session (a new id every login)."""
    now = utcnow()
    blocked = _address_blocked(session, source, now)
    anonymous = Actor(None, username[:64], None, frozenset(), source=source)
    if blocked:
        audit.record(session, anonymous, Action.login_failed, detail={"why": "address_locked"})
        return LoginResult(False, f"来源地址登录失败次数过多，请 {blocked} 分钟后再试", 429)
    user = by_username(session, username)
    if user is not None and (locked := _aware(user.locked_until)) and locked > now:
        passwords.verify(None, password)  # same cost as a real attempt
        minutes = int((locked - now).total_seconds() // 60) + 1
        audit.record(
            session, actor_for(session, user, source), Action.login_failed, detail={"why": "locked"}
        )
        return LoginResult(False, f"账户已锁定，请 {minutes} 分钟后再试", 429)
    good = passwords.verify(user.password_hash if user else None, password)
    if user is None or not good or user.disabled:
        _count_address_failure(session, settings, source, now, anonymous)
        if user is None:
            # never store what was typed as a username verbatim: it may be a password
            who = Actor(None, "(未知用户)", None, frozenset(), source=source)
            audit.record(
                session,
                who,
                Action.login_failed,
                detail={"why": "unknown_user", "name_sha256": _hash(username)[:16]},
            )
            return LoginResult(False, FAILED, 401)
        actor = actor_for(session, user, source)
        if user.disabled:
            audit.record(session, actor, Action.login_failed, detail={"why": "disabled"})
            return LoginResult(False, FAILED, 401)
        user.failed_logins += 1
        audit.record(
            session,
            actor,
            Action.login_failed,
            detail={"why": "password", "failures": user.failed_logins},
        )
        if user.failed_logins >= settings.login_max_failures:
            minutes = min(
                settings.login_lock_minutes * 2**user.lock_count, settings.login_lock_max_hours * 60
            )
            user.locked_until = now + timedelta(minutes=minutes)
            user.lock_count += 1
            user.failed_logins = 0
            audit.record(session, actor, Action.account_locked, detail={"minutes": minutes})
            return LoginResult(False, f"连续失败次数过多，账户已锁定 {minutes} 分钟", 429)
        return LoginResult(False, FAILED, 401)
    assert user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins, user.lock_count, user.locked_until = 0, 0, None
    user.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_hash(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_max_hours),
            source=source,
        )
    )
    actor = actor_for(session, user, source)
    audit.record(session, actor, Action.login)
    expired = password_expired(user, settings, now)
    return LoginResult(True, token=token, csrf_token=csrf, actor=actor, password_expired=expired)


def _address_blocked(session: Session, source: str | None, now: datetime) -> int:
    if not source:
        return 0
    row = session.get(AddressThrottle, source)
    locked = _aware(row.locked_until) if row else None
    if locked and locked > now:
        return int((locked - now).total_seconds() // 60) + 1
    return 0


def _count_address_failure(
    session: Session, settings: Settings, source: str | None, now: datetime, actor: Actor
) -> None:
    if not source:
        return
    row = session.get(AddressThrottle, source)
    if row is None:
        row = AddressThrottle(source=source, failures=0, window_start=now)
        session.add(row)
    start = _aware(row.window_start)
    if start is None or now - start > ADDRESS_WINDOW:
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures >= settings.address_max_failures:
        row.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        row.failures, row.window_start = 0, now
        audit.record(
            session, actor, Action.address_locked, detail={"minutes": settings.login_lock_minutes}
        )


@dataclass
class Authenticated:
    actor: Actor
    csrf_token: str | None  # None for access tokens (no ambient credential: no CSRF)
    session_id: str | None = None
    password_expired: bool = False  # past BANKCRM_PASSWORD_MAX_AGE_DAYS: change it first


def password_expired(user: User, settings: Settings, now: datetime) -> bool:
    changed = _aware(user.password_changed_at)
    return bool(
        settings.password_max_age_days
        and changed is not None
        and now - changed > timedelta(days=settings.password_max_age_days)
    )


def authenticate_session(
    session: Session, settings: Settings, token: str, source: str | None = None
) -> Authenticated | None:
    """The session of a cookie token, unless idle too long or past its lifetime (then removed)."""
    now = utcnow()
    row = session.get(UserSession, _hash(token))
    if row is None:
        return None
    idle = now - (_aware(row.last_seen_at) or now)
    expires = _aware(row.expires_at)
    if idle > timedelta(minutes=settings.session_idle_minutes) or (expires and expires <= now):
        session.delete(row)
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        session.delete(row)
        return None
    if idle > TOUCH_EVERY:
        row.last_seen_at = now
    return Authenticated(
        actor_for(session, user, source),
        row.csrf_token,
        row.id,
        password_expired=password_expired(user, settings, now),
    )


def logout(session: Session, actor: Actor, session_id: str) -> None:
    session.execute(delete(UserSession).where(UserSession.id == session_id))
    audit.record(session, actor, Action.logout)


def create_token(
    session: Session, actor: Actor, name: str, days: int | None
) -> tuple[AccessToken, str]:
    if actor.user_id is None:
        raise InvalidInput("系统身份不能创建访问令牌")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AccessToken(
        user_id=actor.user_id,
        name=name,
        prefix=token[:12],
        token_hash=_hash(token),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days) if days else None,
        revoked=False,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, Action.token_change, target=name, detail={"op": "create", "id": row.id}
    )
    return row, token


def list_tokens(session: Session, actor: Actor) -> list[AccessToken]:
    stmt = select(AccessToken).where(AccessToken.user_id == actor.user_id).order_by(AccessToken.id)
    return list(session.scalars(stmt))


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    row = session.get(AccessToken, token_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound("访问令牌不存在")
    row.revoked = True
    audit.record(
        session, actor, Action.token_change, target=row.name, detail={"op": "revoke", "id": row.id}
    )


def authenticate_token(
    session: Session, token: str, source: str | None = None
) -> Authenticated | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    # the token, its user and the user's roles in one round trip (every API request)
    found = session.execute(
        select(AccessToken, User, UserRole.role)
        .join(User, User.id == AccessToken.user_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(AccessToken.token_hash == _hash(token))
    ).all()
    now = utcnow()
    if not found:
        return None
    row, user = found[0][0], found[0][1]
    if row.revoked or ((exp := _aware(row.expires_at)) and exp <= now) or user.disabled:
        return None
    roles = frozenset(Role(r) for _t, _u, r in found if r is not None)
    # written at most every TOUCH_EVERY: an UPDATE per request would hold the token's row lock
    # for the whole request and serialise every client sharing the token
    used = _aware(row.last_used_at)
    if used is None or now - used > TOUCH_EVERY:
        row.last_used_at = now
    return Authenticated(actor_for(session, user, source, roles), None)
