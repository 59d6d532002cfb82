"""Every viewer query."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.viewer.models import StudyAnnotations, ViewerPresets


async def annotations_of(session: AsyncSession, study_uid: str, *, for_update: bool = False) -> StudyAnnotations | None:
    """The annotation row of a study, if any (locked on PostgreSQL when about to write)."""
    stmt = select(StudyAnnotations).where(StudyAnnotations.study_instance_uid == study_uid)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def presets_of(session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False) -> ViewerPresets | None:
    """A user's presets row, if any."""
    stmt = select(ViewerPresets).where(ViewerPresets.user_id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, row: StudyAnnotations | ViewerPresets) -> None:
    """Stage a new row."""
    session.add(row)


async def repoint_patient(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Annotation sets of a merged-away patient follow the survivor."""
    await session.execute(update(StudyAnnotations).where(StudyAnnotations.patient_id == duplicate_id)
                          .values(patient_id=survivor_id))
