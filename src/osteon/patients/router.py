"""Patient API: register, search, read, update, merge, break-the-glass."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from osteon.db import DbSession
from osteon.kit.schemas import Page
from osteon.patients import service
from osteon.patients.schemas import (
    BreakGlassRequest,
    HisIdCreate,
    MergeRequest,
    PatientCreate,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from osteon.security.deps import Cipher, CurrentUser

router = APIRouter(prefix="/api/v1", tags=["patients"])


@router.get("/patients", response_model=Page[PatientSummary])
async def search_patients(
    actor: CurrentUser,
    session: DbSession,
    cipher: Cipher,
    q: Annotated[str, Query(max_length=50, description="姓名/拼音首字母/病历号/手机尾号/身份证号")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[PatientSummary]:
    """Search the patients you may see by name, pinyin initials, MRN, phone (or its last 4 digits) or ID number."""
    rows, total = await service.search(session, actor, cipher, q, limit, offset)
    return Page[PatientSummary](items=[service.to_summary(p) for p in rows], total=total, limit=limit, offset=offset)


@router.post("/patients", response_model=PatientRead, status_code=status.HTTP_201_CREATED)
async def register_patient(body: PatientCreate, actor: CurrentUser, session: DbSession, cipher: Cipher,
                           force: bool = False) -> PatientRead:
    """Register a patient (建档); 409 lists likely duplicates unless ``force`` is set."""
    p = await service.register(session, actor, cipher, body, force=force)
    return await service.to_read(session, p, cipher)


@router.get("/patients/{patient_id}", response_model=PatientRead)
async def get_patient(patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, cipher: Cipher) -> PatientRead:
    """One patient; 404 if missing or not yours to see."""
    p = await service.get_for(session, actor, patient_id, scoped=True)
    return await service.to_read(session, p, cipher)


@router.patch("/patients/{patient_id}", response_model=PatientRead)
async def update_patient(patient_id: uuid.UUID, body: PatientUpdate, actor: CurrentUser, session: DbSession,
                         cipher: Cipher) -> PatientRead:
    """Change demographics; send the ``version`` you read (409 if someone saved first)."""
    p = await service.update(session, actor, cipher, patient_id, body)
    return await service.to_read(session, p, cipher)


@router.post("/patients/{patient_id}/merge", response_model=PatientRead)
async def merge_patients(patient_id: uuid.UUID, body: MergeRequest, actor: CurrentUser, session: DbSession,
                         cipher: Cipher) -> PatientRead:
    """Merge a duplicate record into this one."""
    p = await service.merge(session, actor, patient_id, body.duplicate_id)
    return await service.to_read(session, p, cipher)


@router.post("/patients/{patient_id}/identifiers", response_model=PatientRead)
async def add_identifier(patient_id: uuid.UUID, body: HisIdCreate, actor: CurrentUser, session: DbSession,
                         cipher: Cipher) -> PatientRead:
    """Map a HIS patient ID to this patient."""
    p = await service.add_identifier(session, actor, patient_id, body)
    return await service.to_read(session, p, cipher)


@router.post("/patients/{patient_id}/break-glass", status_code=status.HTTP_204_NO_CONTENT)
async def break_glass(patient_id: uuid.UUID, body: BreakGlassRequest, actor: CurrentUser,
                      session: DbSession) -> Response:
    """Emergency access (破窗) to a patient of your hospital outside your scope; the reason is audited."""
    await service.break_glass(session, actor, patient_id, body.reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/patient", response_model=PatientRead, tags=["portal"])
async def my_record(actor: CurrentUser, session: DbSession, cipher: Cipher) -> PatientRead:
    """The patient portal: your own record."""
    p = await service.get_self(session, actor)
    return await service.to_read(session, p, cipher)
