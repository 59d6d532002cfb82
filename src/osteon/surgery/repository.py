"""Every query of the surgery domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.patients.models import Patient
from osteon.surgery.models import (
    Complication,
    Implant,
    OperatingRoom,
    OrBooking,
    OrTimeBlock,
    Surgery,
    SurgeryProcedure,
)


async def get_surgery(session: AsyncSession, surgery_id: uuid.UUID, *, for_update: bool = False) -> Surgery | None:
    """A surgery."""
    stmt = select(Surgery).where(Surgery.id == surgery_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def surgeries_of_patient(session: AsyncSession, patient_id: uuid.UUID, limit: int) -> list[Surgery]:
    """A patient's surgeries, newest request first."""
    rows = await session.execute(select(Surgery).where(Surgery.patient_id == patient_id).order_by(Surgery.created_at.desc()).limit(limit))
    return list(rows.scalars())


async def get_room(session: AsyncSession, room_id: uuid.UUID) -> OperatingRoom | None:
    """An OR room."""
    return await session.get(OperatingRoom, room_id)


async def rooms_of(session: AsyncSession, institution_id: uuid.UUID) -> list[OperatingRoom]:
    """The institution's rooms."""
    rows = await session.execute(select(OperatingRoom).where(OperatingRoom.institution_id == institution_id).order_by(OperatingRoom.code))
    return list(rows.scalars())


async def overlapping(session: AsyncSession, room_id: uuid.UUID, people: list[uuid.UUID], start: datetime, end: datetime) -> list[OrBooking]:
    """Bookings of the room or any of the people that overlap [start, end)."""
    who = [OrBooking.room_id == room_id, OrBooking.surgeon_id.in_(people), OrBooking.anaesthetist_id.in_(people)]
    rows = await session.execute(select(OrBooking).where(or_(*who), OrBooking.start_at < end, OrBooking.end_at > start))
    return list(rows.scalars())


async def insert_blocks(session: AsyncSession, rows: list[dict]) -> None:
    """Insert the booking's time blocks (sorted, so concurrent bookings lock keys in one global order)."""
    await session.execute(insert(OrTimeBlock), sorted(rows, key=lambda r: (r["resource"], r["block_start"])))


async def booking_of(session: AsyncSession, surgery_id: uuid.UUID) -> OrBooking | None:
    """The booking of a surgery."""
    return (await session.execute(select(OrBooking).where(OrBooking.surgery_id == surgery_id))).scalar_one_or_none()


async def delete_booking(session: AsyncSession, booking_id: uuid.UUID) -> None:
    """Free the booking's blocks and the booking."""
    await session.execute(delete(OrTimeBlock).where(OrTimeBlock.booking_id == booking_id))
    await session.execute(delete(OrBooking).where(OrBooking.id == booking_id))


async def procedures_of(session: AsyncSession, surgery_id: uuid.UUID) -> list[SurgeryProcedure]:
    """Performed codes."""
    rows = await session.execute(select(SurgeryProcedure).where(SurgeryProcedure.surgery_id == surgery_id).order_by(SurgeryProcedure.rank))
    return list(rows.scalars())


async def implants_of(session: AsyncSession, surgery_id: uuid.UUID) -> list[Implant]:
    """Implants of a surgery."""
    return list((await session.execute(select(Implant).where(Implant.surgery_id == surgery_id))).scalars())


async def complications_of(session: AsyncSession, surgery_id: uuid.UUID) -> list[Complication]:
    """Complications of a surgery."""
    rows = await session.execute(select(Complication).where(Complication.surgery_id == surgery_id).order_by(Complication.occurred_at))
    return list(rows.scalars())


async def search_implants(session: AsyncSession, institution_id: uuid.UUID, lot: str | None, udi: str | None, limit: int) -> list[Implant]:
    """Implants of the institution by exact lot and/or UDI (recalls)."""
    stmt = select(Implant).where(Implant.institution_id == institution_id)
    if lot:
        stmt = stmt.where(Implant.lot == lot)
    if udi:
        stmt = stmt.where(Implant.udi == udi)
    return list((await session.execute(stmt.order_by(Implant.implanted_at.desc()).limit(limit))).scalars())


async def day_schedule(session: AsyncSession, institution_id: uuid.UUID, start: datetime, end: datetime) -> list[tuple]:
    """Bookings of a day with room, surgery and patient name in one query."""
    stmt = (
        select(OrBooking, OperatingRoom.code, Surgery.id, Surgery.patient_id, Patient.name, Surgery.planned_procedure, Surgery.status)
        .join(OperatingRoom, OperatingRoom.id == OrBooking.room_id)
        .join(Surgery, Surgery.id == OrBooking.surgery_id)
        .join(Patient, Patient.id == Surgery.patient_id)
        .where(OperatingRoom.institution_id == institution_id, OrBooking.start_at < end, OrBooking.end_at > start)
        .order_by(OperatingRoom.code, OrBooking.start_at)
    )
    return list((await session.execute(stmt)).all())


async def clinicians(session: AsyncSession, institution_id: uuid.UUID, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are active doctors/department heads of the institution (security's table, read-only)."""
    from osteon.security.models import User

    rows = await session.execute(select(User.id).where(User.id.in_(ids), User.institution_id == institution_id,
                                                       User.is_active.is_(True), User.role.in_(("doctor", "dept_head"))))
    return set(rows.scalars())
