"""Viewer rules: a study's annotation set is readable by whoever may see the study and writable by roles
that annotate; every write is versioned (409 when someone saved first) and audited."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging import service as imaging
from osteon.kit.errors import StaleVersion
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.viewer import permissions, repository
from osteon.viewer.exceptions import AnnotateForbidden, AnnotationsTooLarge
from osteon.viewer.models import StudyAnnotations, ViewerPresets
from osteon.viewer.schemas import AnnotationSetRead, AnnotationSetWrite, PresetsRead, PresetsWrite

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


async def on_patient_merge(session: AsyncSession, duplicate_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """Patients merged: saved annotation sets follow the survivor."""
    await repository.repoint_patient(session, duplicate_id, survivor_id)


patients.register_merge_hook(on_patient_merge)
