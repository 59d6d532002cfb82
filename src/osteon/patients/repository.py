"""Every patient query; reads are filtered by what the acting user may see (SECURITY 9)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.patients.models import Patient, PatientIdentifier
from osteon.security.deps import Actor
from osteon.security.models import AccessGrant, CareRelationship
from osteon.security.permissions import ADMIN_ROLES, Role


def _shared_selects(user_id: Any, now: Any) -> tuple[Select, Select]:
    """Patient ids shared with the user ``user_id``: open care relationships, and active grants (``user_id`` and
    ``now`` are values, or bound parameters in statements built once)."""
    cared = select(CareRelationship.patient_id).where(
        CareRelationship.user_id == user_id,
        or_(CareRelationship.ends_at.is_(None), CareRelationship.ends_at > now),
    )
    granted = select(AccessGrant.patient_id).where(
        AccessGrant.grantee_id == user_id,
        AccessGrant.revoked_at.is_(None),
        AccessGrant.starts_at <= now,
        AccessGrant.ends_at > now,
    )
    return cared, granted


async def shared_patient_ids(session: AsyncSession, actor: Actor, now: datetime) -> list[uuid.UUID]:
    """Patients outside the actor's home scope that they may see: care relationships and active grants."""
    cared, granted = _shared_selects(actor.user_id, now)
    return list((await session.execute(cared.union(granted))).scalars())


async def active_grants(session: AsyncSession, actor: Actor, now: datetime,
                        patient_id: uuid.UUID | None = None) -> list[AccessGrant]:
    """The actor's grants in force now (optionally for one patient)."""
    q = select(AccessGrant).where(AccessGrant.grantee_id == actor.user_id, AccessGrant.revoked_at.is_(None),
                                  AccessGrant.starts_at <= now, AccessGrant.ends_at > now)
    if patient_id is not None:
        q = q.where(AccessGrant.patient_id == patient_id)
    return list((await session.execute(q)).scalars())


def _sharing_statement() -> CompoundSelect:
    """(is_grant, patient_id, scope) of a user's open care relationships and active grants, one UNION ALL."""
    cared, granted = _shared_selects(bindparam("user_id"), bindparam("now"))
    return granted.with_only_columns(literal_column("1", Integer), AccessGrant.patient_id, AccessGrant.scope).union_all(
        cared.with_only_columns(literal_column("0", Integer), CareRelationship.patient_id, cast(null(), JSON)))


# Built once: a DICOMweb query runs it on every request, and building it costs more Python time than running it.
_SHARING = _sharing_statement()


async def shared_with(session: AsyncSession, actor: Actor, now: datetime
                      ) -> tuple[list[uuid.UUID], list[tuple[uuid.UUID, list[str] | None]]]:
    """The actor's open care relationships (patient ids) and active grants ((patient id, scope)), read together in
    one statement — the same conditions as :func:`_shared_selects` and :func:`active_grants`."""
    cared: list[uuid.UUID] = []
    grants: list[tuple[uuid.UUID, list[str] | None]] = []
    for is_grant, patient_id, scope in await session.execute(_SHARING, {"user_id": actor.user_id, "now": now}):
        if is_grant:
            grants.append((patient_id, scope))
        else:
            cared.append(patient_id)
    return cared, grants


async def full_access_ids(session: AsyncSession, actor: Actor, now: datetime,
                          grants: list[AccessGrant] | None = None) -> list[uuid.UUID]:
    """Shared patients whose whole record the actor may see: care relationships and unscoped grants
    (break-the-glass); patients shared only through scoped grants (consultations) are not among them.
    ``grants``: the actor's active grants if the caller has already read them."""
    cared, _ = _shared_selects(actor.user_id, now)
    ids = set((await session.execute(cared)).scalars())
    if grants is None:
        grants = await active_grants(session, actor, now)
    ids.update(g.patient_id for g in grants if g.scope is None)
    return list(ids)


def _shared_subquery(user_id: Any, now: Any) -> ColumnElement[bool]:
    """Care relationships and grants as a subquery (for callers that cannot look the ids up first)."""
    cared, granted = _shared_selects(user_id, now)
    return or_(Patient.id.in_(cared), Patient.id.in_(granted))


def _scope_kind(actor: Actor) -> str:
    """Which rule decides what ``actor`` sees: ``patient`` (own record), ``none`` (administrators, or a patient
    account without a record), ``department`` (clinicians of a department) or ``institution``."""
    if actor.role == Role.PATIENT:
        return "patient" if actor.patient_id else "none"
    if actor.role in ADMIN_ROLES:
        return "none"  # 三员分立: administrators manage the system, not patients
    if actor.department_ids and actor.role != Role.TECHNICIAN:
        # Radiographers serve every department of their hospital, so only clinicians are
        # limited to their own department's patients.
        return "department"
    return "institution"


def _home(kind: str, institution_id: Any, department_ids: Any) -> ColumnElement[bool]:
    """The patients of the actor's own hospital (and department, for ``department``); values or bound parameters."""
    if kind == "department":
        return and_(
            Patient.institution_id == institution_id,
            or_(Patient.department_id.in_(department_ids), Patient.department_id.is_(None)),
        )
    return Patient.institution_id == institution_id


def readable_by(actor: Actor, shared_ids: list[uuid.UUID] | datetime) -> ColumnElement[bool]:
    """The patients ``actor`` may see: own institution/department, plus patients shared with them
    (care relationships, active grants) given as ids looked up first — a short list, so PostgreSQL can
    combine index scans — or, given a time, as subqueries."""
    kind = _scope_kind(actor)
    if kind == "patient":
        return Patient.id == actor.patient_id
    if kind == "none":
        return false()
    home = _home(kind, actor.institution_id, actor.department_ids)
    if isinstance(shared_ids, datetime):
        return or_(home, _shared_subquery(actor.user_id, shared_ids))
    return or_(home, Patient.id.in_(shared_ids)) if shared_ids else home


_READABLE_NOW: dict[str, ColumnElement[bool]] = {}


def readable_now(actor: Actor) -> tuple[str, ColumnElement[bool], dict[str, Any]]:
    """:func:`readable_by` at the time bound as ``r_now`` (care relationships and grants as subqueries), with
    the actor's values as bound parameters, for statements built once and run on every request: (kind, the
    condition — one object per kind, so callers may cache what they build on it by kind, the parameters —
    ``r_now`` excepted). Same rules as :func:`readable_by`; nothing about the actor is cached."""
    kind = _scope_kind(actor)
    condition = _READABLE_NOW.get(kind)
    if condition is None:
        if kind == "patient":
            condition = Patient.id == bindparam("r_patient_id")
        elif kind == "none":
            condition = false()
        else:
            home = _home(kind, bindparam("r_institution_id"), bindparam("r_department_ids", expanding=True))
            condition = or_(home, _shared_subquery(bindparam("r_user_id"), bindparam("r_now")))
        _READABLE_NOW[kind] = condition
    params: dict[str, Any] = {"r_patient_id": actor.patient_id, "r_institution_id": actor.institution_id,
                              "r_department_ids": list(actor.department_ids), "r_user_id": actor.user_id}
    return kind, condition, params


async def readable_filter(session: AsyncSession, actor: Actor, now: datetime) -> ColumnElement[bool]:
    """:func:`readable_by` with the shared ids looked up (none needed for patients and administrators)."""
    if actor.role == Role.PATIENT or actor.role in ADMIN_ROLES:
        return readable_by(actor, [])
    return readable_by(actor, await shared_patient_ids(session, actor, now))


async def get_readable(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, now: datetime) -> Patient | None:
    """The patient if it exists and ``actor`` may see it, else None (the two are indistinguishable)."""
    q = select(Patient).where(Patient.id == patient_id, await readable_filter(session, actor, now))
    return (await session.execute(q)).scalar_one_or_none()


async def get_any(session: AsyncSession, patient_id: uuid.UUID) -> Patient | None:
    """Unfiltered read — only for system paths (DICOM matching, break-the-glass checks)."""
    return await session.get(Patient, patient_id)


async def get_by_mrn(session: AsyncSession, mrn: str) -> Patient | None:
    """Unfiltered lookup by MRN — for system integrations that match on it."""
    return (await session.execute(select(Patient).where(Patient.mrn == mrn))).scalar_one_or_none()


async def search(
    session: AsyncSession, actor: Actor, now: datetime, condition: ColumnElement[bool] | None, limit: int, offset: int
) -> tuple[list[Patient], int]:
    """Readable, unmerged patients matching ``condition``."""
    where = [await readable_filter(session, actor, now), Patient.merged_into_id.is_(None)]
    if condition is not None:
        where.append(condition)
    total = (await session.execute(select(func.count()).select_from(Patient).where(*where))).scalar_one()
    rows = (
        await session.execute(select(Patient).where(*where).order_by(Patient.name, Patient.mrn).limit(limit).offset(offset))
    ).scalars().all()
    return list(rows), total


async def find_duplicates(
    session: AsyncSession, institution_id: uuid.UUID, *, id_bidx: str | None, name: str, birth_date, phone_bidx: str | None
) -> tuple[list[Patient], bool]:
    """Likely duplicates in the institution: (rows, same-ID-number?)."""
    base = [Patient.institution_id == institution_id, Patient.merged_into_id.is_(None)]
    if id_bidx:
        same_id = (await session.execute(select(Patient).where(*base, Patient.id_number_bidx == id_bidx))).scalars().all()
        if same_id:
            return list(same_id), True
    likely = [and_(Patient.name == name, Patient.phone_bidx == phone_bidx)] if phone_bidx else []
    if birth_date is not None:
        likely.append(and_(Patient.name == name, Patient.birth_date == birth_date))
    if not likely:
        return [], False
    rows = (await session.execute(select(Patient).where(*base, or_(*likely)).limit(10))).scalars().all()
    return list(rows), False


async def identifiers_of(session: AsyncSession, patient_id: uuid.UUID) -> list[PatientIdentifier]:
    """The patient's identifiers in other systems."""
    q = select(PatientIdentifier).where(PatientIdentifier.patient_id == patient_id).order_by(PatientIdentifier.system)
    return list((await session.execute(q)).scalars())


async def find_by_identifier(session: AsyncSession, system: str, value: str) -> Patient | None:
    """Unfiltered lookup by an external identifier (HIS ID) — for integrations."""
    q = select(Patient).join(PatientIdentifier, PatientIdentifier.patient_id == Patient.id).where(
        PatientIdentifier.system == system, PatientIdentifier.value == value
    )
    return (await session.execute(q)).scalar_one_or_none()


async def move_identifiers(session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Re-point identifiers during a merge."""
    await session.execute(update(PatientIdentifier).where(PatientIdentifier.patient_id == from_id).values(patient_id=to_id))


async def move_access(session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Re-point care relationships and grants during a merge."""
    await session.execute(update(CareRelationship).where(CareRelationship.patient_id == from_id).values(patient_id=to_id))
    await session.execute(update(AccessGrant).where(AccessGrant.patient_id == from_id).values(patient_id=to_id))


async def has_care_relationship(session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID) -> bool:
    """True when the user already has an open care relationship."""
    q = select(CareRelationship.id).where(
        CareRelationship.user_id == user_id, CareRelationship.patient_id == patient_id, CareRelationship.ends_at.is_(None)
    )
    return (await session.execute(q)).first() is not None
