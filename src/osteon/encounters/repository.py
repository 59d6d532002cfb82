"""Every query of the encounter domain."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters.models import (
    ClinicalCounter,
    Diagnosis,
    Encounter,
    EncounterRecord,
    EncounterRecordVersion,
    ScoreObservation,
)


async def next_counter(session: AsyncSession, key: str) -> int:
    """Increment and return counter ``key``; the row lock serialises concurrent allocations."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    await session.execute(dialect_insert(ClinicalCounter).values(key=key, value=0).on_conflict_do_nothing(index_elements=["key"]))
    result = await session.execute(
        update(ClinicalCounter).where(ClinicalCounter.key == key).values(value=ClinicalCounter.value + 1)
        .returning(ClinicalCounter.value)
    )
    return int(result.scalar_one())


async def get_encounter(session: AsyncSession, encounter_id: uuid.UUID) -> Encounter | None:
    """An encounter by id."""
    return await session.get(Encounter, encounter_id)


async def get_record(session: AsyncSession, encounter_id: uuid.UUID, *, for_update: bool = False) -> EncounterRecord | None:
    """The record of an encounter."""
    stmt = select(EncounterRecord).where(EncounterRecord.encounter_id == encounter_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def diagnoses_of(session: AsyncSession, encounter_id: uuid.UUID) -> list[Diagnosis]:
    """Diagnoses in rank order."""
    rows = await session.execute(select(Diagnosis).where(Diagnosis.encounter_id == encounter_id).order_by(Diagnosis.rank))
    return list(rows.scalars())


async def replace_diagnoses(session: AsyncSession, encounter_id: uuid.UUID, rows: list[dict]) -> None:
    """Replace the encounter's diagnosis rows."""
    await session.execute(delete(Diagnosis).where(Diagnosis.encounter_id == encounter_id))
    if rows:
        await session.execute(insert(Diagnosis), rows)


async def scores_of(session: AsyncSession, encounter_id: uuid.UUID) -> list[ScoreObservation]:
    """Scores recorded in an encounter."""
    rows = await session.execute(
        select(ScoreObservation).where(ScoreObservation.encounter_id == encounter_id).order_by(ScoreObservation.recorded_at)
    )
    return list(rows.scalars())


async def scores_of_patient(session: AsyncSession, patient_id: uuid.UUID, code: str | None, limit: int) -> list[ScoreObservation]:
    """A patient's scores across visits, oldest first (the newest ``limit``)."""
    stmt = select(ScoreObservation).where(ScoreObservation.patient_id == patient_id)
    if code is not None:
        stmt = stmt.where(ScoreObservation.code == code)
    rows = await session.execute(stmt.order_by(ScoreObservation.recorded_at.desc()).limit(limit))
    return list(reversed(list(rows.scalars())))


async def versions_of(session: AsyncSession, record_id: uuid.UUID) -> list[EncounterRecordVersion]:
    """Signed and amended versions, oldest first."""
    rows = await session.execute(
        select(EncounterRecordVersion).where(EncounterRecordVersion.record_id == record_id).order_by(EncounterRecordVersion.revision)
    )
    return list(rows.scalars())


async def encounters_of_patient(session: AsyncSession, patient_id: uuid.UUID, limit: int, offset: int) -> list[tuple[Encounter, str, str | None]]:
    """A patient's encounters, newest first, with the chief complaint and the record status."""
    rows = await session.execute(
        select(Encounter, EncounterRecord.chief_complaint, EncounterRecord.status)
        .outerjoin(EncounterRecord, EncounterRecord.encounter_id == Encounter.id)
        .where(Encounter.patient_id == patient_id)
        .order_by(Encounter.started_at.desc())
        .limit(limit).offset(offset)
    )
    return [(e, cc or "", st) for e, cc, st in rows.all()]


async def department_institution(session: AsyncSession, department_id: uuid.UUID) -> uuid.UUID | None:
    """The institution of a department (institutions' table, read-only), or None if there is no such department."""
    from osteon.institutions.models import Department

    return (await session.execute(select(Department.institution_id).where(Department.id == department_id))).scalar_one_or_none()
