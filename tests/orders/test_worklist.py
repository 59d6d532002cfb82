"""The imaging worklist: a hospital's imaging orders of the day for technicians and radiologists (masked patient line,
steps, live topic), limited to the reader's hospital and role, audited."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from osteon.kit.masking import mask_name
from osteon.security.models import AuditEvent
from tests.orders.clinic import make_clinic, open_encounter
from tests.orders.test_orders import _pay_order, imaging_body


async def _rows(client, c, role="technician", **params):
    """The worklist as ``role``."""
    r = await client.get("/api/v1/imaging-worklist", params=params, headers=c.h(role))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return r.json()


async def test_worklist_lists_todays_imaging_orders_with_a_masked_patient_and_next_steps(client, app, db, settings):
    """The worklist lists today's imaging orders with a masked patient and the next steps."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    lab = await client.post("/api/v1/orders", json={"kind": "lab", "patient_id": str(c.patient_id), "encounter_id": enc["id"],
                                                    "item_code": "LAB-CBC"}, headers=c.h("doctor"))
    rows = await _rows(client, c)
    mine = [r for r in rows if r["order"]["id"] == order["id"]]
    assert len(mine) == 1
    row = mine[0]
    assert row["order"]["accession_number"] == order["accession_number"] and row["order"]["status"] == "ordered"
    assert row["order"]["details"]["body_part"] == "LSPINE" and row["order"]["details"]["views"] == ["SAG T2", "AX T2"]
    assert row["order"]["next_steps"] == ["paid", "cancelled"]  # an outpatient exam waits for the cashier
    async with db.sessionmaker() as s:
        from osteon.patients.models import Patient

        patient = await s.get(Patient, c.patient_id)
    assert row["patient"]["name_masked"] == mask_name(patient.name) and row["patient"]["name_masked"] != patient.name
    assert row["patient"]["mrn"] == patient.mrn
    assert lab.status_code == 201, lab.text
    assert lab.json()["id"] not in [r["order"]["id"] for r in rows] and all(r["order"]["kind"] == "imaging" for r in rows)
    await _pay_order(client, c, order)
    [row] = [r for r in await _rows(client, c) if r["order"]["id"] == order["id"]]
    assert row["order"]["status"] == "paid" and row["order"]["next_steps"] == ["scheduled", "cancelled"]
    async with db.sessionmaker() as s:
        reads = (await s.execute(select(AuditEvent).where(AuditEvent.action == "order.worklist.read"))).scalars().all()
    assert reads and all(e.outcome == "success" for e in reads)


async def test_worklist_keeps_open_orders_of_earlier_days_and_a_past_day_shows_that_day(client, app, db, settings):
    """Open orders of earlier days stay on today's list; another day shows that day's orders only."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    await _pay_order(client, c, order)
    from datetime import timedelta

    from osteon.kit.models import utcnow
    from osteon.orders.models import Order

    async with db.transaction() as s:
        o = await s.get(Order, __import__("uuid").UUID(order["id"]))
        o.ordered_at = utcnow() - timedelta(days=3)
    today = [r["order"]["id"] for r in await _rows(client, c)]
    assert order["id"] in today  # paid, not yet done: still waiting for the department
    assert order["id"] not in [r["order"]["id"] for r in await _rows(client, c, include_open="false")]
    assert order["id"] not in [r["order"]["id"] for r in await _rows(client, c, day="2020-01-01")]
    bad = await client.get("/api/v1/imaging-worklist", params={"day": "2026-13-45"}, headers=c.h("technician"))
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/imaging-worklist", params={"day": "0"}, headers=c.h("technician"))).status_code == 422


async def test_worklist_is_for_order_executors_of_the_same_hospital(client, app, db, settings):
    """Another hospital's orders never show; roles without order:execute are refused."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
    other = await make_clinic(app, db, settings, client, roles=("technician", "expert"), fresh=True)
    assert order["id"] not in [r["order"]["id"] for r in await _rows(client, other)]
    assert (await client.get("/api/v1/imaging-worklist", headers=other.h("expert"))).status_code == 403
    assert order["id"] in [r["order"]["id"] for r in await _rows(client, c, role="nurse")]


async def test_worklist_changes_are_published_on_the_hospital_topic(client, app, db, settings):
    """Creating and moving an imaging order publishes worklist.changed on worklist:<institution_id> (ids only)."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    async with app.state.broker.subscribe(f"worklist:{c.world.institution.id}") as messages:
        order = (await client.post("/api/v1/orders", json=imaging_body(c, enc), headers=c.h("doctor"))).json()
        msg = await asyncio.wait_for(anext(messages), 2)
        data = msg.get("data", msg)
        assert data["type"] == "worklist.changed" and data["order_id"] == order["id"] and data["status"] == "ordered"
        assert data["accession_number"] == order["accession_number"] and "patient_id" not in data
        await _pay_order(client, c, order)
        msg = await asyncio.wait_for(anext(messages), 2)
        assert msg.get("data", msg)["status"] == "paid"
        r = await client.post(f"/api/v1/orders/{order['id']}/transitions", json={"to": "scheduled"}, headers=c.h("technician"))
        assert r.status_code == 200, r.text
        msg = await asyncio.wait_for(anext(messages), 2)
        assert msg.get("data", msg)["status"] == "scheduled"
