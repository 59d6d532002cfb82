"""A patient's surgeries as one list (the ward's surgery panel): newest first, with checklist and booking; other hospitals get 404."""

from __future__ import annotations

from tests.orders.clinic import make_clinic, open_encounter
from tests.surgery.test_surgery import _booking, _day, _ready_surgery, _room


async def test_a_patients_surgeries_newest_first_with_checklist_and_booking(client, app, db, settings):
    """A patient's surgeries, newest first, with the checklist state and the booking."""
    c = await make_clinic(app, db, settings, client, fresh=True)  # own surgeon: other tests book the shared one
    enc = await open_encounter(client, c)
    room = await _room(client, c, "L1")
    first = await _ready_surgery(client, c, enc)
    r = await client.post(f"/api/v1/surgeries/{first['id']}/booking", json=_booking(room, c.user_ids["doctor"], _day(5)), headers=c.h("doctor"))
    assert r.status_code == 200, r.text
    second = (await client.post("/api/v1/surgeries", json={"patient_id": str(c.patient_id), "encounter_id": enc["id"],
                                                            "planned_procedure": "右股骨颈骨折切开复位内固定术", "planned_code": "79.35",
                                                            "laterality": "right"}, headers=c.h("doctor"))).json()
    r = await client.get(f"/api/v1/patients/{c.patient_id}/surgeries", headers=c.h("nurse"))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    rows = r.json()
    assert [s["id"] for s in rows] == [second["id"], first["id"]]
    assert rows[0]["status"] == "requested" and "consent_signed" in rows[0]["checklist_missing"] and rows[0]["booking"] is None
    assert rows[1]["status"] == "scheduled" and rows[1]["booking"]["room_id"] == room


async def test_another_hospital_gets_not_found(client, app, db, settings):
    """Another hospital's staff get 404 for the list."""
    c = await make_clinic(app, db, settings, client)
    other = await make_clinic(app, db, settings, client, fresh=True)
    assert (await client.get(f"/api/v1/patients/{c.patient_id}/surgeries", headers=other.h("doctor"))).status_code == 404
