"""Who is asking, and may they: the acting user as a FastAPI dependency (SECURITY 4, 8)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.config import Settings
from osteon.db import DbSession, on_failure
from osteon.kit.errors import Forbidden, Unauthorized
from osteon.kit.models import utcnow
from osteon.security import repository
from osteon.security.models import AuthSession
from osteon.security.permissions import permissions_of

SESSION_COOKIE = "osteon_session"
CSRF_COOKIE = "osteon_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Actor:
    """The authenticated user acting in this request."""

    user_id: uuid.UUID
    username: str
    full_name: str
    role: str
    institution_id: uuid.UUID
    department_id: uuid.UUID | None
    department_ids: frozenset[uuid.UUID]  # own department and its subspecialty units
    patient_id: uuid.UUID | None
    permissions: frozenset[str]
    session_id: uuid.UUID | None = None
    client_ip: str = ""
    must_change_password: bool = False
    is_demo: bool = False

    def can(self, permission: str) -> bool:
        """True when the role grants ``permission``."""
        return permission in self.permissions


def hash_token(token: str) -> str:
    """Sessions are stored by token hash, never by token."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_ip(request: Request, settings: Settings) -> str:
    """The client address; X-Forwarded-For only from a configured trusted proxy."""
    peer = request.client.host if request.client else ""
    if peer and settings.trusted_proxies and _in_networks(peer, settings.trusted_proxies):
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return peer[:64]


def _in_networks(ip: str, networks: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(n, strict=False) for n in networks)


def inside_hospital(ip: str, settings: Settings) -> bool:
    """True for logins from the hospital network (no second factor needed for clinical staff)."""
    return _in_networks(ip, settings.hospital_networks)


def _token_from(request: Request) -> tuple[str | None, bool]:
    """(token, came_from_cookie)."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None, False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


async def authenticate(request: Request, session: DbSession) -> Actor:
    """Resolve the session token to an Actor, enforcing idle/absolute timeouts and CSRF."""
    from osteon.security import audit

    settings: Settings = request.app.state.settings
    ip = client_ip(request, settings)
    session.info["client_ip"] = ip
    token, from_cookie = _token_from(request)
    if not token:
        raise Unauthorized()
    row = await repository.session_by_token_hash(session, hash_token(token))
    if row is None:
        raise Unauthorized()
    auth, user, department_ids = row
    now = utcnow()
    idle_limit = auth.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if auth.revoked_at is not None or not user.is_active or now >= auth.expires_at or now >= idle_limit:
        if auth.revoked_at is None:
            # The request fails, so the revocation is written in its own transaction (ids captured now:
            # the failed session's objects expire on rollback).
            auth_id = auth.id
            audit.record(session, "auth.session_expired", username=user.username, resource_type="session",
                         resource_id=auth_id, detail={"idle": now >= idle_limit}, keep_on_failure=True)

            async def _revoke(s: AsyncSession) -> None:
                fresh = await s.get(AuthSession, auth_id)
                if fresh and fresh.revoked_at is None:
                    fresh.revoked_at = now

            on_failure(session, _revoke)
        raise Unauthorized("会话已过期,请重新登录", "Your session has expired; please log in again", code_override="auth.session_expired")
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, auth.csrf_token):
            raise Forbidden("请求缺少安全校验,请刷新页面后重试", "Missing or wrong CSRF token; reload the page", code_override="auth.csrf")
    # Touch at most once a minute: idle timeout needs it, every request writing it does not.
    if (now - auth.last_seen_at).total_seconds() > 60:
        auth.last_seen_at = now
    actor = Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        institution_id=user.institution_id,
        department_id=user.department_id,
        department_ids=department_ids,
        patient_id=user.patient_id,
        permissions=permissions_of(user.role),
        session_id=auth.id,
        client_ip=ip,
        must_change_password=user.must_change_password,
        is_demo=user.is_demo,
    )
    session.info["actor"] = actor
    return actor


async def current_user(request: Request, actor: Annotated[Actor, Depends(authenticate)]) -> Actor:
    """An authenticated user who has no pending forced password change."""
    if actor.must_change_password:
        raise Forbidden("请先修改初始密码", "Please change your initial password first", code_override="auth.password_change_required")
    return actor


CurrentUser = Annotated[Actor, Depends(current_user)]
AnyAuthenticated = Annotated[Actor, Depends(authenticate)]


def require(*permissions: str):
    """Dependency: the current user must hold every listed permission."""

    async def _check(actor: CurrentUser) -> Actor:
        missing = [p for p in permissions if not actor.can(p)]
        if missing:
            raise Forbidden()
        return actor

    return Depends(_check)


def get_cipher(request: Request) -> FieldCipher:
    """The deployment's field cipher."""
    return request.app.state.cipher


from osteon.security.crypto import FieldCipher

Cipher = Annotated[FieldCipher, Depends(get_cipher)]
