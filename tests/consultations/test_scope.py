"""Access by grant covers exactly what was shared (issue 6 §2): a consultation expert sees the shared study
and order of the patient — not the patient's other studies, orders, admissions or surgeries — and every
refusal looks like "not found" and is audited."""

from __future__ import annotations

from sqlalchemy import select

from osteon.security.models import AuditEvent
from tests.consultations.factories import create, hospitals, soon
from tests.consultations.test_grants import _stow

API = "/api/v1/consultations"


async def _encounter(client, h) -> str:
    """An outpatient visit of the patient at the county hospital."""
    enc = await client.post("/api/v1/encounters", json={"patient_id": str(h.patient.id), "subspecialty": "spine"},
                            headers=h.doctor.headers)
    assert enc.status_code == 201, enc.text
    return enc.json()["id"]


async def _order(client, h, encounter_id: str) -> str:
    """An X-ray order for the patient, placed by the county doctor through the orders API."""
    r = await client.post("/api/v1/orders", headers=h.doctor.headers, json={
        "patient_id": str(h.patient.id), "encounter_id": encounter_id, "kind": "imaging", "item_code": "XR-LS-2V",
        "modality": "DX", "body_part": "LSPINE", "views": ["AP", "LAT"], "clinical_question": "腰椎退变?"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_the_expert_sees_exactly_what_was_shared(app, db, settings, client):
    h = await hospitals(app, db, settings, client)
    shared_uid = await _stow(client, h.doctor.headers, h.patient.mrn)
    private_uid = await _stow(client, h.doctor.headers, h.patient.mrn)  # same patient, not shared
    shared_visit, private_visit = await _encounter(client, h), await _encounter(client, h)
    shared_order, private_order = await _order(client, h, shared_visit), await _order(client, h, shared_visit)
    c = await create(client, h, shared=[{"kind": "study", "ref": shared_uid, "label": "腰椎 CT"},
                                        {"kind": "order", "ref": shared_order, "label": "腰椎正侧位"},
                                        {"kind": "encounter", "ref": shared_visit, "label": "门诊病历"}])
    r = await client.post(f"{API}/{c['id']}/accept", json={"scheduled_at": soon(30)}, headers=h.expert.headers)
    assert r.status_code == 200, r.text
    ex = h.expert.headers

    # the patient header and the shared items open ...
    assert (await client.get(f"/api/v1/patients/{h.patient.id}", headers=ex)).status_code == 200
    assert (await client.get(f"/api/v1/imaging/studies/{shared_uid}", headers=ex)).status_code == 200
    assert (await client.get(f"/dicomweb/studies/{shared_uid}/metadata", headers=ex)).status_code == 200
    assert (await client.get(f"/api/v1/orders/{shared_order}", headers=ex)).status_code == 200
    # ... the rest of the record looks exactly like a missing one
    missing = await client.get(f"/api/v1/imaging/studies/1.2.3.{abs(hash(private_uid)) % 10**9}", headers=ex)
    hidden = await client.get(f"/api/v1/imaging/studies/{private_uid}", headers=ex)
    assert hidden.status_code == missing.status_code == 404 and hidden.json()["code"] == missing.json()["code"]
    assert (await client.get(f"/dicomweb/studies/{private_uid}/metadata", headers=ex)).status_code == 404
    assert (await client.get(f"/api/v1/orders/{private_order}", headers=ex)).status_code == 404
    # lists are filtered the same way
    studies = (await client.get(f"/api/v1/imaging/patients/{h.patient.id}/studies", headers=ex)).json()
    assert {s["study_instance_uid"] for s in (studies["items"] if isinstance(studies, dict) else studies)} == {shared_uid}
    qido = (await client.get("/dicomweb/studies", params={"PatientID": h.patient.mrn}, headers=ex)).json()
    assert {s["0020000D"]["Value"][0] for s in qido} == {shared_uid}
    orders = (await client.get(f"/api/v1/patients/{h.patient.id}/orders", headers=ex)).json()
    assert {o["id"] for o in (orders["items"] if isinstance(orders, dict) else orders)} == {shared_order}
    assert (await client.get(f"/api/v1/encounters/{shared_visit}", headers=ex)).status_code == 200
    assert (await client.get(f"/api/v1/encounters/{private_visit}", headers=ex)).status_code == 404
    visits = (await client.get(f"/api/v1/patients/{h.patient.id}/encounters", headers=ex)).json()
    assert {v["id"] for v in visits} == {shared_visit}
    # a shared record is read-only for the consultant
    r = await client.put(f"/api/v1/encounters/{shared_visit}/record", headers=ex,
                         json={"version": 1, "template": "spine", "content": {"chief_complaint": "改"}})
    assert r.status_code in (403, 404), r.status_code
    # domains that were not shared at all refuse outright
    for path in (f"/api/v1/patients/{h.patient.id}/charges", f"/api/v1/patients/{h.patient.id}/surgeries"):
        r = await client.get(path, headers=ex)
        assert r.status_code in (403, 404), (path, r.status_code)
    # the requesting doctor, in the patient's own hospital, still sees everything
    doc = (await client.get(f"/api/v1/imaging/patients/{h.patient.id}/studies", headers=h.doctor.headers)).json()
    assert {shared_uid, private_uid} <= {s["study_instance_uid"] for s in (doc["items"] if isinstance(doc, dict) else doc)}
    async with db.transaction() as s:
        denials = (await s.execute(select(AuditEvent.detail).where(
            AuditEvent.username == h.expert.username, AuditEvent.outcome == "denied"))).scalars().all()
    assert any((d or {}).get("reason") == "not shared" for d in denials)
