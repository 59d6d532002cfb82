"""Orders: accession numbers, lifecycle with who/when, results with flags, critical values, charges."""

from __future__ import annotations

import asyncio
import re
import uuid

from sqlalchemy import select

from osteon.orders.models import OrderEvent
from osteon.security.models import AuditEvent
from tests.orders.clinic import make_clinic, open_encounter


def imaging_body(c, enc, **extra):
    """A lumbar MRI request."""
    return {"kind": "imaging", "patient_id": str(c.patient_id), "encounter_id": enc["id"], "item_code": "MR-LS", "modality": "MR",
            "body_part": "LSPINE", "laterality": "none", "views": ["SAG T2", "AX T2"], "clinical_question": "L4/5椎管狭窄程度?", **extra}


async def _pay_order(client, c, order):
    """Pay order."""
    charges = (await client.get(f"/api/v1/patients/{c.patient_id}/charges", params={"status": "unpaid"}, headers=c.h("nurse"))).json()
    ids = [x["id"] for x in charges if x["order_id"] == order["id"]]
    r = await client.post("/api/v1/charges/pay", json={"charge_ids": ids}, headers=c.h("nurse"))
    assert r.status_code == 200, r.text
    return r.json()


async def test_imaging_order_gets_an_accession_number_and_a_charge(client, app, db, settings):
    """Imaging order gets an accession number and a charge."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    r = await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))
    assert r.status_code == 201, r.text
    order = r.json()
    assert re.fullmatch(r"ACC\d{8}\d{5}", order["accession_number"]) and len(order["accession_number"]) == 16
    assert order["status"] == "ordered" and order["events"][0]["to_status"] == "ordered"
    charges = (await client.get(f"/api/v1/patients/{c.patient_id}/charges", headers=c.h("doctor"))).json()
    mine = [x for x in charges if x["order_id"] == order["id"]]
    assert mine[0]["category"] == "exam" and mine[0]["amount_fen"] == 56000 and mine[0]["amount_yuan"] == "560.00"


async def test_concurrent_imaging_orders_get_distinct_accession_numbers(client, app, db, settings):
    """Concurrent imaging orders get distinct accession numbers."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    results = await asyncio.gather(*[client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor")) for _ in range(8)])
    assert all(r.status_code == 201 for r in results), [r.text for r in results if r.status_code != 201]
    numbers = [r.json()["accession_number"] for r in results]
    assert len(set(numbers)) == 8


async def test_order_lifecycle_records_who_and_when_and_refuses_skipped_steps(client, app, db, settings):
    """Order lifecycle records who and when and refuses skipped steps."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    oid = order["id"]
    early = await client.post(f"/api/v1/orders/{oid}/transitions", json={"to": "scheduled"}, headers=c.h("technician"))
    assert early.status_code == 409 and early.json()["missing_step"] == "paid"
    await _pay_order(client, c, order)
    assert (await client.get(f"/api/v1/orders/{oid}", headers=c.h("doctor"))).json()["status"] == "paid"
    assert (await client.post(f"/api/v1/orders/{oid}/transitions", json={"to": "scheduled"}, headers=c.h("technician"))).status_code == 200
    report = await client.post(f"/api/v1/orders/{oid}/report", json={"findings": "L4/5椎间盘突出", "conclusion": "L4/5椎管狭窄"},
                               headers={**c.h("technician"), "Accept-Language": "zh-CN"})
    assert report.status_code == 409 and "尚未执行,不能出报告" in report.text
    en = await client.post(f"/api/v1/orders/{oid}/report", json={"findings": "x"}, headers={**c.h("technician"), "Accept-Language": "en"})
    assert "Cannot report before the exam is performed" in en.text
    assert (await client.post(f"/api/v1/orders/{oid}/transitions", json={"to": "performed"}, headers=c.h("technician"))).status_code == 200
    done = await client.post(f"/api/v1/orders/{oid}/report", json={"findings": "L4/5椎间盘突出", "conclusion": "L4/5椎管狭窄"},
                             headers=c.h("technician"))
    assert done.status_code == 200 and done.json()["result"]["conclusion"] == "L4/5椎管狭窄"
    cancel = await client.post(f"/api/v1/orders/{oid}/cancel", headers=c.h("doctor"))
    assert cancel.status_code == 409 and cancel.json()["code"] == "orders.cannot_cancel"
    reviewed = await client.post(f"/api/v1/orders/{oid}/review", headers=c.h("doctor"))
    assert reviewed.status_code == 200
    steps = [(e["to_status"], e["actor_id"]) for e in reviewed.json()["events"]]
    assert [s for s, _ in steps] == ["ordered", "paid", "scheduled", "performed", "reported", "reviewed"]
    assert steps[3][1] == str(c.user_ids["technician"]) and steps[5][1] == str(c.user_ids["doctor"])
    async with db.sessionmaker() as s:
        rows = (await s.execute(select(OrderEvent).where(OrderEvent.order_id == uuid.UUID(order["id"])))).scalars().all()
    assert len(rows) == 6 and all(r.at is not None for r in rows)


async def test_lab_values_are_flagged_and_critical_values_alert_the_ordering_doctor(client, app, db, settings):
    """Lab values are flagged and critical values alert the ordering doctor."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    body = {"kind": "lab", "patient_id": str(c.patient_id), "encounter_id": enc["id"], "item_code": "LAB-BMP"}
    order = (await client.post("/api/v1/orders", json=body, headers=c.h("doctor"))).json()
    await _pay_order(client, c, order)
    for step in ("scheduled", "performed"):
        assert (await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": step}, headers=c.h("technician"))).status_code == 200
    wrong_unit = await client.post(f"/api/v1/orders/{order['id']}/report", headers=c.h("technician"),
                                   json={"values": [{"analyte": "K", "value": 4.0, "unit": "mg/dL"}]})
    assert wrong_unit.status_code == 400 and wrong_unit.json()["code"] == "orders.unit_mismatch"
    values = [{"analyte": "K", "value": 2.5, "unit": "mmol/L"}, {"analyte": "NA", "value": 135, "unit": "mmol/L"},
              {"analyte": "GLU", "value": 7.2, "unit": "mmol/L"}, {"analyte": "CREA", "value": 80, "unit": "umol/L"}]
    r = await client.post(f"/api/v1/orders/{order['id']}/report", json={"values": values}, headers=c.h("technician"))
    assert r.status_code == 200, r.text
    flags = {v["analyte"]: (v["flag"], v["critical"]) for v in r.json()["result"]["values"]}
    assert flags == {"K": ("LL", True), "NA": ("L", False), "GLU": ("H", False), "CREA": ("", False)}
    alerts = (await client.get("/api/v1/critical-alerts", headers=c.h("doctor"))).json()
    mine = [a for a in alerts if a["order_id"] == order["id"]]
    assert len(mine) == 1 and "K" in mine[0]["message"]
    ack = await client.post(f"/api/v1/critical-alerts/{mine[0]['id']}/ack", json={"note": "已补钾,复查"}, headers=c.h("doctor"))
    assert ack.status_code == 200 and ack.json()["acknowledged_by_id"] == str(c.user_ids["doctor"])
    again = await client.post(f"/api/v1/critical-alerts/{mine[0]['id']}/ack", json={"note": ""}, headers=c.h("doctor"))
    assert again.status_code == 409
    async with db.sessionmaker() as s:
        audited = (await s.execute(select(AuditEvent).where(AuditEvent.action == "order.critical.ack",
                                                            AuditEvent.resource_id == mine[0]["id"]))).scalars().all()
    assert len(audited) == 1


async def test_cancelling_a_paid_order_refunds_its_charges(client, app, db, settings):
    """Cancelling a paid order refunds its charges."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    body = {"kind": "prescription", "patient_id": str(c.patient_id), "encounter_id": enc["id"], "item_code": "DRUG-CELE",
            "dose": 0.2, "dose_unit": "g", "route": "po", "frequency": "qd", "days": 14, "quantity": 14}
    order = (await client.post("/api/v1/orders", json=body, headers=c.h("doctor"))).json()
    paid = await _pay_order(client, c, order)
    assert paid[0]["amount_fen"] == 14 * 120 and paid[0]["status"] == "paid" and paid[0]["payment_ref"].startswith("CASH-")
    twice = await client.post("/api/v1/charges/pay", json={"charge_ids": [paid[0]["id"]]}, headers=c.h("nurse"))
    assert twice.status_code == 409
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=c.h("doctor"))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    charges = (await client.get(f"/api/v1/patients/{c.patient_id}/charges", headers=c.h("doctor"))).json()
    assert [x["status"] for x in charges if x["order_id"] == order["id"]] == ["refunded"]


async def test_wrong_items_and_missing_context_are_refused(client, app, db, settings):
    """Wrong items and missing context are refused."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    wrong_kind = imaging_body(c, enc, item_code="DRUG-CELE")
    assert (await client.post("/api/v1/orders", json=wrong_kind, headers=c.h("doctor"))).status_code == 400
    no_context = imaging_body(c, enc)
    no_context.pop("encounter_id")
    assert (await client.post("/api/v1/orders", json=no_context, headers=c.h("doctor"))).status_code == 422
    assert (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("nurse"))).status_code == 403


async def test_patient_is_told_when_results_are_ready(client, app, db, settings):
    """Patient is told when results are ready."""
    from osteon.notifications.models import Notification

    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    await _pay_order(client, c, order)
    for step in ("scheduled", "performed"):
        await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": step}, headers=c.h("technician"))
    await client.post(f"/api/v1/orders/{order['id']}/report", json={"conclusion": "L4/5椎管狭窄"}, headers=c.h("technician"))
    async with db.sessionmaker() as s:
        codes = set((await s.execute(select(Notification.event_code).where(Notification.patient_id == c.patient_id))).scalars())
    assert {"order_to_pay", "exam_scheduled", "results_ready"} <= codes


async def test_two_technicians_performing_one_exam_at_once_one_wins(client, app, db, settings):
    """Concurrent steps on one order: exactly one succeeds, the other is told the step is done."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    await _pay_order(client, c, order)
    await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "scheduled"}, headers=c.h("technician"))
    results = await asyncio.gather(*[client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "performed"},
                                                 headers=c.h(role)) for role in ("technician", "nurse", "doctor")])
    assert sorted(r.status_code for r in results) == [200, 409, 409], [r.text for r in results]
    final = (await client.get(f"/api/v1/orders/{order['id']}", headers=c.h("doctor"))).json()
    assert [e["to_status"] for e in final["events"]].count("performed") == 1
