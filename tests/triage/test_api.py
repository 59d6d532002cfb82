"""Triage through the real app: public assessment, interviews before login, claim, link, the doctor's summary."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import select

from osteon.security.models import AuditEvent
from osteon.triage import service
from osteon.triage.models import TriageInterview
from tests.factories import system_actor
from tests.scheduling.helpers import fast_user, headers, make_clinic, patients

API = "/api/v1/triage"


async def _start(client, complaint: str | None = "腰杆疼了两个多月,右边腿杆发麻", h: dict | None = None):
    """Start an interview over HTTP (anonymous unless headers are given)."""
    r = await client.post(f"{API}/interviews", json={"complaint": complaint} if complaint else {}, headers=h or {})
    assert r.status_code == 201, r.text
    return r.json()


async def _answer(client, body: dict, text: str, h: dict | None = None):
    """Answer with the interview's token."""
    r = await client.post(f"{API}/interviews/{body['id']}/answers", json={"text": text},
                          headers={"X-Interview-Token": body["token"], **(h or {})})
    assert r.status_code == 200, r.text
    return r.json()


async def _finish(client, body: dict) -> dict:
    """Answer 没有 / 不知道 until the interview ends."""
    out = body
    for _ in range(15):
        if out["done"]:
            return out
        out = await _answer(client, body, "没有" if out["question"]["kind"] == "yesno" else "不知道")
    raise AssertionError("interview did not end")


async def test_assess_is_public_and_returns_department_and_urgency(client):
    r = await client.post(f"{API}/assess", json={"text": "腰杆疼了两个多月,右边腿杆发麻"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["department"] == "spine" and body["urgency"] == "routine" and body["backend"] == "rules"
    assert body["alternatives"] and body["evidence"] and body["instruction"]["zh"]


async def test_assess_flags_cauda_equina_as_emergency(client):
    body = (await client.post(f"{API}/assess", json={"text": "腰疼,尿不出来,屁股周围麻"})).json()
    assert body["urgency"] == "emergency" and "cauda_equina" in body["red_flags"]


async def test_empty_text_is_422_with_a_bilingual_message(client):
    r = await client.post(f"{API}/assess", json={"text": "   "}, headers={"Accept-Language": "zh-CN"})
    assert r.status_code == 422
    assert "不能为空" in r.text
    r = await client.post(f"{API}/assess", json={"text": ""}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "must not be empty" in r.text


async def test_a_body_over_2kb_is_refused_with_413(client):
    r = await client.post(f"{API}/assess", json={"text": "腰疼" * 600})
    assert r.status_code == 413 and r.json()["code"] == "triage.body_too_large"


async def test_interview_starts_before_login_with_a_token_and_quick_replies(client):
    body = await _start(client)
    assert body["token"] and len(body["token"]) >= 40 and not body["done"]
    assert body["question"]["options"] and body["question"]["text_zh"]
    assert [m["role"] for m in body["transcript"][:2]] == ["assistant", "patient"]
    async with client._transport.app.state.db.sessionmaker() as s:  # the token is never stored in clear
        row = await s.get(TriageInterview, uuid.UUID(body["id"]))
        assert row.token_hash != body["token"] and body["token"] not in str(row.state)


async def test_interview_without_the_token_is_not_found(client):
    body = await _start(client)
    r = await client.post(f"{API}/interviews/{body['id']}/answers", json={"text": "没有"})
    assert r.status_code == 404
    r = await client.get(f"{API}/interviews/{body['id']}", headers={"X-Interview-Token": "wrong"})
    assert r.status_code == 404


async def test_resume_returns_the_same_question_and_transcript(client):
    body = await _start(client)
    after = await _answer(client, body, "没有")
    r = await client.get(f"{API}/interviews/{body['id']}", headers={"X-Interview-Token": body["token"]})
    assert r.status_code == 200
    again = r.json()
    assert again["question"] == after["question"] and again["transcript"] == after["transcript"]
    assert again["token"] is None


async def test_a_correction_changes_the_side_in_the_summary(client):
    body = await _start(client)
    await _answer(client, body, "不对,是左边")
    done = await _finish(client, body)
    s = done["summary"]
    text = s["chief_complaint"]["text"] + s["hpi_text"]
    assert "左" in text and "右下肢" not in text
    assert len(s["chief_complaint"]["text"]) <= 20


async def test_finished_interview_offers_booking_for_the_department(client):
    done = await _finish(client, await _start(client))
    assert done["department"] == "spine" and done["urgency"] == "routine"
    assert done["booking"]["link"] == "/m/book?department=spine" and done["booking"]["sessions"] == []
    r = await client.post(f"{API}/interviews/{done['id']}/answers", json={"text": "没有"},
                          headers={"X-Interview-Token": (await _start(client))["token"]})
    assert r.status_code == 404


async def test_answering_a_finished_interview_is_409(client):
    body = await _start(client)
    await _finish(client, body)
    r = await client.post(f"{API}/interviews/{body['id']}/answers", json={"text": "没有"},
                          headers={"X-Interview-Token": body["token"]})
    assert r.status_code == 409 and r.json()["code"] == "triage.interview_finished"


async def test_emergency_stops_at_once_with_no_booking(client):
    body = await _start(client, "腰疼,尿不出来,屁股周围麻")
    assert body["done"] and body["urgency"] == "emergency" and body["department"] == "emergency"
    assert body["booking"] is None and "急诊" in body["instruction"]["zh"]
    assert body["summary"]["urgency"] == "emergency"


async def test_urgency_never_drops_after_a_red_flag_within_an_interview(client, app):
    async with app.state.db.transaction() as s:
        row, token, _ = await service.start_interview(s, None, service.InterviewCreate(complaint="腰疼"))
        row.urgency, row.red_flags = "urgent", ["fracture_suspected"]
        iid = row.id
    out = await _finish(client, {"id": str(iid), "token": token, "done": False,
                                 "question": {"kind": "yesno"}})
    assert out["urgency"] == "urgent" and "fracture_suspected" in out["red_flags"]
    assert out["summary"]["urgency"] == "urgent"


async def test_a_patient_claims_an_interview_started_before_login(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    who = await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id)
    body = await _start(client)
    h = await headers(client, who)
    r = await client.post(f"{API}/interviews/{body['id']}/claim", headers=h)
    assert r.status_code == 404  # no token: cannot claim someone else's session
    r = await client.post(f"{API}/interviews/{body['id']}/claim", headers={**h, "X-Interview-Token": body["token"]})
    assert r.status_code == 200 and r.json()["claimed"]
    # the owner continues without the token now
    r = await client.post(f"{API}/interviews/{body['id']}/answers", json={"text": "没有"}, headers=h)
    assert r.status_code == 200
    other = await fast_user(db, clinic.world, "patient", department=None, patient_id=(await patients(db, app, clinic.world, 1))[0].id)
    r = await client.post(f"{API}/interviews/{body['id']}/claim",
                          headers={**await headers(client, other), "X-Interview-Token": body["token"]})
    assert r.status_code == 409


async def test_logged_in_patient_sees_bookable_sessions_of_the_recommended_department(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)  # a spine session with places, starting around now
    # an adult: the interview takes the logged-in patient's age, and a random birth date can make a child
    # (pediatric orthopedics) — a flake seen in CI
    [p] = await patients(db, app, clinic.world, 1, birth_date=date(1961, 3, 9))
    h = await headers(client, await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id))
    body = await _start(client, h=h)
    out = body
    for _ in range(15):
        if out["done"]:
            break
        r = await client.post(f"{API}/interviews/{body['id']}/answers", headers=h,
                              json={"text": "没有" if out["question"]["kind"] == "yesno" else "不知道"})
        out = r.json()
    assert out["department"] == "spine"
    assert [s["session_id"] for s in out["booking"]["sessions"]] == [str(clinic.session_id)]


async def test_link_to_appointment_and_doctor_reads_the_summary_with_quotes(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    nurse = await headers(client, clinic.nurse)
    r = await client.post("/api/v1/scheduling/appointments", headers=nurse,
                          json={"session_id": str(clinic.session_id), "patient_id": str(p.id)})
    assert r.status_code == 201, r.text
    appt_id = r.json()["id"]
    pat = await headers(client, await fast_user(db, clinic.world, "patient", department=None, patient_id=p.id))
    body = await _start(client)
    await _finish(client, body)
    r = await client.post(f"{API}/interviews/{body['id']}/link", json={"appointment_id": appt_id},
                          headers={**pat, "X-Interview-Token": body["token"]})
    assert r.status_code == 200, r.text
    assert r.json()["appointment_id"] == appt_id and r.json()["claimed"]
    doc = await headers(client, clinic.doctor)
    r = await client.get(f"{API}/summary", params={"appointment_id": appt_id}, headers=doc)
    assert r.status_code == 200, r.text
    s = r.json()["summary"]
    assert s["chief_complaint"]["text"] and s["hpi_text"] and s["department"] == "spine"
    assert "腰杆疼了两个多月" in " ".join(s["chief_complaint"]["quotes"])
    assert s["red_flags_screened"] and all(x["quotes"] for x in s["red_flags_screened"])
    r = await client.get(f"{API}/interviews", params={"patient_id": str(p.id)}, headers=doc)
    assert r.status_code == 200 and r.json()[0]["appointment_id"] == appt_id
    async with db.sessionmaker() as s:
        actions = set((await s.execute(select(AuditEvent.action).where(AuditEvent.patient_id == p.id))).scalars())
    assert {"triage.interview.link", "triage.summary.read"} <= actions
    # the doctor opens the visit for that appointment: 主诉 and 现病史 come pre-filled from the interview
    r = await client.post("/api/v1/encounters", headers=doc,
                          json={"patient_id": str(p.id), "appointment_id": appt_id, "encounter_class": "outpatient",
                                "subspecialty": "spine"})
    assert r.status_code in (200, 201), r.text
    enc = r.json()
    assert enc["triage_summary"]["chief_complaint"]
    rec = await client.get(f"/api/v1/encounters/{enc['id']}", headers=doc)
    assert rec.json()["record"]["content"]["chief_complaint"] == enc["triage_summary"]["chief_complaint"]


async def test_a_patient_cannot_link_to_someone_elses_appointment(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    p1, p2 = await patients(db, app, clinic.world, 2)
    nurse = await headers(client, clinic.nurse)
    appt = (await client.post("/api/v1/scheduling/appointments", headers=nurse,
                              json={"session_id": str(clinic.session_id), "patient_id": str(p2.id)})).json()
    pat = await headers(client, await fast_user(db, clinic.world, "patient", department=None, patient_id=p1.id))
    body = await _start(client)
    r = await client.post(f"{API}/interviews/{body['id']}/link", json={"appointment_id": appt["id"]},
                          headers={**pat, "X-Interview-Token": body["token"]})
    assert r.status_code == 404


async def test_staff_of_another_hospital_cannot_read_the_summary(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    nurse = await headers(client, clinic.nurse)
    appt = (await client.post("/api/v1/scheduling/appointments", headers=nurse,
                              json={"session_id": str(clinic.session_id), "patient_id": str(p.id)})).json()
    body = await _start(client)
    await _finish(client, body)
    r = await client.post(f"{API}/interviews/{body['id']}/link", json={"appointment_id": appt["id"]},
                          headers={**nurse, "X-Interview-Token": (await _start(client))["token"]})
    assert r.status_code == 404  # staff need the interview's token (the desk holds it) to link it
    r = await client.post(f"{API}/interviews/{body['id']}/link", json={"appointment_id": appt["id"]},
                          headers={**nurse, "X-Interview-Token": body["token"]})
    assert r.status_code == 200, r.text
    other = await make_clinic(db, app, settings)
    r = await client.get(f"{API}/summary", params={"appointment_id": appt["id"]}, headers=await headers(client, other.doctor))
    assert r.status_code == 404


async def test_encounter_prefill_helpers_return_json_ready_summaries(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    [p] = await patients(db, app, clinic.world, 1)
    nurse = await headers(client, clinic.nurse)
    appt = (await client.post("/api/v1/scheduling/appointments", headers=nurse,
                              json={"session_id": str(clinic.session_id), "patient_id": str(p.id)})).json()
    body = await _start(client)
    await _finish(client, body)
    await client.post(f"{API}/interviews/{body['id']}/link", json={"appointment_id": appt["id"]},
                      headers={**nurse, "X-Interview-Token": body["token"]})
    async with db.transaction() as s:
        actor = system_actor(clinic.world, "doctor")
        s.info["actor"] = actor
        by_appt = await service.summary_for_appointment(s, actor, uuid.UUID(appt["id"]))
        latest = await service.latest_summary_for_patient(s, actor, p.id)
        none = await service.summary_for_appointment(s, actor, uuid.uuid4())
    assert by_appt["interview_id"] == body["id"] and by_appt["appointment_id"] == appt["id"]
    assert by_appt["chief_complaint"] == by_appt["summary"]["chief_complaint"]["text"] and len(by_appt["chief_complaint"]) <= 20
    assert by_appt["hpi"] == by_appt["summary"]["hpi_text"] and by_appt["summary"]["chief_complaint"]["quotes"]
    assert json.loads(json.dumps(by_appt)) == by_appt  # storable as Encounter.triage_summary (JSON)
    assert latest == by_appt and none is None
