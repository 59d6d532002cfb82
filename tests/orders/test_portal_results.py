"""The patient H5 "my results" page reads the patient's own orders and reports — nobody else's."""

from __future__ import annotations

from osteon.patients.models import Patient
from tests.conftest import login
from tests.factories import make_patient, make_user
from tests.orders.clinic import make_clinic, open_encounter


async def test_a_patient_reads_their_own_orders_and_reports_only(client, app, db, settings):
    """A patient reads their own orders with the report; another patient's orders are a 404, and the read is audited."""
    from sqlalchemy import select

    from osteon.security.models import AuditEvent

    c = await make_clinic(app, db, settings, client, roles=("doctor", "technician", "nurse"))
    enc = await open_encounter(client, c)
    r = await client.post("/api/v1/orders", json={
        "kind": "imaging", "patient_id": str(c.patient_id), "encounter_id": enc["id"], "item_code": "XR-HIP-2V",
        "modality": "DX", "body_part": "HIP", "laterality": "right", "clinical_question": "骨折?"}, headers=c.h("doctor"))
    assert r.status_code == 201, r.text
    order = r.json()
    charges = (await client.get(f"/api/v1/patients/{c.patient_id}/charges", params={"status": "unpaid"}, headers=c.h("nurse"))).json()
    assert (await client.post("/api/v1/charges/pay", json={"charge_ids": [x["id"] for x in charges]}, headers=c.h("nurse"))).status_code == 200
    for step in ("scheduled", "performed"):
        assert (await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": step}, headers=c.h("technician"))).status_code == 200
    assert (await client.post(f"/api/v1/orders/{order['id']}/report", json={"findings": "股骨颈骨折线", "conclusion": "右股骨颈骨折"},
                              headers=c.h("technician"))).status_code == 200

    username, password = await make_user(db, settings, app.state.cipher, c.world, "patient", department=None, patient_id=c.patient_id)
    me = await login(client, username, password)
    mine = await client.get(f"/api/v1/patients/{c.patient_id}/orders", headers=me)
    assert mine.status_code == 200, mine.text
    assert [o["result"]["conclusion"] for o in mine.json() if o["id"] == order["id"]] == ["右股骨颈骨折"]
    assert mine.headers["cache-control"] == "no-store"

    other: Patient = await make_patient(db, app.state.cipher, c.world)
    assert (await client.get(f"/api/v1/patients/{other.id}/orders", headers=me)).status_code == 404
    async with db.sessionmaker() as s:
        reads = (await s.execute(select(AuditEvent).where(AuditEvent.action == "order.list", AuditEvent.patient_id == c.patient_id,
                                                          AuditEvent.username == username))).scalars().all()
    assert reads
