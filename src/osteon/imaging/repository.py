"""Every imaging query. Reads for users are filtered by the patients they may see (SECURITY 9);
reads for devices by the device's institution."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Update,
    and_,
    bindparam,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
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

# Imaging orders are created by the orders domain; the worklist link reads its table (accession number = key).
from osteon.orders.models import Order

# Imaging filters studies by the patients a user may see *inside* the SQL query (pagination must count
# only visible rows), so it reuses the patients domain's own predicate rather than re-implementing it.
from osteon.patients.models import Patient
from osteon.patients.service import readable_by, readable_now
from osteon.security.deps import Actor
from osteon.security.models import AccessGrant


def visible_to_user(actor: Actor, full_ids: list[uuid.UUID], shared_study_uids: list[str] = ()) -> ColumnElement[bool]:
    """Studies whose (matched, unmerged) patient the user may fully see, or that were shared with them."""
    patient_ok = Study.patient_id.in_(select(Patient.id).where(readable_by(actor, full_ids)))
    if shared_study_uids:
        return or_(patient_ok, and_(Study.patient_id.is_not(None), Study.study_instance_uid.in_(shared_study_uids)))
    return patient_ok


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


def _instance_file_statement(readable_patient: ColumnElement[bool]) -> Select:
    """The statement of :func:`instance_file_with_access` for one kind of actor (see ``readable_now``)."""
    now, user_id = bindparam("r_now"), bindparam("r_user_id")
    readable = select(Patient.id).where(Patient.id == Study.patient_id, readable_patient).exists()
    granted = select(AccessGrant.patient_id).where(
        AccessGrant.patient_id == Study.patient_id, AccessGrant.grantee_id == user_id,
        AccessGrant.revoked_at.is_(None), AccessGrant.starts_at <= now, AccessGrant.ends_at > now).exists()
    return (select(Instance.file_hash, Instance.transfer_syntax_uid, Study.patient_id, readable.label("readable"),
                   granted.label("granted"))
            .join(Series, Series.id == Instance.series_id).join(Study, Study.id == Instance.study_id)
            .where(Study.study_instance_uid == bindparam("study_uid"),
                   Series.series_instance_uid == bindparam("series_uid"),
                   Instance.sop_instance_uid == bindparam("sop_uid")).limit(1))


# One statement per kind of actor, built once: building it cost more Python time than running it (every frame).
_INSTANCE_FILE: dict[str, Select] = {}


async def instance_file_with_access(session: AsyncSession, actor: Actor, study_uid: str, series_uid: str,
                                    sop_uid: str, now: datetime) -> Any | None:
    """One instance's (file_hash, transfer_syntax_uid, patient_id, readable, granted) in one statement:
    ``readable`` = the study's patient passes the patients domain's own visibility condition
    (``readable_now``: :func:`readable_by` with its care-relationship and grant subqueries, the actor's values
    bound), ``granted`` = the actor holds an active access grant on that patient (then the patients domain
    must decide what is shared)."""
    kind, readable_patient, params = readable_now(actor)
    statement = _INSTANCE_FILE.get(kind)
    if statement is None:
        statement = _INSTANCE_FILE[kind] = _instance_file_statement(readable_patient)
    params.update(r_now=now, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid)
    return (await session.execute(statement, params)).first()


async def study_by_uid(session: AsyncSession, study_uid: str) -> Study | None:
    """One study by Study Instance UID (unfiltered)."""
    return (await session.execute(select(Study).where(Study.study_instance_uid == study_uid))).scalar_one_or_none()


async def series_by_uid(session: AsyncSession, series_uid: str) -> Series | None:
    """One series (unfiltered)."""
    return (await session.execute(select(Series).where(Series.series_instance_uid == series_uid))).scalar_one_or_none()


async def bump_counts(session: AsyncSession, study_id: uuid.UUID, series_id: uuid.UUID, now: datetime,
                      new_series: bool) -> tuple[uuid.UUID | None, str]:
    """Increment instance (and series) counters in SQL so concurrent stores never lose an update; return the
    study's (patient id, modalities) from the same statement (UPDATE … RETURNING: SQLite ≥ 3.35, PostgreSQL)."""
    found = await bump_study(session, study_id, now, 1, int(new_series))
    await bump_series(session, series_id, 1)
    return found


async def existing_sop_uids(session: AsyncSession, sop_uids: Sequence[str]) -> set[str]:
    """Which of these SOP Instance UIDs are already indexed (one IN query per 500)."""
    found: set[str] = set()
    uids = list(dict.fromkeys(sop_uids))
    for start in range(0, len(uids), 500):
        chunk = uids[start:start + 500]
        found.update((await session.execute(
            select(Instance.sop_instance_uid).where(Instance.sop_instance_uid.in_(chunk)))).scalars())
    return found


async def insert_instances(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Instance rows in one multi-row INSERT (Core, executemany)."""
    if rows:
        await session.execute(insert(Instance), rows)


async def bump_study(session: AsyncSession, study_id: uuid.UUID, now: datetime, instances: int, new_series: int
                     ) -> tuple[uuid.UUID | None, str]:
    """Add ``instances`` (and ``new_series``) to a study's counters in SQL, so concurrent stores never lose an
    update; returns the study's (patient id, modalities) from the same statement (UPDATE … RETURNING)."""
    row = (await session.execute(bump_study_statement(study_id, now, instances, new_series))).one()
    return row[0], row[1] or ""


async def bump_series(session: AsyncSession, series_id: uuid.UUID, instances: int) -> None:
    """Add ``instances`` to a series' counter (in SQL: concurrent stores never lose an update)."""
    await session.execute(bump_series_statement(series_id, instances))


async def set_modalities(session: AsyncSession, study_id: uuid.UUID, modalities: str) -> None:
    """Replace a study's Modalities in Study."""
    await session.execute(set_modalities_statement(study_id, modalities))


# The counter statements are built here once for both the async session and the SCP's synchronous SQLite
# connection (imaging/fast_ingest.py), so the two paths always write the same thing.

def bump_study_statement(study_id: uuid.UUID, now: datetime, instances: int, new_series: int) -> Update:
    """UPDATE a study's counters (+ last received) RETURNING (patient id, modalities)."""
    values: dict[str, Any] = {"num_instances": Study.num_instances + instances, "last_received_at": now}
    if new_series:
        values["num_series"] = Study.num_series + new_series
    return (update(Study).where(Study.id == study_id).values(**values)
            .returning(Study.patient_id, Study.modalities).execution_options(synchronize_session=False))


def bump_series_statement(series_id: uuid.UUID, instances: int) -> Update:
    """UPDATE a series' instance counter."""
    return (update(Series).where(Series.id == series_id).values(num_instances=Series.num_instances + instances)
            .execution_options(synchronize_session=False))


def set_modalities_statement(study_id: uuid.UUID, modalities: str) -> Update:
    """UPDATE a study's Modalities in Study."""
    return (update(Study).where(Study.id == study_id).values(modalities=modalities)
            .execution_options(synchronize_session=False))


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


async def imaging_orders_without_request(session: AsyncSession, institution_id: uuid.UUID | None,
                                        accession: str | None, limit: int) -> list[Order]:
    """Imaging orders (with an accession number, not cancelled) that have no imaging request yet."""
    has_request = select(ImagingRequest.id).where(ImagingRequest.accession_number == Order.accession_number).exists()
    q = select(Order).where(Order.kind == "imaging", Order.accession_number.is_not(None), Order.status != "cancelled",
                            ~has_request)
    if institution_id is not None:
        q = q.where(Order.institution_id == institution_id)
    if accession is not None:
        q = q.where(Order.accession_number == accession)
    return list((await session.execute(q.order_by(Order.ordered_at).limit(limit))).scalars().all())


async def open_requests_of_cancelled_orders(session: AsyncSession, institution_id: uuid.UUID | None,
                                            accession: str | None) -> list[ImagingRequest]:
    """Worklist requests whose imaging order was cancelled since."""
    q = (select(ImagingRequest).join(Order, Order.accession_number == ImagingRequest.accession_number)
         .where(Order.status == "cancelled", ImagingRequest.status.in_(("scheduled", "in_progress"))))
    if institution_id is not None:
        q = q.where(ImagingRequest.institution_id == institution_id)
    if accession is not None:
        q = q.where(ImagingRequest.accession_number == accession)
    return list((await session.execute(q)).scalars().all())


async def imaging_order_by_accession(session: AsyncSession, accession: str) -> Order | None:
    """The imaging order carrying an accession number, if any."""
    q = select(Order).where(Order.accession_number == accession, Order.kind == "imaging")
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
