"""Account, session and audit queries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.security.models import AuditEvent, AuthSession, User


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    """An account by username."""
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """An account by id."""
    return await session.get(User, user_id)


async def list_users(session: AsyncSession, institution_id: uuid.UUID | None, limit: int, offset: int) -> tuple[list[User], int]:
    """Accounts, optionally of one institution."""
    q = select(User)
    if institution_id:
        q = q.where(User.institution_id == institution_id)
    total = (await session.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
    rows = (await session.execute(q.order_by(User.username).limit(limit).offset(offset))).scalars().all()
    return list(rows), total


async def revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID, now: datetime, keep: uuid.UUID | None = None) -> None:
    """Revoke every live session of a user (except ``keep``)."""
    q = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if keep:
        q = q.where(AuthSession.id != keep)
    await session.execute(q.values(revoked_at=now))


async def search_audit(
    session: AsyncSession,
    *,
    username: str | None,
    action: str | None,
    patient_id: uuid.UUID | None,
    outcome: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    """Audit events matching the filters, newest first."""
    q = select(AuditEvent)
    if username:
        q = q.where(AuditEvent.username == username)
    if action:
        q = q.where(AuditEvent.action.startswith(action))
    if patient_id:
        q = q.where(AuditEvent.patient_id == patient_id)
    if outcome:
        q = q.where(AuditEvent.outcome == outcome)
    if since:
        q = q.where(AuditEvent.at >= since)
    if until:
        q = q.where(AuditEvent.at < until)
    total = (await session.execute(select(func.count()).select_from(q.subquery()))).scalar_one()
    rows = (await session.execute(q.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset))).scalars().all()
    return list(rows), total
