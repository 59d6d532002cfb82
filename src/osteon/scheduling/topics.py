"""The queue's WebSocket topics: who may subscribe and the snapshot each one starts from (read from the DB)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.kit.errors import NotFound
from osteon.realtime.hub import register_topic
from osteon.scheduling import permissions as perms
from osteon.scheduling import repository as repo
from osteon.scheduling import service
from osteon.security import audit
from osteon.security.deps import Actor

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _uuid(text: str) -> uuid.UUID:
    """Parse or 404."""
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise NotFound() from exc


async def _doctor_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``queue:<doctor>:<date>``: clinical staff of the doctor's institution."""
    try:
        date.fromisoformat(m["date"])
    except ValueError as exc:
        raise NotFound() from exc
    doctor = await repo.get_user(session, _uuid(m["doctor_id"]))
    if doctor is None or doctor.institution_id != actor.institution_id:
        raise NotFound()
    return perms.can(actor, "queue:view")


async def _doctor_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """The doctor's queues that day."""
    audit.record(session, "queue.read", resource_type="Practitioner", resource_id=m["doctor_id"], actor=actor)
    return await service.doctor_day_state(session, _uuid(m["doctor_id"]), date.fromisoformat(m["date"]))


async def _patient_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``queue-patient:<appointment>``: the patient themself, or staff of the institution."""
    appt = await repo.get_appointment(session, _uuid(m["appointment_id"]))
    if appt is None:
        raise NotFound()
    if perms.is_patient(actor):
        if appt.patient_id != actor.patient_id:
            raise NotFound()  # someone else's appointment looks like no appointment (SECURITY 9)
        return True
    if appt.institution_id != actor.institution_id:
        raise NotFound()
    return perms.can(actor, "queue:view")


async def _patient_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """The patient's position and ETA."""
    appt = await repo.get_appointment(session, _uuid(m["appointment_id"]))
    assert appt is not None
    cs = await repo.get_session(session, appt.session_id)
    assert cs is not None
    doctor = await repo.get_user(session, cs.doctor_id)
    entries = await repo.session_entries(session, cs.id)
    return service.patient_state(cs, entries, appt, doctor.full_name if doctor else "")


async def _display_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``queue-display:<department>``: a staff account of the institution (the screen logs in as one)."""
    dep = await repo.get_department(session, _uuid(m["department_id"]))
    if dep is None or dep.institution_id != actor.institution_id:
        raise NotFound()
    return perms.can(actor, "queue:view")


async def _display_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Today's board of the department (masked names)."""
    dep = await repo.get_department(session, _uuid(m["department_id"]))
    assert dep is not None
    inst = await repo.get_institution(session, dep.institution_id)
    today = service.local_today(inst.timezone if inst else None)
    return await service.department_display_state(session, dep.id, today)


def register() -> None:
    """Register the three queue topics with the hub."""
    register_topic(rf"queue:(?P<doctor_id>{UUID}):(?P<date>\d{{4}}-\d{{2}}-\d{{2}})", _doctor_authorize, _doctor_snapshot,
                   name="queue")
    register_topic(rf"queue-patient:(?P<appointment_id>{UUID})", _patient_authorize, _patient_snapshot, name="queue-patient")
    register_topic(rf"queue-display:(?P<department_id>{UUID})", _display_authorize, _display_snapshot, name="queue-display")
