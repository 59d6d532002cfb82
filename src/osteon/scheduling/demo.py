"""Demo data: a week of clinic sessions at QSCH and XCPH, and a busy morning for the QSCH doctor ``doctor``."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon import jobs
from osteon.kit.models import utcnow
from osteon.patients.models import Patient
from osteon.scheduling.models import Appointment, ClinicSession, Slot, VisitCounter
from osteon.scheduling.rules import priority_for, rules
from osteon.scheduling.service import SWEEP_JOB, local_today, split_capacity, zone
from osteon.security.models import User

# (username, institution, department, fee category, room, capacity morning/afternoon, works Saturday)
ROSTER = [
    # last field: which weekend days the clinic also runs ("" none, "sat", "sat+sun": the county trauma clinic
    # sees fractures every day of the week)
    ("doctor", "QSCH", "TRAUMA", "general", "骨科3诊室", (30, 20), "sat+sun"),
    ("head_qs", "QSCH", "JOINT", "associate", "骨科1诊室", (20, 15), ""),
    ("doctor_prov", "XCPH", "JOINT", "associate", "门诊楼3楼 关节2诊室", (25, 20), "sat"),
    ("expert", "XCPH", "SPINE", "expert", "门诊楼3楼 脊柱专家诊室", (15, 0), ""),
    ("head", "XCPH", "TRAUMA", "chief", "门诊楼3楼 创伤1诊室", (20, 15), ""),
    ("expert_sports", "XCPH", "SPORTS", "expert", "门诊楼3楼 运动医学诊室", (15, 10), ""),
]
_registered = False


def register() -> None:
    """Add the hook to the demo seeder once."""
    global _registered
    if not _registered:
        from osteon.demo import DEMO_HOOKS

        DEMO_HOOKS.append(seed_demo)
        _registered = True


def _session(inst: Any, dep: Any, doctor: User, day: date, period: str, capacity: int, fee: str, room: str) -> tuple[ClinicSession, list[Slot]]:
    """A session and its slots, as the service would build them."""
    r = rules()
    tz = zone(inst.timezone)
    start_t, end_t = r.periods[period]
    starts = datetime.combine(day, start_t, tz).astimezone(UTC)
    ends = datetime.combine(day, end_t, tz).astimezone(UTC)
    minutes = 8 if period == "morning" else 10
    windows = int((ends - starts).total_seconds() // (minutes * 60))
    cs = ClinicSession(institution_id=inst.id, department_id=dep.id, doctor_id=doctor.id, session_date=day, period=period,
                       starts_at=starts, ends_at=ends, slot_minutes=minutes, capacity=capacity, fee_category=fee,
                       fee_amount=r.fees[fee].amount, room=room)
    slots = []
    for i, cap in enumerate(split_capacity(capacity, windows)):
        if cap:
            s = starts + timedelta(minutes=i * minutes)
            slots.append(Slot(starts_at=s, ends_at=s + timedelta(minutes=minutes), capacity=cap))
    return cs, slots


async def seed_demo(session: AsyncSession, rng: random.Random, insts: dict[str, Any], deps: dict[tuple[str, str], Any],
                    users: dict[str, User], patients: list[Patient]) -> None:
    """Sessions for today and the next 7 days; ~30 appointments in today's morning queue of ``doctor``."""
    today = local_today(insts["QSCH"].timezone)
    now = utcnow()
    sessions: dict[tuple[str, date, str], tuple[ClinicSession, list[Slot]]] = {}
    for username, inst_code, dep_code, fee, room, (cap_am, cap_pm), weekend in ROSTER:
        inst, dep, doctor = insts[inst_code], deps[(inst_code, dep_code)], users[username]
        for offset in range(8):
            day = today + timedelta(days=offset)
            if (day.weekday() == 6 and weekend != "sat+sun") or (day.weekday() == 5 and not weekend):
                continue
            for period, cap in (("morning", cap_am), ("afternoon", cap_pm)):
                if cap == 0:
                    continue
                busy = username == "doctor" and offset == 0 and period == "morning"
                cs, slots = _session(inst, dep, doctor, day, period, 34 if busy else cap, fee, room)
                session.add(cs)
                await session.flush()
                for s in slots:
                    s.session_id = cs.id
                session.add_all(slots)
                sessions[(username, day, period)] = (cs, slots)
                if cs.ends_at > now:
                    await jobs.enqueue(session, SWEEP_JOB, {"session_id": str(cs.id)},
                                       delay=(cs.ends_at - now).total_seconds())
    await session.flush()

    qs = insts["QSCH"]
    wang = patients[0]
    county = [p for p in patients[1:] if p.institution_id == qs.id]
    rng.shuffle(county)
    key = ("doctor", today, "morning")
    if key not in sessions:  # no morning clinic today: no queue to fill
        return
    cs, slots = sessions[key]
    # A mid-morning queue: 10 seen, 1 with the doctor, 13 waiting (some priority), 6 booked but not here yet.
    plan = ["completed"] * 10 + ["called"] + ["checked_in"] * 13 + ["booked"] * 6
    visit = 0
    slot_iter = iter([s for s in slots for _ in range(s.capacity)])
    people = county[: len(plan) - 1]
    people.insert(min(22, len(people)), wang)  # 王建国 is checked in and waiting, about ten places from the door
    # A small demo (few patients) gets a shorter morning rather than a crash.
    for i, (p, status) in enumerate(zip(people, plan[: len(people)], strict=True)):
        slot = next(slot_iter)
        slot.booked += 1
        arrived = status != "booked"
        checkin_at = cs.starts_at - timedelta(minutes=40) + timedelta(minutes=4 * i) if arrived else None
        age = None if p.birth_date is None else today.year - p.birth_date.year
        emergency = i == 17
        returning = i in (14, 20)
        prio, reason = priority_for(age, emergency=emergency, returning_with_results=returning) if arrived else (2, "")
        a = Appointment(
            institution_id=qs.id, session_id=cs.id, slot_id=slot.id, patient_id=p.id, department_id=cs.department_id,
            doctor_id=cs.doctor_id, session_date=today, source="walk_in" if i % 5 == 0 else ("portal" if i % 3 == 0 else "staff"),
            status=status, fee_category=cs.fee_category, fee_amount=cs.fee_amount, booked_by_id=users["nurse"].id,
            checked_in_at=checkin_at, priority=prio, priority_reason=reason,
        )
        if arrived:
            visit += 1
            a.visit_no = f"{qs.code}-{today:%Y%m%d}-{visit:04d}"
            a.queue_no = visit
        if status in ("called", "completed"):
            a.called_at = cs.starts_at + timedelta(minutes=9 * min(i, 10))
            a.call_count = 1
        if status == "completed":
            a.completed_at = a.called_at + timedelta(minutes=8)  # type: ignore[operator]
        session.add(a)
    cs.queue_calls = 11
    cs.next_queue_no = visit
    # the visit numbers used above must not be handed out again by the next real check-in (was a 500)
    session.add(VisitCounter(institution_id=qs.id, day=today, value=visit))
    # 王建国 also has a referral appointment with the provincial spine expert later this week.
    for offset in range(2, 8):
        k = ("expert", today + timedelta(days=offset), "morning")
        if k in sessions:
            xcs, xslots = sessions[k]
            xslots[0].booked += 1
            session.add(Appointment(
                institution_id=xcs.institution_id, session_id=xcs.id, slot_id=xslots[0].id, patient_id=wang.id,
                department_id=xcs.department_id, doctor_id=xcs.doctor_id, session_date=xcs.session_date, source="staff",
                status="booked", fee_category=xcs.fee_category, fee_amount=xcs.fee_amount, booked_by_id=users["doctor"].id,
            ))
            break
    await session.flush()
    from osteon.notifications import service as notifications

    await notifications.notify(session, notifications.Recipient(patient_id=wang.id), "booking_confirmed", {
        "patient_name": wang.name, "doctor_name": users["doctor"].full_name, "department_name": "创伤骨科",
        "department_name_en": "Orthopedic Trauma", "date": today.isoformat(), "time": "08:00", "room": cs.room,
    }, ref="demo:booking")
