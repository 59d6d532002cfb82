"""Inpatient API: beds and the bed board, admissions, transfers, notes, vitals, discharge."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from osteon.db import DbSession
from osteon.inpatient import service
from osteon.inpatient.schemas import (
    AdmissionCreate,
    AdmissionRead,
    BedAssignIn,
    BedBoard,
    BedsCreate,
    BedStateIn,
    DischargeIn,
    DischargeSummaryIn,
    DischargeSummaryRead,
    ObservationIn,
    ObservationRead,
    ProgressNoteIn,
    ProgressNoteRead,
    TransferIn,
)
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["inpatient"])
NO_STORE = {"Cache-Control": "no-store"}


@router.post("/wards/{ward_id}/beds", status_code=status.HTTP_201_CREATED)
async def add_beds(ward_id: uuid.UUID, data: BedsCreate, actor: CurrentUser, session: DbSession) -> list[dict[str, str]]:
    """Add a room with beds to a ward."""
    beds = await service.add_beds(session, actor, ward_id, data)
    return [{"id": str(b.id), "code": b.code, "state": b.state} for b in beds]


@router.get("/bed-board", response_model=BedBoard)
async def bed_board(actor: CurrentUser, session: DbSession, response: Response,
                    ward_id: Annotated[list[uuid.UUID] | None, Query(max_length=50)] = None) -> BedBoard:
    """Bed board snapshot (one query for any number of beds); live changes on topic beds:<ward_id>."""
    response.headers.update(NO_STORE)
    return await service.bed_board(session, actor, ward_id)


@router.post("/beds/{bed_id}/state")
async def set_bed_state(bed_id: uuid.UUID, data: BedStateIn, actor: CurrentUser, session: DbSession) -> dict[str, str]:
    """Reserve/release, mark cleaned, close or reopen a bed."""
    bed = await service.change_bed_state(session, actor, bed_id, data.state)
    return {"id": str(bed.id), "state": bed.state}


@router.post("/admissions", response_model=AdmissionRead, status_code=status.HTTP_201_CREATED)
async def admit(data: AdmissionCreate, actor: CurrentUser, session: DbSession, response: Response) -> AdmissionRead:
    """Admit a patient (optionally into a bed: 409 if someone else took it first)."""
    response.headers.update(NO_STORE)
    return AdmissionRead.model_validate(await service.admit(session, actor, data))


@router.get("/wards/{ward_id}/admissions", response_model=list[AdmissionRead])
async def ward_admissions(
    ward_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
    status_: Annotated[str | None, Query(alias="status", pattern="^(admitted|discharged)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[AdmissionRead]:
    """A ward's admissions (current or discharged), newest first."""
    response.headers.update(NO_STORE)
    return [AdmissionRead.model_validate(a) for a in await service.ward_admissions(session, actor, ward_id, status_, limit, offset)]


@router.get("/admissions/{admission_id}", response_model=AdmissionRead)
async def get_admission(admission_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> AdmissionRead:
    """An admission."""
    response.headers.update(NO_STORE)
    return AdmissionRead.model_validate(await service.get_for(session, actor, admission_id))


@router.post("/admissions/{admission_id}/bed", response_model=AdmissionRead)
async def assign_bed(admission_id: uuid.UUID, data: BedAssignIn, actor: CurrentUser, session: DbSession, response: Response) -> AdmissionRead:
    """Assign a bed (two nurses at once: exactly one succeeds, the other gets 409 bed_not_available)."""
    response.headers.update(NO_STORE)
    return AdmissionRead.model_validate(await service.assign_bed(session, actor, admission_id, data.bed_id))


@router.post("/admissions/{admission_id}/transfer", response_model=AdmissionRead)
async def transfer(admission_id: uuid.UUID, data: TransferIn, actor: CurrentUser, session: DbSession, response: Response) -> AdmissionRead:
    """Move the patient to another bed."""
    response.headers.update(NO_STORE)
    return AdmissionRead.model_validate(await service.transfer(session, actor, admission_id, data.bed_id, data.reason))


@router.post("/admissions/{admission_id}/notes", response_model=ProgressNoteRead, status_code=status.HTTP_201_CREATED)
async def add_note(admission_id: uuid.UUID, data: ProgressNoteIn, actor: CurrentUser, session: DbSession, response: Response) -> ProgressNoteRead:
    """Write a progress note."""
    response.headers.update(NO_STORE)
    return ProgressNoteRead.model_validate(await service.add_note(session, actor, admission_id, data))


@router.get("/admissions/{admission_id}/notes", response_model=list[ProgressNoteRead])
async def list_notes(admission_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> list[ProgressNoteRead]:
    """Progress notes."""
    response.headers.update(NO_STORE)
    return [ProgressNoteRead.model_validate(n) for n in await service.notes(session, actor, admission_id)]


@router.post("/admissions/{admission_id}/observations", response_model=ObservationRead, status_code=status.HTTP_201_CREATED)
async def add_observation(admission_id: uuid.UUID, data: ObservationIn, actor: CurrentUser, session: DbSession, response: Response) -> ObservationRead:
    """Record vital signs and pain score (implausible values are refused)."""
    response.headers.update(NO_STORE)
    return ObservationRead.model_validate(await service.add_observation(session, actor, admission_id, data))


@router.get("/admissions/{admission_id}/observations", response_model=list[ObservationRead])
async def list_observations(admission_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> list[ObservationRead]:
    """Vital signs, oldest first."""
    response.headers.update(NO_STORE)
    return [ObservationRead.model_validate(o) for o in await service.observations(session, actor, admission_id)]


@router.put("/admissions/{admission_id}/discharge-summary", response_model=DischargeSummaryRead)
async def save_summary(admission_id: uuid.UUID, data: DischargeSummaryIn, actor: CurrentUser, session: DbSession, response: Response) -> DischargeSummaryRead:
    """Write the discharge summary (出院小结)."""
    response.headers.update(NO_STORE)
    return DischargeSummaryRead.model_validate(await service.save_summary(session, actor, admission_id, data))


@router.get("/admissions/{admission_id}/discharge-summary", response_model=DischargeSummaryRead)
async def get_summary(admission_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> DischargeSummaryRead:
    """The discharge summary."""
    response.headers.update(NO_STORE)
    return DischargeSummaryRead.model_validate(await service.summary(session, actor, admission_id))


@router.post("/admissions/{admission_id}/discharge", response_model=AdmissionRead)
async def discharge(admission_id: uuid.UUID, data: DischargeIn, actor: CurrentUser, session: DbSession, response: Response) -> AdmissionRead:
    """Discharge (409 if the discharge summary is missing); LOS and bed-days are recorded."""
    response.headers.update(NO_STORE)
    return AdmissionRead.model_validate(await service.discharge(session, actor, admission_id, data))


def setup(app: object) -> None:
    """Register the bed, OR, alert and order topics with the WebSocket hub."""
    from osteon.inpatient import topics

    topics.register()


def _register_demo() -> None:
    """Add the clinical demo data to ``osteon serve --demo``."""
    from osteon import demo
    from osteon.inpatient.demo import seed_clinical

    if seed_clinical not in demo.DEMO_HOOKS:
        demo.DEMO_HOOKS.append(seed_clinical)


_register_demo()
