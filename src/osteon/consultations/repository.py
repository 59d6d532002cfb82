"""Every consultation query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.consultations.models import (
    Attachment,
    Consultation,
    ConsultationConsent,
    ConsultationEvent,
    ConsultationReport,
    Message,
    Participant,
    SharedItem,
)
from osteon.institutions.models import Department, Institution
from osteon.patients.models import Patient
from osteon.security.models import AccessGrant, User


async def get(session: AsyncSession, consultation_id: uuid.UUID, *, for_update: bool = False) -> Consultation | None:
    """One consultation (unfiltered: callers check access); locked for a transition on PostgreSQL."""
    q = select(Consultation).where(Consultation.id == consultation_id)
    if for_update and session.bind is not None and session.bind.dialect.name != "sqlite":
        q = q.with_for_update()
    return (await session.execute(q)).scalar_one_or_none()


async def user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """A user account."""
    return await session.get(User, user_id)


async def patient_accounts(session: AsyncSession, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    """The patient's own active portal accounts (to bring the patient into the room), shaped like :func:`experts`."""
    q = select(User).where(User.patient_id == patient_id, User.role == "patient", User.is_active.is_(True))
    return [{"id": u.id, "full_name": u.full_name, "title": u.title, "role": u.role, "department": None,
             "department_name": None} for u in (await session.execute(q)).scalars()]


async def users(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Users by id."""
    if not ids:
        return {}
    return {u.id: u for u in (await session.execute(select(User).where(User.id.in_(ids)))).scalars()}


async def institutions(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Institution]:
    """Institutions by id."""
    if not ids:
        return {}
    return {i.id: i for i in (await session.execute(select(Institution).where(Institution.id.in_(ids)))).scalars()}


async def patients(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Patient]:
    """Patients by id (unfiltered: only for consultations the caller may already see)."""
    if not ids:
        return {}
    return {p.id: p for p in (await session.execute(select(Patient).where(Patient.id.in_(ids)))).scalars()}


async def department_by_code(session: AsyncSession, institution_id: uuid.UUID, code: str) -> Department | None:
    """A department of an institution by code (SPINE …)."""
    q = select(Department).where(Department.institution_id == institution_id, Department.code == code)
    return (await session.execute(q)).scalar_one_or_none()


async def dept_heads(session: AsyncSession, institution_id: uuid.UUID) -> list[User]:
    """Active department heads of an institution (the triage pool's owners)."""
    q = select(User).where(User.institution_id == institution_id, User.role == "dept_head", User.is_active.is_(True))
    return list((await session.execute(q.order_by(User.username))).scalars())


# --- lists ----------------------------------------------------------------------------------------------


async def find(session: AsyncSession, condition: ColumnElement[bool], *, statuses: Sequence[str] = (),
               patient_id: uuid.UUID | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Consultation], int]:
    """Consultations matching ``condition`` (the caller's visibility), newest first."""
    where = [condition]
    if statuses:
        where.append(Consultation.status.in_(list(statuses)))
    if patient_id is not None:
        where.append(Consultation.patient_id == patient_id)
    total = (await session.execute(select(func.count()).select_from(Consultation).where(*where))).scalar_one()
    q = select(Consultation).where(*where).order_by(Consultation.created_at.desc(), Consultation.id).limit(limit).offset(offset)
    return list((await session.execute(q)).scalars()), total


def participant_of(user_id: uuid.UUID) -> ColumnElement[bool]:
    """Consultations where the user is an active participant."""
    return Consultation.id.in_(select(Participant.consultation_id).where(
        Participant.user_id == user_id, Participant.removed_at.is_(None)))


def requested_by_side(institution_id: uuid.UUID, user_id: uuid.UUID, readable: ColumnElement[bool]) -> ColumnElement[bool]:
    """The requesting side: my own requests, and my institution's requests about patients I may read."""
    return or_(Consultation.requester_id == user_id,
               and_(Consultation.requesting_institution_id == institution_id,
                    Consultation.patient_id.in_(select(Patient.id).where(readable))))


def pool_of(institution_id: uuid.UUID, department_ids: frozenset[uuid.UUID]) -> ColumnElement[bool]:
    """The target institution's incoming requests for a department head's departments (or unrouted)."""
    cond = Consultation.target_institution_id == institution_id
    if department_ids:
        cond = and_(cond, or_(Consultation.target_department_id.is_(None),
                              Consultation.target_department_id.in_(list(department_ids))))
    return cond


# --- parts of one consultation ---------------------------------------------------------------------------


async def consent_of(session: AsyncSession, consultation_id: uuid.UUID) -> ConsultationConsent | None:
    """The recorded consent."""
    q = select(ConsultationConsent).where(ConsultationConsent.consultation_id == consultation_id)
    return (await session.execute(q)).scalar_one_or_none()


async def shared_of(session: AsyncSession, consultation_id: uuid.UUID) -> list[SharedItem]:
    """The shared items."""
    q = select(SharedItem).where(SharedItem.consultation_id == consultation_id).order_by(SharedItem.kind, SharedItem.ref)
    return list((await session.execute(q)).scalars())


async def participants_of(session: AsyncSession, consultation_id: uuid.UUID) -> list[Participant]:
    """Active participants in the order they joined."""
    q = select(Participant).where(Participant.consultation_id == consultation_id, Participant.removed_at.is_(None))
    return list((await session.execute(q.order_by(Participant.added_at, Participant.id))).scalars())


async def participant(session: AsyncSession, consultation_id: uuid.UUID, user_id: uuid.UUID) -> Participant | None:
    """A user's participant row (active or removed)."""
    q = select(Participant).where(Participant.consultation_id == consultation_id, Participant.user_id == user_id)
    return (await session.execute(q)).scalar_one_or_none()


async def events_of(session: AsyncSession, consultation_id: uuid.UUID) -> list[ConsultationEvent]:
    """The status history, oldest first."""
    q = select(ConsultationEvent).where(ConsultationEvent.consultation_id == consultation_id)
    return list((await session.execute(q.order_by(ConsultationEvent.seq))).scalars())


async def last_event_seq(session: AsyncSession, consultation_id: uuid.UUID) -> int:
    """The highest event seq so far (0 when none)."""
    q = select(func.max(ConsultationEvent.seq)).where(ConsultationEvent.consultation_id == consultation_id)
    return (await session.execute(q)).scalar_one() or 0


async def current_report(session: AsyncSession, consultation_id: uuid.UUID) -> ConsultationReport | None:
    """The current report row (draft or signed)."""
    q = select(ConsultationReport).where(ConsultationReport.consultation_id == consultation_id,
                                         ConsultationReport.is_current.is_(True))
    return (await session.execute(q)).scalar_one_or_none()


async def signed_reports(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ConsultationReport]:
    """The current signed report of each consultation that has one."""
    if not ids:
        return {}
    q = select(ConsultationReport).where(ConsultationReport.consultation_id.in_(list(ids)),
                                         ConsultationReport.is_current.is_(True), ConsultationReport.status == "signed")
    return {r.consultation_id: r for r in (await session.execute(q)).scalars()}


# --- grants ----------------------------------------------------------------------------------------------


async def grants_of(session: AsyncSession, consultation_id: uuid.UUID) -> list[AccessGrant]:
    """Every grant this consultation gave."""
    q = select(AccessGrant).where(AccessGrant.source == "consultation", AccessGrant.consultation_id == consultation_id)
    return list((await session.execute(q.order_by(AccessGrant.starts_at))).scalars())


async def live_grant(session: AsyncSession, consultation_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> AccessGrant | None:
    """The user's unrevoked, unexpired grant from this consultation."""
    q = select(AccessGrant).where(
        AccessGrant.source == "consultation", AccessGrant.consultation_id == consultation_id,
        AccessGrant.grantee_id == user_id, AccessGrant.revoked_at.is_(None),
        AccessGrant.starts_at <= now, AccessGrant.ends_at > now,
    ).limit(1)
    return (await session.execute(q)).scalar_one_or_none()


async def revoke_grants(session: AsyncSession, consultation_id: uuid.UUID, now: datetime) -> int:
    """End every open grant of the consultation; returns how many."""
    result = await session.execute(
        update(AccessGrant)
        .where(AccessGrant.source == "consultation", AccessGrant.consultation_id == consultation_id,
               AccessGrant.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# --- shared-item ownership checks --------------------------------------------------------------------------


async def item_patient(session: AsyncSession, kind: str, ref: str) -> uuid.UUID | None:
    """The patient a shared item belongs to (None when it does not exist)."""
    from osteon.encounters.models import Encounter
    from osteon.imaging.models import Study
    from osteon.orders.models import Order, OrderResult

    if kind == "study":
        q = select(Study.patient_id).where(Study.study_instance_uid == ref)
    else:
        try:
            rid = uuid.UUID(ref)
        except ValueError:
            return None
        model = {"encounter": Encounter, "order": Order, "result": OrderResult}[kind]
        q = select(model.patient_id).where(model.id == rid)
    return (await session.execute(q)).scalar_one_or_none()


# --- chat -------------------------------------------------------------------------------------------------


async def messages(session: AsyncSession, consultation_id: uuid.UUID, *, limit: int, before: datetime | None = None
                   ) -> list[tuple[Message, Attachment | None]]:
    """The latest ``limit`` messages (older than ``before``), returned oldest first."""
    q = (select(Message, Attachment).outerjoin(Attachment, Attachment.id == Message.attachment_id)
         .where(Message.consultation_id == consultation_id))
    if before is not None:
        q = q.where(Message.created_at < before)
    rows = (await session.execute(q.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit))).all()
    return [(m, a) for m, a in reversed(rows)]


async def attachment(session: AsyncSession, consultation_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment | None:
    """An attachment of this consultation."""
    q = select(Attachment).where(Attachment.id == attachment_id, Attachment.consultation_id == consultation_id)
    return (await session.execute(q)).scalar_one_or_none()


async def experts(session: AsyncSession, institution_id: uuid.UUID, department: str | None,
                  roles: tuple[str, ...] = ("expert", "dept_head")) -> list[dict[str, Any]]:
    """Active staff of an institution with one of ``roles`` (by default who can answer a consultation),
    optionally of one department code."""
    from osteon.institutions.models import Department
    from osteon.security.models import User

    q = (select(User, Department).outerjoin(Department, Department.id == User.department_id)
         .where(User.institution_id == institution_id, User.is_active.is_(True), User.role.in_(roles))
         .order_by(User.role.desc(), User.full_name))
    if department:
        q = q.where(Department.code == department)
    return [{"id": u.id, "full_name": u.full_name, "title": u.title, "role": u.role,
             "department": d.code if d else None, "department_name": d.name if d else None}
            for u, d in (await session.execute(q)).all()]
