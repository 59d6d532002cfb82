"""Surgery API: requests, checklist, OR rooms and schedule, surgical record, complications, implant registry."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from osteon.db import DbSession
from osteon.kit.errors import BadRequest
from osteon.security.deps import CurrentUser
from osteon.surgery import service
from osteon.surgery.schemas import (
    BookingCreate,
    ChecklistUpdate,
    ComplicationIn,
    ComplicationRead,
    ImplantRead,
    RoomCreate,
    RoomRead,
    ScheduleRow,
    SurgeryCreate,
    SurgeryRead,
    SurgeryRecordIn,
)

router = APIRouter(prefix="/api/v1", tags=["surgery"])
NO_STORE = {"Cache-Control": "no-store"}


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD query value (timestamps such as "0" are refused, unlike pydantic's lax date)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("日期格式不正确(例如 2026-11-25)", "Not a valid date (e.g. 2026-11-25)", code_override="invalid_date") from None


@router.post("/or-rooms", response_model=RoomRead, status_code=status.HTTP_201_CREATED)
async def add_room(data: RoomCreate, actor: CurrentUser, session: DbSession) -> RoomRead:
    """Add an operating room."""
    return RoomRead.model_validate(await service.add_room(session, actor, data))


@router.get("/or-rooms", response_model=list[RoomRead])
async def list_rooms(actor: CurrentUser, session: DbSession) -> list[RoomRead]:
    """Operating rooms of my hospital."""
    return [RoomRead.model_validate(r) for r in await service.rooms(session, actor)]


@router.get("/or-schedule", response_model=list[ScheduleRow])
async def or_schedule(actor: CurrentUser, session: DbSession, response: Response,
                      day: Annotated[str, Query(pattern=ISO_DATE)]) -> list[ScheduleRow]:
    """The OR board of one day; live changes on topic or:<institution_id>."""
    response.headers.update(NO_STORE)
    return await service.day_schedule(session, actor, _parse_day(day))


@router.post("/surgeries", response_model=SurgeryRead, status_code=status.HTTP_201_CREATED)
async def request_surgery(data: SurgeryCreate, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """Request a surgery from an encounter or admission."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.request_surgery(session, actor, data))


@router.get("/patients/{patient_id}/surgeries", response_model=list[SurgeryRead])
async def list_patient_surgeries(patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> list[SurgeryRead]:
    """A patient's surgeries (newest first) with checklist, booking and record — for the ward's surgery panel."""
    response.headers.update(NO_STORE)
    return [await service.to_read(session, s) for s in await service.list_for_patient(session, actor, patient_id)]


@router.get("/surgeries/{surgery_id}", response_model=SurgeryRead)
async def get_surgery(surgery_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """A surgery with checklist, booking and record."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.get_for(session, actor, surgery_id))


@router.patch("/surgeries/{surgery_id}/checklist", response_model=SurgeryRead)
async def update_checklist(surgery_id: uuid.UUID, data: ChecklistUpdate, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """Tick pre-op checklist items (consent, ASA, anaesthesia, site marking, implants, blood, VTE/Caprini)."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.update_checklist(session, actor, surgery_id, data))


@router.post("/surgeries/{surgery_id}/booking", response_model=SurgeryRead)
async def schedule(surgery_id: uuid.UUID, data: BookingCreate, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """Book room and team (409 naming missing checklist items; 409 or_conflict on overlaps)."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.schedule(session, actor, surgery_id, data))


@router.post("/surgeries/{surgery_id}/cancel", response_model=SurgeryRead)
async def cancel(surgery_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """Cancel a surgery and free its OR time."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.cancel(session, actor, surgery_id))


@router.post("/surgeries/{surgery_id}/record", response_model=SurgeryRead)
async def record(surgery_id: uuid.UUID, data: SurgeryRecordIn, actor: CurrentUser, session: DbSession, response: Response) -> SurgeryRead:
    """Write the surgical record (codes, grade, times, blood loss, implants)."""
    response.headers.update(NO_STORE)
    return await service.to_read(session, await service.complete(session, actor, surgery_id, data))


@router.post("/surgeries/{surgery_id}/complications", response_model=ComplicationRead, status_code=status.HTTP_201_CREATED)
async def add_complication(surgery_id: uuid.UUID, data: ComplicationIn, actor: CurrentUser, session: DbSession) -> ComplicationRead:
    """Record a coded complication."""
    return ComplicationRead.model_validate(await service.add_complication(session, actor, surgery_id, data))


@router.get("/implants", response_model=list[ImplantRead])
async def search_implants(actor: CurrentUser, session: DbSession, response: Response,
                          lot: Annotated[str | None, Query(max_length=64)] = None,
                          udi: Annotated[str | None, Query(max_length=120)] = None) -> list[ImplantRead]:
    """Find implanted devices by lot or UDI (recalls)."""
    response.headers.update(NO_STORE)
    return [ImplantRead.model_validate(i) for i in await service.search_implants(session, actor, lot, udi)]
