"""Beds, admissions, transfers, vitals, discharge, LOS and bed-days."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select

from osteon.inpatient.models import BedDay
from osteon.inpatient.service import bed_day_dates, los_days
from tests.factories import make_patient
from tests.orders.clinic import make_clinic, make_ward

SH = ZoneInfo("Asia/Shanghai")
SUMMARY = {"admission_diagnosis": "腰椎管狭窄症", "discharge_diagnosis": "腰椎管狭窄症(L4/5)术后", "discharge_diagnosis_code": "M48.0",
           "hospital_course": "入院后完善检查,行L4/5 TLIF术,术后恢复顺利。", "procedures": "L4/5 TLIF",
           "condition_at_discharge": "切口愈合良好,双下肢感觉肌力正常", "instructions": "佩戴腰围3月,避免弯腰负重",
           "follow_up": "术后1月、3月门诊复查腰椎X线"}


async def _beds(client, c, ward_id, room, codes):
    """Beds."""
    r = await client.post(f"/api/v1/wards/{ward_id}/beds", json={"room_code": room, "bed_codes": codes}, headers=c.h("nurse"))
    assert r.status_code == 201, r.text
    return [b["id"] for b in r.json()]


async def _admit(client, c, ward_id, patient_id, bed_id=None):
    """Admit."""
    body = {"patient_id": str(patient_id), "ward_id": str(ward_id), "admission_diagnosis_code": "M48.0"}
    if bed_id:
        body["bed_id"] = bed_id
    return await client.post("/api/v1/admissions", json=body, headers=c.h("nurse"))


def test_length_of_stay_follows_the_national_rule():
    """Length of stay follows the national rule."""
    adm = datetime(2011, 6, 12, 9, 0, tzinfo=SH)
    assert los_days(adm, datetime(2011, 6, 15, 10, 0, tzinfo=SH)) == 3  # the 病案首页 example
    assert los_days(adm, datetime(2011, 6, 12, 17, 0, tzinfo=SH)) == 1  # same day counts 1
    # Local calendar days, not UTC: 23:30 → 00:30 next day in Shanghai is one day.
    assert los_days(datetime(2026, 11, 24, 23, 30, tzinfo=SH), datetime(2026, 11, 25, 0, 30, tzinfo=SH)) == 1
    assert los_days(datetime(2026, 11, 24, 15, 30, tzinfo=UTC), datetime(2026, 11, 24, 16, 30, tzinfo=UTC)) == 1
    days = bed_day_dates(adm, datetime(2011, 6, 15, 10, 0, tzinfo=SH))
    assert [d.day for d in days] == [12, 13, 14]


async def test_two_nurses_cannot_assign_the_same_bed(client, app, db, settings):
    """Two nurses cannot assign the same bed."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    [bed] = await _beds(client, c, ward, "01", ["1"])
    others = [await make_patient(db, app.state.cipher, c.world) for _ in range(4)]
    admissions = [(await _admit(client, c, ward, p)).json() for p in [c.patient_id, *[o.id for o in others]]]
    staff = [c.h("nurse"), c.h("dept_head")]  # two staff members with bed:assign, alternating
    responses = await asyncio.gather(*[
        client.post(f"/api/v1/admissions/{a['id']}/bed", json={"bed_id": bed}, headers=staff[i % 2]) for i, a in enumerate(admissions)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409, 409], [r.text for r in responses]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["code"] == "inpatient.bed_not_available"
    board = (await client.get("/api/v1/bed-board", params={"ward_id": ward}, headers=c.h("nurse"))).json()
    assert board["counts"] == {"occupied": 1}


async def test_admission_into_a_taken_bed_is_refused(client, app, db, settings):
    """Admission into a taken bed is refused."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    [bed] = await _beds(client, c, ward, "01", ["1"])
    assert (await _admit(client, c, ward, c.patient_id, bed)).status_code == 201
    other = await make_patient(db, app.state.cipher, c.world)
    r = await _admit(client, c, ward, other.id, bed)
    assert r.status_code == 409 and r.json()["code"] == "inpatient.bed_not_available"
    again = await _admit(client, c, ward, c.patient_id)
    assert again.status_code == 409 and again.json()["code"] == "inpatient.already_admitted"


async def test_bed_board_is_one_query_whatever_the_number_of_beds(client, app, db, settings):
    """Bed board is one query whatever the number of beds."""
    c = await make_clinic(app, db, settings, client)
    small, large = await make_ward(db, c), await make_ward(db, c)
    await _beds(client, c, small, "01", ["1", "2"])
    for room in range(10):
        await _beds(client, c, large, f"{room:02d}", [f"{room:02d}-{i}" for i in range(1, 7)])
    patients = [await make_patient(db, app.state.cipher, c.world) for _ in range(3)]
    board = (await client.get("/api/v1/bed-board", params={"ward_id": large}, headers=c.h("nurse"))).json()
    for p, cell in zip(patients, board["beds"], strict=False):
        assert (await _admit(client, c, large, p.id, cell["bed_id"])).status_code == 201

    counts = []

    def _count(*_args):
        """Count."""
        counts[-1] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", _count)
    try:
        for ward in (small, large):
            counts.append(0)
            r = await client.get("/api/v1/bed-board", params={"ward_id": ward}, headers=c.h("nurse"))
            assert r.status_code == 200
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", _count)
    assert counts[0] == counts[1], counts  # 2 beds or 60 beds: the same statements
    body = r.json()
    assert len(body["beds"]) == 60 and body["counts"] == {"free": 57, "occupied": 3}
    occupied = [b for b in body["beds"] if b["state"] == "occupied"]
    assert {b["patient_id"] for b in occupied} == {str(p.id) for p in patients} and all(b["mrn"] for b in occupied)


async def test_bed_changes_are_published_on_the_ward_topic(client, app, db, settings):
    """Bed changes are published on the ward topic."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    [bed] = await _beds(client, c, ward, "01", ["1"])
    async with app.state.broker.subscribe(f"beds:{ward}") as messages:
        assert (await _admit(client, c, ward, c.patient_id, bed)).status_code == 201
        msg = await asyncio.wait_for(anext(messages), 2)
    data = msg.get("data", msg)  # hub envelope {"seq", "event", "data"} (raw broker message without the hub)
    assert data["type"] == "bed.changed" and data["bed_id"] == bed and data["state"] == "occupied"
    assert msg.get("seq", 1) >= 1


async def test_transfer_moves_the_patient_and_sends_the_old_bed_to_cleaning(client, app, db, settings):
    """Transfer moves the patient and sends the old bed to cleaning."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    b1, b2 = await _beds(client, c, ward, "01", ["1", "2"])
    adm = (await _admit(client, c, ward, c.patient_id, b1)).json()
    r = await client.post(f"/api/v1/admissions/{adm['id']}/transfer", json={"bed_id": b2, "reason": "靠窗"}, headers=c.h("nurse"))
    assert r.status_code == 200 and r.json()["bed_id"] == b2
    states = {b["bed_id"]: b["state"] for b in (await client.get("/api/v1/bed-board", params={"ward_id": ward}, headers=c.h("nurse"))).json()["beds"]}
    assert states == {b1: "cleaning", b2: "occupied"}
    wrong = await client.post(f"/api/v1/beds/{b2}/state", json={"state": "free"}, headers=c.h("nurse"))
    assert wrong.status_code == 409  # an occupied bed is freed only by discharge or transfer
    assert (await client.post(f"/api/v1/beds/{b1}/state", json={"state": "free"}, headers=c.h("nurse"))).json()["state"] == "free"


async def test_vital_signs_are_checked_for_plausibility(client, app, db, settings):
    """Vital signs are checked for plausibility."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    adm = (await _admit(client, c, ward, c.patient_id)).json()
    url = f"/api/v1/admissions/{adm['id']}/observations"
    ok = await client.post(url, json={"temperature_c": 37.2, "pulse": 82, "systolic": 132, "diastolic": 78, "spo2": 97,
                                      "resp_rate": 18, "pain_nrs": 3}, headers=c.h("nurse"))
    assert ok.status_code == 201, ok.text
    for bad in ({"temperature_c": 47}, {"systolic": 80, "diastolic": 90}, {"pain_nrs": 11}, {"spo2": 101}, {}):
        assert (await client.post(url, json=bad, headers=c.h("nurse"))).status_code == 422, bad
    assert len((await client.get(url, headers=c.h("doctor"))).json()) == 1


async def test_discharge_needs_a_summary_and_records_los_bed_days_and_charges(client, app, db, settings):
    """Discharge needs a summary and records los bed days and charges."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    [bed] = await _beds(client, c, ward, "01", ["1"])
    adm = (await _admit(client, c, ward, c.patient_id, bed)).json()
    note = await client.post(f"/api/v1/admissions/{adm['id']}/notes", json={"text": "术后第1天,切口干燥"}, headers=c.h("doctor"))
    assert note.status_code == 201
    early = await client.post(f"/api/v1/admissions/{adm['id']}/discharge", json={}, headers={**c.h("doctor"), "Accept-Language": "zh-CN"})
    assert early.status_code == 409 and early.json()["code"] == "inpatient.discharge_summary_missing" and "出院小结" in early.text
    assert (await client.put(f"/api/v1/admissions/{adm['id']}/discharge-summary", json=SUMMARY, headers=c.h("doctor"))).status_code == 200
    done = await client.post(f"/api/v1/admissions/{adm['id']}/discharge", json={}, headers=c.h("doctor"))
    assert done.status_code == 200, done.text
    assert done.json()["los_days"] == 1 and done.json()["status"] == "discharged"
    async with db.sessionmaker() as s:
        n = (await s.execute(select(func.count()).select_from(BedDay).where(BedDay.admission_id == uuid.UUID(adm["id"])))).scalar_one()
    assert n == 1
    charges = (await client.get(f"/api/v1/patients/{c.patient_id}/charges", params={"admission_id": adm["id"]}, headers=c.h("doctor"))).json()
    assert {(x["category"], x["quantity"]) for x in charges} == {("bed", 1), ("nursing", 1)}
    board = (await client.get("/api/v1/bed-board", params={"ward_id": ward}, headers=c.h("nurse"))).json()
    assert board["beds"][0]["state"] == "cleaning"
    again = await client.post(f"/api/v1/admissions/{adm['id']}/discharge", json={}, headers=c.h("doctor"))
    assert again.status_code == 409
    listed = (await client.get(f"/api/v1/wards/{ward}/admissions", params={"status": "discharged"}, headers=c.h("nurse"))).json()
    assert [a["id"] for a in listed] == [adm["id"]]


async def test_backdated_admission_gets_the_right_los(client, app, db, settings):
    """Backdated admission gets the right los."""
    from osteon.inpatient.models import Admission

    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    adm = (await _admit(client, c, ward, c.patient_id)).json()
    admitted = datetime.now(SH).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=5)
    async with db.transaction() as s:
        (await s.get(Admission, uuid.UUID(adm["id"]))).admitted_at = admitted
    await client.put(f"/api/v1/admissions/{adm['id']}/discharge-summary", json=SUMMARY, headers=c.h("doctor"))
    done = await client.post(f"/api/v1/admissions/{adm['id']}/discharge", json={}, headers=c.h("doctor"))
    assert done.json()["los_days"] == 5


async def test_bad_bed_codes_are_refused(client, app, db, settings):
    """Over-long or control-character bed numbers are a 422."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    for codes in (["x" * 17], ["1\x00"]):
        r = await client.post(f"/api/v1/wards/{ward}/beds", json={"room_code": "01", "bed_codes": codes}, headers=c.h("nurse"))
        assert r.status_code == 422, r.text
