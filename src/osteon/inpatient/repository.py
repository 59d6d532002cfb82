"""Every query of the inpatient domain; bed state changes are conditional updates (race-safe)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.inpatient.models import (
    Admission,
    Bed,
    BedAssignment,
    DischargeSummary,
    NursingObservation,
    ProgressNote,
    WardRoom,
)
from osteon.institutions.models import Ward
from osteon.patients.models import Patient


async def get_ward(session: AsyncSession, ward_id: uuid.UUID) -> Ward | None:
    """A ward (institutions' table, read-only here)."""
    return await session.get(Ward, ward_id)


async def wards_of(session: AsyncSession, institution_id: uuid.UUID) -> list[Ward]:
    """The institution's wards."""
    return list((await session.execute(select(Ward).where(Ward.institution_id == institution_id).order_by(Ward.code))).scalars())


async def get_bed(session: AsyncSession, bed_id: uuid.UUID) -> Bed | None:
    """A bed (fresh from the database)."""
    return (await session.execute(select(Bed).where(Bed.id == bed_id).execution_options(populate_existing=True))).scalar_one_or_none()


async def room_by_code(session: AsyncSession, ward_id: uuid.UUID, code: str) -> WardRoom | None:
    """A ward room by code."""
    return (await session.execute(select(WardRoom).where(WardRoom.ward_id == ward_id, WardRoom.code == code))).scalar_one_or_none()


async def take_bed(session: AsyncSession, bed_id: uuid.UUID, admission_id: uuid.UUID, now: datetime) -> bool:
    """free/reserved → occupied in one conditional UPDATE; False when another request got there first."""
    result = await session.execute(
        update(Bed).where(Bed.id == bed_id, Bed.state.in_(("free", "reserved")))
        .values(state="occupied", admission_id=admission_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def set_bed_state(session: AsyncSession, bed_id: uuid.UUID, to: str, allowed_from: Iterable[str], now: datetime,
                        admission_id: uuid.UUID | None = None) -> bool:
    """Conditional state change; False when the bed is not in one of ``allowed_from``."""
    result = await session.execute(
        update(Bed).where(Bed.id == bed_id, Bed.state.in_(tuple(allowed_from)))
        .values(state=to, admission_id=admission_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def bed_board(session: AsyncSession, ward_ids: list[uuid.UUID]) -> list[tuple]:
    """Every bed of the wards with its occupant in ONE query (beds ⟕ rooms ⟕ admissions ⟕ patients)."""
    stmt = (
        select(Bed.id, Bed.code, WardRoom.code, Bed.ward_id, Bed.state, Bed.updated_at, Admission.id, Admission.admitted_at,
               Admission.admission_diagnosis, Admission.attending_id, Patient.id, Patient.name, Patient.mrn, Patient.sex,
               Patient.birth_date)
        .outerjoin(WardRoom, WardRoom.id == Bed.room_id)
        .outerjoin(Admission, (Admission.id == Bed.admission_id) & (Bed.state == "occupied"))
        .outerjoin(Patient, Patient.id == Admission.patient_id)
        .where(Bed.ward_id.in_(ward_ids))
        .order_by(Bed.ward_id, WardRoom.code, Bed.code)
    )
    return list((await session.execute(stmt)).all())


async def get_admission(session: AsyncSession, admission_id: uuid.UUID, *, for_update: bool = False) -> Admission | None:
    """An admission."""
    stmt = select(Admission).where(Admission.id == admission_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def open_admission_of(session: AsyncSession, patient_id: uuid.UUID) -> Admission | None:
    """The patient's current stay."""
    stmt = select(Admission).where(Admission.patient_id == patient_id, Admission.status == "admitted")
    return (await session.execute(stmt)).scalars().first()


async def close_assignment(session: AsyncSession, admission_id: uuid.UUID, now: datetime) -> None:
    """End the admission's open bed assignment."""
    await session.execute(update(BedAssignment).where(BedAssignment.admission_id == admission_id, BedAssignment.end_at.is_(None))
                          .values(end_at=now).execution_options(synchronize_session=False))


async def notes_of(session: AsyncSession, admission_id: uuid.UUID) -> list[ProgressNote]:
    """Progress notes, oldest first."""
    rows = await session.execute(select(ProgressNote).where(ProgressNote.admission_id == admission_id).order_by(ProgressNote.written_at))
    return list(rows.scalars())


async def observations_of(session: AsyncSession, admission_id: uuid.UUID) -> list[NursingObservation]:
    """Vital signs, oldest first."""
    rows = await session.execute(select(NursingObservation).where(NursingObservation.admission_id == admission_id)
                                 .order_by(NursingObservation.observed_at))
    return list(rows.scalars())


async def summary_of(session: AsyncSession, admission_id: uuid.UUID) -> DischargeSummary | None:
    """The discharge summary."""
    return (await session.execute(select(DischargeSummary).where(DischargeSummary.admission_id == admission_id))).scalar_one_or_none()


async def add_bed_days(session: AsyncSession, rows: list[dict]) -> None:
    """Insert bed-day rows in one statement."""
    from osteon.inpatient.models import BedDay

    if rows:
        await session.execute(insert(BedDay), rows)


async def admissions_of_ward(session: AsyncSession, ward_id: uuid.UUID, status: str | None, limit: int, offset: int) -> list[Admission]:
    """A ward's admissions, newest first."""
    stmt = select(Admission).where(Admission.ward_id == ward_id)
    if status:
        stmt = stmt.where(Admission.status == status)
    rows = await session.execute(stmt.order_by(Admission.admitted_at.desc()).limit(limit).offset(offset))
    return list(rows.scalars())
