"""Account, session and audit queries."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.institutions import service as institutions
from osteon.security.models import AuditEvent, AuthSession, User


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    """An account by username."""
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """An account by id."""
    return await session.get(User, user_id)


def _session_lookup() -> Select:
    """Session ⋈ user ⋈ the user's department subtree, for one token hash (built once: see below)."""
    by_token = AuthSession.token_hash == bindparam("token_hash")
    tree = institutions.subtree_cte(select(User.department_id).join(AuthSession, AuthSession.user_id == User.id)
                                    .where(by_token))
    return (select(AuthSession, User, tree.c.id).join(User, User.id == AuthSession.user_id)
            .outerjoin(tree, true()).where(by_token))


# Built once per process: constructing this statement costs more Python time than running it.
_SESSION_LOOKUP = _session_lookup()


async def session_by_token_hash(session: AsyncSession, token_hash: str
                                ) -> tuple[AuthSession, User, frozenset[uuid.UUID]] | None:
    """A session, its user and the user's department subtree (own department and its units; empty without a
    department) in one statement — every authenticated request starts with this, so one round trip, not two."""
    rows = (await session.execute(_SESSION_LOOKUP, {"token_hash": token_hash})).all()
    if not rows:
        return None
    return rows[0][0], rows[0][1], frozenset(r[2] for r in rows if r[2] is not None)


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
