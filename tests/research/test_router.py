"""SECURITY 17: research exports are de-identified (Safe Harbor, GB/T 37964)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from osteon.encounters.models import Diagnosis, Encounter, ScoreObservation
from osteon.inpatient.models import Admission
from osteon.institutions.models import Ward
from osteon.research.service import age_band
from osteon.security.models import AuditEvent
from osteon.surgery.models import Surgery
from tests.conftest import login
from tests.factories import id_number, make_patient, make_user, make_world, unique


async def _activity(db, world, patient, when: datetime) -> dict[str, str]:
    """An encounter with a diagnosis and a score, a completed operation and a stay; returns their numbers."""
    async with db.transaction() as s:
        ward = Ward(institution_id=world.institution.id, department_id=world.ortho.id, code=unique("W")[:30], name="骨科一病区")
        s.add(ward)
        enc = Encounter(visit_no=unique("V")[:24], institution_id=world.institution.id, department_id=world.ortho.id,
                        patient_id=patient.id, subspecialty="spine", started_at=when, status="finished")
        s.add(enc)
        await s.flush()
        s.add(Diagnosis(encounter_id=enc.id, patient_id=patient.id, icd10_code="S72.000", name="股骨颈骨折",
                        laterality="left", fracture_system="garden", fracture_code="III", recorded_by_id=world.registrar_id))
        s.add(ScoreObservation(encounter_id=enc.id, patient_id=patient.id, code="VAS", definition_version="1",
                               answers={"pain": 7}, result={"total": 7}, total=7, recorded_by_id=world.registrar_id))
        s.add(Surgery(institution_id=world.institution.id, department_id=world.ortho.id, patient_id=patient.id,
                      requested_by_id=world.registrar_id, planned_procedure="人工股骨头置换术 王某某", planned_code="81.52",
                      grade=3, status="completed", asa_class="II", actual_start_at=when + timedelta(days=1),
                      actual_end_at=when + timedelta(days=1, minutes=95), blood_loss_ml=300,
                      operative_note=f"患者{patient.name}术中顺利"))
        adm = Admission(admission_no=unique("A")[:24], institution_id=world.institution.id, department_id=world.ortho.id,
                        ward_id=ward.id, patient_id=patient.id, admitted_at=when, status="discharged", los_days=6)
        s.add(adm)
        await s.flush()
        return {"visit_no": enc.visit_no, "admission_no": adm.admission_no}


async def test_control_17_research_export_holds_no_identifiers(client, db, settings, app):
    world, elsewhere = await make_world(db), await make_world(db)
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    phone, idn = "13800138017", id_number(date(1950, 3, 14))
    young = await make_patient(db, app.state.cipher, world, name="王建业", birth_date=date(1950, 3, 14), sex="male",
                               department=world.ortho, phone=phone, id_number=idn, address="西川省青石县石桥镇幸福村3组")
    old = await make_patient(db, app.state.cipher, world, name="李老太", birth_date=date(1931, 5, 2), sex="female",
                             department=world.ortho, id_number=id_number(date(1931, 5, 2), male=False))
    stranger = await make_patient(db, app.state.cipher, elsewhere, name="赵外院", department=elsewhere.ortho)
    numbers = [await _activity(db, world, p, when) for p in (young, old)]
    await _activity(db, elsewhere, stranger, when)
    head, password = await make_user(db, settings, app.state.cipher, world, "dept_head")
    headers = await login(client, head, password)

    r = await client.post("/api/v1/research/exports", json={"from_year": 2026, "to_year": 2026}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body, text = r.json(), r.text
    assert len(body["patients"]) == 2 and len(body["encounters"]) == 2 and len(body["surgeries"]) == 2
    # The 18 identifiers (and GB/T 37964's direct identifiers) are gone: names, numbers, contacts, dates, ids.
    forbidden = [young.name, old.name, stranger.name, young.mrn, old.mrn, phone, idn, "幸福村", "王某某",
                 str(young.id), str(old.id), *[n for pair in numbers for n in pair.values()]]
    for value in forbidden:
        assert value not in text, value
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "a full date leaked"
    # Facts researchers need survive as codes and years.
    enc = body["encounters"][0]
    assert enc["year"] == 2026 and enc["diagnoses"][0]["icd10"] == "S72.000" and enc["scores"][0]["total"] == 7
    assert {s["duration_minutes"] for s in body["surgeries"]} == {95}
    by_band = {p["age_band"]: p for p in body["patients"]}
    assert by_band["90+"]["birth_year"] is None  # ages 90 and over aggregated, no birth year
    assert by_band["65-89"]["birth_year"] == 1950
    assert all(re.fullmatch(r"S\d{6}", p["code"]) for p in body["patients"])
    # Each exported patient is audited; the other hospital's patient is neither exported nor audited.
    async with db.transaction() as s:
        audited = set((await s.execute(select(AuditEvent.patient_id).where(AuditEvent.action == "research.export"))).scalars())
    assert {young.id, old.id} <= audited and stranger.id not in audited


async def test_research_export_needs_the_export_permission(client, db, settings, app):
    world = await make_world(db)
    for role in ("nurse", "doctor", "expert"):
        user, password = await make_user(db, settings, app.state.cipher, world, role)
        r = await client.post("/api/v1/research/exports", json={"from_year": 2026, "to_year": 2026},
                              headers=await login(client, user, password))
        assert r.status_code == 403, role


async def test_research_export_refuses_a_reversed_year_range(client, db, settings, app):
    world = await make_world(db)
    head, password = await make_user(db, settings, app.state.cipher, world, "dept_head")
    headers = await login(client, head, password)
    r = await client.post("/api/v1/research/exports", json={"from_year": 2026, "to_year": 2020},
                          headers={**headers, "Accept-Language": "zh-CN"})
    assert r.status_code == 400 and "年份" in r.json()["detail"]
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "research.export", AuditEvent.username == head))).scalar_one() == 0


def test_age_bands_follow_safe_harbor():
    today = date(2026, 11, 25)
    assert age_band(date(2010, 1, 1), today) == ("0-17", 2010)
    assert age_band(date(1936, 11, 26), today) == ("65-89", 1936)  # 89 until tomorrow
    assert age_band(date(1936, 11, 25), today) == ("90+", None)
    assert age_band(None, today) == ("unknown", None)
