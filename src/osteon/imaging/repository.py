"""Every imaging query. Reads for users are filtered by the patients they may see (SECURITY 9);
reads for devices by the device's institution."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging.models import (
    DicomDevice,
    ImagingRequest,
    Instance,
    InstanceConflict,
    PacsNode,
    ReconciliationItem,
    Series,
    Study,
    Transfer,
)

# Imaging filters studies by the patients a user may see *inside* the SQL query (pagination must count
# only visible rows), so it reuses the patients domain's own predicate rather than re-implementing it.
from osteon.patients.models import Patient
from osteon.patients.service import readable_by
from osteon.security.deps import Actor


def visible_to_user(actor: Actor, now: datetime) -> ColumnElement[bool]:
    """Studies whose (matched, unmerged) patient the user may see."""
    return Study.patient_id.in_(select(Patient.id).where(readable_by(actor, now)))


def visible_to_device(institution_id: uuid.UUID | None) -> ColumnElement[bool]:
    """Studies of the device's institution."""
    if institution_id is None:
        return false()
    return or_(Study.institution_id == institution_id,
               Study.patient_id.in_(select(Patient.id).where(Patient.institution_id == institution_id)))


# --- instances, series, studies ---------------------------------------------------------------

async def instance_by_uid(session: AsyncSession, sop_uid: str) -> Instance | None:
    """One instance by SOP Instance UID (unfiltered: callers check the study)."""
    return (await session.execute(select(Instance).where(Instance.sop_instance_uid == sop_uid))).scalar_one_or_none()


async def study_by_uid(session: AsyncSession, study_uid: str) -> Study | None:
    """One study by Study Instance UID (unfiltered)."""
    return (await session.execute(select(Study).where(Study.study_instance_uid == study_uid))).scalar_one_or_none()


async def series_by_uid(session: AsyncSession, series_uid: str) -> Series | None:
    """One series (unfiltered)."""
    return (await session.execute(select(Series).where(Series.series_instance_uid == series_uid))).scalar_one_or_none()


async def bump_counts(session: AsyncSession, study_id: uuid.UUID, series_id: uuid.UUID, now: datetime,
                      new_series: bool) -> None:
    """Increment instance (and series) counters in SQL so concurrent stores never lose an update."""
    values: dict[str, Any] = {"num_instances": Study.num_instances + 1, "last_received_at": now}
    if new_series:
        values["num_series"] = Study.num_series + 1
    await session.execute(update(Study).where(Study.id == study_id).values(**values))
    await session.execute(update(Series).where(Series.id == series_id).values(num_instances=Series.num_instances + 1))


def _apply(query: Select[Any], conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Add WHERE conditions."""
    return query.where(*conditions) if conditions else query


async def find_studies(session: AsyncSession, scope: ColumnElement[bool], conditions: Sequence[ColumnElement[bool]],
                       limit: int, offset: int) -> list[Study]:
    """Studies in scope matching the conditions, newest first."""
    q = _apply(select(Study).where(scope), conditions).order_by(Study.study_date.desc(), Study.created_at.desc())
    return list((await session.execute(q.limit(limit).offset(offset))).scalars().all())


async def find_series(session: AsyncSession, scope: ColumnElement[bool], conditions: Sequence[ColumnElement[bool]],
                      limit: int, offset: int) -> list[tuple[Series, Study]]:
    """Series (with their study) in scope."""
    q = _apply(select(Series, Study).join(Study, Study.id == Series.study_id).where(scope), conditions)
    q = q.order_by(Study.study_date.desc(), Series.series_number, Series.created_at)
    return [(r[0], r[1]) for r in (await session.execute(q.limit(limit).offset(offset))).all()]


async def find_instances(session: AsyncSession, scope: ColumnElement[bool], conditions: Sequence[ColumnElement[bool]],
                         limit: int, offset: int) -> list[tuple[Instance, Series, Study]]:
    """Instances (with series and study) in scope, in series and instance-number order."""
    q = (select(Instance, Series, Study).join(Series, Series.id == Instance.series_id)
         .join(Study, Study.id == Instance.study_id).where(scope))
    q = _apply(q, conditions).order_by(Series.series_number, Series.series_instance_uid, Instance.instance_number,
                                       Instance.sop_instance_uid)
    return [(r[0], r[1], r[2]) for r in (await session.execute(q.limit(limit).offset(offset))).all()]


async def studies_of_patient(session: AsyncSession, patient_id: uuid.UUID) -> list[Study]:
    """A patient's studies, newest first."""
    q = select(Study).where(Study.patient_id == patient_id).order_by(Study.study_date.desc(), Study.created_at.desc())
    return list((await session.execute(q)).scalars().all())


async def repoint_patient(session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """After a patient merge: studies, requests and transfers follow the survivor."""
    for model in (Study, ImagingRequest, Transfer):
        await session.execute(update(model).where(model.patient_id == from_id).values(patient_id=to_id))


# --- devices and nodes --------------------------------------------------------------------------

async def device_by_ae(session: AsyncSession, ae_title: str) -> DicomDevice | None:
    """The enabled-or-not device with this AE title."""
    return (await session.execute(select(DicomDevice).where(DicomDevice.ae_title == ae_title))).scalar_one_or_none()


async def node_by_ae(session: AsyncSession, ae_title: str) -> PacsNode | None:
    """A PACS node by AE title."""
    return (await session.execute(select(PacsNode).where(PacsNode.ae_title == ae_title))).scalars().first()


async def known_ae_titles(session: AsyncSession) -> list[str]:
    """Every enabled device and DIMSE PACS node AE title (calling AE titles Osteon's SCP accepts)."""
    devices = (await session.execute(select(DicomDevice.ae_title).where(DicomDevice.enabled.is_(True)))).scalars().all()
    nodes = (await session.execute(select(PacsNode.ae_title).where(PacsNode.enabled.is_(True), PacsNode.ae_title != "")))
    return list(devices) + list(nodes.scalars().all())


async def list_devices(session: AsyncSession, institution_id: uuid.UUID) -> list[DicomDevice]:
    """An institution's devices."""
    q = select(DicomDevice).where(DicomDevice.institution_id == institution_id).order_by(DicomDevice.ae_title)
    return list((await session.execute(q)).scalars().all())


async def list_nodes(session: AsyncSession, institution_id: uuid.UUID) -> list[PacsNode]:
    """An institution's PACS nodes."""
    q = select(PacsNode).where(PacsNode.institution_id == institution_id).order_by(PacsNode.name)
    return list((await session.execute(q)).scalars().all())


# --- requests, reconciliation, transfers ----------------------------------------------------------

async def request_by_accession(session: AsyncSession, accession: str) -> ImagingRequest | None:
    """An imaging request by accession number."""
    q = select(ImagingRequest).where(ImagingRequest.accession_number == accession)
    return (await session.execute(q)).scalar_one_or_none()


async def worklist(session: AsyncSession, institution_id: uuid.UUID, conditions: Sequence[ColumnElement[bool]],
                   limit: int = 500) -> list[tuple[ImagingRequest, Patient]]:
    """Scheduled requests of an institution with their patients (Modality Worklist)."""
    q = (select(ImagingRequest, Patient).join(Patient, Patient.id == ImagingRequest.patient_id)
         .where(ImagingRequest.institution_id == institution_id,
                ImagingRequest.status.in_(("scheduled", "in_progress")), *conditions)
         .order_by(ImagingRequest.scheduled_at).limit(limit))
    return [(r[0], r[1]) for r in (await session.execute(q)).all()]


async def requests_of_patient(session: AsyncSession, patient_id: uuid.UUID) -> list[ImagingRequest]:
    """A patient's imaging requests, newest first."""
    q = select(ImagingRequest).where(ImagingRequest.patient_id == patient_id).order_by(ImagingRequest.scheduled_at.desc())
    return list((await session.execute(q)).scalars().all())


async def open_reconciliation(session: AsyncSession, institution_id: uuid.UUID, limit: int, offset: int
                              ) -> tuple[list[tuple[ReconciliationItem, Study]], int]:
    """Open reconciliation items of an institution with their studies."""
    where = and_(ReconciliationItem.institution_id == institution_id, ReconciliationItem.status == "open")
    total = (await session.execute(select(func.count()).select_from(ReconciliationItem).where(where))).scalar_one()
    q = (select(ReconciliationItem, Study).join(Study, Study.id == ReconciliationItem.study_id).where(where)
         .order_by(ReconciliationItem.created_at.desc()).limit(limit).offset(offset))
    return [(r[0], r[1]) for r in (await session.execute(q)).all()], total


async def reconciliation_of_study(session: AsyncSession, study_id: uuid.UUID) -> ReconciliationItem | None:
    """The reconciliation item of a study, if any."""
    q = select(ReconciliationItem).where(ReconciliationItem.study_id == study_id)
    return (await session.execute(q)).scalar_one_or_none()


async def conflicts(session: AsyncSession, sop_uid: str | None = None) -> list[InstanceConflict]:
    """Recorded duplicate-UID conflicts."""
    q = select(InstanceConflict).order_by(InstanceConflict.created_at.desc()).limit(500)
    if sop_uid:
        q = q.where(InstanceConflict.sop_instance_uid == sop_uid)
    return list((await session.execute(q)).scalars().all())


async def patient_for_worklist(session: AsyncSession, patient_id: uuid.UUID) -> Patient | None:
    """Unfiltered patient read for device paths (worklist, matching through an order)."""
    return await session.get(Patient, patient_id)


async def transfers_of(session: AsyncSession, institution_id: uuid.UUID, patient_id: uuid.UUID | None,
                       limit: int = 100) -> list[Transfer]:
    """Recent transfers of an institution (optionally of one patient)."""
    q = select(Transfer).where(Transfer.institution_id == institution_id)
    if patient_id:
        q = q.where(Transfer.patient_id == patient_id)
    return list((await session.execute(q.order_by(Transfer.created_at.desc()).limit(limit))).scalars().all())
