"""Access by grant (SECURITY 9): accepting gives the expert time-limited, audited access to the shared patient
data; it ends at close or cancel; it never covers another patient; the expert's colleagues gain nothing;
refusals look like "not found" and are audited."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest_asyncio
from sqlalchemy import func, select, update

from osteon.kit.models import utcnow
from osteon.security.models import AccessGrant, AuditEvent, User
from tests.consultations.factories import create, hospitals, person, soon
from tests.imaging.dicomgen import ct_slice, to_bytes

API = "/api/v1/consultations"


async def _stow(client, headers, mrn: str) -> str:
    """Store one CT slice for the patient with this MRN; returns its Study Instance UID."""
    ds = ct_slice(patient_id=mrn, size=32)
    b = "cg6"
    body = b"--" + b.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + to_bytes(ds) + b"\r\n--" + b.encode() + b"--\r\n"
    r = await client.post("/dicomweb/studies", content=body, headers={
        **headers, "Content-Type": f'multipart/related; type="application/dicom"; boundary={b}'})
    assert r.status_code == 200, r.text
    return ds.StudyInstanceUID


@pytest_asyncio.fixture
async def shared(app, db, settings, client):
    """A consultation sharing one CT of the patient (another patient also has a CT)."""
    h = await hospitals(app, db, settings, client)
    uid = await _stow(client, h.doctor.headers, h.patient.mrn)
    other_uid = await _stow(client, h.doctor.headers, h.other_patient.mrn)
    c = await create(client, h, shared=[{"kind": "study", "ref": uid, "label": "腰椎 CT"}])
    return h, c, uid, other_uid


async def _reads(client, headers, patient_id, uid) -> tuple[int, int]:
    """(patient record status, study status) for a user."""
    p = await client.get(f"/api/v1/patients/{patient_id}", headers=headers)
    s = await client.get(f"/api/v1/imaging/studies/{uid}", headers=headers)
    return p.status_code, s.status_code


async def test_expert_reads_the_patient_and_shared_study_only_while_the_grant_lives(client, db, shared):
    """Before accept: 404; accepted: 200 (scope = the shared study, ends 24 h after the session); closed: 404."""
    h, c, uid, _ = shared
    assert await _reads(client, h.expert.headers, h.patient.id, uid) == (404, 404)
    r = await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    grant = r.json()["grants"][0]
    assert grant["grantee_id"] == str(h.expert.id) and grant["scope"] == [f"study:{uid}"]
    sched = r.json()["scheduled_at"]
    assert grant["ends_at"][:16] == (utcnow().fromisoformat(sched) + timedelta(hours=24)).isoformat()[:16]
    assert await _reads(client, h.expert.headers, h.patient.id, uid) == (200, 200)
    await client.put(f"{API}/{c['id']}/report", json={"version": 0, "assessment": "a", "diagnosis_text": "d",
                                                       "recommendation": "r"}, headers=h.expert.headers)
    await client.post(f"{API}/{c['id']}/report/sign", json={"version": 1}, headers=h.expert.headers)
    r = await client.post(f"{API}/{c['id']}/close", headers=h.doctor.headers)
    assert r.json()["grants"][0]["revoked_at"] is not None
    assert await _reads(client, h.expert.headers, h.patient.id, uid) == (404, 404)
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.patient_id == h.patient.id, AuditEvent.username == h.expert.username,
            AuditEvent.outcome == "denied"))).scalar_one()
    assert n >= 4  # two refusals before acceptance, two after closing


async def test_grant_never_covers_another_patient_or_the_experts_colleagues(client, shared):
    """During the grant the expert still cannot read another patient; a colleague at the expert's hospital reads nothing."""
    h, c, uid, other_uid = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    assert await _reads(client, h.expert.headers, h.other_patient.id, other_uid) == (404, 404)
    assert await _reads(client, h.other.headers, h.patient.id, uid) == (404, 404)
    assert await _reads(client, h.head.headers, h.patient.id, uid) == (404, 404)  # the triaging head neither


async def test_cancel_revokes_the_grant(client, shared):
    """Cancelling an accepted consultation ends the expert's access at once."""
    h, c, uid, _ = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    assert (await _reads(client, h.expert.headers, h.patient.id, uid))[0] == 200
    r = await client.post(f"{API}/{c['id']}/cancel", json={"reason": "患者拒绝手术"}, headers=h.doctor.headers)
    assert r.json()["status"] == "cancelled"
    assert await _reads(client, h.expert.headers, h.patient.id, uid) == (404, 404)
    assert (await client.post(f"{API}/{c['id']}/room/join", headers=h.expert.headers)).status_code == 404


async def test_expired_grant_closes_the_room_and_the_record(client, db, shared):
    """Past ``ends_at`` the expert is out of the room and the record even if nobody closed the consultation."""
    h, c, uid, _ = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    async with db.transaction() as s:
        await s.execute(update(AccessGrant).where(AccessGrant.consultation_id == uuid.UUID(c["id"]))
                        .values(ends_at=utcnow() - timedelta(minutes=1)))
    assert await _reads(client, h.expert.headers, h.patient.id, uid) == (404, 404)
    assert (await client.post(f"{API}/{c['id']}/room/join", headers=h.expert.headers)).status_code == 404
    assert (await client.post(f"{API}/{c['id']}/room/join", headers=h.doctor.headers)).status_code == 200


async def test_invited_colleague_gets_the_same_time_limited_grant(client, shared):
    """A colleague invited into an accepted consultation reads the shared data until it closes."""
    h, c, uid, _ = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    r = await client.post(f"{API}/{c['id']}/participants", json={"user_id": str(h.other.id), "role": "colleague"},
                          headers=h.expert.headers)
    assert r.status_code == 201
    assert await _reads(client, h.other.headers, h.patient.id, uid) == (200, 200)
    await client.post(f"{API}/{c['id']}/cancel", json={"reason": "改期"}, headers=h.doctor.headers)
    assert await _reads(client, h.other.headers, h.patient.id, uid) == (404, 404)


async def test_the_invite_picker_lists_colleagues_not_yet_in_the_room_to_those_who_may_invite(client, shared):
    """GET /{id}/invitable: clinical staff of the chosen hospital minus the room's members; outsiders get 404."""
    h, c, _uid, _ = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    url = f"{API}/{c['id']}/invitable"
    prov = {"institution_id": str(h.provincial.institution.id)}
    r = await client.get(url, params=prov, headers=h.expert.headers)
    assert r.status_code == 200, r.text
    ids = {x["id"] for x in r.json()}
    assert str(h.other.id) in ids and str(h.head.id) in ids and str(h.expert.id) not in ids
    assert (await client.get(url, params=prov, headers=h.other.headers)).status_code == 404  # not in it: no list
    await client.post(f"{API}/{c['id']}/participants", json={"user_id": str(h.other.id), "role": "colleague"},
                      headers=h.expert.headers)
    r = await client.get(url, params=prov, headers=h.doctor.headers)
    assert str(h.other.id) not in {x["id"] for x in r.json()}


async def test_the_invite_picker_offers_the_patients_own_account_as_the_patient(app, db, settings, client, shared):
    h, c, _uid, _ = shared
    me = await person(app, db, settings, client, h.county, "patient", department=None)
    async with db.transaction() as s:  # link the account to the consultation's patient
        await s.execute(update(User).where(User.id == me.id).values(patient_id=h.patient.id))
    url = f"{API}/{c['id']}/invitable"
    r = await client.get(url, params={"institution_id": str(h.county.institution.id)}, headers=h.doctor.headers)
    offered = {x["id"]: x["role"] for x in r.json()}
    assert offered.get(str(me.id)) == "patient" and all(role != "patient" or i == str(me.id) for i, role in offered.items())
    r = await client.post(f"{API}/{c['id']}/participants", json={"user_id": str(me.id), "role": "patient"},
                          headers=h.doctor.headers)
    assert r.status_code == 201, r.text
    r = await client.get(url, params={"institution_id": str(h.county.institution.id)}, headers=h.doctor.headers)
    assert str(me.id) not in {x["id"] for x in r.json()}


async def test_grants_are_audited(client, db, shared):
    """Giving access writes an audit event naming the grantee, the scope and the end."""
    h, c, uid, _ = shared
    await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(60)}, headers=h.expert.headers)
    async with db.transaction() as s:
        row = (await s.execute(select(AuditEvent).where(AuditEvent.action == "consultation.grant",
                                                        AuditEvent.patient_id == h.patient.id))).scalar_one()
    assert row.detail["grantee_id"] == str(h.expert.id) and row.detail["scope"] == [f"study:{uid}"]
