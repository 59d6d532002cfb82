"""Consultation API: request with consent, triage, accept/propose/confirm/decline, session, report and sign,
close/cancel; illegal steps are 409 with a bilingual message; lists per side; chat with attachments; room join."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest_asyncio
from sqlalchemy import func, select

from osteon.consultations.models import Attachment
from osteon.security.models import AuditEvent
from tests.consultations.factories import CONSENT, accepted, create, hospitals, soon

API = "/api/v1/consultations"


@pytest_asyncio.fixture
async def h(app, db, settings, client):
    """Two hospitals and their people."""
    return await hospitals(app, db, settings, client)


async def test_request_without_consent_is_refused_with_a_bilingual_message(client, h):
    """Nothing is shared before the patient's consent is recorded."""
    body = {"patient_id": str(h.patient.id), "type": "imaging", "question": "请会诊",
            "target_institution_id": str(h.provincial.institution.id)}
    r = await client.post(API, json=body, headers=h.doctor.headers)
    assert r.status_code == 422, r.text
    assert "知情同意" in r.json()["detail"]
    r = await client.post(API, json=body, headers={**h.doctor.headers, "Accept-Language": "en"})
    assert "consent" in r.json()["detail"]


async def test_requester_must_be_able_to_read_the_patient(client, h):
    """A doctor of another hospital cannot request for a patient they cannot see (404, like a missing one)."""
    body = {"patient_id": str(h.patient.id), "type": "imaging", "question": "请会诊", "consent": CONSENT,
            "target_institution_id": str(h.county.institution.id)}
    r = await client.post(API, json=body, headers=h.other.headers)
    assert r.status_code == 404, r.text


async def test_shared_items_must_belong_to_the_patient(client, h):
    """Sharing a missing (or another patient's) record is refused before anything is stored."""
    r = await client.post(API, json={
        "patient_id": str(h.patient.id), "type": "imaging", "question": "请会诊", "consent": CONSENT,
        "target_institution_id": str(h.provincial.institution.id), "shared": [{"kind": "study", "ref": "1.2.3.999"}]},
        headers=h.doctor.headers)
    assert r.status_code == 400 and r.json()["code"] == "consultations.invalid_share", r.text


async def test_named_expert_workflow_from_request_to_close(client, h):
    """Request → assigned (named expert) → accepted → in session → reported (signed) → closed, every step in history."""
    c = await create(client, h)
    assert c["status"] == "assigned" and c["expert"]["id"] == str(h.expert.id)
    assert c["consent"]["method"] == "written" and c["sla_state"] == "ok"
    cid = c["id"]
    r = await client.post(f"{API}/{cid}/accept", json={"scheduled_at": soon()}, headers=h.expert.headers)
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["sla_state"] == "met"
    r = await client.post(f"{API}/{cid}/start", headers=h.doctor.headers)
    assert r.json()["status"] == "in_session", r.text
    report = {"version": 0, "assessment": "L4/5 重度狭窄", "diagnosis_text": "腰椎管狭窄症", "icd10_codes": ["m48.06"],
              "recommendation": "建议手术", "surgery_advised": True, "preop_plan": "L4/5 减压融合内固定"}
    r = await client.put(f"{API}/{cid}/report", json=report, headers=h.expert.headers)
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["icd10_codes"] == ["M48.06"], r.text
    r = await client.post(f"{API}/{cid}/report/sign", json={"version": 1}, headers=h.expert.headers)
    assert r.status_code == 200 and r.json()["status"] == "signed", r.text
    r = await client.post(f"{API}/{cid}/close", headers=h.doctor.headers)
    assert r.status_code == 200 and r.json()["status"] == "closed", r.text
    events = r.json()["events"]
    assert [e["action"] for e in events] == ["consent_recorded", "created", "assigned", "accepted", "started",
                                             "report_signed", "closed"]
    assert [e["to_status"] for e in events][-5:] == ["assigned", "accepted", "in_session", "reported", "closed"]
    assert events[3]["actor_id"] == str(h.expert.id) and events[3]["from_status"] == "assigned"
    assert r.json()["report"]["signed_by_name"] and r.json()["grants"][0]["revoked_at"] is not None


async def test_pool_triage_then_expert_proposes_and_requester_confirms(client, h):
    """Without a named expert the request waits in the pool; the head assigns; proposed time is confirmed."""
    c = await create(client, h, expert=False, urgency="urgent")
    assert c["status"] == "requested"
    r = await client.get(API, params={"role": "pool"}, headers=h.head.headers)
    assert c["id"] in [x["id"] for x in r.json()["items"]]
    r = await client.get(API, params={"role": "pool"}, headers=h.expert.headers)
    assert r.json()["items"] == []  # experts have no pool
    r = await client.post(f"{API}/{c['id']}/assign", json={"expert_id": str(h.other.id)}, headers=h.head.headers)
    assert r.status_code == 400 and r.json()["code"] == "consultations.invalid_expert"  # an ordinary doctor
    r = await client.post(f"{API}/{c['id']}/assign", json={"expert_id": str(h.expert.id)}, headers=h.head.headers)
    assert r.json()["status"] == "assigned", r.text
    times = [soon(120), soon(180)]
    r = await client.post(f"{API}/{c['id']}/propose", json={"times": times, "note": "门诊后"}, headers=h.expert.headers)
    assert r.json()["status"] == "time_proposed" and len(r.json()["proposed_times"]) == 2, r.text
    r = await client.post(f"{API}/{c['id']}/confirm", json={"scheduled_at": soon(240)}, headers=h.doctor.headers)
    assert r.status_code == 400 and r.json()["code"] == "consultations.time_not_proposed"
    r = await client.post(f"{API}/{c['id']}/confirm", json={"scheduled_at": times[1]}, headers=h.doctor.headers)
    assert r.json()["status"] == "accepted" and r.json()["scheduled_at"][:16] == times[1][:16], r.text


async def test_decline_needs_a_reason_and_illegal_steps_are_409_in_both_languages(client, h):
    """Decline without reason → 422; after decline, accepting is a 409 that names the status; the head may re-assign."""
    c = await create(client, h)
    r = await client.post(f"{API}/{c['id']}/decline", json={"reason": "  "}, headers=h.expert.headers)
    assert r.status_code == 422
    r = await client.post(f"{API}/{c['id']}/decline", json={"reason": "本周外出"}, headers=h.expert.headers)
    assert r.json()["status"] == "declined" and r.json()["decline_reason"] == "本周外出"
    r = await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon()}, headers=h.expert.headers)
    assert r.status_code == 409 and r.json()["code"] == "consultations.illegal_transition"
    assert "专家已拒绝" in r.json()["detail"] and "接受会诊" in r.json()["detail"]
    r = await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon()},
                          headers={**h.expert.headers, "Accept-Language": "en"})
    assert "declined" in r.json()["detail"]
    r = await client.post(f"{API}/{c['id']}/assign", json={"expert_id": str(h.head.id)}, headers=h.head.headers)
    assert r.json()["status"] == "assigned" and r.json()["expert"]["id"] == str(h.head.id)


async def test_only_the_requesting_side_cancels_and_the_expert_cannot(client, h):
    """The expert gets 403 on cancel; the requester cancels with a reason."""
    c = await create(client, h)
    r = await client.post(f"{API}/{c['id']}/cancel", json={"reason": "转诊上级"}, headers=h.expert.headers)
    assert r.status_code == 403
    r = await client.post(f"{API}/{c['id']}/cancel", json={"reason": "患者已转诊"}, headers=h.doctor.headers)
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "患者已转诊"
    r = await client.post(f"{API}/{c['id']}/cancel", json={"reason": "再次"}, headers=h.doctor.headers)
    assert r.status_code == 409


async def test_report_versioning_signing_rules_and_immutability(client, h):
    """Stale draft → 409; only the assigned expert writes/signs; incomplete → 400; signed → 409 forever."""
    c = await accepted(client, h)
    cid = c["id"]
    draft = {"version": 0, "assessment": "评估", "diagnosis_text": "腰椎管狭窄症", "recommendation": "手术",
             "surgery_advised": True}
    r = await client.put(f"{API}/{cid}/report", json=draft, headers=h.head.headers)
    assert r.status_code == 403  # the head sees it (triage) but is not the expert
    assert (await client.put(f"{API}/{cid}/report", json=draft, headers=h.expert.headers)).status_code == 200
    r = await client.put(f"{API}/{cid}/report", json=draft, headers=h.expert.headers)
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = await client.post(f"{API}/{cid}/report/sign", json={"version": 1}, headers=h.expert.headers)
    assert r.status_code == 400 and r.json()["missing"] == ["pre-op plan"]  # 术前评估 advising surgery needs a plan
    r = await client.put(f"{API}/{cid}/report", json={**draft, "version": 1, "preop_plan": "减压融合"}, headers=h.expert.headers)
    assert r.json()["version"] == 2
    r = await client.post(f"{API}/{cid}/report/sign", json={"version": 2}, headers=h.doctor.headers)
    assert r.status_code == 403
    assert (await client.post(f"{API}/{cid}/report/sign", json={"version": 2}, headers=h.expert.headers)).status_code == 200
    r = await client.put(f"{API}/{cid}/report", json={**draft, "version": 2}, headers=h.expert.headers)
    assert r.status_code == 409 and r.json()["code"] == "consultations.report_signed"
    assert (await client.post(f"{API}/{cid}/report/sign", json={"version": 2}, headers=h.expert.headers)).status_code == 409


async def test_draft_is_the_experts_and_the_signed_report_reaches_the_patient_page(client, h):
    """The requester does not see a draft; after signing, the patient's list shows the diagnosis and advice."""
    c = await accepted(client, h)
    cid = c["id"]
    await client.put(f"{API}/{cid}/report", json={"version": 0, "assessment": "评估", "diagnosis_text": "峡部裂",
                                                   "recommendation": "保守治疗"}, headers=h.expert.headers)
    assert (await client.get(f"{API}/{cid}", headers=h.doctor.headers)).json()["report"] is None
    await client.post(f"{API}/{cid}/report/sign", json={"version": 1}, headers=h.expert.headers)
    r = await client.get(API, params={"patient_id": str(h.patient.id)}, headers=h.doctor.headers)
    item = next(x for x in r.json()["items"] if x["id"] == cid)
    assert item["report_diagnosis"] == "峡部裂" and item["report_recommendation"] == "保守治疗" and item["report_signed_at"]
    assert (await client.get(f"{API}/{cid}", headers=h.doctor.headers)).json()["report"]["status"] == "signed"
    r = await client.get(API, params={"patient_id": str(h.patient.id)}, headers=h.other.headers)
    assert r.status_code == 404  # not their patient


async def test_lists_are_per_side(client, h):
    """Requester sees it under requested; the expert under assigned; an unrelated doctor sees nothing."""
    c = await create(client, h)
    ids = lambda r: [x["id"] for x in r.json()["items"]]
    assert c["id"] in ids(await client.get(API, params={"role": "requested"}, headers=h.doctor.headers))
    assert c["id"] in ids(await client.get(API, params={"role": "assigned"}, headers=h.expert.headers))
    assert c["id"] not in ids(await client.get(API, headers=h.other.headers))
    r = await client.get(API, params={"status": "bogus"}, headers=h.doctor.headers)
    assert r.status_code == 400


async def test_unrelated_user_gets_404_and_the_refusal_is_audited(client, db, h):
    """A doctor of the expert's hospital cannot open the consultation; it looks missing; the denial is recorded."""
    c = await create(client, h)
    r = await client.get(f"{API}/{c['id']}", headers=h.other.headers)
    assert r.status_code == 404
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "consultation.read", AuditEvent.outcome == "denied",
            AuditEvent.resource_id == c["id"]))).scalar_one()
    assert n == 1


async def test_room_join_gives_topic_seat_and_media_and_refuses_outsiders(client, db, h):
    """Members join (audited; the first join opens the session); others get 404 (audited)."""
    c = await create(client, h)
    r = await client.post(f"{API}/{c['id']}/room/join", headers=h.doctor.headers)
    assert r.status_code == 404  # not accepted yet
    c = await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon()}, headers=h.expert.headers)
    cid = c.json()["id"]
    r = await client.post(f"{API}/{cid}/room/join", headers=h.expert.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["topic"] == f"consult:{cid}" and body["participant"]["role"] == "expert"
    assert body["media"]["backend"] in ("p2p", "janus") and "ice_servers" in body["media"]
    assert (await client.get(f"{API}/{cid}", headers=h.doctor.headers)).json()["status"] == "in_session"
    assert (await client.post(f"{API}/{cid}/room/join", headers=h.other.headers)).status_code == 404
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditEvent.outcome).where(
            AuditEvent.action == "consultation.room.join", AuditEvent.resource_id == cid))).scalars().all()
    assert sorted(rows) == ["denied", "denied", "success"]  # before acceptance, the outsider, the expert


async def test_invited_colleague_joins_and_others_cannot_be_invited_as_patient(client, h):
    """A colleague invited after acceptance can join; a doctor cannot be invited as 'the patient'."""
    c = await accepted(client, h)
    r = await client.post(f"{API}/{c['id']}/participants", json={"user_id": str(h.other.id), "role": "patient"},
                          headers=h.expert.headers)
    assert r.status_code == 400
    r = await client.post(f"{API}/{c['id']}/participants", json={"user_id": str(h.other.id), "role": "colleague"},
                          headers=h.expert.headers)
    assert r.status_code == 201 and r.json()["role"] == "colleague", r.text
    r = await client.post(f"{API}/{c['id']}/room/join", headers=h.other.headers)
    assert r.status_code == 200 and r.json()["participant"]["role"] == "colleague"


async def test_chat_message_with_attachment_is_stored_published_and_downloadable(app, client, h):
    """A message with a PNG goes to the room topic after commit; members download it; outsiders get 404."""
    c = await accepted(client, h)
    cid = c["id"]
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 3000
    async with app.state.broker.subscribe(f"consult:{cid}") as feed:
        r = await client.post(f"{API}/{cid}/messages", data={"body": "请看这张片子"},
                              files={"file": ("../../etc/片子.png", png, "image/png")}, headers=h.doctor.headers)
        assert r.status_code == 201, r.text
        msg = await asyncio.wait_for(anext(aiter(feed)), 5)
    assert msg["event"] == "chat.message" and msg["data"]["body"] == "请看这张片子"
    att = r.json()["attachment"]
    assert att["filename"] == "片子.png" and att["size"] == len(png)
    r = await client.get(att["url"], headers=h.expert.headers)
    assert r.status_code == 200 and r.content == png and r.headers["content-type"] == "image/png"
    assert (await client.get(att["url"], headers=h.other.headers)).status_code == 404
    r = await client.post(f"{API}/{cid}/messages", json={"body": "收到"}, headers=h.expert.headers)
    assert r.status_code == 201
    r = await client.get(f"{API}/{cid}/messages", headers=h.doctor.headers)
    assert [m["body"] for m in r.json()] == ["请看这张片子", "收到"]
    assert (await client.get(f"{API}/{cid}/messages", headers=h.other.headers)).status_code == 404


async def test_a_50_mb_upload_is_refused_with_413_and_nothing_is_stored(client, db, settings, h):
    """50 MB → 413 problem+json naming the 20 MB limit (zh and en); no attachment row; also when streamed."""
    c = await accepted(client, h)
    big = b"\0" * (50 * 1024 * 1024)
    r = await client.post(f"{API}/{c['id']}/messages", files={"file": ("ct.zip", big, "application/zip")},
                          headers=h.doctor.headers)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert "20 MB" in r.json()["detail"] and "附件" in r.json()["detail"]

    async def chunks():
        """A body without Content-Length."""
        head = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n\r\n"
        yield head
        for _ in range(25):
            yield b"\0" * (1024 * 1024)
        yield b"\r\n--b--\r\n"

    r = await client.post(f"{API}/{c['id']}/messages", content=chunks(),
                          headers={**h.doctor.headers, "Content-Type": "multipart/form-data; boundary=b",
                                   "Accept-Language": "en"})
    assert r.status_code == 413 and "20 MB" in r.json()["detail"], r.text
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(Attachment).where(
            Attachment.consultation_id == uuid.UUID(c["id"])))).scalar_one()
    assert n == 0
    tmp = settings.data_dir / "consultations" / "tmp"
    assert not tmp.exists() or not any(tmp.iterdir())


async def test_attachment_of_exactly_20_mb_is_accepted(client, h):
    """The limit is inclusive."""
    c = await accepted(client, h)
    data = io.BytesIO(b"\1" * (20 * 1024 * 1024))
    r = await client.post(f"{API}/{c['id']}/messages", files={"file": ("scan.bin", data, "application/octet-stream")},
                          headers=h.doctor.headers)
    assert r.status_code == 201, r.text
    assert r.json()["attachment"]["size"] == 20 * 1024 * 1024
