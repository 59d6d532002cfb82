"""Scheduling test helpers: a hospital with a doctor, a nurse and a clinic session placed around 'now'."""

from __future__ import annotations

import itertools
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from osteon.kit.models import utcnow
from osteon.patients import idcard
from osteon.scheduling import service
from osteon.scheduling.models import Appointment, ClinicSession, Slot
from osteon.scheduling.schemas import SessionCreate
from osteon.security.deps import hash_token
from osteon.security.models import AuthSession, User
from tests.conftest import login
from tests.factories import World, make_patient, make_world, system_actor, unique

_seq = itertools.count(1)


@dataclass
class Clinic:
    """A world with staff and one session."""

    world: World
    doctor_id: uuid.UUID
    doctor: tuple[str, str]
    nurse: tuple[str, str]
    session_id: uuid.UUID
    day: date


async def user_id(db, username: str) -> uuid.UUID:
    """A user's id."""
    async with db.sessionmaker() as s:
        return (await s.execute(select(User.id).where(User.username == username))).scalar_one()


async def shift_session(db, session_id: uuid.UUID, start_in: timedelta, duration: timedelta | None = None) -> None:
    """Move a session (and its slots) so it starts ``start_in`` from now (negative: already started)."""
    async with db.transaction() as s:
        cs = await s.get(ClinicSession, session_id)
        length = duration or (cs.ends_at - cs.starts_at)
        new_start = utcnow() + start_in
        delta = new_start - cs.starts_at
        scale = length / (cs.ends_at - cs.starts_at)
        slots = list((await s.execute(select(Slot).where(Slot.session_id == session_id))).scalars())
        for sl in slots:
            sl.starts_at = new_start + (sl.starts_at - cs.starts_at) * scale
            sl.ends_at = new_start + (sl.ends_at - cs.starts_at) * scale
        cs.ends_at = new_start + length
        cs.starts_at = cs.starts_at + delta


async def make_clinic(db, app, settings, *, capacity: int = 10, slot_minutes: int = 15,
                      start_in: timedelta = timedelta(hours=-1), duration: timedelta = timedelta(hours=4),
                      day_offset: int = 0) -> Clinic:
    """A hospital, a doctor and nurse (logins), and one session of the doctor placed around now."""
    world = await make_world(db)
    doctor = await fast_user(db, world, "doctor")
    nurse = await fast_user(db, world, "nurse")
    doctor_id = await user_id(db, doctor[0])
    day = service.local_today(None) + timedelta(days=day_offset)
    async with db.transaction() as s:
        actor = system_actor(world, "nurse")
        s.info["actor"] = actor
        cs = await service.create_session(s, actor, SessionCreate(
            doctor_id=doctor_id, department_id=world.spine.id, session_date=day, period="morning",
            slot_minutes=slot_minutes, capacity=capacity, fee_category="associate", room="脊柱2诊室"))
        sid = cs.id
    await shift_session(db, sid, start_in + timedelta(days=day_offset), duration)
    return Clinic(world, doctor_id, doctor, nurse, sid, day)


async def headers(client, who: tuple[str, str]) -> dict[str, str]:
    """Bearer headers for a user made by :func:`fast_user` (or a real login for a (username, password))."""
    if who[1].startswith("token:"):
        return {"Authorization": f"Bearer {who[1][6:]}"}
    return await login(client, *who)


async def fast_user(db, world: World, role: str, *, department="ortho", patient_id: uuid.UUID | None = None) -> tuple[str, str]:
    """A user with a live session token, without the (deliberately slow) Argon2 hashing of a real login.
    Returns (username, "token:<token>") for :func:`headers`."""
    dep = world.ortho if department == "ortho" else department
    username = unique(role[:4])
    token = secrets.token_urlsafe(32)
    async with db.transaction() as s:
        u = User(username=username, full_name=f"测试{role}", role=role, institution_id=world.institution.id,
                 department_id=dep.id if dep else None, patient_id=patient_id, password_hash="!",
                 must_change_password=False)
        s.add(u)
        await s.flush()
        now = utcnow()
        s.add(AuthSession(user_id=u.id, token_hash=hash_token(token), csrf_token="x", created_at=now, last_seen_at=now,
                          expires_at=now + timedelta(hours=8)))
    return username, f"token:{token}"


async def patients(db, app, world: World, n: int, **fields):
    """``n`` new patients in the world (an ID number matching ``birth_date`` when given)."""
    out = []
    for _ in range(n):
        extra = dict(fields)
        if "birth_date" in extra:
            seq = next(_seq) % 1000
            first17 = f"510104{extra['birth_date']:%Y%m%d}{seq:03d}"
            extra["id_number"] = first17 + idcard.check_digit(first17)
        out.append(await make_patient(db, app.state.cipher, world, **extra))
    return out


async def appointment(db, appointment_id: uuid.UUID) -> Appointment:
    """Re-read an appointment."""
    async with db.sessionmaker() as s:
        return await s.get(Appointment, appointment_id)


async def set_status(db, appointment_id: uuid.UUID, **values) -> None:
    """Force columns of an appointment (test set-up only)."""
    async with db.transaction() as s:
        await s.execute(update(Appointment).where(Appointment.id == appointment_id).values(**values))
