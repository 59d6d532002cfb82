"""Resolve a session token to an Actor outside FastAPI's request-bound dependencies (WebSocket handshakes)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.config import Settings
from osteon.kit.models import utcnow
from osteon.security import repository
from osteon.security.deps import Actor, hash_token
from osteon.security.models import AuthSession
from osteon.security.permissions import permissions_of


async def resolve_token(session: AsyncSession, settings: Settings, token: str | None, client_ip: str = "") -> Actor | None:
    """The Actor of a live session token, or None (unknown, revoked, expired, idle, or password change pending).

    Same checks as ``osteon.security.deps.authenticate`` except CSRF (a WebSocket has no unsafe methods;
    cookie-authenticated sockets are checked against the Origin header instead, in the router).
    """
    if not token:
        return None
    row = await repository.session_by_token_hash(session, hash_token(token))
    if row is None:
        return None
    auth, user, department_ids = row
    now = utcnow()
    idle_limit = auth.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if auth.revoked_at is not None or not user.is_active or now >= auth.expires_at or now >= idle_limit:
        return None
    if user.must_change_password:
        return None
    return Actor(
        user_id=user.id, username=user.username, full_name=user.full_name, role=user.role,
        institution_id=user.institution_id, department_id=user.department_id,
        department_ids=department_ids,
        patient_id=user.patient_id, permissions=permissions_of(user.role), session_id=auth.id,
        client_ip=client_ip, must_change_password=False, is_demo=user.is_demo,
    )


async def session_alive(session: AsyncSession, settings: Settings, actor: Actor) -> bool:
    """True while the actor's session is neither revoked nor past its absolute lifetime (checked on open sockets)."""
    auth = await session.get(AuthSession, actor.session_id)
    return bool(auth and auth.revoked_at is None and utcnow() < auth.expires_at)
