"""Surgery: checklist gate, conflict-free OR booking (also under races), record, implants, returns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from osteon.surgery.service import return_flags, time_blocks
from tests.orders.clinic import make_clinic, open_encounter, second_user

CHECKLIST = {"consent_signed": True, "asa_class": "II", "anaesthesia_assessed": True, "site_marked": True,
             "implants_prepared": True, "blood_prepared": True, "vte_assessed": True, "caprini_score": 5}


def _day(offset_days: int = 3, hour: int = 8) -> datetime:
    """A UTC time some days ahead, aligned to the hour."""
    return (datetime.now(UTC) + timedelta(days=offset_days)).replace(hour=hour, minute=0, second=0, microsecond=0)


async def _room(client, c, code):
    """Room."""
    r = await client.post("/api/v1/or-rooms", json={"code": code, "name": f"第{code}手术间"}, headers=c.h("dept_head"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _ready_surgery(client, c, enc, **extra):
    """Ready surgery."""
    body = {"patient_id": str(c.patient_id), "encounter_id": enc["id"], "planned_procedure": "右侧全膝关节置换术", "planned_code": "81.54",
            "laterality": "right", "implants_required": True, **extra}
    s = (await client.post("/api/v1/surgeries", json=body, headers=c.h("doctor"))).json()
    r = await client.patch(f"/api/v1/surgeries/{s['id']}/checklist", json={"version": s["version"], **CHECKLIST}, headers=c.h("nurse"))
    assert r.status_code == 200, r.text
    return r.json()


def _booking(room, surgeon, start, hours=2, anaesthetist=None):
    """Booking."""
    body = {"room_id": room, "surgeon_id": str(surgeon), "start_at": start.isoformat(), "end_at": (start + timedelta(hours=hours)).isoformat()}
    if anaesthetist:
        body["anaesthetist_id"] = str(anaesthetist)
    return body


def test_time_blocks_and_return_intervals():
    """Time blocks and return intervals."""
    t = datetime(2026, 11, 25, 8, 10, tzinfo=UTC)
    assert time_blocks(t, t + timedelta(minutes=20)) == [datetime(2026, 11, 25, 8, 0, tzinfo=UTC), datetime(2026, 11, 25, 8, 15, tzinfo=UTC)]
    end = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    assert return_flags(end, end + timedelta(hours=48)) == (2880, True, True)
    assert return_flags(end, end + timedelta(hours=49)) == (2940, False, True)
    assert return_flags(end, end + timedelta(days=31, minutes=1)) == (44641, False, False)


async def test_scheduling_is_refused_until_the_checklist_is_complete(client, app, db, settings):
    """Scheduling is refused until the checklist is complete."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    room = await _room(client, c, f"R{c.patient_id.hex[:6]}")
    s = (await client.post("/api/v1/surgeries", headers=c.h("doctor"), json={
        "patient_id": str(c.patient_id), "encounter_id": enc["id"], "planned_procedure": "右侧全膝关节置换术", "planned_code": "81.54",
        "implants_required": True})).json()
    assert s["grade"] == 4  # from the code's default grade
    r = await client.post(f"/api/v1/surgeries/{s['id']}/booking", json=_booking(room, c.user_ids["doctor"], _day()),
                          headers={**c.h("doctor"), "Accept-Language": "zh-CN"})
    assert r.status_code == 409 and r.json()["code"] == "surgery.checklist_incomplete"
    assert "手术知情同意书未签署" in r.text and set(r.json()["missing"]) >= {"consent_signed", "asa_class", "implants_prepared", "vte_assessed"}
    partial = await client.patch(f"/api/v1/surgeries/{s['id']}/checklist", headers=c.h("nurse"),
                                 json={"version": s["version"], "consent_signed": True, "asa_class": "III"})
    r = await client.post(f"/api/v1/surgeries/{s['id']}/booking", json=_booking(room, c.user_ids["doctor"], _day()), headers=c.h("doctor"))
    assert r.status_code == 409 and "consent_signed" not in r.json()["missing"]
    stale = await client.patch(f"/api/v1/surgeries/{s['id']}/checklist", headers=c.h("nurse"), json={"version": s["version"], "site_marked": True})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    caprini = await client.patch(f"/api/v1/surgeries/{s['id']}/checklist", headers=c.h("nurse"),
                                 json={"version": partial.json()["version"], "vte_assessed": True})
    assert caprini.status_code == 400 and caprini.json()["code"] == "surgery.caprini_required"


async def test_no_overlapping_bookings_for_a_room_or_a_surgeon(client, app, db, settings):
    """No overlapping bookings for a room or a surgeon."""
    c = await make_clinic(app, db, settings, client)
    await second_user(app, db, settings, client, c, "doctor", "doctor2")
    enc = await open_encounter(client, c)
    r1, r2 = await _room(client, c, f"A{c.patient_id.hex[:6]}"), await _room(client, c, f"B{c.patient_id.hex[:6]}")
    doc, doc2 = c.user_ids["doctor"], c.user_ids["doctor2"]
    start = _day(4)
    s1, s2, s3, s4 = [await _ready_surgery(client, c, enc) for _ in range(4)]
    assert (await client.post(f"/api/v1/surgeries/{s1['id']}/booking", json=_booking(r1, doc, start), headers=c.h("doctor"))).status_code == 200
    same_room = await client.post(f"/api/v1/surgeries/{s2['id']}/booking", json=_booking(r1, doc2, start + timedelta(hours=1)), headers=c.h("doctor"))
    assert same_room.status_code == 409 and same_room.json()["code"] == "surgery.or_conflict"
    same_surgeon = await client.post(f"/api/v1/surgeries/{s3['id']}/booking", json=_booking(r2, doc, start + timedelta(minutes=90)), headers=c.h("doctor"))
    assert same_surgeon.status_code == 409
    nobody = await client.post(f"/api/v1/surgeries/{s4['id']}/booking", json=_booking(r2, "00000000-0000-4000-8000-000000000000", start),
                               headers=c.h("doctor"))
    assert nobody.status_code == 400 and nobody.json()["code"] == "surgery.staff_unknown"
    back_to_back = await client.post(f"/api/v1/surgeries/{s4['id']}/booking", json=_booking(r1, doc, start + timedelta(hours=2)), headers=c.h("doctor"))
    assert back_to_back.status_code == 200, back_to_back.text
    day = (start.astimezone() if False else start).date().isoformat()
    board = (await client.get("/api/v1/or-schedule", params={"day": day}, headers=c.h("nurse"))).json()
    assert {row["surgery_id"] for row in board} >= {s1["id"], s4["id"]}


async def test_two_bookings_racing_for_the_same_room_and_time_one_wins(client, app, db, settings):
    """Two bookings racing for the same room and time one wins."""
    c = await make_clinic(app, db, settings, client)
    await second_user(app, db, settings, client, c, "doctor", "doctor2")
    enc = await open_encounter(client, c)
    room = await _room(client, c, f"C{c.patient_id.hex[:6]}")
    surgeries = [await _ready_surgery(client, c, enc) for _ in range(4)]
    start = _day(5, 9)
    surgeons = [("doctor", c.user_ids["doctor"]), ("doctor2", c.user_ids["doctor2"])]
    responses = await asyncio.gather(*[
        client.post(f"/api/v1/surgeries/{s['id']}/booking", json=_booking(room, surgeons[i % 2][1], start + timedelta(minutes=15 * (i % 2))),
                    headers=c.h(surgeons[i % 2][0])) for i, s in enumerate(surgeries)])
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.text for r in responses]
    assert all(r.json()["code"] == "surgery.or_conflict" for r in responses if r.status_code == 409)


async def test_surgical_record_registers_implants_and_flags_unplanned_returns(client, app, db, settings):
    """Surgical record registers implants and flags unplanned returns."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    room = await _room(client, c, f"D{c.patient_id.hex[:6]}")
    s = await _ready_surgery(client, c, enc)
    start = _day(-10, 1)
    # Book in the past is allowed for recording a day's list after the fact.
    assert (await client.post(f"/api/v1/surgeries/{s['id']}/booking", json=_booking(room, c.user_ids["doctor"], start), headers=c.h("doctor"))).status_code == 200
    lot = f"LOT{c.patient_id.hex[:8]}"
    record = {"actual_start_at": start.isoformat(), "actual_end_at": (start + timedelta(minutes=95)).isoformat(),
              "procedures": [{"code": "81.54"}], "blood_loss_ml": 200, "operative_note": "右膝正中切口……",
              "implants": [{"manufacturer": "威高骨科", "product": "膝关节假体股骨髁", "lot": lot, "udi": f"(01)0694{lot}", "item_code": "MAT-TKA"}],
              "charge_item_code": "SURG-TKA"}
    done = await client.post(f"/api/v1/surgeries/{s['id']}/record", json=record, headers=c.h("doctor"))
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed" and body["grade"] == 4 and body["procedures"][0]["code"] == "81.54"
    found = (await client.get("/api/v1/implants", params={"lot": lot}, headers=c.h("nurse"))).json()
    assert len(found) == 1 and found[0]["patient_id"] == str(c.patient_id)
    assert len((await client.get("/api/v1/implants", params={"udi": f"(01)0694{lot}"}, headers=c.h("nurse"))).json()) == 1
    comp = await client.post(f"/api/v1/surgeries/{s['id']}/complications", headers=c.h("doctor"),
                             json={"code": "T81.4", "description": "切口浅表感染", "occurred_at": (start + timedelta(days=1)).isoformat()})
    assert comp.status_code == 201, comp.text
    # Return to theatre 30 h after the end of the index operation.
    ret = await _ready_surgery(client, c, enc, planned_procedure="右膝清创术", planned_code="", grade=3, unplanned_return=True,
                               index_surgery_id=s["id"], implants_required=False)
    rstart = start + timedelta(minutes=95) + timedelta(hours=30)
    assert (await client.post(f"/api/v1/surgeries/{ret['id']}/booking", json=_booking(room, c.user_ids["doctor"], rstart), headers=c.h("doctor"))).status_code == 200
    rdone = await client.post(f"/api/v1/surgeries/{ret['id']}/record", headers=c.h("doctor"), json={
        "actual_start_at": rstart.isoformat(), "actual_end_at": (rstart + timedelta(hours=1)).isoformat(),
        "procedures": [{"code": "81.54", "grade": 3}], "blood_loss_ml": 50})
    assert rdone.status_code == 200, rdone.text
    assert rdone.json()["unplanned_return"] and rdone.json()["return_within_48h"] is True and rdone.json()["return_within_31d"] is True
    assert rdone.json()["return_interval_minutes"] == 30 * 60


async def test_recording_needs_a_scheduled_surgery_and_known_codes(client, app, db, settings):
    """Recording needs a scheduled surgery and known codes."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    s = await _ready_surgery(client, c, enc)
    start = _day(-2)
    rec = {"actual_start_at": start.isoformat(), "actual_end_at": (start + timedelta(hours=1)).isoformat(), "procedures": [{"code": "81.54"}],
           "blood_loss_ml": 100}
    r = await client.post(f"/api/v1/surgeries/{s['id']}/record", json=rec, headers=c.h("doctor"))
    assert r.status_code == 409 and r.json()["code"] == "surgery.state"
    bad = await client.post("/api/v1/surgeries", headers=c.h("doctor"), json={"patient_id": str(c.patient_id), "encounter_id": enc["id"],
                                                                            "planned_procedure": "x手术", "planned_code": "99.99"})
    assert bad.status_code == 400 and bad.json()["code"] == "surgery.icd9_unknown"
