"""Viewer API under /api/v1/viewer: measurements and annotations saved per study, window/level presets."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from osteon.db import DbSession
from osteon.security.deps import CurrentUser
from osteon.viewer import service
from osteon.viewer.schemas import (
    AnnotationSetRead,
    AnnotationSetWrite,
    PresetsRead,
    PresetsWrite,
    SrExportRead,
)

router = APIRouter(prefix="/api/v1/viewer", tags=["viewer"])

StudyUid = Path(pattern=r"^[0-9.]{1,64}$")


@router.get("/studies/{study_uid}/annotations", response_model=AnnotationSetRead)
async def get_annotations(request: Request, actor: CurrentUser, session: DbSession, study_uid: str = StudyUid
                          ) -> AnnotationSetRead:
    """The measurements and annotations saved on a study (empty at version 0 when none), and the read-only
    measurements imported from DICOM SRs the study received (``imported``, with their ``sr_sources``)."""
    return await service.get_annotations(session, actor, request.app.state.dicom_store, study_uid)


@router.put("/studies/{study_uid}/annotations", response_model=AnnotationSetRead)
async def put_annotations(body: AnnotationSetWrite, actor: CurrentUser, session: DbSession,
                          study_uid: str = StudyUid) -> AnnotationSetRead:
    """Replace a study's annotations; send the version you read (409 if someone saved first)."""
    return await service.save_annotations(session, actor, study_uid, body)


@router.post("/studies/{study_uid}/annotations/sr", response_model=SrExportRead, status_code=201)
async def export_sr(request: Request, actor: CurrentUser, session: DbSession, study_uid: str = StudyUid
                    ) -> SrExportRead:
    """Export the study's saved measurements as a DICOM SR (TID 1500 Measurement Report) stored as a new
    series of the study: visible to QIDO-RS/WADO-RS and C-FIND, forwardable to a PACS. Idempotent per
    annotation-set version (``created`` is false when that version was exported before)."""
    return await service.export_sr(session, actor, request.app.state.dicom_store, study_uid)


@router.get("/studies/{study_uid}/annotations/sr", response_class=Response,
            responses={200: {"content": {"application/dicom": {}}}})
async def download_sr(request: Request, actor: CurrentUser, session: DbSession, study_uid: str = StudyUid
                      ) -> Response:
    """Download the DICOM SR of the study's current measurements (the stored one when exported)."""
    data, sop_uid = await service.download_sr(session, actor, request.app.state.dicom_store, study_uid)
    return Response(content=data, media_type="application/dicom",
                    headers={"Content-Disposition": f'attachment; filename="SR_{sop_uid}.dcm"',
                             "Cache-Control": "no-store"})


@router.get("/presets", response_model=PresetsRead)
async def get_presets(actor: CurrentUser, session: DbSession) -> PresetsRead:
    """Your window/level presets."""
    return await service.get_presets(session, actor)


@router.put("/presets", response_model=PresetsRead)
async def put_presets(body: PresetsWrite, actor: CurrentUser, session: DbSession) -> PresetsRead:
    """Replace your window/level presets (send the version you read)."""
    return await service.save_presets(session, actor, body)
