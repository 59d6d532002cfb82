"""Scheduling through the real app: booking, registration, check-in, cancellation, no-shows, the queue."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from osteon.notifications.models import Notification
from osteon.scheduling import service
from osteon.scheduling.exceptions import AlreadyBooked, SlotFull
from osteon.scheduling.models import Appointment, Slot
from osteon.scheduling.schemas import AppointmentCreate
from tests.factories import system_actor
from tests.scheduling.helpers import appointment, fast_user, headers, make_clinic, patients, shift_session

API = "/api/v1/scheduling"


async def _book(client, h, clinic, patient_id):
    return await client.post(f"{API}/appointments", json={"session_id": str(clinic.session_id), "patient_id": str(patient_id)}, headers=h)


async def test_staff_books_a_patient_and_the_session_shows_one_place_less(client, app, db, settings):
    clinic = await make_clinic(db, app, settings, capacity=5)
    [p] = await patients(db, app, clinic.world, 1)
    h = await headers(client, clinic.nurse)
    r = await _book(client, h, clinic, p.id)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "booked" and body["patient_name"] == p.name and body["fee_category"] == "associate"
    assert body["visit_no"] is None and body["source"] == "staff"
    r = await client.get(f"{API}/sessions", params={"department_id": str(clinic.world.ortho.id), "date_from": clinic.day.isoformat(),
                                                    "date_to": clinic.day.isoformat()}, headers=h)
    [s] = [s for s in r.json() if s["id"] == str(clinic.session_id)]
    assert (s["capacity"], s["booked"], s["available"]) == (5, 1, 4)
    slots = (await client.get(f"{API}/sessions/{clinic.session_id}/slots", headers=h)).json()
    assert sum(x["booked"] for x in slots) == 1


async def test_one_patient_cannot_hold_two_active_appointments_in_one_session(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    h = await headers(client, clinic.nurse)
    assert (await _book(client, h, clinic, p.id)).status_code == 201
    r = await _book(client, h, clinic, p.id)
    assert r.status_code == 409 and r.json()["code"] == "scheduling.already_booked"


async def test_a_full_session_refuses_the_next_booking_with_409(client, app, db, settings):
    clinic = await make_clinic(db, app, settings, capacity=2)
    ps = await patients(db, app, clinic.world, 3)
    h = await headers(client, clinic.nurse)
    assert [(await _book(client, h, clinic, p.id)).status_code for p in ps] == [201, 201, 409]


async def test_two_requests_racing_for_the_last_places_never_double_book(app, db, settings):
    clinic = await make_clinic(db, app, settings, capacity=3, slot_minutes=60)
    ps = await patients(db, app, clinic.world, 12)
    actor = system_actor(clinic.world, "nurse")

    async def attempt(patient_id):
        try:
            async with db.transaction() as s:
                s.info["actor"] = actor
                await service.book(s, actor, AppointmentCreate(session_id=clinic.session_id, patient_id=patient_id))
            return "ok"
        except (SlotFull, AlreadyBooked):
            return "full"

    results = await asyncio.gather(*(attempt(p.id) for p in ps))
    assert results.count("ok") == 3 and results.count("full") == 9
    async with db.sessionmaker() as s:
        booked = (await s.execute(select(func.sum(Slot.booked)).where(Slot.session_id == clinic.session_id))).scalar_one()
        n = (await s.execute(select(func.count()).select_from(Appointment).where(Appointment.session_id == clinic.session_id))).scalar_one()
    assert booked == 3 and n == 3


async def test_the_same_patient_booking_twice_at_once_gets_one_appointment(app, db, settings):
    clinic = await make_clinic(db, app, settings, capacity=10)
    [p] = await patients(db, app, clinic.world, 1)
    actor = system_actor(clinic.world, "nurse")

    async def attempt():
        try:
            async with db.transaction() as s:
                s.info["actor"] = actor
                await service.book(s, actor, AppointmentCreate(session_id=clinic.session_id, patient_id=p.id))
            return "ok"
        except AlreadyBooked:
            return "dup"

    assert sorted(await asyncio.gather(*(attempt() for _ in range(5)))) == ["dup"] * 4 + ["ok"]


async def test_concurrent_http_bookings_fill_exactly_the_capacity(client, app, db, settings):
    # Real parallel transactions on PostgreSQL (CI runs the suite there too); SQLite serialises writers.
    clinic = await make_clinic(db, app, settings, capacity=4, slot_minutes=120)
    ps = await patients(db, app, clinic.world, 16)
    h = await headers(client, clinic.nurse)
    codes = await asyncio.gather(*(_book(client, h, clinic, p.id) for p in ps))
    assert sorted(r.status_code for r in codes) == [201] * 4 + [409] * 12


async def test_patient_books_for_self_on_the_portal_and_gets_a_confirmation(client, app, db, settings):
    clinic = await make_clinic(db, app, settings, start_in=timedelta(days=1))
    [p] = await patients(db, app, clinic.world, 1)
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id)
    h = await headers(client, me)
    r = await client.post(f"{API}/appointments", json={"session_id": str(clinic.session_id)}, headers=h)
    assert r.status_code == 201 and r.json()["source"] == "portal" and r.json()["patient_id"] == str(p.id)
    mine = (await client.get(f"{API}/appointments/mine", headers=h)).json()
    assert [a["id"] for a in mine] == [r.json()["id"]]
    inbox = (await client.get("/api/v1/notifications", headers=h)).json()
    assert inbox["items"][0]["event_code"] == "booking_confirmed" and p.name in inbox["items"][0]["body"]
    [other] = await patients(db, app, clinic.world, 1)
    r = await client.post(f"{API}/appointments", json={"session_id": str(clinic.session_id), "patient_id": str(other.id)}, headers=h)
    assert r.status_code == 403


async def test_portal_cannot_book_a_session_that_has_started(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id)
    r = await client.post(f"{API}/appointments", json={"session_id": str(clinic.session_id)}, headers=await headers(client, me))
    assert r.status_code == 409 and r.json()["code"] == "scheduling.session_closed"


async def test_walk_in_registration_gets_a_visit_number_and_joins_the_queue(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, 2, birth_date=date(1985, 3, 1))
    h = await headers(client, clinic.nurse)
    first = (await client.post(f"{API}/registrations", json={"session_id": str(clinic.session_id), "patient_id": str(ps[0].id)}, headers=h)).json()
    second = (await client.post(f"{API}/registrations", json={"session_id": str(clinic.session_id), "patient_id": str(ps[1].id)}, headers=h)).json()
    assert first["status"] == "checked_in" and first["source"] == "walk_in" and first["queue_no"] == 1
    assert first["visit_no"].endswith("-0001") and second["visit_no"].endswith("-0002") and second["queue_no"] == 2
    queue = (await client.get(f"{API}/queues/{clinic.session_id}", headers=h)).json()
    assert [w["name"] for w in queue["waiting"]] == [ps[0].name, ps[1].name]


async def test_check_in_gives_elderly_patients_priority(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    young = (await patients(db, app, clinic.world, 1, birth_date=date(1990, 1, 1)))[0]
    old = (await patients(db, app, clinic.world, 1, birth_date=date(1930, 1, 1)))[0]
    h = await headers(client, clinic.nurse)
    ids = [(await _book(client, h, clinic, p.id)).json()["id"] for p in (young, old)]
    for i in ids:
        r = await client.post(f"{API}/appointments/{i}/check-in", headers=h)
        assert r.status_code == 200, r.text
    assert r.json()["priority_reason"] == "elderly" and r.json()["visit_no"]
    queue = (await client.get(f"{API}/queues/{clinic.session_id}", headers=h)).json()
    assert [w["name"] for w in queue["waiting"]] == [old.name, young.name]
    again = await client.post(f"{API}/appointments/{ids[0]}/check-in", headers=h)
    assert again.status_code == 409 and again.json()["code"] == "scheduling.not_booked"


async def test_check_in_is_refused_outside_the_window(client, app, db, settings):
    clinic = await make_clinic(db, app, settings, start_in=timedelta(hours=3))
    [p] = await patients(db, app, clinic.world, 1)
    h = await headers(client, clinic.nurse)
    a = (await _book(client, h, clinic, p.id)).json()
    r = await client.post(f"{API}/appointments/{a['id']}/check-in", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "scheduling.checkin_window"


async def test_cancel_before_the_session_starts_refunds_and_frees_the_place(client, app, db, settings):
    clinic = await make_clinic(db, app, settings, capacity=1, start_in=timedelta(hours=5))
    ps = await patients(db, app, clinic.world, 2)
    h = await headers(client, clinic.nurse)
    a = (await _book(client, h, clinic, ps[0].id)).json()
    assert (await _book(client, h, clinic, ps[1].id)).status_code == 409
    r = await client.post(f"{API}/appointments/{a['id']}/cancel", json={"reason": "改期"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["refunded"] is True
    assert (await _book(client, h, clinic, ps[1].id)).status_code == 201
    assert (await client.post(f"{API}/appointments/{a['id']}/cancel", headers=h)).status_code == 409


async def test_cancel_after_the_session_started_is_not_refunded_and_not_online(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, 2)
    h = await headers(client, clinic.nurse)
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=ps[1].id)
    a = (await _book(client, h, clinic, ps[0].id)).json()
    b = (await _book(client, h, clinic, ps[1].id)).json()
    r = await client.post(f"{API}/appointments/{a['id']}/cancel", headers=h)
    assert r.status_code == 200 and r.json()["refunded"] is False
    r = await client.post(f"{API}/appointments/{b['id']}/cancel", headers=await headers(client, me))
    assert r.status_code == 409 and r.json()["code"] == "scheduling.cancel_at_desk"


async def test_no_show_only_after_the_session_ends_and_three_block_online_booking(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    h = await headers(client, clinic.nurse)
    a = (await _book(client, h, clinic, p.id)).json()
    r = await client.post(f"{API}/appointments/{a['id']}/no-show", headers=h)
    assert r.status_code == 409 and r.json()["code"] == "scheduling.session_not_ended"
    await shift_session(db, clinic.session_id, timedelta(hours=-5))
    r = await client.post(f"{API}/appointments/{a['id']}/no-show", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    async with db.transaction() as s:  # two earlier no-shows within 90 days
        base = await s.get(Appointment, uuid.UUID(a["id"]))
        for days in (10, 40):
            s.add(Appointment(**{c: getattr(base, c) for c in (
                "institution_id", "session_id", "slot_id", "patient_id", "department_id", "doctor_id", "source",
                "fee_category", "fee_amount")}, session_date=base.session_date - timedelta(days=days), status="no_show"))
    future = await make_clinic(db, app, settings, start_in=timedelta(days=1))
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id)
    hp = await headers(client, me)
    status = (await client.get(f"{API}/booking-status/mine", headers=hp)).json()
    assert status["no_shows_in_window"] == 3 and status["blocked_until"]
    r = await client.post(f"{API}/appointments", json={"session_id": str(future.session_id)}, headers=hp)
    assert r.status_code == 409 and r.json()["code"] == "scheduling.booking_blocked"
    assert r.json()["blocked_until"] == status["blocked_until"]


async def test_the_end_of_session_job_marks_patients_who_never_came(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, 2)
    h = await headers(client, clinic.nurse)
    came = (await _book(client, h, clinic, ps[0].id)).json()
    away = (await _book(client, h, clinic, ps[1].id)).json()
    await client.post(f"{API}/appointments/{came['id']}/check-in", headers=h)
    await shift_session(db, clinic.session_id, timedelta(hours=-6))
    async with db.transaction() as s:
        assert await service.sweep_no_shows(s, clinic.session_id) == 1
    assert (await appointment(db, uuid.UUID(away["id"]))).status == "no_show"
    assert (await appointment(db, uuid.UUID(came["id"]))).status == "checked_in"


async def _queue_of(client, app, db, settings, n=5):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, n, birth_date=date(1980, 1, 1))
    h = await headers(client, clinic.nurse)
    ids = []
    for p in ps:
        r = await client.post(f"{API}/registrations", json={"session_id": str(clinic.session_id), "patient_id": str(p.id)}, headers=h)
        ids.append(r.json()["id"])
    return clinic, ps, ids, await headers(client, clinic.doctor), h


async def test_doctor_calls_next_recalls_skips_and_completes(client, app, db, settings):
    clinic, _ps, ids, hd, _ = await _queue_of(client, app, db, settings, 5)
    q = f"{API}/queues/{clinic.session_id}"
    r = await client.post(f"{q}/call-next", headers=hd)
    assert r.status_code == 200 and r.json()["id"] == ids[0] and r.json()["status"] == "called"
    busy = await client.post(f"{q}/call-next", headers=hd)
    assert busy.status_code == 409 and busy.json()["code"] == "scheduling.current_not_finished"
    assert (await client.post(f"{q}/recall", headers=hd)).json()["id"] == ids[0]
    assert (await client.post(f"{q}/skip", headers=hd)).json()["status"] == "checked_in"
    view = (await client.get(q, headers=hd)).json()
    assert [w["appointment_id"] for w in view["waiting"]] == [ids[1], ids[2], ids[0], ids[3], ids[4]]
    order = []
    for _ in range(5):
        order.append((await client.post(f"{q}/call-next", headers=hd)).json()["id"])
        assert (await client.post(f"{q}/complete", headers=hd)).json()["status"] == "completed"
    assert order == [ids[1], ids[2], ids[0], ids[3], ids[4]]
    empty = await client.post(f"{q}/call-next", headers=hd)
    assert empty.status_code == 409 and empty.json()["code"] == "scheduling.queue_empty"
    back = await client.post(f"{API}/appointments/{ids[3]}/return", headers=hd)
    assert back.status_code == 200 and back.json()["priority_reason"] == "returning_with_results"


async def test_emergency_registration_jumps_the_queue(client, app, db, settings):
    clinic, _ps, _ids, hd, hn = await _queue_of(client, app, db, settings, 2)
    [e] = await patients(db, app, clinic.world, 1)
    r = await client.post(f"{API}/registrations", json={"session_id": str(clinic.session_id), "patient_id": str(e.id), "emergency": True}, headers=hn)
    assert r.json()["priority_reason"] == "emergency"
    assert (await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=hd)).json()["patient_id"] == str(e.id)


async def test_another_doctor_cannot_run_this_queue(client, app, db, settings):
    clinic, *_ = await _queue_of(client, app, db, settings, 1)
    other = await fast_user(db, clinic.world, "doctor")
    r = await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=await headers(client, other))
    assert r.status_code == 403
    outsider = await make_clinic(db, app, settings)
    r = await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=await headers(client, outsider.nurse))
    assert r.status_code == 404


async def test_queue_sends_your_turn_and_queue_near_notifications(client, app, db, settings):
    clinic, ps, _ids, hd, _ = await _queue_of(client, app, db, settings, 5)
    await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=hd)
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(Notification.event_code, Notification.patient_id)
                                .where(Notification.patient_id.in_([p.id for p in ps])))).all()
    events = {(code, pid) for code, pid in rows}
    assert ("your_turn", ps[0].id) in events
    assert ("queue_near", ps[4].id) in events  # after the first call, patient 5 has exactly 3 waiting ahead
    assert ("queue_near", ps[3].id) in events  # patient 4 was 3 ahead right at registration


async def test_a_patient_sees_only_their_own_appointments(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, 2)
    h = await headers(client, clinic.nurse)
    a = (await _book(client, h, clinic, ps[0].id)).json()
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=ps[1].id)
    hp = await headers(client, me)
    assert (await client.get(f"{API}/appointments/{a['id']}", headers=hp)).status_code == 404
    assert (await client.post(f"{API}/appointments/{a['id']}/cancel", headers=hp)).status_code == 404
    assert (await client.get(f"{API}/queues/{clinic.session_id}", headers=hp)).status_code == 404


async def test_bad_input_is_a_clear_4xx(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    h = await headers(client, clinic.nurse)
    r = await client.post(f"{API}/sessions", json={"doctor_id": str(clinic.doctor_id), "department_id": str(clinic.world.spine.id),
                                                   "session_date": clinic.day.isoformat(), "period": "morning"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "scheduling.duplicate_session"
    r = await client.post(f"{API}/sessions", json={"doctor_id": str(clinic.doctor_id), "department_id": str(clinic.world.spine.id),
                                                   "session_date": clinic.day.isoformat(), "period": "afternoon", "fee_category": "vip"}, headers=h)
    assert r.status_code == 400
    r = await client.post(f"{API}/sessions", json={"doctor_id": str(clinic.doctor_id), "department_id": str(clinic.world.spine.id),
                                                   "session_date": (clinic.day - timedelta(days=1)).isoformat(), "period": "morning"}, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "scheduling.past_date"
    r = await client.post(f"{API}/appointments", json={"session_id": "not-a-uuid"}, headers=h)
    assert r.status_code == 422
    r = await client.get(f"{API}/appointments", params={"day": "0"}, headers=h)
    assert r.status_code == 422
    r = await client.get(f"{API}/sessions", params={"date_from": "2026-01-01", "date_to": "2026-12-31"}, headers=h)
    assert r.status_code == 400
    hd = await headers(client, clinic.doctor)
    assert (await client.post(f"{API}/sessions", json={}, headers=hd)).status_code == 422
