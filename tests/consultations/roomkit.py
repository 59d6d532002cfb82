"""Test helpers for the consultation room: an accepted consultation with a requester, an expert and a colleague
(rows written through part A's models, exactly what its accept/invite steps leave behind)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from osteon.consultations.models import Consultation, Participant
from osteon.kit.models import utcnow
from osteon.security.models import AccessGrant, User
from tests.factories import World, make_patient, make_world
from tests.scheduling.helpers import fast_user


@dataclass
class Person:
    """A user with a live session token."""

    user_id: str
    username: str
    token: str


@dataclass
class Room:
    """An accepted consultation ready for its room."""

    id: uuid.UUID
    topic: str
    county: World
    provincial: World
    requester: Person
    expert: Person
    colleague: Person
    patient_id: uuid.UUID


async def person(db, world: World, role: str) -> Person:
    """A fast user (no Argon2) and its id."""
    username, token = await fast_user(db, world, role)
    async with db.transaction() as s:
        uid = (await s.execute(select(User.id).where(User.username == username))).scalar_one()
    return Person(str(uid), username, token[6:])


async def make_room(db, app, *, status: str = "accepted") -> Room:
    """A county doctor's consultation accepted by a provincial expert, with a colleague invited."""
    county = await make_world(db)
    provincial = await make_world(db, level="provincial_tertiary")
    patient = await make_patient(db, app.state.cipher, county)
    requester = await person(db, county, "doctor")
    expert = await person(db, provincial, "expert")
    colleague = await person(db, provincial, "doctor")
    now = utcnow()
    async with db.transaction() as s:
        c = Consultation(patient_id=patient.id, requester_id=uuid.UUID(requester.user_id),
                         requesting_institution_id=county.institution.id,
                         target_institution_id=provincial.institution.id, expert_id=uuid.UUID(expert.user_id),
                         type="imaging", urgency="urgent", question="L4/5 滑脱?", status=status,
                         scheduled_at=now, sla_due_at=now + timedelta(hours=2), responded_at=now)
        s.add(c)
        await s.flush()
        s.add_all([
            Participant(consultation_id=c.id, user_id=uuid.UUID(requester.user_id), role="requester"),
            Participant(consultation_id=c.id, user_id=uuid.UUID(expert.user_id), role="expert"),
            Participant(consultation_id=c.id, user_id=uuid.UUID(colleague.user_id), role="colleague"),
        ])
        for p in (expert, colleague):
            s.add(AccessGrant(grantee_id=uuid.UUID(p.user_id), patient_id=patient.id, source="consultation",
                              consultation_id=c.id, scope=[], reason="consultation", ends_at=now + timedelta(days=2)))
        cid = c.id
    return Room(cid, f"consult:{cid}", county, provincial, requester, expert, colleague, patient.id)
