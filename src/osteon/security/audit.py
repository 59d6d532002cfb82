"""Append-only, hash-chained audit trail (SECURITY 12–14).

Events are collected during the request and written just before its commit, inside the same
transaction: if the audit write fails, the action fails. Each row stores the SHA-256 of its content
and of the previous row, so an edited, deleted or reordered row breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, exists, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.kit.models import utcnow
from osteon.security.models import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x05_7E_0A  # advisory lock id serialising chain appends on PostgreSQL


@dataclass
class Pending:
    """An audit event waiting for the commit."""

    action: str
    at: datetime
    user_id: uuid.UUID | None
    username: str
    role: str
    institution_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    resource_type: str
    resource_id: str
    outcome: str
    severity: str
    client_ip: str
    detail: dict[str, Any] = field(default_factory=dict)
    keep_on_failure: bool = False


def record(
    session: AsyncSession,
    action: str,
    *,
    patient_id: uuid.UUID | None = None,
    resource_type: str = "",
    resource_id: str | uuid.UUID = "",
    outcome: str = "success",
    severity: str = "info",
    detail: dict[str, Any] | None = None,
    keep_on_failure: bool = False,
    actor: Any = None,
    username: str | None = None,
) -> None:
    """Queue an audit event for this transaction; ``keep_on_failure`` writes it even on rollback."""
    actor = actor if actor is not None else session.info.get("actor")
    client_ip = session.info.get("client_ip", "")
    session.info.setdefault("audit_pending", []).append(
        Pending(
            action=action,
            at=utcnow(),
            user_id=getattr(actor, "user_id", None),
            username=username if username is not None else getattr(actor, "username", ""),
            role=getattr(actor, "role", ""),
            institution_id=getattr(actor, "institution_id", None),
            patient_id=patient_id,
            resource_type=resource_type,
            resource_id=str(resource_id),
            outcome=outcome,
            severity=severity,
            client_ip=client_ip or getattr(actor, "client_ip", ""),
            detail=detail or {},
            keep_on_failure=keep_on_failure,
        )
    )


def kept_on_failure(session: AsyncSession) -> list[Pending]:
    """Events that must be written although their transaction rolled back."""
    return [p for p in session.info.get("audit_pending", []) if p.keep_on_failure]


def requeue(session: AsyncSession, events: list[Pending]) -> None:
    """Queue already-built events in another transaction."""
    session.info.setdefault("audit_pending", []).extend(events)


def canonical(row: dict[str, Any]) -> bytes:
    """The exact bytes a row's hash covers."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def row_content(ev: AuditEvent) -> dict[str, Any]:
    """The hashed fields of a stored row."""
    return {
        "seq": ev.seq,
        "id": str(ev.id),
        "at": ev.at.isoformat(),
        "user_id": str(ev.user_id) if ev.user_id else None,
        "username": ev.username,
        "role": ev.role,
        "institution_id": str(ev.institution_id) if ev.institution_id else None,
        "action": ev.action,
        "patient_id": str(ev.patient_id) if ev.patient_id else None,
        "resource_type": ev.resource_type,
        "resource_id": ev.resource_id,
        "outcome": ev.outcome,
        "severity": ev.severity,
        "client_ip": ev.client_ip,
        "detail": ev.detail,
        "prev_hash": ev.prev_hash,
    }


def compute_hash(ev: AuditEvent) -> str:
    """SHA-256 over the row's content, which includes the previous row's hash."""
    return hashlib.sha256(canonical(row_content(ev))).hexdigest()


async def _lock_chain(session: AsyncSession) -> None:
    """Serialise appends: SQLite already holds the write lock (BEGIN IMMEDIATE); PostgreSQL takes an
    advisory lock until commit, taken this late so it is held only for the insert and the commit."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


# The chain's last row: where the next append continues.
LAST_EVENT = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


def chain_rows(pending: list[Pending], last: tuple[int, str] | None) -> list[dict[str, Any]]:
    """The AuditEvent rows (column -> value, hash included) that append ``pending`` after the row ``last``
    ((seq, hash), None for an empty chain). Callers insert them inside a transaction that holds the chain's lock."""
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    rows = []
    for p in pending:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "id": uuid.uuid4(),
            "at": p.at.replace(microsecond=(p.at.microsecond // 1000) * 1000),
            "user_id": p.user_id,
            "username": p.username,
            "role": p.role,
            "institution_id": p.institution_id,
            "action": p.action,
            "patient_id": p.patient_id,
            "resource_type": p.resource_type,
            "resource_id": p.resource_id,
            "outcome": p.outcome,
            "severity": p.severity,
            "client_ip": p.client_ip,
            "detail": json.loads(canonical(p.detail)),
            "prev_hash": prev,
        }
        row["hash"] = prev = compute_hash(SimpleNamespace(**row))  # type: ignore[arg-type]
        rows.append(row)
    return rows


# The chain's last row as this process last committed it, per database: a guess that saves reading the head
# (one round trip) on the next append. Never trusted: the append below checks it in the same statement.
_HEAD: WeakKeyDictionary[Engine, tuple[int, str]] = WeakKeyDictionary()


def _append_after_statement() -> Any:
    """INSERT one chain row only if row ``after_seq`` is there with hash ``after_hash`` and no row follows it —
    i.e. only if the cached head is still the chain's head. Portable SQL (INSERT … SELECT … WHERE)."""
    columns = AuditEvent.__table__.c
    names = [c.name for c in columns]
    values = select(*[bindparam(n, type_=columns[n].type) for n in names]).where(
        exists().where(columns.seq == bindparam("after_seq"), columns.hash == bindparam("after_hash")),
        ~exists().where(columns.seq > bindparam("after_seq")),
    )
    return insert(AuditEvent.__table__).from_select(names, values)


_APPEND_AFTER = _append_after_statement()


async def write_pending(session: AsyncSession) -> int:
    """Append this transaction's events to the chain; called right before commit.

    The chain lock is held (SQLite's write lock, PostgreSQL's advisory lock), so appends never interleave. The
    first row goes in after the head this process last committed, in one statement that checks that head is
    still the last row (another process or the C-STORE fast path may have appended since); if it is not, the
    head is read and the rows appended after it, as before. Either way each row hashes its true predecessor."""
    pending: list[Pending] = session.info.get("audit_pending", [])
    if not pending:
        return 0
    session.info["audit_pending"] = []
    await _lock_chain(session)
    engine = session.bind.sync_engine if session.bind is not None else None
    head = _HEAD.get(engine) if engine is not None else None
    rows = chain_rows(pending, head) if head is not None else []
    if rows and (await session.execute(
            _APPEND_AFTER, {**rows[0], "after_seq": head[0], "after_hash": head[1]})).rowcount == 1:
        rest = rows[1:]
    else:
        last = (await session.execute(LAST_EVENT)).first()
        rows = rest = chain_rows(pending, tuple(last) if last else None)
    if rest:
        await session.execute(insert(AuditEvent.__table__), rest)
    session.info["audit_head"] = (engine, (rows[-1]["seq"], rows[-1]["hash"]))
    return len(pending)


def committed(session: AsyncSession) -> None:
    """After the commit: remember where this transaction left the chain (see :func:`write_pending`)."""
    engine, head = session.info.pop("audit_head", (None, None))
    if engine is not None:
        _HEAD[engine] = head


@dataclass
class VerifyResult:
    """Outcome of a chain check."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


async def verify(session: AsyncSession, batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first edited, missing or reordered row."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
            )
        ).scalars().all()
        if not rows:
            return VerifyResult(ok=True, checked=checked)
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"row {expected_seq} is missing (deleted)")
            if ev.prev_hash != prev_hash:
                return VerifyResult(False, checked, ev.seq, f"row {ev.seq} does not follow row {ev.seq - 1} (reordered or a row was removed)")
            if compute_hash(ev) != ev.hash:
                return VerifyResult(False, checked, ev.seq, f"row {ev.seq} was edited after it was written")
            prev_hash, expected_seq, last_seq = ev.hash, ev.seq + 1, ev.seq
            checked += 1
        session.expunge_all()
