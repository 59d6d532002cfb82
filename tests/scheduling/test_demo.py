"""Demo data: a busy morning for the QSCH doctor, a week of sessions, 王建国's appointments."""

from __future__ import annotations

from sqlalchemy import func, select

from osteon.patients.models import Patient
from osteon.scheduling.models import Appointment, ClinicSession
from osteon.scheduling.service import local_today
from osteon.security.models import User
from tests.conftest import login


async def test_demo_day_fills_the_doctors_queue_and_the_patient_portal(client, app, db, demo):
    today = local_today(None)
    async with db.sessionmaker() as s:
        doctor = (await s.execute(select(User).where(User.username == "doctor"))).scalar_one()
        rows = (await s.execute(select(Appointment.status, func.count()).where(
            Appointment.doctor_id == doctor.id, Appointment.session_date == today).group_by(Appointment.status))).all()
        days = (await s.execute(select(func.count(func.distinct(ClinicSession.session_date))))).scalar_one()
    counts = dict(rows)
    if not counts:  # a Sunday: the demo doctor does not work
        return
    assert sum(counts.values()) >= 28 and counts["completed"] >= 5 and counts["checked_in"] >= 5 and counts["called"] == 1
    assert days >= 6
    h = await login(client, "patient")
    mine = (await client.get("/api/v1/scheduling/appointments/mine", headers=h)).json()
    assert len(mine) >= 2 and {a["status"] for a in mine} >= {"checked_in", "booked"}
    hd = await login(client, "doctor")
    [sess] = [a["session_id"] for a in mine if a["status"] == "checked_in"]
    queue = (await client.get(f"/api/v1/scheduling/queues/{sess}", headers=hd)).json()
    assert queue["current"] and len(queue["waiting"]) >= 10
    async with db.sessionmaker() as s:
        wang_id = (await s.execute(select(User.patient_id).where(User.username == "patient"))).scalar_one()
        assert (await s.get(Patient, wang_id)).name == "王建国"
    assert any(w["patient_id"] == str(wang_id) for w in queue["waiting"])
