"""Viewer rules: a study's annotation set is readable by whoever may see the study and writable by roles
that annotate; every write is versioned (409 when someone saved first) and audited."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from typing import Any

import pydicom
from pydicom.pixels import apply_rescale
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
from osteon.viewer import permissions, repository, sr
from osteon.viewer.exceptions import AnnotateForbidden, AnnotationsTooLarge, NothingToExport
from osteon.viewer.models import StudyAnnotations, ViewerPresets
from osteon.viewer.schemas import (
    AnnotationSetRead,
    AnnotationSetWrite,
    PresetsRead,
    PresetsWrite,
    SrExportRead,
    SrMeasurement,
)

MAX_SET_BYTES = 2 * 1024 * 1024  # JSON size of one study's annotation set
MAX_ITEM_BYTES = 64 * 1024


def _read(study_uid: str, row: StudyAnnotations | None, actor: Actor) -> AnnotationSetRead:
    """API view (an empty set at version 0 when nothing was saved yet)."""
    return AnnotationSetRead(
        study_instance_uid=study_uid, annotations=list(row.annotations) if row else [],
        version=row.version if row else 0, updated_at=row.updated_at if row else None,
        updated_by_name=row.updated_by_name if row else "", can_edit=permissions.can(actor, "imaging:annotate"),
    )


async def get_annotations(session: AsyncSession, actor: Actor, study_uid: str) -> AnnotationSetRead:
    """The saved annotations of a study you may see (404 otherwise); the read is audited."""
    await imaging.study_for_user(session, actor, study_uid, action="viewer.annotations.read")
    return _read(study_uid, await repository.annotations_of(session, study_uid), actor)


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
    return _read(study_uid, row, actor)


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


async def _build_sr(session: AsyncSession, actor: Actor, store: Any, study: Study, row: StudyAnnotations
                    ) -> tuple[Any, list[sr.BuiltMeasurement], list[str]]:
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
        return sr.build_sr(study_uid=study.study_instance_uid, version=row.version, annotations=items,
                           sources=sources, observer_name=actor.full_name, observer_login=actor.username,
                           institution_name=institution.name, patient_id=study.dicom_patient_id,
                           patient_name=study.patient_name)

    try:
        return await asyncio.to_thread(work)
    except ValueError:
        raise NothingToExport() from None


def _sr_read(study: Study, row: StudyAnnotations, built: list[sr.BuiltMeasurement], skipped: list[str],
             created: bool) -> SrExportRead:
    """API view of an export."""
    series_uid = sr.sr_series_uid(study.study_instance_uid)
    sop_uid = sr.sr_instance_uid(study.study_instance_uid, row.version)
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
    dataset, built, skipped = await _build_sr(session, actor, store, study, row)
    sop_uid = sr.sr_instance_uid(study_uid, row.version)
    created = await imaging_repository.instance_by_uid(session, sop_uid) is None
    if created:
        data = sr.sr_bytes(dataset)
        parsed = await asyncio.to_thread(parse_instance, data)  # the same validation as any received object
        file_hash, size = await asyncio.to_thread(store.put, data)
        await imaging.index_instance(session, parsed, file_hash, size, source=f"viewer-sr:{actor.username}"[:80],
                                     institution_id=study.institution_id, username=actor.username)
    audit.record(session, "viewer.sr.export", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study_uid, detail={"sr": sop_uid, "version": row.version, "created": created,
                                                "measurements": len(built), "skipped": len(skipped)})
    return _sr_read(study, row, built, skipped, created)


async def download_sr(session: AsyncSession, actor: Actor, store: Any, study_uid: str) -> tuple[bytes, str]:
    """The SR of the current annotation set as a Part 10 file: the stored one if this version was exported,
    else built on the fly (not stored). Anyone who may see the study may download it; audited."""
    study = await imaging.study_for_user(session, actor, study_uid, action="viewer.sr.check")
    row = await repository.annotations_of(session, study_uid)
    if row is None or not row.annotations:
        raise NothingToExport()
    sop_uid = sr.sr_instance_uid(study_uid, row.version)
    inst = await imaging_repository.instance_by_uid(session, sop_uid)
    if inst is not None:
        data = await asyncio.to_thread(store.read, inst.file_hash)
    else:
        dataset, _, _ = await _build_sr(session, actor, store, study, row)
        data = sr.sr_bytes(dataset)
    audit.record(session, "viewer.sr.download", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study_uid, detail={"sr": sop_uid, "version": row.version, "stored": inst is not None})
    return data, sop_uid


async def on_patient_merge(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Patients merged: saved annotation sets follow the survivor."""
    await repository.repoint_patient(session, duplicate_id, survivor_id)


patients.register_merge_hook(on_patient_merge)
