"""Every scheduling query."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.institutions.models import Department, Institution
from osteon.patients.models import Patient
from osteon.scheduling.models import ACTIVE_STATUSES, Appointment, ClinicSession, Slot, VisitCounter
from osteon.security.models import User


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> ClinicSession | None:
    """One clinic session."""
    return await session.get(ClinicSession, session_id)


async def lock_session(session: AsyncSession, session_id: uuid.UUID) -> ClinicSession | None:
    """Bump the session's version under its row lock (serialises every change to one queue) and reload it."""
    result = await session.execute(
        update(ClinicSession).where(ClinicSession.id == session_id)
        .values(version=ClinicSession.version + 1).returning(ClinicSession.id)
    )
    if result.scalar_one_or_none() is None:
        return None
    return (await session.execute(
        select(ClinicSession).where(ClinicSession.id == session_id).execution_options(populate_existing=True)
    )).scalar_one()


async def bump_queue_calls(session: AsyncSession, cs: ClinicSession) -> int:
    """Count one more call-next (the session row is already locked)."""
    cs.queue_calls += 1
    await session.flush()
    return cs.queue_calls


async def next_queue_no(session: AsyncSession, cs: ClinicSession) -> int:
    """The next queue number of the session (the session row is already locked)."""
    cs.next_queue_no += 1
    await session.flush()
    return cs.next_queue_no


async def find_session(session: AsyncSession, doctor_id: uuid.UUID, day: date, period: str) -> ClinicSession | None:
    """A doctor's session in a period."""
    q = select(ClinicSession).where(ClinicSession.doctor_id == doctor_id, ClinicSession.session_date == day,
                                    ClinicSession.period == period)
    return (await session.execute(q)).scalar_one_or_none()


async def list_sessions(
    session: AsyncSession, *, institution_id: uuid.UUID | None = None, department_ids: list[uuid.UUID] | None = None,
    doctor_id: uuid.UUID | None = None, date_from: date, date_to: date,
) -> list[tuple[ClinicSession, int, str, str, str]]:
    """Sessions in a date range with (booked count, department name, doctor name, doctor title)."""
    booked = (
        select(Slot.session_id, func.coalesce(func.sum(Slot.booked), 0).label("booked"))
        .group_by(Slot.session_id).subquery()
    )
    q = (
        select(ClinicSession, func.coalesce(booked.c.booked, 0), Department.name, User.full_name, User.title)
        .join(Department, Department.id == ClinicSession.department_id)
        .join(User, User.id == ClinicSession.doctor_id)
        .outerjoin(booked, booked.c.session_id == ClinicSession.id)
        .where(ClinicSession.session_date >= date_from, ClinicSession.session_date <= date_to)
        .order_by(ClinicSession.session_date, ClinicSession.starts_at, User.full_name)
    )
    if institution_id is not None:
        q = q.where(ClinicSession.institution_id == institution_id)
    if department_ids is not None:
        q = q.where(ClinicSession.department_id.in_(department_ids))
    if doctor_id is not None:
        q = q.where(ClinicSession.doctor_id == doctor_id)
    return [(cs, int(n), dn, un, ut) for cs, n, dn, un, ut in (await session.execute(q)).all()]


async def slots_of(session: AsyncSession, session_id: uuid.UUID) -> list[Slot]:
    """A session's slots in time order."""
    q = select(Slot).where(Slot.session_id == session_id).order_by(Slot.starts_at)
    return list((await session.execute(q)).scalars())


async def take_slot(session: AsyncSession, slot_id: uuid.UUID) -> bool:
    """Atomically take one place in a slot if any is left (a conditional UPDATE: no read-then-write race)."""
    result = await session.execute(
        update(Slot).where(Slot.id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1).returning(Slot.id)
    )
    return result.scalar_one_or_none() is not None


async def release_slot(session: AsyncSession, slot_id: uuid.UUID) -> None:
    """Give a place back."""
    await session.execute(update(Slot).where(Slot.id == slot_id, Slot.booked > 0).values(booked=Slot.booked - 1))


async def get_slot(session: AsyncSession, slot_id: uuid.UUID) -> Slot | None:
    """One slot."""
    return await session.get(Slot, slot_id)


async def get_appointment(session: AsyncSession, appointment_id: uuid.UUID) -> Appointment | None:
    """One appointment."""
    return await session.get(Appointment, appointment_id)


async def active_appointment(session: AsyncSession, session_id: uuid.UUID, patient_id: uuid.UUID) -> Appointment | None:
    """The patient's active appointment in a session."""
    q = select(Appointment).where(Appointment.session_id == session_id, Appointment.patient_id == patient_id,
                                  Appointment.status.in_(ACTIVE_STATUSES))
    return (await session.execute(q)).scalars().first()


async def session_entries(session: AsyncSession, session_id: uuid.UUID) -> list[tuple[Appointment, Patient]]:
    """Every appointment of a session with its patient."""
    q = (select(Appointment, Patient).join(Patient, Patient.id == Appointment.patient_id)
         .where(Appointment.session_id == session_id).order_by(Appointment.created_at))
    return [(a, p) for a, p in (await session.execute(q)).all()]


async def sessions_of_doctor_day(session: AsyncSession, doctor_id: uuid.UUID, day: date) -> list[ClinicSession]:
    """A doctor's sessions on a day."""
    q = (select(ClinicSession).where(ClinicSession.doctor_id == doctor_id, ClinicSession.session_date == day)
         .order_by(ClinicSession.starts_at))
    return list((await session.execute(q)).scalars())


async def sessions_of_departments_day(session: AsyncSession, department_ids: list[uuid.UUID], day: date) -> list[ClinicSession]:
    """Sessions of some departments on a day."""
    q = (select(ClinicSession).where(ClinicSession.department_id.in_(department_ids), ClinicSession.session_date == day)
         .order_by(ClinicSession.starts_at))
    return list((await session.execute(q)).scalars())


async def no_show_dates(session: AsyncSession, patient_id: uuid.UUID, since: date) -> list[date]:
    """The session dates of the patient's no-shows since ``since``."""
    q = select(Appointment.session_date).where(Appointment.patient_id == patient_id, Appointment.status == "no_show",
                                               Appointment.session_date >= since)
    return list((await session.execute(q)).scalars())


async def overdue_booked(session: AsyncSession, session_id: uuid.UUID) -> list[Appointment]:
    """Appointments still 'booked' (never checked in) in a session."""
    q = select(Appointment).where(Appointment.session_id == session_id, Appointment.status == "booked")
    return list((await session.execute(q)).scalars())


async def appointments_of_patient(session: AsyncSession, patient_id: uuid.UUID, since: date | None = None) -> list[Appointment]:
    """A patient's appointments, newest first."""
    q = select(Appointment).where(Appointment.patient_id == patient_id)
    if since is not None:
        q = q.where(Appointment.session_date >= since)
    return list((await session.execute(q.order_by(Appointment.session_date.desc(), Appointment.created_at.desc()))).scalars())


async def list_appointments(session: AsyncSession, institution_id: uuid.UUID, *, session_id: uuid.UUID | None,
                            patient_id: uuid.UUID | None, day: date | None, department_ids: list[uuid.UUID] | None,
                            limit: int, offset: int) -> tuple[list[Appointment], int]:
    """Appointments of an institution by filters."""
    conds: list[Any] = [Appointment.institution_id == institution_id]
    if session_id:
        conds.append(Appointment.session_id == session_id)
    if patient_id:
        conds.append(Appointment.patient_id == patient_id)
    if day:
        conds.append(Appointment.session_date == day)
    if department_ids is not None:
        conds.append(Appointment.department_id.in_(department_ids))
    total = (await session.execute(select(func.count()).select_from(Appointment).where(and_(*conds)))).scalar_one()
    q = select(Appointment).where(and_(*conds)).order_by(Appointment.session_date, Appointment.created_at).limit(limit).offset(offset)
    return list((await session.execute(q)).scalars()), int(total)


async def details(session: AsyncSession, appts: list[Appointment]) -> dict[str, dict[uuid.UUID, Any]]:
    """Names for a list of appointments in 4 queries (no N+1): patients, departments, doctors, sessions, slots."""
    if not appts:
        return {"patients": {}, "departments": {}, "users": {}, "sessions": {}, "slots": {}}
    pids = {a.patient_id for a in appts}
    dids = {a.department_id for a in appts}
    uids = {a.doctor_id for a in appts}
    sids = {a.session_id for a in appts}
    slids = {a.slot_id for a in appts}
    return {
        "patients": {p.id: p for p in (await session.execute(select(Patient).where(Patient.id.in_(pids)))).scalars()},
        "departments": {d.id: d for d in (await session.execute(select(Department).where(Department.id.in_(dids)))).scalars()},
        "users": {u.id: u for u in (await session.execute(select(User).where(User.id.in_(uids)))).scalars()},
        "sessions": {s.id: s for s in (await session.execute(select(ClinicSession).where(ClinicSession.id.in_(sids)))).scalars()},
        "slots": {s.id: s for s in (await session.execute(select(Slot).where(Slot.id.in_(slids)))).scalars()},
    }


async def next_visit_number(session: AsyncSession, institution_id: uuid.UUID, day: date) -> int:
    """Atomically take the institution's next visit number of the day (insert-or-increment)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(VisitCounter).values(institution_id=institution_id, day=day, value=1)
    stmt = stmt.on_conflict_do_update(index_elements=["institution_id", "day"],
                                      set_={"value": VisitCounter.value + 1}).returning(VisitCounter.value)
    return int((await session.execute(stmt)).scalar_one())


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """A user (doctor)."""
    return await session.get(User, user_id)


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department | None:
    """A department."""
    return await session.get(Department, department_id)


async def get_institution(session: AsyncSession, institution_id: uuid.UUID) -> Institution | None:
    """An institution."""
    return await session.get(Institution, institution_id)


async def users_of(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Users by id."""
    if not user_ids:
        return {}
    return {u.id: u for u in (await session.execute(select(User).where(User.id.in_(user_ids)))).scalars()}


async def portal_users_of_patient(session: AsyncSession, patient_id: uuid.UUID) -> list[uuid.UUID]:
    """Patient-portal accounts of a patient."""
    q = select(User.id).where(User.patient_id == patient_id, User.is_active.is_(True))
    return list((await session.execute(q)).scalars())


def now_between(start: datetime, end: datetime, now: datetime) -> bool:
    """start ≤ now < end."""
    return start <= now < end
