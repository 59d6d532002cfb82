"""Scheduling API: sessions and slots, appointments and registration, check-in, cancellation, the queue."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, status

from osteon.db import DbSession
from osteon.kit.schemas import Page
from osteon.scheduling import demo, service, topics
from osteon.scheduling.rules import rules
from osteon.scheduling.schemas import (
    AppointmentCreate,
    AppointmentRead,
    BookingStatus,
    Cancel,
    CheckIn,
    FeeCategoryRead,
    IsoDate,
    RegistrationCreate,
    SessionCreate,
    SessionRead,
    SlotRead,
)
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/api/v1/scheduling", tags=["scheduling"])
QueueState = dict[str, Any]
demo.register()  # at import, so the demo seeder finds the hook whenever this router is loaded


def setup(app: FastAPI) -> None:
    """Register the queue topics with the WebSocket hub."""
    topics.register()


@router.get("/fee-categories", response_model=list[FeeCategoryRead])
async def list_fee_categories(actor: CurrentUser) -> list[FeeCategoryRead]:
    """Registration fee categories (挂号费类别) from booking_rules.yaml."""
    return [FeeCategoryRead(code=f.code, label_zh=f.label_zh, label_en=f.label_en, amount=f.amount) for f in rules().fees.values()]


@router.post("/sessions", response_model=SessionRead, status_code=status.HTTP_201_CREATED)
async def create_session(body: SessionCreate, actor: CurrentUser, session: DbSession) -> SessionRead:
    """Open a doctor's half-day clinic (排班) with its slots."""
    cs = await service.create_session(session, actor, body)
    return SessionRead.model_validate({**service._session_fields(cs), "available": cs.capacity})


@router.get("/sessions", response_model=list[SessionRead])
async def search_sessions(
    actor: CurrentUser, session: DbSession,
    department_id: uuid.UUID | None = None, doctor_id: uuid.UUID | None = None,
    institution_id: Annotated[uuid.UUID | None, Query(description="patients: the hospital to book at")] = None,
    date_from: Annotated[IsoDate | None, Query()] = None, date_to: Annotated[IsoDate | None, Query()] = None,
) -> list[SessionRead]:
    """Find clinic sessions and their remaining places (号源) by department, doctor and dates (default: next 7 days)."""
    start = date_from or service.local_today(None)
    end = date_to or start + timedelta(days=7)
    rows = await service.search_sessions(session, actor, institution_id=institution_id, department_id=department_id,
                                         doctor_id=doctor_id, date_from=start, date_to=end)
    return [SessionRead.model_validate(r) for r in rows]


@router.get("/sessions/{session_id}/slots", response_model=list[SlotRead])
async def list_slots(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> list[SlotRead]:
    """The time slots of a session with places left."""
    slots = await service.session_slots(session, actor, session_id)
    return [SlotRead(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity, booked=s.booked,
                     available=s.capacity - s.booked) for s in slots]


@router.post("/appointments", response_model=AppointmentRead, status_code=status.HTTP_201_CREATED)
async def book_appointment(body: AppointmentCreate, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """Book (预约): staff for a patient, or a patient for themself; 409 when the slot is full or already booked."""
    appt = await service.book(session, actor, body)
    return (await service.to_reads(session, [appt]))[0]


@router.post("/registrations", response_model=AppointmentRead, status_code=status.HTTP_201_CREATED)
async def register_walk_in(body: RegistrationCreate, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """Walk-in registration (现场挂号): a place in today's session, a visit number, checked in at once."""
    appt = await service.register_walk_in(session, actor, body)
    return (await service.to_reads(session, [appt]))[0]


@router.get("/appointments", response_model=Page[AppointmentRead])
async def list_appointments(
    actor: CurrentUser, session: DbSession, session_id: uuid.UUID | None = None, patient_id: uuid.UUID | None = None,
    day: Annotated[IsoDate | None, Query()] = None, department_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AppointmentRead]:
    """Appointments of your hospital (registration desk, department lists)."""
    rows, total = await service.list_appointments(session, actor, session_id=session_id, patient_id=patient_id, day=day,
                                                  department_id=department_id, limit=limit, offset=offset)
    return Page[AppointmentRead](items=await service.to_reads(session, rows), total=total, limit=limit, offset=offset)


@router.get("/appointments/mine", response_model=list[AppointmentRead], tags=["portal"])
async def my_appointments(actor: CurrentUser, session: DbSession) -> list[AppointmentRead]:
    """The patient portal: my appointments."""
    return await service.to_reads(session, await service.my_appointments(session, actor))


@router.get("/booking-status/mine", response_model=BookingStatus, tags=["portal"])
async def my_booking_status(actor: CurrentUser, session: DbSession) -> BookingStatus:
    """The patient portal: whether online booking is paused after no-shows, and until when."""
    from osteon.scheduling import permissions as perms
    from osteon.scheduling.exceptions import NotAllowed

    if not perms.is_patient(actor):
        raise NotAllowed()
    today = service.local_today(None)
    blocked = await service.check_portal_booking(session, actor.patient_id, today)  # type: ignore[arg-type]
    r = rules()
    from osteon.scheduling import repository as repo

    dates = await repo.no_show_dates(session, actor.patient_id, today - timedelta(days=r.no_show_window_days))  # type: ignore[arg-type]
    return BookingStatus(blocked_until=blocked, no_shows_in_window=len(dates))


@router.get("/appointments/{appointment_id}", response_model=AppointmentRead)
async def get_appointment(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """One appointment (your own, or your hospital's)."""
    return (await service.to_reads(session, [await service.get_appointment(session, actor, appointment_id)]))[0]


@router.post("/appointments/{appointment_id}/check-in", response_model=AppointmentRead)
async def check_in(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession, body: CheckIn | None = None) -> AppointmentRead:
    """签到 at the hospital: visit number, queue number, priority class."""
    body = body or CheckIn()
    appt = await service.check_in(session, actor, appointment_id, emergency=body.emergency,
                                  returning_with_results=body.returning_with_results)
    return (await service.to_reads(session, [appt]))[0]


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentRead)
async def cancel_appointment(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession, body: Cancel | None = None) -> AppointmentRead:
    """退号: refunded before the session starts."""
    appt = await service.cancel(session, actor, appointment_id, (body or Cancel()).reason)
    return (await service.to_reads(session, [appt]))[0]


@router.post("/appointments/{appointment_id}/no-show", response_model=AppointmentRead)
async def mark_no_show(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """爽约: after the session ended, for a patient who never checked in."""
    appt = await service.mark_no_show(session, actor, appointment_id)
    return (await service.to_reads(session, [appt]))[0]


@router.post("/appointments/{appointment_id}/return", response_model=AppointmentRead)
async def return_with_results(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """回诊: a patient seen today comes back with results and rejoins the queue with priority."""
    appt = await service.return_with_results(session, actor, appointment_id)
    return (await service.to_reads(session, [appt]))[0]


@router.get("/queues/{session_id}", response_model=QueueState)
async def get_queue(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> QueueState:
    """A session's queue: the patient being seen, the waiting list in call order, those not arrived."""
    return await service.queue_view(session, actor, session_id)


@router.post("/queues/{session_id}/call-next", response_model=AppointmentRead)
async def call_next(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """叫号: call the next patient (emergency, then priority, then by check-in time)."""
    return (await service.to_reads(session, [await service.call_next(session, actor, session_id)]))[0]


@router.post("/queues/{session_id}/recall", response_model=AppointmentRead)
async def recall(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """重呼: call the current patient again."""
    return (await service.to_reads(session, [await service.recall(session, actor, session_id)]))[0]


@router.post("/queues/{session_id}/skip", response_model=AppointmentRead)
async def skip(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """过号: the current patient goes back after two others."""
    return (await service.to_reads(session, [await service.skip(session, actor, session_id)]))[0]


@router.post("/queues/{session_id}/complete", response_model=AppointmentRead)
async def complete(session_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> AppointmentRead:
    """诊毕: finish the current patient's visit."""
    return (await service.to_reads(session, [await service.complete(session, actor, session_id)]))[0]
