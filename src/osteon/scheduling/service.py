"""Scheduling rules: sessions and slots, booking without double booking, registration, check-in, cancellation,
no-shows, and the queue (call next / recall / skip / complete). Services flush; events leave after commit."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon import jobs
from osteon.institutions import service as institutions
from osteon.kit.masking import mask_name
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.patients.models import Patient
from osteon.realtime import hub
from osteon.scheduling import permissions as perms
from osteon.scheduling import repository as repo
from osteon.scheduling.exceptions import (
    AlreadyBooked,
    AppointmentNotFound,
    BadSchedule,
    BookingBlocked,
    DuplicateSession,
    InvalidTransition,
    NotAllowed,
    SessionClosed,
    SessionNotFound,
    SlotFull,
)
from osteon.scheduling.models import ACTIVE_STATUSES, Appointment, ClinicSession, Slot
from osteon.scheduling.rules import booking_blocked_until, order_queue, priority_for, rules
from osteon.scheduling.schemas import AppointmentCreate, AppointmentRead, RegistrationCreate, SessionCreate
from osteon.security import audit
from osteon.security.deps import Actor

SWEEP_JOB = "scheduling.session_ended"
DOCTOR_ROLES = ("doctor", "dept_head", "expert")


# --- time --------------------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The institution's time zone (default Asia/Shanghai)."""
    return ZoneInfo(name or "Asia/Shanghai")


def local_today(tz: str | None, now: datetime | None = None) -> date:
    """Today in the institution's zone."""
    return (now or utcnow()).astimezone(zone(tz)).date()


async def _tz_of(session: AsyncSession, institution_id: uuid.UUID) -> str:
    """The institution's zone name."""
    inst = await repo.get_institution(session, institution_id)
    return inst.timezone if inst else "Asia/Shanghai"


# --- sessions and slots ------------------------------------------------------------------------------


def split_capacity(capacity: int, windows: int) -> list[int]:
    """Spread ``capacity`` places evenly over ``windows`` time slots (earlier slots take the remainder)."""
    return [capacity * (i + 1) // windows - capacity * i // windows for i in range(windows)]


async def create_session(session: AsyncSession, actor: Actor, data: SessionCreate) -> ClinicSession:
    """Open a doctor's half-day clinic with its slots (排班), and schedule its end-of-session no-show sweep."""
    if not perms.can(actor, "schedule:manage"):
        raise NotAllowed()
    dep = await repo.get_department(session, data.department_id)
    doctor = await repo.get_user(session, data.doctor_id)
    if dep is None or dep.institution_id != actor.institution_id:
        raise BadSchedule("科室不存在或不属于本院", "Unknown department", code_override="scheduling.unknown_department")
    if doctor is None or doctor.institution_id != actor.institution_id or doctor.role not in DOCTOR_ROLES:
        raise BadSchedule("医生不存在或不属于本院", "Unknown doctor", code_override="scheduling.unknown_doctor")
    r = rules()
    fee = r.fees.get(data.fee_category)
    if fee is None:
        raise BadSchedule("挂号费类别不存在", "Unknown fee category", code_override="scheduling.unknown_fee_category")
    tz_name = await _tz_of(session, actor.institution_id)
    if data.session_date < local_today(tz_name):
        raise BadSchedule("不能为过去的日期排班", "Cannot schedule a session in the past", code_override="scheduling.past_date")
    tz = zone(tz_name)
    start_t, end_t = r.periods[data.period]
    starts = datetime.combine(data.session_date, start_t, tz).astimezone(UTC)
    ends = datetime.combine(data.session_date, end_t, tz).astimezone(UTC)
    windows = int((ends - starts).total_seconds() // (data.slot_minutes * 60))
    if windows < 1:
        raise BadSchedule("号段时长超过出诊时长", "Slot length is longer than the session")
    if await repo.find_session(session, data.doctor_id, data.session_date, data.period):
        raise DuplicateSession()
    cs = ClinicSession(
        institution_id=actor.institution_id, department_id=dep.id, doctor_id=doctor.id, session_date=data.session_date,
        period=data.period, starts_at=starts, ends_at=ends, slot_minutes=data.slot_minutes, capacity=data.capacity,
        fee_category=fee.code, fee_amount=fee.amount, room=data.room,
    )
    session.add(cs)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateSession() from exc
    for i, cap in enumerate(split_capacity(data.capacity, windows)):
        if cap:
            s_start = starts + timedelta(minutes=i * data.slot_minutes)
            session.add(Slot(session_id=cs.id, starts_at=s_start, ends_at=s_start + timedelta(minutes=data.slot_minutes),
                             capacity=cap))
    await session.flush()
    delay = max(0.0, (ends - utcnow()).total_seconds())
    await jobs.enqueue(session, SWEEP_JOB, {"session_id": str(cs.id)}, delay=delay)
    audit.record(session, "schedule.create", resource_type="Schedule", resource_id=cs.id,
                 detail={"doctor_id": str(doctor.id), "date": data.session_date.isoformat(), "period": data.period})
    return cs


async def get_session(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> ClinicSession:
    """A session visible to the actor (patients see every open session: that is what booking shows)."""
    cs = await repo.get_session(session, session_id)
    if cs is None or (not perms.is_patient(actor) and cs.institution_id != actor.institution_id):
        raise SessionNotFound()
    return cs


async def search_sessions(session: AsyncSession, actor: Actor, *, institution_id: uuid.UUID | None,
                          department_id: uuid.UUID | None, doctor_id: uuid.UUID | None, date_from: date,
                          date_to: date) -> list[dict[str, Any]]:
    """Sessions with remaining places (号源) by department (and its subspecialty units), doctor and dates."""
    if date_to < date_from or (date_to - date_from).days > 31:
        raise BadSchedule("日期范围有误(最多31天)", "Bad date range (at most 31 days)")
    inst = institution_id if perms.is_patient(actor) else actor.institution_id
    deps = await institutions.department_subtree(session, department_id) if department_id else None
    rows = await repo.list_sessions(session, institution_id=inst, department_ids=deps, doctor_id=doctor_id,
                                    date_from=date_from, date_to=date_to)
    out = []
    for cs, booked, dep_name, doc_name, doc_title in rows:
        if perms.is_patient(actor) and cs.status != "open":
            continue
        out.append({**_session_fields(cs), "booked": booked, "available": max(0, cs.capacity - booked),
                    "department_name": dep_name, "doctor_name": doc_name, "doctor_title": doc_title})
    return out


def _session_fields(cs: ClinicSession) -> dict[str, Any]:
    """The columns SessionRead shows."""
    return {k: getattr(cs, k) for k in ("id", "institution_id", "department_id", "doctor_id", "session_date", "period",
                                        "starts_at", "ends_at", "slot_minutes", "capacity", "fee_category",
                                        "fee_amount", "room", "status")}


async def session_slots(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> list[Slot]:
    """The slots of a session."""
    await get_session(session, actor, session_id)
    return await repo.slots_of(session, session_id)


# --- booking -----------------------------------------------------------------------------------------


async def check_portal_booking(session: AsyncSession, patient_id: uuid.UUID, today: date) -> date | None:
    """The date online booking reopens if the no-show rule blocks the patient today, else None."""
    r = rules()
    since = today - timedelta(days=r.no_show_window_days + r.no_show_block_days)
    return booking_blocked_until(await repo.no_show_dates(session, patient_id, since), today)


async def _patient_for_booking(session: AsyncSession, actor: Actor, patient_id: uuid.UUID | None) -> Patient:
    """The patient being booked: oneself on the portal; for staff, a patient they may see (audited)."""
    if perms.is_patient(actor):
        if patient_id is not None and patient_id != actor.patient_id:
            raise NotAllowed("只能为本人预约", "You can only book for yourself")
        return await patients.get_self(session, actor)
    if not perms.can(actor, "appointment:book"):
        raise NotAllowed()
    if patient_id is None:
        raise BadSchedule("请选择患者", "Choose a patient", code_override="scheduling.patient_required")
    return await patients.get_for(session, actor, patient_id, action="appointment.patient_read")


async def _take_place(session: AsyncSession, cs: ClinicSession, slot_id: uuid.UUID | None) -> Slot:
    """Take a place in the given slot, or in the earliest slot with room; 409 when none is left."""
    if slot_id is not None:
        slot = await repo.get_slot(session, slot_id)
        if slot is None or slot.session_id != cs.id:
            raise SlotFull("该时段不属于此出诊", "This slot is not part of the session", code_override="scheduling.unknown_slot")
        if not await repo.take_slot(session, slot.id):
            raise SlotFull()
        return slot
    now = utcnow()
    for slot in await repo.slots_of(session, cs.id):
        if slot.booked >= slot.capacity or slot.ends_at <= now:
            continue
        if await repo.take_slot(session, slot.id):  # lost a race for this one? try the next
            return slot
    raise SlotFull("本次出诊号源已满", "This clinic session is fully booked")


async def book(session: AsyncSession, actor: Actor, data: AppointmentCreate) -> Appointment:
    """Book a place (预约): from the desk for a patient, or on the portal for oneself; never double booked."""
    patient = await _patient_for_booking(session, actor, data.patient_id)
    cs = await repo.lock_session(session, data.session_id)
    if cs is None or (not perms.is_patient(actor) and cs.institution_id != actor.institution_id):
        raise SessionNotFound()
    now = utcnow()
    tz = await _tz_of(session, cs.institution_id)
    today = local_today(tz, now)
    if cs.status != "open" or now >= cs.ends_at:
        raise SessionClosed()
    source = "staff"
    if perms.is_patient(actor):
        source = "portal"
        if now >= cs.starts_at or cs.session_date > today + timedelta(days=rules().portal_horizon_days):
            raise SessionClosed("该出诊不在网上预约时间内", "This session cannot be booked online now")
        blocked = await check_portal_booking(session, patient.id, today)
        if blocked:
            raise BookingBlocked(blocked_until=blocked.isoformat())
    if await repo.active_appointment(session, cs.id, patient.id):
        raise AlreadyBooked()
    slot = await _take_place(session, cs, data.slot_id)
    appt = Appointment(
        institution_id=cs.institution_id, session_id=cs.id, slot_id=slot.id, patient_id=patient.id,
        department_id=cs.department_id, doctor_id=cs.doctor_id, session_date=cs.session_date, source=source,
        status="booked", fee_category=cs.fee_category, fee_amount=cs.fee_amount, booked_by_id=actor.user_id,
    )
    session.add(appt)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise AlreadyBooked() from exc
    await patients.add_care_relationship(session, cs.doctor_id, patient.id, kind="appointment")
    audit.record(session, "appointment.book", patient_id=patient.id, resource_type="Appointment", resource_id=appt.id,
                 detail={"session_id": str(cs.id), "source": source})
    doctor = await repo.get_user(session, cs.doctor_id)
    dep = await repo.get_department(session, cs.department_id)
    await _notify(session, patient.id, "booking_confirmed", {
        "patient_name": patient.name, "doctor_name": doctor.full_name if doctor else "",
        "department_name": dep.name if dep else "", "department_name_en": (dep.name_en or dep.name) if dep else "",
        "date": cs.session_date.isoformat(), "time": slot.starts_at.astimezone(zone(tz)).strftime("%H:%M"),
        "room": cs.room, "period": cs.period,
    }, ref=f"appointment:{appt.id}")
    await _after_queue_change(session, cs, "queue.booked")
    return appt


async def register_walk_in(session: AsyncSession, actor: Actor, data: RegistrationCreate) -> Appointment:
    """Walk-in registration (现场挂号) for today's session: a place, a visit number, checked in at once."""
    if perms.is_patient(actor) or not perms.can(actor, "appointment:book"):
        raise NotAllowed()
    patient = await patients.get_for(session, actor, data.patient_id, action="appointment.patient_read")
    cs = await repo.lock_session(session, data.session_id)
    if cs is None or cs.institution_id != actor.institution_id:
        raise SessionNotFound()
    now = utcnow()
    if cs.status != "open" or cs.session_date != local_today(await _tz_of(session, cs.institution_id), now) or now >= cs.ends_at:
        raise SessionClosed("只能挂当日未结束的出诊", "Walk-in registration is only for today's sessions that have not ended")
    if await repo.active_appointment(session, cs.id, patient.id):
        raise AlreadyBooked()
    slot = await _take_place(session, cs, None)
    appt = Appointment(
        institution_id=cs.institution_id, session_id=cs.id, slot_id=slot.id, patient_id=patient.id,
        department_id=cs.department_id, doctor_id=cs.doctor_id, session_date=cs.session_date, source="walk_in",
        status="booked", fee_category=cs.fee_category, fee_amount=cs.fee_amount, booked_by_id=actor.user_id,
    )
    session.add(appt)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise AlreadyBooked() from exc
    await patients.add_care_relationship(session, cs.doctor_id, patient.id, kind="appointment")
    await _do_check_in(session, cs, appt, patient, now, emergency=data.emergency)
    audit.record(session, "appointment.register", patient_id=patient.id, resource_type="Appointment",
                 resource_id=appt.id, detail={"visit_no": appt.visit_no})
    await _after_queue_change(session, cs, "queue.checked_in")
    return appt


async def _appointment_for(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID, *, staff_perm: str) -> Appointment:
    """An appointment the actor may act on: their own (patient) or their institution's (staff with ``staff_perm``)."""
    appt = await repo.get_appointment(session, appointment_id)
    if appt is None:
        raise AppointmentNotFound()
    if perms.is_patient(actor):
        if appt.patient_id != actor.patient_id:
            raise AppointmentNotFound()
    elif appt.institution_id != actor.institution_id or not perms.can(actor, staff_perm):
        raise AppointmentNotFound()
    return appt


async def get_appointment(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """One appointment (own, or of the institution for staff); the read is audited."""
    appt = await _appointment_for(session, actor, appointment_id, staff_perm="queue:view")
    audit.record(session, "appointment.read", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    return appt


async def _do_check_in(session: AsyncSession, cs: ClinicSession, appt: Appointment, patient: Patient, now: datetime, *,
                       emergency: bool = False, returning_with_results: bool = False) -> None:
    """Arrived: visit number (if none yet), queue number and priority class."""
    if appt.visit_no is None:
        day = local_today(await _tz_of(session, cs.institution_id), now)
        inst = await repo.get_institution(session, cs.institution_id)
        n = await repo.next_visit_number(session, cs.institution_id, day)
        appt.visit_no = f"{inst.code if inst else 'V'}-{day:%Y%m%d}-{n:04d}"
    if appt.queue_no is None:
        appt.queue_no = await repo.next_queue_no(session, cs)
    age = patients.age_on(patient.birth_date, cs.session_date)
    appt.priority, appt.priority_reason = priority_for(age, emergency=emergency, returning_with_results=returning_with_results)
    appt.status = "checked_in"
    appt.checked_in_at = now
    appt.skipped_at_call = None
    appt.near_notified = False
    await session.flush()


async def check_in(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID, *, emergency: bool = False,
                   returning_with_results: bool = False) -> Appointment:
    """签到 at the hospital on the session day (from the check-in window until the session ends)."""
    appt = await _appointment_for(session, actor, appointment_id, staff_perm="appointment:book")
    if perms.is_patient(actor) and (emergency or returning_with_results):
        raise NotAllowed("优先标记由分诊护士设置", "Priority is set by the triage nurse")
    cs = await repo.lock_session(session, appt.session_id)
    await session.refresh(appt)
    if appt.status != "booked":
        raise InvalidTransition(f"当前状态为{appt.status},不能签到", f"Cannot check in from status {appt.status}",
                                code_override="scheduling.not_booked")
    now = utcnow()
    opens = cs.starts_at - timedelta(minutes=rules().checkin_opens_minutes_before)
    if not (opens <= now < cs.ends_at):
        raise InvalidTransition("不在签到时间内(出诊前60分钟至出诊结束)", "Check-in opens 60 minutes before the session and closes at its end",
                                code_override="scheduling.checkin_window")
    patient = await repo_patient(session, appt.patient_id)
    await _do_check_in(session, cs, appt, patient, now, emergency=emergency, returning_with_results=returning_with_results)
    audit.record(session, "appointment.check_in", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _after_queue_change(session, cs, "queue.checked_in")
    return appt


async def repo_patient(session: AsyncSession, patient_id: uuid.UUID) -> Patient:
    """The appointment's patient (already authorised through the appointment)."""
    p = await session.get(Patient, patient_id)
    assert p is not None
    return p


async def cancel(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID, reason: str = "") -> Appointment:
    """退号: refunded when cancelled before the session starts; the place goes back to the pool."""
    appt = await _appointment_for(session, actor, appointment_id, staff_perm="appointment:book")
    cs = await repo.lock_session(session, appt.session_id)
    await session.refresh(appt)
    if appt.status not in ("booked", "checked_in"):
        raise InvalidTransition("已就诊、已取消或已爽约的预约不能取消", "Only a booked or checked-in appointment can be cancelled",
                                code_override="scheduling.not_cancellable")
    now = utcnow()
    if perms.is_patient(actor) and now >= cs.starts_at:
        raise InvalidTransition("出诊已开始,请到窗口办理退号", "The session has started; please cancel at the desk",
                                code_override="scheduling.cancel_at_desk")
    appt.status = "cancelled"
    appt.cancelled_at = now
    appt.cancel_reason = reason
    appt.refunded = now < cs.starts_at  # booking_rules.yaml: refund_until = session_start
    slot = await repo.get_slot(session, appt.slot_id)
    if slot is not None and now < slot.ends_at:
        await repo.release_slot(session, slot.id)
    await session.flush()
    audit.record(session, "appointment.cancel", patient_id=appt.patient_id, resource_type="Appointment",
                 resource_id=appt.id, detail={"refunded": appt.refunded})
    await _after_queue_change(session, cs, "queue.cancelled")
    return appt


async def mark_no_show(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """爽约: only after the session has ended, only if the patient never checked in."""
    appt = await _appointment_for(session, actor, appointment_id, staff_perm="appointment:book")
    if perms.is_patient(actor):
        raise AppointmentNotFound()
    cs = await repo.lock_session(session, appt.session_id)
    await session.refresh(appt)
    if utcnow() < cs.ends_at:
        raise InvalidTransition("出诊结束后才能标记爽约", "A no-show can only be marked after the session ends",
                                code_override="scheduling.session_not_ended")
    if appt.status != "booked":
        raise InvalidTransition("只有未签到的预约可以标记爽约", "Only an appointment never checked in can be a no-show",
                                code_override="scheduling.not_booked")
    appt.status, appt.no_show_at = "no_show", utcnow()
    await session.flush()
    audit.record(session, "appointment.no_show", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _after_queue_change(session, cs, "queue.no_show")
    return appt


async def sweep_no_shows(session: AsyncSession, session_id: uuid.UUID) -> int:
    """At the end of a session, mark every appointment still only 'booked' as a no-show; returns how many."""
    cs = await repo.lock_session(session, session_id)
    if cs is None:
        return 0
    if utcnow() < cs.ends_at:
        raise jobs.RetryLater((cs.ends_at - utcnow()).total_seconds() + 1, "session not ended yet")
    now = utcnow()
    late = await repo.overdue_booked(session, session_id)
    for appt in late:
        appt.status, appt.no_show_at = "no_show", now
        audit.record(session, "appointment.no_show", patient_id=appt.patient_id, resource_type="Appointment",
                     resource_id=appt.id, detail={"by": "end_of_session"}, username="system")
    await session.flush()
    if late:
        await _after_queue_change(session, cs, "queue.no_show")
    return len(late)


@jobs.handler(SWEEP_JOB)
async def _sweep_job(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Durable end-of-session job: the no-show sweep."""
    await sweep_no_shows(session, uuid.UUID(payload["session_id"]))


async def my_appointments(session: AsyncSession, actor: Actor) -> list[Appointment]:
    """The patient portal: my appointments (the last 90 days and the future)."""
    if not perms.is_patient(actor):
        raise NotAllowed()
    since = local_today("Asia/Shanghai") - timedelta(days=90)
    audit.record(session, "appointment.list_own", patient_id=actor.patient_id, resource_type="Appointment")
    return await repo.appointments_of_patient(session, actor.patient_id, since)  # type: ignore[arg-type]


async def list_appointments(session: AsyncSession, actor: Actor, *, session_id: uuid.UUID | None, patient_id: uuid.UUID | None,
                            day: date | None, department_id: uuid.UUID | None, limit: int, offset: int) -> tuple[list[Appointment], int]:
    """Staff list of their institution's appointments (registration desk, department)."""
    if not perms.can(actor, "queue:view"):
        raise NotAllowed()
    if patient_id is not None:
        await patients.get_for(session, actor, patient_id, action="appointment.list")
    deps = await institutions.department_subtree(session, department_id) if department_id else None
    rows, total = await repo.list_appointments(session, actor.institution_id, session_id=session_id, patient_id=patient_id,
                                               day=day, department_ids=deps, limit=limit, offset=offset)
    audit.record(session, "appointment.list", resource_type="Appointment", detail={"count": len(rows)})
    return rows, total


async def to_reads(session: AsyncSession, appts: list[Appointment]) -> list[AppointmentRead]:
    """API views of appointments with names (a fixed number of queries for any list)."""
    d = await repo.details(session, appts)
    out = []
    for a in appts:
        p, dep, doc = d["patients"].get(a.patient_id), d["departments"].get(a.department_id), d["users"].get(a.doctor_id)
        cs, slot = d["sessions"].get(a.session_id), d["slots"].get(a.slot_id)
        out.append(AppointmentRead.model_validate({
            **{k: getattr(a, k) for k in AppointmentRead.model_fields if hasattr(a, k)},
            "patient_name": p.name if p else "", "patient_mrn": p.mrn if p else "",
            "department_name": dep.name if dep else "", "doctor_name": doc.full_name if doc else "",
            "period": cs.period if cs else "", "room": cs.room if cs else "",
            "slot_starts_at": slot.starts_at if slot else None, "slot_ends_at": slot.ends_at if slot else None,
        }))
    return out


# --- the queue ---------------------------------------------------------------------------------------


def _queue_session_for(actor: Actor, cs: ClinicSession | None) -> ClinicSession:
    """The session if the actor may act on its queue: its own doctor, or a nurse/head of the institution."""
    if cs is None or cs.institution_id != actor.institution_id or not perms.can(actor, "queue:act"):
        raise SessionNotFound()
    if actor.role == "doctor" and cs.doctor_id != actor.user_id:
        raise NotAllowed("只能操作本人的候诊队列", "You can only run your own queue")
    return cs


def ordered_waiting(cs: ClinicSession, entries: list[tuple[Appointment, Patient]]) -> list[tuple[Appointment, Patient]]:
    """The waiting patients of a session in call order (queue_rules.yaml)."""
    waiting = [e for e in entries if e[0].status == "checked_in"]
    by_appt = {id(a): (a, p) for a, p in waiting}
    return [by_appt[id(a)] for a in order_queue([a for a, _ in waiting], cs.queue_calls)]


async def call_next(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> Appointment:
    """叫号: call the first waiting patient; 409 while another patient is still being seen."""
    cs = _queue_session_for(actor, await repo.lock_session(session, session_id))
    entries = await repo.session_entries(session, cs.id)
    current = [a for a, _ in entries if a.status == "called"]
    if current:
        raise InvalidTransition("请先完成或过号当前就诊患者", "Complete or skip the patient being seen first",
                                code_override="scheduling.current_not_finished")
    order = ordered_waiting(cs, entries)
    if not order:
        raise InvalidTransition("没有候诊患者", "Nobody is waiting", code_override="scheduling.queue_empty")
    appt, patient = order[0]
    await repo.bump_queue_calls(session, cs)
    appt.status, appt.called_at, appt.call_count = "called", utcnow(), appt.call_count + 1
    await session.flush()
    audit.record(session, "queue.call", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _notify_turn(session, cs, appt, patient)
    await _after_queue_change(session, cs, "queue.called", entries=entries)
    return appt


async def _current(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> tuple[ClinicSession, Appointment, Patient, list[tuple[Appointment, Patient]]]:
    """The locked session and the patient being seen; 409 if none."""
    cs = _queue_session_for(actor, await repo.lock_session(session, session_id))
    entries = await repo.session_entries(session, cs.id)
    for a, p in entries:
        if a.status == "called":
            return cs, a, p, entries
    raise InvalidTransition("当前没有正在就诊的患者", "No patient is being called", code_override="scheduling.nobody_called")


async def recall(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> Appointment:
    """重呼: announce the current patient again."""
    cs, appt, patient, entries = await _current(session, actor, session_id)
    appt.call_count += 1
    appt.called_at = utcnow()
    await session.flush()
    await _notify_turn(session, cs, appt, patient)
    await _after_queue_change(session, cs, "queue.recalled", entries=entries)
    return appt


async def skip(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> Appointment:
    """过号: the current patient did not come; they go back after N others (queue_rules.yaml)."""
    cs, appt, _patient, entries = await _current(session, actor, session_id)
    appt.status, appt.skip_count, appt.skipped_at_call = "checked_in", appt.skip_count + 1, cs.queue_calls
    await session.flush()
    audit.record(session, "queue.skip", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _after_queue_change(session, cs, "queue.skipped", entries=entries)
    return appt


async def complete(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> Appointment:
    """诊毕: the current patient's visit is done (they may come back later with results)."""
    cs, appt, _patient, entries = await _current(session, actor, session_id)
    appt.status, appt.completed_at = "completed", utcnow()
    await session.flush()
    audit.record(session, "queue.complete", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _after_queue_change(session, cs, "queue.completed", entries=entries)
    return appt


async def return_with_results(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
    """回诊: a patient seen today comes back with results and rejoins the queue in the priority class."""
    appt = await _appointment_for(session, actor, appointment_id, staff_perm="appointment:book")
    cs = await repo.lock_session(session, appt.session_id)
    await session.refresh(appt)
    if appt.status != "completed" or utcnow() >= cs.ends_at:
        raise InvalidTransition("只有本次出诊已就诊的患者可以回诊", "Only a patient seen in this (unfinished) session can return",
                                code_override="scheduling.not_completed")
    patient = await repo_patient(session, appt.patient_id)
    await _do_check_in(session, cs, appt, patient, utcnow(), returning_with_results=True)
    audit.record(session, "appointment.return", patient_id=appt.patient_id, resource_type="Appointment", resource_id=appt.id)
    await _after_queue_change(session, cs, "queue.checked_in")
    return appt


# --- queue state (REST, topics, snapshots) -----------------------------------------------------------


def _entry(cs: ClinicSession, a: Appointment, p: Patient, position: int | None) -> dict[str, Any]:
    """One queue line for staff."""
    return {
        "appointment_id": str(a.id), "patient_id": str(p.id), "name": p.name, "mrn": p.mrn, "sex": p.sex,
        "age": patients.age_on(p.birth_date, cs.session_date), "queue_no": a.queue_no, "visit_no": a.visit_no,
        "status": a.status, "priority": a.priority, "priority_reason": a.priority_reason, "source": a.source,
        "checked_in_at": a.checked_in_at.isoformat() if a.checked_in_at else None,
        "called_at": a.called_at.isoformat() if a.called_at else None, "call_count": a.call_count,
        "skip_count": a.skip_count, "position": position,
    }


def session_state(cs: ClinicSession, entries: list[tuple[Appointment, Patient]], doctor_name: str = "") -> dict[str, Any]:
    """The whole queue of one session for staff; ``version`` orders states (keep the highest)."""
    order = ordered_waiting(cs, entries)
    counts: dict[str, int] = {}
    for a, _ in entries:
        counts[a.status] = counts.get(a.status, 0) + 1
    current = next(((a, p) for a, p in entries if a.status == "called"), None)
    return {
        "session_id": str(cs.id), "doctor_id": str(cs.doctor_id), "doctor_name": doctor_name,
        "department_id": str(cs.department_id), "date": cs.session_date.isoformat(), "period": cs.period,
        "room": cs.room, "starts_at": cs.starts_at.isoformat(), "ends_at": cs.ends_at.isoformat(),
        "slot_minutes": cs.slot_minutes, "version": cs.version, "calls": cs.queue_calls,
        "current": _entry(cs, *current, 0) if current else None,
        "waiting": [_entry(cs, a, p, i + 1) for i, (a, p) in enumerate(order)],
        "not_arrived": [_entry(cs, a, p, None) for a, p in entries if a.status == "booked"],
        "counts": counts,
    }


def display_state(cs: ClinicSession, entries: list[tuple[Appointment, Patient]], doctor_name: str, show_next: int = 5) -> dict[str, Any]:
    """The waiting-room screen's line for one session: masked names and numbers only."""
    order = ordered_waiting(cs, entries)
    current = next(((a, p) for a, p in entries if a.status == "called"), None)
    return {
        "session_id": str(cs.id), "doctor_id": str(cs.doctor_id), "doctor_name": doctor_name, "room": cs.room,
        "period": cs.period, "version": cs.version,
        "current": {"queue_no": current[0].queue_no, "name": mask_name(current[1].name)} if current else None,
        "next": [{"queue_no": a.queue_no, "name": mask_name(p.name)} for a, p in order[:show_next]],
        "waiting_count": len(order),
    }


def patient_state(cs: ClinicSession, entries: list[tuple[Appointment, Patient]], appt: Appointment, doctor_name: str,
                  positions: dict[uuid.UUID, int] | None = None) -> dict[str, Any]:
    """What the patient's phone shows: status, people ahead, ETA, the number being called."""
    if positions is None:
        positions = {a.id: i for i, (a, _) in enumerate(ordered_waiting(cs, entries))}
    ahead = positions.get(appt.id)
    current = next((a for a, _ in entries if a.status == "called"), None)
    return {
        "appointment_id": str(appt.id), "status": appt.status, "queue_no": appt.queue_no, "visit_no": appt.visit_no,
        "ahead": ahead, "eta_minutes": ahead * cs.slot_minutes if ahead is not None else None,
        "your_turn": appt.status == "called", "calling_queue_no": current.queue_no if current else None,
        "doctor_name": doctor_name, "room": cs.room, "date": cs.session_date.isoformat(), "period": cs.period,
        "version": cs.version,
    }


async def queue_view(session: AsyncSession, actor: Actor, session_id: uuid.UUID) -> dict[str, Any]:
    """A session's queue for staff of the institution (the read is audited)."""
    cs = await repo.get_session(session, session_id)
    if cs is None or cs.institution_id != actor.institution_id or not perms.can(actor, "queue:view"):
        raise SessionNotFound()
    entries = await repo.session_entries(session, cs.id)
    doctor = await repo.get_user(session, cs.doctor_id)
    audit.record(session, "queue.read", resource_type="Schedule", resource_id=cs.id, detail={"patients": len(entries)})
    return session_state(cs, entries, doctor.full_name if doctor else "")


async def doctor_day_state(session: AsyncSession, doctor_id: uuid.UUID, day: date) -> dict[str, Any]:
    """Topic ``queue:<doctor>:<date>``: every session of the doctor that day."""
    doctor = await repo.get_user(session, doctor_id)
    name = doctor.full_name if doctor else ""
    sessions = []
    for cs in await repo.sessions_of_doctor_day(session, doctor_id, day):
        sessions.append(session_state(cs, await repo.session_entries(session, cs.id), name))
    return {"doctor_id": str(doctor_id), "doctor_name": name, "date": day.isoformat(), "sessions": sessions}


async def department_display_state(session: AsyncSession, department_id: uuid.UUID, day: date) -> dict[str, Any]:
    """Topic ``queue-display:<department>``: today's sessions of the department and its units."""
    deps = await institutions.department_subtree(session, department_id)
    css = await repo.sessions_of_departments_day(session, deps, day)
    users = await repo.users_of(session, {cs.doctor_id for cs in css})
    rows = []
    for cs in css:
        u = users.get(cs.doctor_id)
        rows.append(display_state(cs, await repo.session_entries(session, cs.id), u.full_name if u else ""))
    return {"department_id": str(department_id), "date": day.isoformat(), "sessions": rows}


async def _after_queue_change(session: AsyncSession, cs: ClinicSession, event: str,
                              entries: list[tuple[Appointment, Patient]] | None = None) -> None:
    """Build the new states inside the transaction (under the session lock) and publish them after commit;
    also send 'queue near' to the patient who now has exactly N ahead."""
    await session.flush()
    if entries is None:  # callers that only changed loaded rows pass them (same identity map: already current)
        entries = await repo.session_entries(session, cs.id)
    doctor = await repo.get_user(session, cs.doctor_id)
    name = doctor.full_name if doctor else ""
    await _notify_near(session, cs, entries, name)
    state = session_state(cs, entries, name)
    hub.publish_after_commit(session, f"queue:{cs.doctor_id}:{cs.session_date.isoformat()}", event, state)
    board = display_state(cs, entries, name)
    dep = await repo.get_department(session, cs.department_id)
    for dep_id in {cs.department_id, *([dep.parent_id] if dep and dep.parent_id else [])}:
        hub.publish_after_commit(session, f"queue-display:{dep_id}", event, board)
    positions = {a.id: i for i, (a, _) in enumerate(ordered_waiting(cs, entries))}
    recent = utcnow() - timedelta(seconds=5)
    hub.publish_many_after_commit(session, [
        (f"queue-patient:{a.id}", event, patient_state(cs, entries, a, name, positions))
        for a, _ in entries if a.status in ACTIVE_STATUSES or a.updated_at >= recent
    ])


# --- notifications wiring ----------------------------------------------------------------------------


async def _notify(session: AsyncSession, patient_id: uuid.UUID, event: str, context: dict[str, Any], *, ref: str) -> None:
    """Send a patient notification through the notifications service."""
    from osteon.notifications import service as notifications

    await notifications.notify(session, notifications.Recipient(patient_id=patient_id), event, context, ref=ref)


async def _notify_turn(session: AsyncSession, cs: ClinicSession, appt: Appointment, patient: Patient) -> None:
    """'Your turn' (urgent) to the called patient."""
    doctor = await repo.get_user(session, cs.doctor_id)
    await _notify(session, patient.id, "your_turn", {
        "patient_name": patient.name, "queue_no": appt.queue_no, "room": cs.room,
        "doctor_name": doctor.full_name if doctor else "",
    }, ref=f"appointment:{appt.id}:call:{appt.call_count}")


async def _notify_near(session: AsyncSession, cs: ClinicSession, entries: list[tuple[Appointment, Patient]], doctor_name: str) -> None:
    """'Queue near' once to the patient with exactly ``near_ahead`` waiting patients ahead of them."""
    n = rules().near_ahead
    order = ordered_waiting(cs, entries)
    if n < len(order):
        appt, patient = order[n]
        if not appt.near_notified:
            appt.near_notified = True
            await _notify(session, patient.id, "queue_near", {
                "patient_name": patient.name, "queue_no": appt.queue_no, "ahead": n, "room": cs.room,
                "doctor_name": doctor_name, "eta_minutes": n * cs.slot_minutes,
            }, ref=f"appointment:{appt.id}:near")
