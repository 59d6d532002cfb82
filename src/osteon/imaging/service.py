"""Imaging rules: ingest and matching, the duplicate policy, queries shared by QIDO-RS and C-FIND,
access checks, devices, PACS nodes, imaging requests and reconciliation.

Duplicate SOP Instance UID policy (documented in docs/imaging.md): identical bytes → no-op success;
different bytes → the first stored object stays authoritative, the new bytes are kept (content-addressed)
and an ``imaging_conflicts`` row is recorded for staff; the sender is told success with a warning.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydicom.datadict import keyword_for_tag
from sqlalchemy import ColumnElement, Integer, and_, false, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging import repository
from osteon.imaging.charset import pn_groups
from osteon.imaging.exceptions import (
    AlreadyReconciled,
    DeviceNotFound,
    DuplicateAccession,
    DuplicateAeTitle,
    InstanceNotFound,
    NodeNotFound,
    ReconciliationNotFound,
    RequestNotFound,
    StoreRefused,
    StudyNotFound,
)
from osteon.imaging.models import (
    DicomDevice,
    ImagingRequest,
    Instance,
    InstanceConflict,
    PacsNode,
    ReconciliationItem,
    Series,
    Study,
)
from osteon.imaging.parsing import ParsedInstance
from osteon.imaging.schemas import (
    DeviceCreate,
    DeviceUpdate,
    ImagingRequestCreate,
    ImagingRequestRead,
    NodeCreate,
    StudyRead,
)
from osteon.institutions import service as institutions
from osteon.kit.errors import Forbidden, NotFound
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor

# --- ingest --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreOutcome:
    """What happened to one received instance."""

    status: str  # stored | duplicate | conflict
    sop_instance_uid: str
    study_instance_uid: str
    patient_id: uuid.UUID | None
    matched: bool


async def _match(session: AsyncSession, p: ParsedInstance, institution_id: uuid.UUID | None
                 ) -> tuple[uuid.UUID | None, ImagingRequest | None, str]:
    """Match a new study: PatientID = MRN (or a mapped HIS ID), accession number = imaging request.

    Returns (patient id, request, reconciliation reason or "")."""
    patient = None
    if p.patient_id:
        patient = await patients.find_for_integration(session, p.patient_id)
        if patient is None and institution_id is not None:
            inst = await institutions.get_institution(session, institution_id)
            patient = await patients.find_for_integration(session, p.patient_id, system=f"his:{inst.code}")
    request = await repository.request_by_accession(session, p.accession_number) if p.accession_number else None
    if request is None and p.accession_number:
        # An imaging order not linked yet (the modality did not use the worklist): link it now.
        from osteon.imaging import orders_link

        request = await orders_link.link_on_ingest(session, p.accession_number)
    if request is None:
        request = await _request_by_study_uid(session, p.study_instance_uid)
    if request is not None:
        if patient is None:
            return request.patient_id, request, ""
        if patient.id != request.patient_id:
            # The modality's PatientID and the order disagree: a human decides.
            return None, request, "patient_mismatch"
    if patient is None:
        return None, request, "unknown_patient"
    return patient.id, request, ""


def request_study_uid(request_id: uuid.UUID) -> str:
    """The Study Instance UID the worklist hands out for a request (UUID-derived, PS3.5 B.2)."""
    return f"2.25.{request_id.int}"


async def _request_by_study_uid(session: AsyncSession, study_uid: str) -> ImagingRequest | None:
    """The request whose worklist entry carried this Study Instance UID."""
    if not study_uid.startswith("2.25."):
        return None
    try:
        rid = uuid.UUID(int=int(study_uid[5:]))
    except (ValueError, OverflowError):
        return None
    return await session.get(ImagingRequest, rid)


async def _study_and_series(session: AsyncSession, p: ParsedInstance, institution_id: uuid.UUID | None, source: str,
                            known: dict[Any, Any] | None, now: datetime) -> tuple[uuid.UUID, uuid.UUID, bool]:
    """The study and series of an incoming instance (found, cached in ``known``, or created and matched);
    returns (study id, series id, whether the series was created here)."""
    cached_study = known.get(("study", p.study_instance_uid)) if known is not None else None
    study_id: uuid.UUID
    if cached_study is None:
        study = await repository.study_by_uid(session, p.study_instance_uid)
        if study is None:
            patient_id, request, reason = await _match(session, p, institution_id)
            study = Study(
                study_instance_uid=p.study_instance_uid, patient_id=patient_id,
                request_id=request.id if request else None,
                institution_id=institution_id or (request.institution_id if request else None),
                dicom_patient_id=p.patient_id, patient_name=p.patient_name, patient_birth_date=p.patient_birth_date,
                patient_sex=p.patient_sex, study_date=p.study_date, study_time=p.study_time,
                accession_number=p.accession_number, study_id=p.study_id, study_description=p.study_description,
                referring_physician=p.referring_physician, modalities=p.modality,
                match_status="unmatched" if reason else "matched", source=source[:80], last_received_at=now,
            )
            session.add(study)
            await session.flush()
            if reason:
                session.add(ReconciliationItem(study_id=study.id, institution_id=study.institution_id, reason=reason))
            if request is not None and not reason and request.status in ("scheduled", "in_progress"):
                request.status = "completed"
        study_id = study.id
    else:
        study_id = cached_study

    series_id = known.get(("series", p.series_instance_uid)) if known is not None else None
    new_series = False
    if series_id is None:
        series = await repository.series_by_uid(session, p.series_instance_uid)
        if series is None:
            new_series = True
            series = Series(**series_values(p, study_id))
            session.add(series)
            await session.flush()
        series_id = series.id
    return study_id, series_id, new_series


async def index_instance(session: AsyncSession, p: ParsedInstance, file_hash: str, size: int, *, source: str,
                         institution_id: uuid.UUID | None, username: str | None = None,
                         known: dict[str, Any] | None = None, assume_new: bool = False) -> StoreOutcome:
    """Index an instance whose bytes are already durably stored (flush only; the caller commits).

    ``known`` is a per-association cache of study/series ids (an association sends one series after another):
    the second and later instances of a series cost one INSERT and two counter UPDATEs (the study's returns its
    patient and modalities), no lookups. ``assume_new`` skips the duplicate lookup: a duplicate then fails the
    INSERT on the unique SOP Instance UID and the caller retries without it (duplicates are rare)."""
    now = utcnow()
    if not assume_new:
        existing = await repository.instance_by_uid(session, p.sop_instance_uid)
        if existing is not None:
            return await _duplicate(session, p, existing, file_hash, size, source, username)

    study_id, series_id, new_series = await _study_and_series(session, p, institution_id, source, known, now)
    await repository.insert_instances(session, [_instance_row(p, file_hash, size, study_id, series_id, now)])
    patient_id, modalities = await repository.bump_counts(session, study_id, series_id, now, new_series)
    if (merged := _with_modalities(modalities, [p.modality])) is not None:
        await repository.set_modalities(session, study_id, merged)
    if known is not None:
        known[("study", p.study_instance_uid)] = study_id
        known[("series", p.series_instance_uid)] = series_id
    return _stored(session, p, patient_id, source, username)


def series_values(p: ParsedInstance, study_id: uuid.UUID) -> dict[str, Any]:
    """The columns of a new series, from its first instance."""
    return {"study_id": study_id, "series_instance_uid": p.series_instance_uid, "modality": p.modality,
            "series_number": p.series_number, "series_description": p.series_description,
            "body_part": p.body_part, "laterality": p.laterality}


def _instance_row(p: ParsedInstance, file_hash: str, size: int, study_id: uuid.UUID, series_id: uuid.UUID,
                  now: datetime) -> dict[str, Any]:
    """The index row of a new instance."""
    return {
        "id": uuid.uuid4(), "study_id": study_id, "series_id": series_id, "sop_instance_uid": p.sop_instance_uid,
        "sop_class_uid": p.sop_class_uid, "transfer_syntax_uid": p.transfer_syntax_uid,
        "instance_number": p.instance_number, "rows": p.rows, "columns": p.columns,
        "number_of_frames": p.number_of_frames, "file_hash": file_hash, "file_size": size,
        "meta_json": p.meta_json, "received_at": now,
    }


def _with_modalities(current: str, new: list[str]) -> str | None:
    """A study's Modalities in Study with ``new`` added in order, or None when nothing changes."""
    have = [m for m in current.split("\\") if m]
    merged = have + [m for m in dict.fromkeys(new) if m and m not in have]
    return "\\".join(merged)[:100] if merged != have else None


def _stored(session: AsyncSession, p: ParsedInstance, patient_id: uuid.UUID | None, source: str,
            username: str | None) -> StoreOutcome:
    """Audit one stored instance (in the storing transaction) and say so."""
    audit.record(session, "imaging.store", patient_id=patient_id, resource_type="ImagingInstance",
                 resource_id=p.sop_instance_uid, username=username,
                 detail={"source": source, "study": p.study_instance_uid, "matched": patient_id is not None})
    return StoreOutcome("stored", p.sop_instance_uid, p.study_instance_uid, patient_id, patient_id is not None)


async def index_new_batch(session: AsyncSession, items: list[tuple[ParsedInstance, str, int]], *, source: str,
                          institution_id: uuid.UUID | None, known: dict[Any, Any]) -> list[StoreOutcome]:
    """Index several new instances (files already durable; SOP Instance UIDs checked absent and distinct by the
    caller) with one multi-row INSERT, one counter UPDATE per study and per series, and one audit event per
    instance — the same rows and events as :func:`index_instance` one by one. A SOP Instance UID inserted
    meanwhile by someone else fails the INSERT (IntegrityError): the caller rolls back its savepoint and
    falls back to one instance at a time."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    per_study: dict[uuid.UUID, list[Any]] = {}  # study id → [instances, new series, modalities in order]
    per_series: dict[uuid.UUID, int] = {}
    placed: list[uuid.UUID] = []
    for p, file_hash, size in items:
        study_id, series_id, new_series = await _study_and_series(session, p, institution_id, source, known, now)
        known[("study", p.study_instance_uid)] = study_id
        known[("series", p.series_instance_uid)] = series_id
        counts = per_study.setdefault(study_id, [0, 0, []])
        counts[0] += 1
        counts[1] += 1 if new_series else 0
        if p.modality:
            counts[2].append(p.modality)
        per_series[series_id] = per_series.get(series_id, 0) + 1
        placed.append(study_id)
        rows.append(_instance_row(p, file_hash, size, study_id, series_id, now))
    await repository.insert_instances(session, rows)
    patient_of: dict[uuid.UUID, uuid.UUID | None] = {}
    for study_id, (n, n_series, mods) in per_study.items():
        patient_id, modalities = await repository.bump_study(session, study_id, now, n, n_series)
        patient_of[study_id] = patient_id
        if (merged := _with_modalities(modalities, mods)) is not None:
            await repository.set_modalities(session, study_id, merged)
    for series_id, n in per_series.items():
        await repository.bump_series(session, series_id, n)
    return [_stored(session, p, patient_of[study_id], source, None)
            for (p, _hash, _size), study_id in zip(items, placed, strict=True)]


async def _duplicate(session: AsyncSession, p: ParsedInstance, existing: Instance, file_hash: str, size: int,
                     source: str, username: str | None) -> StoreOutcome:
    """The duplicate SOP Instance UID policy: same bytes → no-op; different bytes → first copy kept, conflict."""
    study = await session.get(Study, existing.study_id)
    pid = study.patient_id if study else None
    if existing.file_hash == file_hash:
        audit.record(session, "imaging.store", patient_id=pid, resource_type="ImagingInstance",
                     resource_id=p.sop_instance_uid, outcome="duplicate", username=username,
                     detail={"source": source})
        return StoreOutcome("duplicate", p.sop_instance_uid, p.study_instance_uid, pid, pid is not None)
    session.add(InstanceConflict(sop_instance_uid=p.sop_instance_uid, kept_hash=existing.file_hash,
                                 rejected_hash=file_hash, rejected_size=size, source=source))
    audit.record(session, "imaging.store", patient_id=pid, resource_type="ImagingInstance",
                 resource_id=p.sop_instance_uid, outcome="conflict", severity="warning", username=username,
                 detail={"source": source, "kept": existing.file_hash, "rejected": file_hash})
    return StoreOutcome("conflict", p.sop_instance_uid, p.study_instance_uid, pid, pid is not None)


async def index_in_own_transaction(db: Any, p: ParsedInstance, file_hash: str, size: int, *, source: str,
                                   institution_id: uuid.UUID | None, username: str,
                                   known: dict[str, Any] | None = None,
                                   durable: concurrent.futures.Future[Any] | None = None) -> StoreOutcome:
    """Index one instance in its own unit of work (device paths); retried after a concurrent insert.

    ``durable``: the file write (``DicomStore.put``) running in another thread. The index statements run while
    the file is being written and synced; the commit waits for it, so a committed row always points at a
    durable file, and a failed write rolls the row back."""
    assume_new = known is not None and ("series", p.series_instance_uid) in known
    for attempt in range(3):
        try:
            async with db.transaction() as session:
                outcome = await index_instance(session, p, file_hash, size, source=source,
                                               institution_id=institution_id, username=username, known=known,
                                               assume_new=assume_new)
                if durable is not None:
                    await asyncio.wrap_future(durable)
                return outcome
        except IntegrityError:
            if known is not None:
                known.clear()
            assume_new = False
            # A duplicate SOP Instance UID, or another association created the same study/series meanwhile.
            if attempt == 2:
                raise
    raise RuntimeError("unreachable")


async def check_user_may_store(session: AsyncSession, actor: Actor, p: ParsedInstance,
                               checked: dict[tuple[str, str], bool] | None = None) -> None:
    """STOW-RS: clinical staff store for patients they may see; unknown patients go to reconciliation.

    ``checked`` remembers answers within one request (a STOW body carries many instances of one study)."""
    if not actor.can("patient:read") or actor.patient_id is not None:
        raise Forbidden()
    checked = checked if checked is not None else {}
    key = (p.study_instance_uid, p.patient_id)
    if key in checked:
        if not checked[key]:
            raise StoreRefused()
        return
    checked[key] = False
    study = await repository.study_by_uid(session, p.study_instance_uid)
    if study is not None and study.patient_id is not None:
        await _readable_or(session, actor, study.patient_id, StoreRefused, action="imaging.store.check")
    elif p.patient_id:
        found = await patients.find_for_integration(session, p.patient_id)
        if found is not None:
            await _readable_or(session, actor, found.id, StoreRefused, action="imaging.store.check")
    checked[key] = True


async def _readable_or(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, error: type[Exception],
                       action: str, study_uid: str | None = None) -> None:
    """Check through the patients domain (which audits); re-raise its 404 as ``error``. With ``study_uid``, a
    user who sees the patient only through a consultation grant must have been shared that study."""
    try:
        await patients.get_for(session, actor, patient_id, action=action, scoped=study_uid is not None)
        if study_uid is not None:
            await patients.check_shared(session, actor, patient_id, f"study:{study_uid}", action=action)
    except NotFound:
        raise error() from None


# --- access ----------------------------------------------------------------------------------------


async def study_for_user(session: AsyncSession, actor: Actor, study_uid: str, *, action: str = "imaging.study.read"
                         ) -> Study:
    """A study the user may see (its patient is readable), audited; else 404, same as missing."""
    study = await repository.study_by_uid(session, study_uid)
    if study is None or study.patient_id is None:
        raise StudyNotFound()
    await _readable_or(session, actor, study.patient_id, StudyNotFound, action=action, study_uid=study_uid)
    return study


async def instances_for_user(session: AsyncSession, actor: Actor, study_uid: str, series_uid: str | None = None,
                             sop_uid: str | None = None, *, action: str = "imaging.study.read"
                             ) -> tuple[Study, list[tuple[Instance, Series, Study]]]:
    """The instances of a study/series/instance the user may see (404 when none)."""
    if series_uid is not None and sop_uid is not None:
        # One instance (frames, rendered, metadata): one joined lookup, then the same access check on its patient.
        rows = await repository.find_instances(session, Study.study_instance_uid == study_uid, [
            Series.series_instance_uid == series_uid, Instance.sop_instance_uid == sop_uid], 1, 0)
        if not rows or rows[0][2].patient_id is None:
            # Same answers as the general path: a missing/unmatched study is StudyNotFound, else InstanceNotFound.
            study = await repository.study_by_uid(session, study_uid) if not rows else rows[0][2]
            if study is None or study.patient_id is None:
                raise StudyNotFound()
            await _readable_or(session, actor, study.patient_id, StudyNotFound, action=action, study_uid=study_uid)
            raise InstanceNotFound()
        study = rows[0][2]
        await _readable_or(session, actor, study.patient_id, StudyNotFound, action=action, study_uid=study_uid)
        return study, rows
    study = await study_for_user(session, actor, study_uid, action=action)
    conditions: list[ColumnElement[bool]] = []
    if series_uid is not None:
        conditions.append(Series.series_instance_uid == series_uid)
    if sop_uid is not None:
        conditions.append(Instance.sop_instance_uid == sop_uid)
    rows = await repository.find_instances(session, Study.id == study.id, conditions, 100_000, 0)
    if not rows:
        raise InstanceNotFound()
    return study, rows


async def instance_file_for_user(session: AsyncSession, actor: Actor, study_uid: str, series_uid: str, sop_uid: str,
                                 *, action: str) -> tuple[str, str] | None:
    """(file hash, transfer syntax) of one instance for frames and rendered images, when one statement settles
    it: the instance exists, its study is matched, its patient is readable and no access grant is involved —
    then the read is audited exactly as :func:`_readable_or` audits it (same transaction, same event).
    Otherwise None: the caller takes :func:`instances_for_user`, which gives the exact answer (404s, denial
    audit, consultation scopes). Nothing is cached between requests."""
    row = await repository.instance_file_with_access(session, actor, study_uid, series_uid, sop_uid, utcnow())
    if row is None or row.patient_id is None or not row.readable or (row.granted and actor.role != "patient"):
        return None
    audit.record(session, action, patient_id=row.patient_id, resource_type="Patient", resource_id=row.patient_id)
    return row.file_hash, row.transfer_syntax_uid


async def studies_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> list[Study]:
    """A patient's studies for the patient page (404 if the patient is not visible); audited."""
    await patients.get_for(session, actor, patient_id, action="imaging.studies.read", scoped=True)
    studies = await repository.studies_of_patient(session, patient_id)
    shared = await patients.access_scope(session, actor, patient_id)
    return studies if shared is None else [s for s in studies if f"study:{s.study_instance_uid}" in shared]


async def user_scope(session: AsyncSession, actor: Actor) -> ColumnElement[bool]:
    """SQL scope of the studies a user may see: every study of a fully readable patient, plus studies shared
    one by one through consultation grants."""
    if actor.patient_id is None and not actor.can("patient:read"):
        return false()
    if actor.patient_id is not None:
        return repository.visible_to_user(actor, [])
    return repository.visible_to_user(actor, *await patients.sharing(session, actor, "study"))


def to_read(study: Study, base: str = "") -> StudyRead:
    """API view of a study with the DICOMweb URLs the viewer uses."""
    wado = f"{base}/dicomweb/studies/{study.study_instance_uid}"
    return StudyRead(
        id=study.id, study_instance_uid=study.study_instance_uid, patient_id=study.patient_id,
        request_id=study.request_id, dicom_patient_id=study.dicom_patient_id, patient_name=study.patient_name,
        study_date=study.study_date, study_time=study.study_time, accession_number=study.accession_number,
        study_description=study.study_description, modalities=study.modalities, num_series=study.num_series,
        num_instances=study.num_instances, match_status=study.match_status, source=study.source,
        wado_rs_url=wado, qido_series_url=f"{wado}/series",
    )


# --- matching keys shared by QIDO-RS and C-FIND ------------------------------------------------

STUDY_KEYS: dict[str, Any] = {
    "StudyInstanceUID": Study.study_instance_uid, "PatientID": Study.dicom_patient_id,
    "PatientName": Study.patient_name, "StudyDate": Study.study_date, "AccessionNumber": Study.accession_number,
    "StudyID": Study.study_id, "StudyDescription": Study.study_description,
    "ReferringPhysicianName": Study.referring_physician, "PatientBirthDate": Study.patient_birth_date,
    "PatientSex": Study.patient_sex, "ModalitiesInStudy": Study.modalities, "StudyTime": Study.study_time,
}
SERIES_KEYS: dict[str, Any] = {
    "SeriesInstanceUID": Series.series_instance_uid, "Modality": Series.modality, "SeriesNumber": Series.series_number,
    "SeriesDescription": Series.series_description, "BodyPartExamined": Series.body_part,
}
INSTANCE_KEYS: dict[str, Any] = {
    "SOPInstanceUID": Instance.sop_instance_uid, "SOPClassUID": Instance.sop_class_uid,
    "InstanceNumber": Instance.instance_number,
}
_UID_KEYS = {"StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"}
_TAG_RE = re.compile(r"[0-9A-Fa-f]{8}")


def keyword_of(key: str) -> str:
    """A QIDO key given as keyword or as 8 hex digits → keyword."""
    if _TAG_RE.fullmatch(key):
        return keyword_for_tag(int(key, 16)) or key
    return key


def _like(pattern: str) -> str:
    """DICOM wildcards (* ?) → SQL LIKE with escaping."""
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def match_condition(keyword: str, value: str, level_keys: dict[str, Any]) -> ColumnElement[bool] | None:
    """One matching key (PS3.4 C.2.2.2): single value, UID list, wildcard, or range."""
    column = level_keys.get(keyword)
    if column is None or value is None:
        return None
    value = str(value).strip()
    if value in ("", "*"):
        return None
    if keyword in _UID_KEYS:
        uids = [u.strip() for u in re.split(r"[\\,]", value) if u.strip()]
        return column.in_(uids)
    if keyword in ("StudyDate", "PatientBirthDate", "StudyTime") and "-" in value:
        lo, hi = (v.strip().replace("-", "") for v in value.split("-", 1))
        conds = []
        if lo:
            conds.append(column >= lo)
        if hi:
            conds.append(column <= (hi if keyword != "StudyTime" else hi + "\uffff"))
        return and_(*conds) if conds else None
    if isinstance(column.type, Integer):
        try:
            return column == int(value)
        except ValueError:
            return false()
    if keyword == "ModalitiesInStudy":
        options = [m for m in re.split(r"[\\,]", value) if m]
        return or_(*[or_(column == m, column.like(f"{m}\\%"), column.like(f"%\\{m}"), column.like(f"%\\{m}\\%"))
                     for m in options])
    if keyword == "PatientName":
        # PN matching is case-insensitive here and tries every component group (Alphabetic=Ideographic=…).
        p = _like(value).lower()
        low = func.lower(column)
        return or_(low.like(p, escape="\\"), low.like(p + "=%", escape="\\"), low.like("%=" + p, escape="\\"),
                   low.like("%=" + p + "=%", escape="\\"))
    if "*" in value or "?" in value:
        return column.like(_like(value), escape="\\")
    return column == value


def conditions_for(filters: dict[str, str], level: str) -> list[ColumnElement[bool]]:
    """WHERE conditions for the keys meaningful at ``level`` and above (study < series < instance)."""
    keysets = [STUDY_KEYS] + ([SERIES_KEYS] if level in ("series", "instance") else []) + (
        [INSTANCE_KEYS] if level == "instance" else [])
    out: list[ColumnElement[bool]] = []
    for keyword, value in filters.items():
        for keys in keysets:
            if keyword in keys:
                cond = match_condition(keyword, value, keys)
                if cond is not None:
                    out.append(cond)
                break
    return out


# --- DICOM JSON (QIDO-RS results) ------------------------------------------------------------------


def _attr(vr: str, value: Any) -> dict[str, Any]:
    """A DICOM JSON attribute."""
    if value is None or value == "":
        return {"vr": vr}
    if vr == "PN":
        return {"vr": vr, "Value": [pn_groups(value)]}
    if vr in ("CS",) and isinstance(value, str) and "\\" in value:
        return {"vr": vr, "Value": value.split("\\")}
    return {"vr": vr, "Value": [value]}


def study_json(study: Study, base: str) -> dict[str, Any]:
    """Study-level DICOM JSON."""
    return {
        "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
        "00080020": _attr("DA", study.study_date), "00080030": _attr("TM", study.study_time),
        "00080050": _attr("SH", study.accession_number), "00080061": _attr("CS", study.modalities),
        "00080090": _attr("PN", study.referring_physician),
        "00081030": _attr("LO", study.study_description),
        "00081190": _attr("UR", f"{base}/dicomweb/studies/{study.study_instance_uid}"),
        "00100010": _attr("PN", study.patient_name), "00100020": _attr("LO", study.dicom_patient_id),
        "00100030": _attr("DA", study.patient_birth_date), "00100040": _attr("CS", study.patient_sex),
        "0020000D": _attr("UI", study.study_instance_uid), "00200010": _attr("SH", study.study_id),
        "00201206": _attr("IS", study.num_series), "00201208": _attr("IS", study.num_instances),
    }


def series_json(series: Series, study: Study, base: str) -> dict[str, Any]:
    """Series-level DICOM JSON."""
    return {
        "00080005": {"vr": "CS", "Value": ["ISO_IR 192"]},
        "00080060": _attr("CS", series.modality), "0008103E": _attr("LO", series.series_description),
        "00081190": _attr("UR", f"{base}/dicomweb/studies/{study.study_instance_uid}/series/"
                                f"{series.series_instance_uid}"),
        "00180015": _attr("CS", series.body_part),
        "0020000D": _attr("UI", study.study_instance_uid), "0020000E": _attr("UI", series.series_instance_uid),
        "00200011": _attr("IS", series.series_number), "00201209": _attr("IS", series.num_instances),
    }


def instance_json(inst: Instance, series: Series, study: Study, base: str, *, full: bool = False) -> dict[str, Any]:
    """Instance-level DICOM JSON; ``full`` merges the stored header (includefield=all)."""
    out: dict[str, Any] = json.loads(inst.meta_json) if full else {}
    out.update({
        "00080016": _attr("UI", inst.sop_class_uid), "00080018": _attr("UI", inst.sop_instance_uid),
        "00081190": _attr("UR", f"{base}/dicomweb/studies/{study.study_instance_uid}/series/"
                                f"{series.series_instance_uid}/instances/{inst.sop_instance_uid}"),
        "0020000D": _attr("UI", study.study_instance_uid), "0020000E": _attr("UI", series.series_instance_uid),
        "00200013": _attr("IS", inst.instance_number), "00280008": _attr("IS", inst.number_of_frames),
        "00280010": _attr("US", inst.rows), "00280011": _attr("US", inst.columns),
        "00083002": _attr("UI", inst.transfer_syntax_uid),
    })
    if not full:
        out["00080060"] = _attr("CS", series.modality)
    return out


def corrected_metadata(inst: Instance, study: Study) -> dict[str, Any]:
    """Stored header for WADO-RS metadata, with patient identity as reconciled in the index."""
    meta: dict[str, Any] = json.loads(inst.meta_json)
    if study.dicom_patient_id:
        meta["00100020"] = _attr("LO", study.dicom_patient_id)
    if study.patient_name:
        meta["00100010"] = _attr("PN", study.patient_name)
    meta.setdefault("00083002", _attr("UI", inst.transfer_syntax_uid))
    return meta


# --- devices and nodes (config:write) ----------------------------------------------------------------


def _require_config(actor: Actor) -> None:
    """Device and node configuration is for system administrators."""
    if not actor.can("config:write"):
        raise Forbidden()


async def _ae_free(session: AsyncSession, ae_title: str) -> None:
    """AE titles identify callers, so one per device or node across the deployment."""
    if await repository.device_by_ae(session, ae_title) or await repository.node_by_ae(session, ae_title):
        raise DuplicateAeTitle()


async def create_device(session: AsyncSession, actor: Actor, data: DeviceCreate) -> DicomDevice:
    """Register a device allowed to call Osteon's SCP."""
    _require_config(actor)
    await _ae_free(session, data.ae_title)
    institution = await institutions.get_institution(session, data.institution_id or actor.institution_id)
    device = DicomDevice(**data.model_dump(exclude={"institution_id"}), institution_id=institution.id)
    session.add(device)
    await session.flush()
    audit.record(session, "imaging.device.create", resource_type="Device", resource_id=device.id,
                 detail={"ae_title": device.ae_title})
    return device


async def list_devices(session: AsyncSession, actor: Actor) -> list[DicomDevice]:
    """Devices of the actor's institution."""
    _require_config(actor)
    return await repository.list_devices(session, actor.institution_id)


async def _device(session: AsyncSession, actor: Actor, device_id: uuid.UUID) -> DicomDevice:
    """A device of the actor's institution."""
    _require_config(actor)
    device = await session.get(DicomDevice, device_id)
    if device is None or device.institution_id != actor.institution_id:
        raise DeviceNotFound()
    return device


async def update_device(session: AsyncSession, actor: Actor, device_id: uuid.UUID, data: DeviceUpdate) -> DicomDevice:
    """Change a device's address or permissions."""
    device = await _device(session, actor, device_id)
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        setattr(device, key, value)
    await session.flush()
    audit.record(session, "imaging.device.update", resource_type="Device", resource_id=device.id, detail=changes)
    return device


async def delete_device(session: AsyncSession, actor: Actor, device_id: uuid.UUID) -> None:
    """Remove a device (its AE title is refused from then on)."""
    device = await _device(session, actor, device_id)
    await session.delete(device)
    audit.record(session, "imaging.device.delete", resource_type="Device", resource_id=device_id,
                 detail={"ae_title": device.ae_title})


async def create_node(session: AsyncSession, actor: Actor, data: NodeCreate) -> PacsNode:
    """Configure a remote PACS node."""
    _require_config(actor)
    if data.ae_title.strip():
        await _ae_free(session, data.ae_title.strip())
    institution = await institutions.get_institution(session, data.institution_id or actor.institution_id)
    node = PacsNode(**data.model_dump(exclude={"institution_id"}), institution_id=institution.id)
    node.ae_title = node.ae_title.strip()
    node.dicomweb_url = node.dicomweb_url.rstrip("/")
    session.add(node)
    await session.flush()
    audit.record(session, "imaging.node.create", resource_type="Endpoint", resource_id=node.id,
                 detail={"name": node.name, "ae_title": node.ae_title, "dicomweb_url": node.dicomweb_url})
    return node


async def list_nodes(session: AsyncSession, actor: Actor) -> list[PacsNode]:
    """PACS nodes of the actor's institution (clinical staff see them to query; admins configure)."""
    return await repository.list_nodes(session, actor.institution_id)


async def get_node(session: AsyncSession, actor: Actor, node_id: uuid.UUID) -> PacsNode:
    """A node of the actor's institution."""
    node = await session.get(PacsNode, node_id)
    if node is None or node.institution_id != actor.institution_id or not node.enabled:
        raise NodeNotFound()
    return node


async def delete_node(session: AsyncSession, actor: Actor, node_id: uuid.UUID) -> None:
    """Disable a node (kept: transfers refer to it)."""
    _require_config(actor)
    node = await get_node(session, actor, node_id)
    node.enabled = False
    audit.record(session, "imaging.node.disable", resource_type="Endpoint", resource_id=node_id)


# --- imaging requests (orders) ----------------------------------------------------------------------


async def _next_accession(session: AsyncSession, when: datetime) -> str:
    """A new accession number: A + yymmdd + 6 random digits (16 chars max, DICOM SH)."""
    import secrets

    for _ in range(10):
        acc = f"A{when:%y%m%d}{secrets.randbelow(10**6):06d}"
        if await repository.request_by_accession(session, acc) is None:
            return acc
    raise RuntimeError("could not allocate an accession number")


async def create_imaging_request(session: AsyncSession, actor: Actor, data: ImagingRequestCreate) -> ImagingRequest:
    """Create an imaging order for a patient the actor may see; it appears on the Modality Worklist.

    The orders domain calls this when a doctor orders an X-ray/CT/MRI."""
    if not actor.can("patient:write"):
        raise Forbidden()
    patient = await patients.get_for(session, actor, data.patient_id, action="imaging.request.create")
    scheduled = data.scheduled_at or utcnow()
    accession = data.accession_number or await _next_accession(session, scheduled)
    if await repository.request_by_accession(session, accession) is not None:
        raise DuplicateAccession()
    req = ImagingRequest(
        institution_id=patient.institution_id, patient_id=patient.id, accession_number=accession,
        requested_procedure_id=data.requested_procedure_id or accession[-8:],
        requested_procedure=data.requested_procedure, modality=data.modality, body_part=data.body_part,
        laterality=data.laterality, scheduled_at=scheduled, scheduled_station_ae=data.scheduled_station_ae,
        reason=data.reason, requested_by_id=actor.user_id,
    )
    session.add(req)
    await session.flush()
    audit.record(session, "imaging.request.create", patient_id=patient.id, resource_type="ServiceRequest",
                 resource_id=req.id, detail={"accession": accession, "modality": data.modality})
    return req


def request_read(req: ImagingRequest) -> ImagingRequestRead:
    """API view of a request."""
    return ImagingRequestRead(
        id=req.id, institution_id=req.institution_id, patient_id=req.patient_id,
        accession_number=req.accession_number, requested_procedure=req.requested_procedure,
        requested_procedure_id=req.requested_procedure_id, modality=req.modality, body_part=req.body_part,
        laterality=req.laterality, scheduled_at=req.scheduled_at, scheduled_station_ae=req.scheduled_station_ae,
        reason=req.reason, status=req.status, study_instance_uid=request_study_uid(req.id),
    )


async def requests_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> list[ImagingRequest]:
    """A patient's imaging requests (audited read)."""
    await patients.get_for(session, actor, patient_id, action="imaging.requests.read")
    return await repository.requests_of_patient(session, patient_id)


async def get_request(session: AsyncSession, actor: Actor, request_id: uuid.UUID) -> ImagingRequest:
    """One imaging request the actor may see."""
    req = await session.get(ImagingRequest, request_id)
    if req is None:
        raise RequestNotFound()
    try:
        await patients.get_for(session, actor, req.patient_id, action="imaging.request.read")
    except NotFound:
        raise RequestNotFound() from None
    return req


# --- reconciliation ---------------------------------------------------------------------------------


def _require_reconciler(actor: Actor) -> None:
    """Reconciliation is for clinical and radiology staff of the institution."""
    if not actor.can("patient:read") or actor.patient_id is not None:
        raise Forbidden()


async def reconciliation_list(session: AsyncSession, actor: Actor, limit: int, offset: int
                              ) -> tuple[list[tuple[ReconciliationItem, Study]], int]:
    """Open items of the actor's institution (audited: the list shows DICOM patient names)."""
    _require_reconciler(actor)
    rows, total = await repository.open_reconciliation(session, actor.institution_id, limit, offset)
    audit.record(session, "imaging.reconciliation.list", resource_type="ImagingStudy",
                 detail={"studies": [s.study_instance_uid for _, s in rows]})
    return rows, total


async def reconcile_link(session: AsyncSession, actor: Actor, item_id: uuid.UUID, patient_id: uuid.UUID,
                         accession_number: str | None, note: str) -> tuple[ReconciliationItem, Study]:
    """Link an unmatched study to a patient (and order); the index takes the patient's MRN and name."""
    _require_reconciler(actor)
    item = await session.get(ReconciliationItem, item_id)
    if item is None or item.institution_id != actor.institution_id:
        raise ReconciliationNotFound()
    if item.status != "open":
        raise AlreadyReconciled()
    study = await session.get(Study, item.study_id)
    assert study is not None
    patient = await patients.get_for(session, actor, patient_id)
    before = {"dicom_patient_id": study.dicom_patient_id, "patient_name": study.patient_name,
              "accession": study.accession_number}
    if accession_number:
        req = await repository.request_by_accession(session, accession_number)
        if req is None or req.patient_id != patient.id:
            raise RequestNotFound()
        study.request_id = req.id
        study.accession_number = req.accession_number
        req.status = "completed"
    # "Fix": the index carries the corrected identity; files stay byte-identical as received.
    study.patient_id = patient.id
    study.dicom_patient_id = patient.mrn
    study.patient_name = patient.name
    study.match_status = "matched"
    item.status = "resolved"
    item.resolved_by_id = actor.user_id
    item.resolved_at = utcnow()
    item.note = note
    await session.flush()
    audit.record(session, "imaging.reconcile.link", patient_id=patient.id, resource_type="ImagingStudy",
                 resource_id=study.study_instance_uid, detail={"before": before, "item": str(item.id)})
    return item, study


# --- merges -------------------------------------------------------------------------------------------


async def on_patient_merge(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Patients merged (hook is called with duplicate, survivor): studies, requests, transfers follow the survivor."""
    await repository.repoint_patient(session, duplicate_id, survivor_id)


patients.register_merge_hook(on_patient_merge)

__all__ = [
    "StoreOutcome",
    "check_user_may_store",
    "create_imaging_request",
    "index_in_own_transaction",
    "index_instance",
    "instances_for_user",
    "studies_for_patient",
    "study_for_user",
]
