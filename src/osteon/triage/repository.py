"""Every triage query."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.institutions.models import Department
from osteon.triage.models import TriageInterview


async def add(session: AsyncSession, iv: TriageInterview) -> TriageInterview:
    """Insert a new interview."""
    session.add(iv)
    await session.flush()
    return iv


async def get(session: AsyncSession, interview_id: uuid.UUID, *, lock: bool = False) -> TriageInterview | None:
    """One interview; ``lock`` takes its row lock so two tabs answering at once are serialised."""
    q = select(TriageInterview).where(TriageInterview.id == interview_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(q)).scalar_one_or_none()


async def list_for_patient(session: AsyncSession, patient_id: uuid.UUID, limit: int = 50) -> list[TriageInterview]:
    """A patient's interviews, newest first."""
    q = (select(TriageInterview).where(TriageInterview.patient_id == patient_id)
         .order_by(TriageInterview.created_at.desc()).limit(limit))
    return list((await session.execute(q)).scalars())


async def latest_for_appointment(session: AsyncSession, appointment_id: uuid.UUID) -> TriageInterview | None:
    """The most recently linked interview of an appointment."""
    q = (select(TriageInterview).where(TriageInterview.appointment_id == appointment_id)
         .order_by(TriageInterview.updated_at.desc()).limit(1))
    return (await session.execute(q)).scalar_one_or_none()


async def latest_finished_for_patient(session: AsyncSession, patient_id: uuid.UUID) -> TriageInterview | None:
    """The patient's most recent interview that has a summary."""
    q = (select(TriageInterview)
         .where(TriageInterview.patient_id == patient_id, TriageInterview.summary.is_not(None))
         .order_by(TriageInterview.created_at.desc()).limit(1))
    return (await session.execute(q)).scalar_one_or_none()


async def departments_for(session: AsyncSession, institution_id: uuid.UUID, subspecialty: str) -> list[Department]:
    """Departments of an institution whose subspecialty code matches a triage department code."""
    q = select(Department).where(Department.institution_id == institution_id, Department.subspecialty == subspecialty)
    return list((await session.execute(q)).scalars())
