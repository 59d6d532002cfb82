"""Small factories: each call makes uniquely named rows so tests never collide."""

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import date

from osteon.db import Database
from osteon.institutions.models import Department, Institution
from osteon.patients import idcard
from osteon.patients.schemas import PatientCreate
from osteon.patients.service import register
from osteon.security.crypto import FieldCipher
from osteon.security.deps import Actor
from osteon.security.models import User
from osteon.security.permissions import permissions_of
from osteon.security.service import create_user

PASSWORD = "Factory-Passw0rd!"
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A short unique token."""
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}"


def id_number(born: date | None = None, male: bool = True, region: str = "510104") -> str:
    """A valid resident ID number, random birth date and sequence unless given."""
    born = born or date(random.randint(1930, 2015), random.randint(1, 12), random.randint(1, 28))
    seq = random.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_digit(first17)


def phone() -> str:
    """A random mobile number."""
    return f"139{random.randrange(0, 10**8):08d}"


@dataclass
class World:
    """An institution with an orthopedics department and a spine unit."""

    institution: Institution
    ortho: Department
    spine: Department
    radiology: Department
    registrar_id: uuid.UUID


async def make_world(db: Database, level: str = "county") -> World:
    """Create an institution with departments."""
    async with db.transaction() as s:
        code = unique("I")[:30]
        prefix = "T" + uuid.uuid4().hex[:6].upper()
        inst = Institution(code=code, name=f"测试医院{code}", level=level, mrn_prefix=prefix)
        s.add(inst)
        await s.flush()
        ortho = Department(institution_id=inst.id, code="ORTHO", name="骨科")
        rad = Department(institution_id=inst.id, code="RAD", name="放射科")
        s.add_all([ortho, rad])
        await s.flush()
        spine = Department(institution_id=inst.id, parent_id=ortho.id, code="SPINE", name="脊柱外科", subspecialty="spine")
        s.add(spine)
        await s.flush()
        registrar = User(username=unique("reg"), full_name="登记员", role="doctor", institution_id=inst.id,
                         department_id=ortho.id, password_hash="!", must_change_password=False)
        s.add(registrar)
        await s.flush()
        return World(inst, ortho, spine, rad, registrar.id)


async def make_user(db: Database, settings, cipher: FieldCipher, world: World, role: str = "doctor", *,
                    department: Department | None | str = "ortho", must_change: bool = False, password: str = PASSWORD,
                    patient_id: uuid.UUID | None = None) -> tuple[str, str]:
    """Create an account; returns (username, password)."""
    dep = world.ortho if department == "ortho" else department
    username = unique(role[:4])
    async with db.transaction() as s:
        _user, _ = await create_user(s, settings, cipher, username=username, full_name="测试用户", role=role,
                                    institution_id=world.institution.id, department_id=dep.id if dep else None,
                                    password=password, must_change_password=must_change, patient_id=patient_id)
    return username, password


def system_actor(world: World, role: str = "doctor", department: Department | None = None) -> Actor:
    """An Actor for calling services directly."""
    dep = department or world.ortho
    return Actor(user_id=world.registrar_id, username="factory", full_name="factory", role=role,
                 institution_id=world.institution.id, department_id=dep.id, department_ids=frozenset({dep.id}),
                 patient_id=None, permissions=permissions_of(role))


async def make_patient(db: Database, cipher: FieldCipher, world: World, *, name: str | None = None,
                       department: Department | None = None, **fields: object):
    """Register a patient through the service (with its audit trail)."""
    actor = system_actor(world, department=department)
    data = PatientCreate(name=name or f"患者{unique('')[-4:]}", id_number=fields.pop("id_number", id_number()),
                         phone=fields.pop("phone", phone()), **fields)
    async with db.transaction() as s:
        s.info["actor"] = actor
        p = await register(s, actor, cipher, data, force=True)
    return p
