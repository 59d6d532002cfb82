"""Two hospitals for consultation tests: a county hospital (requesting doctor, patient) and a provincial one
(expert, department head, another doctor). Unique per call, so tests never share rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from osteon.security.models import User
from tests.conftest import login
from tests.factories import World, make_patient, make_user, make_world

CONSENT = {"given_by": "patient", "method": "written", "note": "签署知情同意书"}


@dataclass
class Person:
    """A logged-in test user."""

    username: str
    id: uuid.UUID
    headers: dict[str, str]


@dataclass
class Hospitals:
    """The cast of a consultation."""

    county: World
    provincial: World
    doctor: Person
    expert: Person
    head: Person
    other: Person  # a doctor at the provincial hospital with no part in the consultation
    patient: Any
    other_patient: Any
    extra: dict[str, Any] = field(default_factory=dict)


async def person(app, db, settings, client, world: World, role: str, department: Any = "ortho") -> Person:
    """Create and log in a user."""
    username, password = await make_user(db, settings, app.state.cipher, world, role, department=department)
    async with db.transaction() as s:
        uid = (await s.execute(select(User.id).where(User.username == username))).scalar_one()
    return Person(username, uid, await login(client, username, password))


async def hospitals(app, db, settings, client) -> Hospitals:
    """A county hospital asking a provincial hospital."""
    county = await make_world(db)
    provincial = await make_world(db, level="provincial_tertiary")
    doctor = await person(app, db, settings, client, county, "doctor")
    expert = await person(app, db, settings, client, provincial, "expert", department=provincial.spine)
    head = await person(app, db, settings, client, provincial, "dept_head")
    other = await person(app, db, settings, client, provincial, "doctor")
    patient = await make_patient(db, app.state.cipher, county, name="王建国")
    other_patient = await make_patient(db, app.state.cipher, county, name="赵六")
    return Hospitals(county, provincial, doctor, expert, head, other, patient, other_patient)


def soon(minutes: int = 60) -> str:
    """An ISO time with zone, ``minutes`` from now."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


async def create(client, h: Hospitals, *, expert: bool = True, urgency: str = "routine", shared: list | None = None,
                 **over: Any) -> dict[str, Any]:
    """Request a consultation (to the named expert unless ``expert=False``)."""
    body = {"patient_id": str(h.patient.id), "type": "preop_assessment", "urgency": urgency,
            "question": "L4/5 椎管狭窄,请评估手术指征", "target_institution_id": str(h.provincial.institution.id),
            "subspecialty": "SPINE", "shared": shared or [], "consent": CONSENT}
    if expert:
        body["preferred_expert_id"] = str(h.expert.id)
    body.update(over)
    r = await client.post("/api/v1/consultations", json=body, headers=h.doctor.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def accepted(client, h: Hospitals, **kw: Any) -> dict[str, Any]:
    """A consultation the expert accepted for an hour from now."""
    c = await create(client, h, **kw)
    r = await client.post(f"/api/v1/consultations/{c['id']}/accept", json={"scheduled_at": soon()}, headers=h.expert.headers)
    assert r.status_code == 200, r.text
    return r.json()
