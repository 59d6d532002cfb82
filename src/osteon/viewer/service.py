"""Viewer rules: a study's annotation set is readable by whoever may see the study and writable by roles
that annotate; every write is versioned (409 when someone saved first) and audited."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import uuid
from typing import Any

import pydicom
from pydicom.pixels import apply_rescale
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging import repository as imaging_repository
from osteon.imaging import service as imaging
from osteon.imaging.models import Study
from osteon.imaging.parsing import parse_instance
from osteon.institutions import service as institutions
from osteon.kit.errors import StaleVersion
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.viewer import permissions, repository, sr, sr_import
from osteon.viewer.exceptions import AnnotateForbidden, AnnotationsTooLarge, NothingToExport
from osteon.viewer.models import SrImport, StudyAnnotations, ViewerPresets
from osteon.viewer.schemas import (
    AnnotationSetRead,
    AnnotationSetWrite,
    ImportedAnnotation,
    PresetsRead,
    PresetsWrite,
    SrExportRead,
    SrMeasurement,
    SrSourceRead,
)

log = logging.getLogger(__name__)

MAX_SET_BYTES = 2 * 1024 * 1024  # JSON size of one study's annotation set
MAX_ITEM_BYTES = 64 * 1024


def _read(study_uid: str, row: StudyAnnotations | None, actor: Actor, imports: list[SrImport]) -> AnnotationSetRead:
    """API view (an empty set at version 0 when nothing was saved yet), with the imported measurements."""
    shown = [i for i in imports if i.status != "own"]
    return AnnotationSetRead(
        study_instance_uid=study_uid, annotations=list(row.annotations) if row else [],
        version=row.version if row else 0, updated_at=row.updated_at if row else None,
        updated_by_name=row.updated_by_name if row else "", can_edit=permissions.can(actor, "imaging:annotate"),
        imported=[ImportedAnnotation(**a, source_sr_instance_uid=i.sr_instance_uid, observer_name=i.observer_name,
                                     content_date=i.content_date) for i in shown for a in i.annotations],
        sr_sources=[SrSourceRead(sr_instance_uid=i.sr_instance_uid, status=i.status, observer_name=i.observer_name,
                                 content_date=i.content_date, measurements=len(i.annotations), skipped=i.skipped)
                    for i in shown],
    )


async def get_annotations(session: AsyncSession, actor: Actor, store: Any, study_uid: str) -> AnnotationSetRead:
    """The saved annotations of a study you may see (404 otherwise), with the measurements of SRs it received
    (SRs not read yet are imported now); the read is audited."""
    study = await imaging.study_for_user(session, actor, study_uid, action="viewer.annotations.read")
    await import_received_srs(session, store, study)
    return _read(study_uid, await repository.annotations_of(session, study_uid), actor,
                 await repository.sr_imports_of(session, study_uid))


def check_size(data: AnnotationSetWrite) -> list[dict]:
    """The annotations as JSON-ready dicts, refusing oversized items or sets."""
    items = [a.model_dump(mode="json") for a in data.annotations]
    total = 0
    for item in items:
        size = len(json.dumps(item, ensure_ascii=False))
        if size > MAX_ITEM_BYTES:
            raise AnnotationsTooLarge()
        total += size
    if total > MAX_SET_BYTES:
        raise AnnotationsTooLarge()
    return items


async def save_annotations(session: AsyncSession, actor: Actor, study_uid: str, data: AnnotationSetWrite
                           ) -> AnnotationSetRead:
    """Replace a study's annotation set if ``data.version`` is current (else 409 StaleVersion); audited."""
    study = await imaging.study_for_user(session, actor, study_uid, action="viewer.annotations.check")
    if not permissions.can(actor, "imaging:annotate"):
        raise AnnotateForbidden()
    items = check_size(data)
    row = await repository.annotations_of(session, study_uid, for_update=True)
    current = row.version if row else 0
    if data.version != current:
        raise StaleVersion(current_version=current)
    before = len(row.annotations) if row else 0
    if row is None:
        row = StudyAnnotations(study_instance_uid=study_uid, patient_id=study.patient_id, annotations=items,
                               version=1, updated_by=actor.user_id, updated_by_name=actor.full_name)
        repository.add(session, row)
    else:
        row.annotations = items
        row.version = current + 1
        row.updated_by = actor.user_id
        row.updated_by_name = actor.full_name
        row.updated_at = utcnow()
    await session.flush()
    audit.record(session, "viewer.annotations.write", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study_uid, detail={"count": len(items), "before": before, "version": row.version,
                                                "tools": sorted({i["tool"] for i in items})})
    return _read(study_uid, row, actor, await repository.sr_imports_of(session, study_uid))


async def get_presets(session: AsyncSession, actor: Actor) -> PresetsRead:
    """Your window/level presets."""
    row = await repository.presets_of(session, actor.user_id)
    return PresetsRead(presets=list(row.presets) if row else [], version=row.version if row else 0)


async def save_presets(session: AsyncSession, actor: Actor, data: PresetsWrite) -> PresetsRead:
    """Replace your presets (versioned)."""
    row = await repository.presets_of(session, actor.user_id, for_update=True)
    current = row.version if row else 0
    if data.version != current:
        raise StaleVersion(current_version=current)
    items = [p.model_dump(mode="json") for p in data.presets]
    if row is None:
        row = ViewerPresets(user_id=actor.user_id, presets=items, version=1)
        repository.add(session, row)
    else:
        row.presets = items
        row.version = current + 1
    await session.flush()
    return PresetsRead(presets=list(row.presets), version=row.version)


# --- DICOM SR export ---------------------------------------------------------------------------------


def _load_sources(store: Any, wanted: dict[str, tuple[str, set[int]]]) -> dict[str, sr.SourceImage]:
    """Read the referenced images (blocking): header always, modality-LUT pixels of the frames ROIs sit on.

    ``wanted`` maps SOP Instance UID → (file hash, frames needing pixels)."""
    out: dict[str, sr.SourceImage] = {}
    for sop, (file_hash, frames) in wanted.items():
        ds = pydicom.dcmread(io.BytesIO(store.read(file_hash)))
        src = sr.SourceImage(header=ds)
        if frames and "PixelData" in ds:
            try:
                arr = ds.pixel_array
                n = int(ds.get("NumberOfFrames") or 1)
                for frame in frames:
                    if 1 <= frame <= n:
                        plane = arr[frame - 1] if n > 1 else arr
                        if plane.ndim == 2:  # colour images get no mean/SD
                            src.frames[frame] = apply_rescale(plane, ds)
            except Exception:  # noqa: BLE001 — undecodable pixels: areas are exported, statistics are not
                src.frames.clear()
        if "PixelData" in ds:
            del ds.PixelData
        out[sop] = src
    return out


async def _build_sr(session: AsyncSession, actor: Actor, store: Any, study: Study, row: StudyAnnotations,
                    issuer: uuid.UUID) -> tuple[Any, list[sr.BuiltMeasurement], list[str]]:
    """Build the SR of the current annotation set (400 NothingToExport when nothing can be measured)."""
    items = list(row.annotations)
    wanted: dict[str, tuple[str, set[int]]] = {}
    for a in items:
        sop = a.get("sop_instance_uid") or ""
        if a.get("tool") not in sr.MEASURED_TOOLS or not sop:
            continue
        if sop not in wanted:
            inst = await imaging_repository.instance_by_uid(session, sop)
            if inst is None or inst.study_id != study.id:
                continue  # an image of another study (or deleted): skipped, never read
            wanted[sop] = (inst.file_hash, set())
        if a.get("tool") in sr.ROI_TOOLS:
            wanted[sop][1].add(int(a.get("frame") or 1))
    inst_id = study.institution_id or actor.institution_id
    institution = await institutions.get_institution(session, inst_id)

    def work() -> tuple[Any, list[sr.BuiltMeasurement], list[str]]:
        sources = _load_sources(store, wanted)
        return sr.build_sr(study_uid=study.study_instance_uid, version=row.version, issuer=issuer, annotations=items,
                           sources=sources, observer_name=actor.full_name, observer_login=actor.username,
                           institution_name=institution.name, patient_id=study.dicom_patient_id,
                           patient_name=study.patient_name)

    try:
        return await asyncio.to_thread(work)
    except ValueError:
        raise NothingToExport() from None


def _sr_read(study: Study, row: StudyAnnotations, built: list[sr.BuiltMeasurement], skipped: list[str],
             created: bool, issuer: uuid.UUID) -> SrExportRead:
    """API view of an export."""
    series_uid = sr.sr_series_uid(study.study_instance_uid, issuer)
    sop_uid = sr.sr_instance_uid(study.study_instance_uid, row.version, issuer)
    return SrExportRead(
        study_instance_uid=study.study_instance_uid, series_instance_uid=series_uid, sop_instance_uid=sop_uid,
        sop_class_uid=sr.COMPREHENSIVE_3D_SR_UID, annotations_version=row.version, created=created,
        measurements=[SrMeasurement.model_validate(b) for b in built],
        skipped=skipped,
        wado_rs_url=f"/dicomweb/studies/{study.study_instance_uid}/series/{series_uid}/instances/{sop_uid}",
    )


async def export_sr(session: AsyncSession, actor: Actor, store: Any, study_uid: str) -> SrExportRead:
    """Store the study's current measurements as a DICOM SR in a new series of the study (QIDO/WADO-RS,
    C-FIND/C-MOVE and PACS forwarding then see it like any stored instance); audited.

    One SR per annotation-set version: exporting the same version again returns the stored object."""
    study = await imaging.study_for_user(session, actor, study_uid, action="viewer.sr.check")
    if not permissions.can(actor, "imaging:annotate"):
        raise AnnotateForbidden()
    row = await repository.annotations_of(session, study_uid, for_update=True)  # serialises concurrent exports
    if row is None or not row.annotations:
        raise NothingToExport()
    issuer = await repository.uid_issuer(session)
    dataset, built, skipped = await _build_sr(session, actor, store, study, row, issuer)
    sop_uid = sr.sr_instance_uid(study_uid, row.version, issuer)
    created = await imaging_repository.instance_by_uid(session, sop_uid) is None
    if created:
        data = sr.sr_bytes(dataset)
        parsed = await asyncio.to_thread(parse_instance, data)  # the same validation as any received object
        file_hash, size = await asyncio.to_thread(store.put, data)
        await imaging.index_instance(session, parsed, file_hash, size, source=f"viewer-sr:{actor.username}"[:80],
                                     institution_id=study.institution_id, username=actor.username)
    if await repository.sr_import(session, sop_uid) is None:
        # Its measurements are this study's own annotation set: never imported back as someone else's.
        repository.add(session, SrImport(sr_instance_uid=sop_uid, study_instance_uid=study_uid,
                                         patient_id=study.patient_id, status="own", observer_name=actor.full_name[:100]))
    audit.record(session, "viewer.sr.export", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study_uid, detail={"sr": sop_uid, "version": row.version, "created": created,
                                                "measurements": len(built), "skipped": len(skipped)})
    return _sr_read(study, row, built, skipped, created, issuer)


async def download_sr(session: AsyncSession, actor: Actor, store: Any, study_uid: str) -> tuple[bytes, str]:
    """The SR of the current annotation set as a Part 10 file: the stored one if this version was exported,
    else built on the fly (not stored). Anyone who may see the study may download it; audited."""
    study = await imaging.study_for_user(session, actor, study_uid, action="viewer.sr.check")
    row = await repository.annotations_of(session, study_uid)
    if row is None or not row.annotations:
        raise NothingToExport()
    issuer = await repository.uid_issuer(session)
    sop_uid = sr.sr_instance_uid(study_uid, row.version, issuer)
    inst = await imaging_repository.instance_by_uid(session, sop_uid)
    if inst is not None:
        data = await asyncio.to_thread(store.read, inst.file_hash)
    else:
        dataset, _, _ = await _build_sr(session, actor, store, study, row, issuer)
        data = sr.sr_bytes(dataset)
    audit.record(session, "viewer.sr.download", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study_uid, detail={"sr": sop_uid, "version": row.version, "stored": inst is not None})
    return data, sop_uid


# --- DICOM SR import ---------------------------------------------------------------------------------


def _header(store: Any, file_hash: str) -> pydicom.Dataset:
    """A stored image's header (no pixels)."""
    return pydicom.dcmread(io.BytesIO(store.read(file_hash)), stop_before_pixels=True)


async def _read_received_sr(session: AsyncSession, store: Any, study: Study, file_hash: str, sr_uid: str
                            ) -> SrImport:
    """The import row of one received SR: its measurements on images of the study in world coordinates, or
    status ``empty``/``invalid``/``own`` (never raises for a bad object: it stays stored, it just shows nothing)."""
    row = SrImport(sr_instance_uid=sr_uid, study_instance_uid=study.study_instance_uid, patient_id=study.patient_id,
                   status="empty", annotations=[], skipped=0, waiting=0, study_instances=study.num_instances, note="",
                   observer_name="")
    issuer = await repository.uid_issuer(session)
    try:
        data = await asyncio.to_thread(store.read, file_hash)
        parsed = await asyncio.to_thread(sr_import.parse_sr, data, study.study_instance_uid, issuer)
    except Exception as exc:  # noqa: BLE001 — a malformed SR (or unreadable file) imports nothing
        row.status, row.note = "invalid", str(exc)[:200]
        log.warning("SR %s of study %s not imported: %s", sr_uid, study.study_instance_uid, row.note)
        return row
    row.observer_name, row.content_date = parsed.observer_name[:100], parsed.content_date
    if parsed.own:
        row.status = "own"
        return row
    hashes: dict[str, str] = {}
    for sop in {g.sop_instance_uid for g in parsed.groups}:
        inst = await imaging_repository.instance_by_uid(session, sop)
        if inst is not None and inst.study_id == study.id:  # an image of another study is never read
            hashes[sop] = inst.file_hash

    def work() -> tuple[list[dict[str, Any]], int, int]:
        headers = {sop: _header(store, h) for sop, h in hashes.items()}
        return sr_import.to_annotations(parsed, headers)

    try:
        row.annotations, row.skipped, row.waiting = await asyncio.to_thread(work)
    except Exception as exc:  # noqa: BLE001 — a referenced image that cannot be read: nothing imported
        row.annotations, row.skipped, row.note = [], len(parsed.groups) + parsed.skipped, str(exc)[:200]
    if row.annotations:
        row.status = "imported"
    else:
        row.note = row.note or "no planar measurement on an image of this study"
        log.warning("SR %s of study %s: nothing to import (%s)", sr_uid, study.study_instance_uid, row.note)
    return row


def _audit_import(session: AsyncSession, study: Study, row: SrImport, *, again: bool) -> None:
    """The ``viewer.sr.import`` event of one SR read."""
    audit.record(session, "viewer.sr.import", patient_id=study.patient_id, resource_type="ImagingInstance",
                 resource_id=row.sr_instance_uid,
                 detail={"study": study.study_instance_uid, "status": row.status, "again": again,
                         "measurements": len(row.annotations), "skipped": row.skipped})


async def import_received_srs(session: AsyncSession, store: Any, study: Study) -> None:
    """Read each SR the study received and has not been read yet (on the first annotation read after it
    arrived, so C-STORE/STOW-RS ingest stays as fast as for any object), and read again those that measured
    images the study did not hold yet once more instances arrived; each import is audited."""
    for row in await repository.sr_imports_waiting(session, study.study_instance_uid, study.num_instances):
        inst = await imaging_repository.instance_by_uid(session, row.sr_instance_uid)
        if inst is None or inst.study_id != study.id:
            row.waiting = 0
            continue
        fresh = await _read_received_sr(session, store, study, inst.file_hash, inst.sop_instance_uid)
        for name in ("status", "observer_name", "content_date", "annotations", "skipped", "waiting",
                     "study_instances", "note"):
            setattr(row, name, getattr(fresh, name))
        _audit_import(session, study, row, again=True)
    pending = await repository.unread_srs(session, study.id, study.study_instance_uid,
                                          sr_import.MEASUREMENT_SR_CLASSES)
    for inst in pending:
        row = await _read_received_sr(session, store, study, inst.file_hash, inst.sop_instance_uid)
        try:
            async with session.begin_nested():
                repository.add(session, row)
                await session.flush()
        except IntegrityError:
            continue  # another reader imported it at the same moment
        if row.status != "own":
            _audit_import(session, study, row, again=False)


async def on_patient_merge(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Patients merged: saved annotation sets follow the survivor."""
    await repository.repoint_patient(session, duplicate_id, survivor_id)


patients.register_merge_hook(on_patient_merge)
