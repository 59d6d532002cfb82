"""A small clinical world for the clinical-workflow tests: staff with logins, a patient, a ward with beds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx

from osteon.institutions.models import Ward
from tests.conftest import login
from tests.factories import World, make_patient, make_user, make_world, unique

_CACHE: dict = {}


@dataclass
class Clinic:
    """Logins (bearer headers) per role, one patient, the world."""

    world: World
    headers: dict[str, dict[str, str]]
    user_ids: dict[str, uuid.UUID]
    patient_id: uuid.UUID
    extra: dict = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        """Headers of a role."""
        return self.headers[role]


async def make_clinic(app, db, settings, client: httpx.AsyncClient, roles=("doctor", "nurse", "dept_head", "technician"), fresh: bool = False) -> Clinic:
    """A world with one user per role (all in orthopedics; logins cached per worker) and a new patient."""
    from sqlalchemy import select

    key = (id(app), tuple(roles))
    if key in _CACHE and not fresh:
        base = _CACHE[key]
        patient = await make_patient(db, app.state.cipher, base.world)
        return Clinic(base.world, dict(base.headers), dict(base.user_ids), patient.id)

    from osteon.security.models import User

    world = await make_world(db)
    headers, ids = {}, {}
    for role in roles:
        username, password = await make_user(db, settings, app.state.cipher, world, role)
        headers[role] = await login(client, username, password)
        async with db.sessionmaker() as s:
            ids[role] = (await s.execute(select(User.id).where(User.username == username))).scalar_one()
    patient = await make_patient(db, app.state.cipher, world)
    if not fresh:
        _CACHE[key] = Clinic(world, headers, ids, patient.id)
    return Clinic(world, dict(headers), dict(ids), patient.id)


async def second_user(app, db, settings, client, clinic: Clinic, role: str, key: str) -> None:
    """Add another user of ``role`` to the clinic under ``key``."""
    from sqlalchemy import select

    from osteon.security.models import User

    username, password = await make_user(db, settings, app.state.cipher, clinic.world, role)
    clinic.headers[key] = await login(client, username, password)
    async with db.sessionmaker() as s:
        clinic.user_ids[key] = (await s.execute(select(User.id).where(User.username == username))).scalar_one()


async def make_ward(db, clinic: Clinic) -> uuid.UUID:
    """A ward of the clinic's orthopedics department."""
    async with db.transaction() as s:
        ward = Ward(institution_id=clinic.world.institution.id, department_id=clinic.world.ortho.id, code=unique("W")[:30], name="骨科病区")
        s.add(ward)
        await s.flush()
        return ward.id


async def open_encounter(client: httpx.AsyncClient, clinic: Clinic, **extra: object) -> dict:
    """An outpatient encounter for the clinic's patient."""
    r = await client.post("/api/v1/encounters", json={"patient_id": str(clinic.patient_id), "subspecialty": "spine", **extra},
                          headers=clinic.h("doctor"))
    assert r.status_code == 201, r.text
    return r.json()
