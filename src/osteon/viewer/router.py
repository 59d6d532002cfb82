"""Viewer API under /api/v1/viewer: measurements and annotations saved per study, window/level presets."""

from __future__ import annotations

from fastapi import APIRouter, Path

from osteon.db import DbSession
from osteon.security.deps import CurrentUser
from osteon.viewer import service
from osteon.viewer.schemas import AnnotationSetRead, AnnotationSetWrite, PresetsRead, PresetsWrite

router = APIRouter(prefix="/api/v1/viewer", tags=["viewer"])

StudyUid = Path(pattern=r"^[0-9.]{1,64}$")


@router.get("/studies/{study_uid}/annotations", response_model=AnnotationSetRead)
async def get_annotations(actor: CurrentUser, session: DbSession, study_uid: str = StudyUid) -> AnnotationSetRead:
    """The measurements and annotations saved on a study (empty at version 0 when none)."""
    return await service.get_annotations(session, actor, study_uid)


@router.put("/studies/{study_uid}/annotations", response_model=AnnotationSetRead)
async def put_annotations(body: AnnotationSetWrite, actor: CurrentUser, session: DbSession,
                          study_uid: str = StudyUid) -> AnnotationSetRead:
    """Replace a study's annotations; send the version you read (409 if someone saved first)."""
    return await service.save_annotations(session, actor, study_uid, body)


@router.get("/presets", response_model=PresetsRead)
async def get_presets(actor: CurrentUser, session: DbSession) -> PresetsRead:
    """Your window/level presets."""
    return await service.get_presets(session, actor)


@router.put("/presets", response_model=PresetsRead)
async def put_presets(body: PresetsWrite, actor: CurrentUser, session: DbSession) -> PresetsRead:
    """Replace your window/level presets (send the version you read)."""
    return await service.save_presets(session, actor, body)
