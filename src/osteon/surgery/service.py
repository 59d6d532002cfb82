"""Surgery rules: request, pre-op checklist gate, conflict-free OR booking (unique time blocks), the
surgical record with ICD-9-CM-3 codes and grade, implant registry, complications, unplanned returns."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from osteon.encounters import codes
from osteon.encounters import service as encounters
from osteon.kit.errors import BadRequest, Conflict, NotFound, StaleVersion
from osteon.kit.models import utcnow
from osteon.orders import service as orders
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.surgery import repository
from osteon.surgery.exceptions import (
    ChecklistIncomplete,
    OrConflict,
    RoomNotFound,
    SurgeryNotFound,
    SurgeryState,
)
from osteon.surgery.models import Complication, Implant, OperatingRoom, OrBooking, Surgery, SurgeryProcedure
from osteon.surgery.permissions import check
from osteon.surgery.schemas import (
    BookingCreate,
    BookingRead,
    ChecklistUpdate,
    ComplicationIn,
    ComplicationRead,
    ImplantRead,
    ProcedureRead,
    RoomCreate,
    ScheduleRow,
    SurgeryCreate,
    SurgeryRead,
    SurgeryRecordIn,
)

ICD10_FORMAT = re.compile(r"[A-TV-Z]\d{2}(\.\d{1,4})?")
BLOCK_MINUTES = 15  # OR time is held in 15-minute blocks: bookings that touch the same block conflict
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
RETURN_48H = timedelta(hours=48)
RETURN_31D = timedelta(days=31)  # DOMAIN.md: China counts 31 days for unplanned returns/readmissions


def checklist_missing(s: Surgery) -> list[tuple[str, str, str]]:
    """Checklist items not done: (key, zh, en)."""
    missing = []
    if not s.consent_signed:
        missing.append(("consent_signed", "手术知情同意书未签署", "consent not signed"))
    if not s.asa_class:
        missing.append(("asa_class", "ASA分级未评估", "ASA class not assessed"))
    if not s.anaesthesia_assessed:
        missing.append(("anaesthesia_assessed", "麻醉评估未完成", "anaesthesia assessment not done"))
    if not s.site_marked:
        missing.append(("site_marked", "手术部位未标记", "surgical site not marked"))
    if s.implants_required and not s.implants_prepared:
        missing.append(("implants_prepared", "植入物未准备", "implants not prepared"))
    if s.blood_required and not s.blood_prepared:
        missing.append(("blood_prepared", "备血未完成", "blood not prepared"))
    if not s.vte_assessed or s.caprini_score is None:
        missing.append(("vte_assessed", "VTE风险(Caprini评分)未评估", "VTE risk (Caprini score) not assessed"))
    return missing


def time_blocks(start: datetime, end: datetime) -> list[datetime]:
    """The 15-minute blocks touched by [start, end) (start floored, end ceiled), in UTC."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.replace(minute=start.minute - start.minute % BLOCK_MINUTES, second=0, microsecond=0)
    blocks, t = [], first
    while t < end:
        blocks.append(t)
        t += timedelta(minutes=BLOCK_MINUTES)
    return blocks


def return_flags(index_end: datetime, return_start: datetime) -> tuple[int, bool, bool]:
    """(interval minutes, within 48 h, within 31 d) from the end of the index operation to the return."""
    interval = return_start - index_end
    return int(interval.total_seconds() // 60), interval <= RETURN_48H, interval <= RETURN_31D


async def _flush(session: AsyncSession) -> None:
    """Flush; a concurrent version bump becomes 409."""
    try:
        await session.flush()
    except StaleDataError:
        raise StaleVersion() from None


async def is_clinician(session: AsyncSession, institution_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """True when the user is an active doctor/department head of the institution."""
    return user_id in await repository.clinicians(session, institution_id, [user_id])


async def get_for(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID, *, action: str = "surgery.read",
                  for_update: bool = False) -> Surgery:
    """A surgery whose patient the actor may see (audited), else 404."""
    check(actor, "surgery:read")
    s = await repository.get_surgery(session, surgery_id, for_update=for_update)
    if s is None:
        raise SurgeryNotFound()
    await patients.get_for(session, actor, s.patient_id, action=action)
    return s


async def list_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, limit: int = 20) -> list[Surgery]:
    """A patient's surgeries (audited read; 404 for a patient the actor may not see)."""
    check(actor, "surgery:read")
    await patients.get_for(session, actor, patient_id, action="surgery.list")
    return await repository.surgeries_of_patient(session, patient_id, limit)


# --------------------------------------------------------------------------- rooms


async def add_room(session: AsyncSession, actor: Actor, data: RoomCreate) -> OperatingRoom:
    """Add an operating room to the actor's institution."""
    check(actor, "or:manage")
    room = OperatingRoom(institution_id=actor.institution_id, code=data.code, name=data.name)
    session.add(room)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("手术间编号已存在", "An operating room with this code exists", code_override="surgery.room_exists") from None
    audit.record(session, "or_room.create", resource_type="Location", resource_id=room.id)
    return room


async def rooms(session: AsyncSession, actor: Actor) -> list[OperatingRoom]:
    """Rooms of the actor's institution."""
    check(actor, "surgery:read")
    return await repository.rooms_of(session, actor.institution_id)


# --------------------------------------------------------------------------- request and checklist


async def request_surgery(session: AsyncSession, actor: Actor, data: SurgeryCreate) -> Surgery:
    """A surgery request from an encounter or admission; the grade defaults from the procedure code."""
    check(actor, "surgery:request")
    patient = await patients.get_for(session, actor, data.patient_id, action="surgery.request")
    if data.encounter_id:
        ctx = await encounters.encounter_brief(session, data.encounter_id)
    else:
        from osteon.inpatient import service as inpatient

        ctx = await inpatient.admission_brief(session, data.admission_id)
    if ctx is None or ctx.patient_id != patient.id:
        raise NotFound("未找到该就诊或住院记录", "Encounter or admission not found", code_override="surgery.context_not_found")
    grade = data.grade
    if data.planned_code:
        entry = codes.get_procedure(data.planned_code)
        if entry is None:
            raise BadRequest(f"手术编码 {data.planned_code} 不在ICD-9-CM-3编码库中", f"Procedure code {data.planned_code} is not in the ICD-9-CM-3 subset",
                             code_override="surgery.icd9_unknown")
        grade = grade or GRADES.get(entry.default_grade or "")
    if data.index_surgery_id:
        index = await repository.get_surgery(session, data.index_surgery_id)
        if index is None or index.patient_id != patient.id:
            raise NotFound("未找到首次手术", "Index operation not found", code_override="surgery.index_not_found")
    s = Surgery(institution_id=ctx.institution_id, department_id=ctx.department_id, patient_id=patient.id,
                encounter_id=data.encounter_id, admission_id=data.admission_id, requested_by_id=actor.user_id,
                planned_procedure=data.planned_procedure, planned_code=data.planned_code, laterality=data.laterality, grade=grade,
                implants_required=data.implants_required, blood_required=data.blood_required,
                unplanned_return=data.unplanned_return, index_surgery_id=data.index_surgery_id)
    session.add(s)
    await session.flush()
    audit.record(session, "surgery.request", patient_id=patient.id, resource_type="Procedure", resource_id=s.id,
                 detail={"code": data.planned_code, "unplanned_return": data.unplanned_return})
    return s


async def update_checklist(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID, data: ChecklistUpdate) -> Surgery:
    """Tick checklist items (optimistic version)."""
    check(actor, "surgery:checklist")
    s = await get_for(session, actor, surgery_id, action="surgery.checklist", for_update=True)
    if s.status not in ("requested", "scheduled"):
        raise SurgeryState()
    if s.version != data.version:
        raise StaleVersion()
    changes = data.model_dump(exclude={"version"}, exclude_none=True)
    if changes.get("vte_assessed") and changes.get("caprini_score", s.caprini_score) is None:
        raise BadRequest("VTE评估需填写Caprini评分", "The VTE assessment needs the Caprini score", code_override="surgery.caprini_required")
    for k, v in changes.items():
        setattr(s, k, v)
    await _flush(session)
    audit.record(session, "surgery.checklist", patient_id=s.patient_id, resource_type="Procedure", resource_id=s.id, detail=changes)
    return s


# --------------------------------------------------------------------------- OR booking


async def schedule(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID, data: BookingCreate) -> Surgery:
    """Book room and team; refused until the checklist is complete; no overlaps for room, surgeon or anaesthetist."""
    check(actor, "surgery:schedule")
    s = await get_for(session, actor, surgery_id, action="surgery.schedule", for_update=True)
    if s.status != "requested":
        raise SurgeryState(f"手术状态为{s.status},不能排台", f"The surgery is {s.status}; it cannot be scheduled")
    missing = checklist_missing(s)
    if missing:
        raise ChecklistIncomplete(f"术前核查未完成,不能排台:{'、'.join(m[1] for m in missing)}",
                                  f"Cannot schedule: {', '.join(m[2] for m in missing)}", missing=[m[0] for m in missing])
    room = await repository.get_room(session, data.room_id)
    if room is None or room.institution_id != s.institution_id or not room.active:
        raise RoomNotFound()
    people = [p for p in (data.surgeon_id, data.anaesthetist_id) if p]
    if await repository.clinicians(session, s.institution_id, people) != set(people):
        raise BadRequest("主刀或麻醉医生不是本院在职医生", "The surgeon or anaesthetist is not an active doctor of this hospital",
                         code_override="surgery.staff_unknown")
    clash = await repository.overlapping(session, room.id, people, data.start_at, data.end_at)
    if clash:
        raise OrConflict(conflicting_booking=str(clash[0].id))
    booking = OrBooking(surgery_id=s.id, room_id=room.id, surgeon_id=data.surgeon_id, anaesthetist_id=data.anaesthetist_id,
                        start_at=data.start_at, end_at=data.end_at, booked_by_id=actor.user_id)
    session.add(booking)
    await session.flush()
    blocks = time_blocks(data.start_at, data.end_at)
    rows = [{"id": uuid.uuid4(), "booking_id": booking.id, "resource": f"room:{room.id}", "block_start": b} for b in blocks]
    for person in people:
        rows += [{"id": uuid.uuid4(), "booking_id": booking.id, "resource": f"staff:{person}", "block_start": b} for b in blocks]
    try:
        # The unique (resource, block_start) key is what settles a race: the loser's insert fails here.
        await repository.insert_blocks(session, rows)
    except IntegrityError:
        raise OrConflict() from None
    s.status, s.surgeon_id, s.anaesthetist_id = "scheduled", data.surgeon_id, data.anaesthetist_id
    await _flush(session)
    local = data.start_at.astimezone(ZoneInfo(encounters.DEFAULT_TZ))
    await orders.notify_patient(session, s.patient_id, "surgery_scheduled", {"procedure": s.planned_procedure, "date": f"{local:%Y-%m-%d}",
                                                                            "time": f"{local:%H:%M}", "place": room.name},
                                ref=f"surgery:{s.id}:scheduled:{local:%Y%m%d%H%M}")
    orders.publish(session, f"or:{s.institution_id}", {"type": "or.booked", "surgery_id": str(s.id), "room_id": str(room.id),
                                                        "start_at": data.start_at.isoformat(), "end_at": data.end_at.isoformat()})
    audit.record(session, "surgery.schedule", patient_id=s.patient_id, resource_type="Procedure", resource_id=s.id,
                 detail={"room": room.code, "start": data.start_at.isoformat(), "end": data.end_at.isoformat()})
    return s


async def cancel(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID) -> Surgery:
    """Cancel a requested or scheduled surgery and free its OR time."""
    check(actor, "surgery:schedule")
    s = await get_for(session, actor, surgery_id, action="surgery.cancel", for_update=True)
    if s.status not in ("requested", "scheduled"):
        raise SurgeryState()
    booking = await repository.booking_of(session, s.id)
    if booking is not None:
        await repository.delete_booking(session, booking.id)
    s.status = "cancelled"
    await _flush(session)
    orders.publish(session, f"or:{s.institution_id}", {"type": "or.cancelled", "surgery_id": str(s.id)})
    audit.record(session, "surgery.cancel", patient_id=s.patient_id, resource_type="Procedure", resource_id=s.id)
    return s


async def day_schedule(session: AsyncSession, actor: Actor, day: Any, tz: str = encounters.DEFAULT_TZ) -> list[ScheduleRow]:
    """The OR board of one local day (one query)."""
    check(actor, "surgery:read")
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
    rows = await repository.day_schedule(session, actor.institution_id, start, start + timedelta(days=1))
    audit.record(session, "surgery.schedule.read", resource_type="Schedule", resource_id=str(day), detail={"rows": len(rows)})
    return [ScheduleRow(booking=BookingRead.model_validate(b), room_code=code, surgery_id=sid, patient_id=pid, patient_name=name,
                        planned_procedure=proc, status=st) for b, code, sid, pid, name, proc, st in rows]


# --------------------------------------------------------------------------- record


async def complete(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID, data: SurgeryRecordIn) -> Surgery:
    """Write the surgical record: codes, grade, times, blood loss, implants (registry), charges; flag unplanned returns."""
    check(actor, "surgery:record")
    s = await get_for(session, actor, surgery_id, action="surgery.record", for_update=True)
    if s.status != "scheduled":
        reason = ("尚未排台,不能记录手术", "Cannot record a surgery that was not scheduled") if s.status == "requested" else None
        raise SurgeryState(*(reason or (None, None)))
    if data.actual_end_at > utcnow() + timedelta(minutes=5):
        raise BadRequest("手术结束时间不能晚于现在", "The end time cannot be in the future", code_override="surgery.future_time")
    rows = []
    for rank, p in enumerate(data.procedures, start=1):
        entry = codes.get_procedure(p.code)
        if entry is None:
            raise BadRequest(f"手术编码 {p.code} 不在ICD-9-CM-3编码库中", f"Procedure code {p.code} is not in the ICD-9-CM-3 subset",
                             code_override="surgery.icd9_unknown")
        rows.append(SurgeryProcedure(surgery_id=s.id, rank=rank, code=entry.code, name=entry.name_zh,
                                     grade=p.grade or GRADES.get(entry.default_grade or "")))
    session.add_all(rows)
    s.grade = data.grade or rows[0].grade or s.grade
    if s.grade is None:
        raise BadRequest("请填写手术分级", "Please give the surgical grade", code_override="surgery.grade_required")
    s.actual_start_at, s.actual_end_at, s.blood_loss_ml = data.actual_start_at, data.actual_end_at, data.blood_loss_ml
    s.operative_note, s.status = data.operative_note, "completed"
    if s.unplanned_return and s.index_surgery_id:
        index = await repository.get_surgery(session, s.index_surgery_id)
        if index is not None and index.actual_end_at is not None:
            s.return_interval_minutes, s.return_within_48h, s.return_within_31d = return_flags(index.actual_end_at, data.actual_start_at)
    for imp in data.implants:
        session.add(Implant(surgery_id=s.id, patient_id=s.patient_id, institution_id=s.institution_id, manufacturer=imp.manufacturer,
                            product=imp.product, lot=imp.lot, udi=imp.udi, quantity=imp.quantity, implanted_at=data.actual_end_at))
        if imp.item_code:
            await orders.add_charge(session, patient_id=s.patient_id, institution_id=s.institution_id, department_id=s.department_id,
                                    item_code=imp.item_code, quantity=imp.quantity, encounter_id=s.encounter_id,
                                    admission_id=s.admission_id, service_date=encounters.local_date(data.actual_end_at))
    if data.charge_item_code:
        await orders.add_charge(session, patient_id=s.patient_id, institution_id=s.institution_id, department_id=s.department_id,
                                item_code=data.charge_item_code, encounter_id=s.encounter_id, admission_id=s.admission_id,
                                service_date=encounters.local_date(data.actual_end_at))
    await _flush(session)
    audit.record(session, "surgery.complete", patient_id=s.patient_id, resource_type="Procedure", resource_id=s.id,
                 detail={"grade": s.grade, "codes": [r.code for r in rows], "implants": len(data.implants)})
    return s


async def add_complication(session: AsyncSession, actor: Actor, surgery_id: uuid.UUID, data: ComplicationIn) -> Complication:
    """Record a coded complication of a completed surgery."""
    check(actor, "surgery:record")
    s = await get_for(session, actor, surgery_id, action="surgery.complication")
    if s.status != "completed":
        raise SurgeryState("手术尚未完成,不能记录并发症", "Complications are recorded after the surgery is completed")
    # The orthopedic ICD-10 subset lacks general post-operative codes (T81.4 wound infection, I80.2 DVT, I26.9 PE):
    # accept those by ICD-10 format; codes of the subset resolve to their names.
    if encounters.resolve_icd10(data.code) is None and not ICD10_FORMAT.fullmatch(data.code.upper()):
        raise BadRequest(f"并发症编码 {data.code} 不是有效的ICD-10编码", f"Complication code {data.code} is not a valid ICD-10 code",
                         code_override="encounters.icd10_unknown")
    c = Complication(surgery_id=s.id, patient_id=s.patient_id, code=data.code.upper(), description=data.description,
                     occurred_at=data.occurred_at, recorded_by_id=actor.user_id)
    session.add(c)
    await session.flush()
    audit.record(session, "surgery.complication", patient_id=s.patient_id, resource_type="Condition", resource_id=c.id)
    return c


async def search_implants(session: AsyncSession, actor: Actor, lot: str | None, udi: str | None) -> list[Implant]:
    """Implants of the institution by lot/UDI for recalls; each patient shown is audited."""
    check(actor, "implant:search")
    if not (lot or udi):
        raise BadRequest("请提供批号或UDI", "Give a lot or a UDI", code_override="surgery.implant_query")
    rows = await repository.search_implants(session, actor.institution_id, lot, udi, 500)
    for pid in {r.patient_id for r in rows}:
        audit.record(session, "implant.search", patient_id=pid, resource_type="Device", detail={"lot": lot, "udi": udi})
    return rows


async def to_read(session: AsyncSession, s: Surgery) -> SurgeryRead:
    """Full view (4 queries)."""
    booking = await repository.booking_of(session, s.id)
    base = {k: getattr(s, k) for k in SurgeryRead.model_fields if hasattr(s, k) and k not in ("booking", "procedures", "implants", "complications")}
    return SurgeryRead(**base, checklist_missing=[m[0] for m in checklist_missing(s)],
                       booking=BookingRead.model_validate(booking) if booking else None,
                       procedures=[ProcedureRead.model_validate(p) for p in await repository.procedures_of(session, s.id)],
                       implants=[ImplantRead.model_validate(i) for i in await repository.implants_of(session, s.id)],
                       complications=[ComplicationRead.model_validate(c) for c in await repository.complications_of(session, s.id)])
