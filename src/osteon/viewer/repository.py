"""Every viewer query."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging.models import Instance
from osteon.viewer.models import SrImport, StudyAnnotations, UidIssuer, ViewerPresets


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


def add(session: AsyncSession, row: StudyAnnotations | ViewerPresets | SrImport) -> None:
    """Stage a new row."""
    session.add(row)


async def repoint_patient(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Annotation sets of a merged-away patient follow the survivor."""
    await session.execute(update(StudyAnnotations).where(StudyAnnotations.patient_id == duplicate_id)
                          .values(patient_id=survivor_id))
    await session.execute(update(SrImport).where(SrImport.patient_id == duplicate_id).values(patient_id=survivor_id))


async def unread_srs(session: AsyncSession, study_id: uuid.UUID, study_uid: str, sop_classes: tuple[str, ...]
                     ) -> list[Instance]:
    """The study's SR instances (of ``sop_classes``) not read for measurements yet."""
    read = select(SrImport.sr_instance_uid).where(SrImport.study_instance_uid == study_uid)
    stmt = (select(Instance).where(Instance.study_id == study_id, Instance.sop_class_uid.in_(sop_classes),
                                   Instance.sop_instance_uid.not_in(read))
            .order_by(Instance.received_at))
    return list((await session.execute(stmt)).scalars())


async def sr_imports_of(session: AsyncSession, study_uid: str) -> list[SrImport]:
    """Every SR of a study read for measurements, oldest first."""
    stmt = (select(SrImport).where(SrImport.study_instance_uid == study_uid)
            .order_by(SrImport.created_at, SrImport.sr_instance_uid))
    return list((await session.execute(stmt)).scalars())


async def sr_imports_waiting(session: AsyncSession, study_uid: str, study_instances: int) -> list[SrImport]:
    """SRs of a study read while some image they measure was missing, if the study has changed since."""
    stmt = select(SrImport).where(SrImport.study_instance_uid == study_uid, SrImport.waiting > 0,
                                  SrImport.study_instances != study_instances)
    return list((await session.execute(stmt)).scalars())


async def sr_import(session: AsyncSession, sr_uid: str) -> SrImport | None:
    """The import row of one SR, if it was read."""
    stmt = select(SrImport).where(SrImport.sr_instance_uid == sr_uid)
    return (await session.execute(stmt)).scalar_one_or_none()


# the one row of viewer_uid_issuer (a fixed key, so two first exports at the same moment cannot make two issuers)
UID_ISSUER_ROW = uuid.UUID(int=1)


async def uid_issuer(session: AsyncSession) -> uuid.UUID:
    """This installation's UID issuer: made at the first SR export or read (not by the migration, so a freshly migrated
    database stays empty for a restore, which brings the backed-up installation's own issuer)."""
    stmt = select(UidIssuer.issuer).where(UidIssuer.id == UID_ISSUER_ROW)
    found = (await session.execute(stmt)).scalar()
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            session.add(UidIssuer(id=UID_ISSUER_ROW, issuer=uuid.uuid4()))
            await session.flush()
    except IntegrityError:
        pass  # another request made it at the same moment: use theirs
    return (await session.execute(stmt)).scalar_one()
