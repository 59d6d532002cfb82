"""Consultation rules: SLA states, reminders as durable jobs run by the worker, status history, demo data."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest_asyncio
from sqlalchemy import select, update

from osteon.consultations import service
from osteon.consultations.models import Consultation
from osteon.jobs import Job
from osteon.kit.models import utcnow
from osteon.notifications.models import Notification
from tests.conftest import login
from tests.consultations.factories import accepted, create, hospitals, soon

API = "/api/v1/consultations"


@pytest_asyncio.fixture
async def h(app, db, settings, client):
    """Two hospitals and their people."""
    return await hospitals(app, db, settings, client)


def _c(urgency: str, age: timedelta) -> Consultation:
    """A consultation requested ``age`` ago."""
    created = utcnow() - age
    return Consultation(urgency=urgency, created_at=created,
                        sla_due_at=created + timedelta(hours=service.SLA_HOURS[urgency]))


def test_urgent_sla_is_two_hours_ok_then_due_soon_then_breached():
    """Urgent: ok at 1 h, due soon at 1 h 45 min, breached after 2 h."""
    assert service.sla_state(_c("urgent", timedelta(hours=1))) == "ok"
    assert service.sla_state(_c("urgent", timedelta(minutes=105))) == "due_soon"
    assert service.sla_state(_c("urgent", timedelta(minutes=121))) == "breached"
    assert service.sla_state(_c("routine", timedelta(hours=3))) == "ok"


def test_an_answer_in_time_is_met_and_a_late_one_stays_breached():
    """Once answered the SLA is settled: met when on time, breached when late."""
    c = _c("urgent", timedelta(hours=3))
    c.responded_at = c.sla_due_at - timedelta(minutes=1)
    assert service.sla_state(c) == "met"
    c.responded_at = c.sla_due_at + timedelta(minutes=1)
    assert service.sla_state(c) == "breached"


async def _notes(db, user_id: uuid.UUID, event: str) -> list[Notification]:
    async with db.transaction() as s:
        q = select(Notification).where(Notification.user_id == user_id, Notification.event_code == event)
        return list((await s.execute(q)).scalars())


async def _make_due(db, kind: str, consultation_id: str) -> None:
    """Let the clock reach the job's time: move it (and, for SLA, the deadline) to now."""
    async with db.transaction() as s:
        await s.execute(update(Job).where(Job.kind == kind, Job.payload["consultation_id"].as_string() == consultation_id)
                        .values(run_after=utcnow()))


async def test_sla_reminder_job_tells_the_expert_when_an_urgent_answer_is_due_soon(app, db, client, h):
    """The job queued at request time waits; once near the deadline the worker notifies the expert, once."""
    c = await create(client, h, urgency="urgent")
    await _make_due(db, service.SLA_JOB, c["id"])
    await app.state.worker.run_due()
    assert await _notes(db, h.expert.id, "consultation_sla_due") == []  # ran early: it re-queues itself
    async with db.transaction() as s:
        await s.execute(update(Consultation).where(Consultation.id == uuid.UUID(c["id"]))
                        .values(sla_due_at=utcnow() + timedelta(minutes=10)))
    await _make_due(db, service.SLA_JOB, c["id"])
    await app.state.worker.run_due()
    notes = await _notes(db, h.expert.id, "consultation_sla_due")
    assert len(notes) == 1 and notes[0].urgent and "答复" in notes[0].body
    r = await client.get(f"{API}/{c['id']}", headers=h.doctor.headers)
    assert r.json()["sla_state"] == "due_soon"


async def test_no_sla_reminder_once_the_expert_answered(app, db, client, h):
    """Accepting in time makes the pending reminder a no-op."""
    c = await create(client, h, urgency="urgent")
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon()}, headers=h.expert.headers)
    async with db.transaction() as s:
        await s.execute(update(Consultation).where(Consultation.id == uuid.UUID(c["id"]))
                        .values(sla_due_at=utcnow() + timedelta(minutes=10)))
    await _make_due(db, service.SLA_JOB, c["id"])
    await app.state.worker.run_due()
    assert await _notes(db, h.expert.id, "consultation_sla_due") == []


async def test_start_reminder_goes_to_both_sides_15_minutes_before(app, db, client, h):
    """Scheduled 10 minutes ahead: the job is due now; the worker reminds the requester and the expert."""
    c = await create(client, h)
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(10)}, headers=h.expert.headers)
    await app.state.worker.run_due()
    for person in (h.doctor, h.expert):
        notes = await _notes(db, person.id, "consultation_starting")
        assert len(notes) == 1 and "会诊室" in notes[0].body


async def test_requester_is_notified_when_accepted_and_when_the_report_is_signed(db, client, h):
    """In-app messages follow the workflow."""
    c = await accepted(client, h)
    await client.put(f"{API}/{c['id']}/report", json={"version": 0, "assessment": "a", "diagnosis_text": "d",
                                                       "recommendation": "r"}, headers=h.expert.headers)
    await client.post(f"{API}/{c['id']}/report/sign", json={"version": 1}, headers=h.expert.headers)
    assert len(await _notes(db, h.doctor.id, "consultation_accepted")) == 1
    assert len(await _notes(db, h.doctor.id, "consultation_reported")) == 1


async def test_demo_has_an_accepted_consultation_for_doctor_and_expert_ready_for_the_room(demo, client):
    """The demo: 李明 → 林振宇, accepted for today, consent and the lumbar CT shared; both can join at once;
    an urgent request waits in the head's pool; one is closed with a signed report."""
    from osteon.consultations.demo import DEMO_STUDY_UID

    doctor = await login(client, "doctor")
    expert = await login(client, "expert")
    head = await login(client, "head")
    mine = (await client.get(API, params={"role": "requested"}, headers=doctor)).json()["items"]
    wang = next(c for c in mine if c["patient"]["name"] == "王建国")
    assert wang["status"] == "accepted" and wang["type"] == "preop_assessment" and wang["expert"]["name"] == "林振宇"
    detail = (await client.get(f"{API}/{wang['id']}", headers=expert)).json()
    assert detail["consent"] is not None and {"kind": "study", "ref": DEMO_STUDY_UID, "label": "腰椎 CT 平扫"} in detail["shared"]
    assert {i["kind"] for i in detail["shared"]} >= {"study", "encounter", "result"}  # visit and MRI report too
    scheduled = datetime.fromisoformat(detail["scheduled_at"])
    assert utcnow() - timedelta(hours=3) < scheduled < utcnow() + timedelta(hours=1)  # today, around seeding time
    for headers in (doctor, expert):
        r = await client.post(f"{API}/{wang['id']}/room/join", headers=headers)
        assert r.status_code == 200, r.text
    pool = (await client.get(API, params={"role": "pool", "status": "requested"}, headers=head)).json()["items"]
    assert any(c["urgency"] == "urgent" for c in pool)
    closed = [c for c in mine if c["status"] == "closed"]
    assert closed and closed[0]["report_signed_at"] and closed[0]["report_diagnosis"]


async def test_closing_or_cancelling_closes_the_video_room_through_a_job(app, db, client, h):
    """The media room is torn down by a durable job (no Janus configured here: a P2P room, nothing to archive)."""
    c = await accepted(client, h)
    r = await client.post(f"{API}/{c['id']}/cancel", json={"reason": "患者已转诊"}, headers=h.doctor.headers)
    assert r.status_code == 200, r.text
    async with db.transaction() as s:
        job = (await s.execute(select(Job).where(Job.kind == service.MEDIA_CLOSE_JOB,
                                                 Job.payload["consultation_id"].as_string() == c["id"]))).scalar_one()
    assert job.status == "queued"
    await app.state.worker.run_due()
    async with db.transaction() as s:
        assert (await s.get(Job, job.id)).status == "done"


async def test_request_form_lists_the_experts_of_the_target_hospital(client, h):
    r = await client.get(f"{API}/experts", params={"institution_id": str(h.provincial.institution.id)},
                         headers=h.doctor.headers)
    assert r.status_code == 200, r.text
    ids = {e["id"] for e in r.json()}
    assert {str(h.expert.id), str(h.head.id)} <= ids and str(h.other.id) not in ids  # a plain doctor is no consultant
    spine = await client.get(f"{API}/experts", params={"institution_id": str(h.provincial.institution.id),
                                                         "department": "SPINE"}, headers=h.doctor.headers)
    assert {e["id"] for e in spine.json()} == {str(h.expert.id)}
