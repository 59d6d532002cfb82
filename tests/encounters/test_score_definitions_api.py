"""Score definitions as read-only API data (for the encounter editor's score form) and a patient's scores across visits."""

from __future__ import annotations

from osteon.encounters import scoring
from tests.orders.clinic import make_clinic, open_encounter


async def test_every_packaged_definition_is_listed_with_items_rule_bands_sources_and_licence(client, app, db, settings):
    """Every packaged definition is listed with items, rule, bands, sources and licence."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    r = await client.get("/api/v1/score-definitions", headers=c.h("doctor"))
    assert r.status_code == 200, r.text
    body = {d["code"]: d for d in r.json()}
    assert set(body) == {d.code for d in scoring.list_definitions()}
    assert {"vas_pain", "nrs_pain", "odi", "joa_lumbar", "joa_cervical", "koos", "oxford_knee", "oxford_hip", "harris_hip", "womac"} <= set(body)
    odi = body["odi"]
    assert odi["name"] == {"zh": "Oswestry功能障碍指数", "en": "Oswestry Disability Index"}
    assert len(odi["items"]) == 10 and len(odi["items"][0]["options"]) == 6 and odi["items"][0]["range"] is None
    assert odi["scoring"]["method"] == "percent_of_answered_max" and odi["scoring"]["rule"]["zh"]
    assert odi["bands"][0]["min"] == 0 and odi["bands"][-1]["max"] == 100
    assert odi["sources"][0]["doi"] == "10.1097/00007632-200011150-00017"
    assert "Mapi" in odi["licence"]["en"] and odi["item_text_paraphrased"] is True
    # a continuous item comes with its range, not options (VAS in cm; Harris range-of-motion points)
    vas = body["vas_pain"]["items"][0]
    assert vas["options"] is None and vas["range"] == {"min": 0, "max": 10}
    harris_rom = next(i for i in body["harris_hip"]["items"] if i["id"] == "rom")
    assert harris_rom["range"] == {"min": 0, "max": 5} and harris_rom["subscale"] == "rom"
    # option sets are resolved and subscale missing rules are there (KOOS ≥ 50 %, WOMAC imputation)
    koos = body["koos"]
    assert all(i["options"] for i in koos["items"]) and koos["scoring"]["method"] == "subscale_transformed_100"
    assert {s["id"] for s in koos["subscales"]} == {"pain", "symptoms", "adl", "sport_rec", "qol"}
    womac_pain = next(s for s in body["womac"]["subscales"] if s["id"] == "pain")
    assert womac_pain["missing"] == {"max_missing": 1, "min_answered_fraction": None,
                                     "min_answered_fraction_exclusive": None, "impute": "mean"}
    assert body["oxford_knee"]["scoring"]["missing"]["impute"] == "mean"


async def test_one_definition_and_an_unknown_code(client, app, db, settings):
    """One definition by code; an unknown code is a bilingual 404."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    r = await client.get("/api/v1/score-definitions/harris_hip", headers=c.h("doctor"))
    assert r.status_code == 200 and r.json()["abbreviation"] == "HHS" and len(r.json()["items"]) == 10
    zh = await client.get("/api/v1/score-definitions/nope", headers={**c.h("doctor"), "Accept-Language": "zh-CN"})
    en = await client.get("/api/v1/score-definitions/nope", headers={**c.h("doctor"), "Accept-Language": "en"})
    assert zh.status_code == en.status_code == 404
    assert zh.json()["code"] == "encounters.score_unknown" and "未知评分" in zh.text and "Unknown score" in en.text


async def test_definitions_need_a_signed_in_user(client):
    """Definitions need a signed-in user."""
    r = await client.get("/api/v1/score-definitions")
    assert r.status_code == 401


async def test_a_patients_scores_across_visits_oldest_first(client, app, db, settings):
    """A patient's scores across visits, oldest first, filterable by code, with the visit."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    first = await open_encounter(client, c)
    second = await open_encounter(client, c)
    for enc, pain in ((first, 7), (second, 3)):
        r = await client.post(f"/api/v1/encounters/{enc['id']}/scores", json={"code": "nrs_pain", "answers": {"pain": pain}},
                              headers=c.h("doctor"))
        assert r.status_code == 201, r.text
    odi = {i.id: 1 for i in scoring.get_definition("odi").items}
    assert (await client.post(f"/api/v1/encounters/{second['id']}/scores", json={"code": "odi", "answers": odi},
                              headers=c.h("doctor"))).status_code == 201
    r = await client.get(f"/api/v1/patients/{c.patient_id}/scores", params={"code": "nrs_pain"}, headers=c.h("doctor"))
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    rows = r.json()
    assert [s["total"] for s in rows] == [7, 3]
    assert [s["encounter_id"] for s in rows] == [first["id"], second["id"]]
    assert rows[1]["result"]["band"] == {"zh": "轻度疼痛", "en": "mild pain"}
    everything = (await client.get(f"/api/v1/patients/{c.patient_id}/scores", headers=c.h("doctor"))).json()
    assert sorted(s["code"] for s in everything) == ["nrs_pain", "nrs_pain", "odi"]
    bad = await client.get(f"/api/v1/patients/{c.patient_id}/scores", params={"code": "nope"}, headers=c.h("doctor"))
    assert bad.status_code == 400 and bad.json()["code"] == "encounters.score_unknown"


async def test_another_hospitals_patient_scores_are_not_found_and_the_denial_is_audited(client, app, db, settings):
    """Another hospital's patient scores are not found, and the denial is audited."""
    from sqlalchemy import select

    from osteon.security.models import AuditEvent

    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    other = await make_clinic(app, db, settings, client, roles=("doctor",), fresh=True)
    r = await client.get(f"/api/v1/patients/{c.patient_id}/scores", headers=other.h("doctor"))
    assert r.status_code == 404
    async with db.sessionmaker() as s:
        denied = (await s.execute(select(AuditEvent).where(AuditEvent.action == "encounter.score.list",
                                                           AuditEvent.patient_id == c.patient_id,
                                                           AuditEvent.outcome == "denied"))).scalars().all()
    assert denied


async def test_visit_list_names_the_appointment_and_the_record_status(client, app, db, settings):
    """The visit list names the appointment and the record status (the editor opens the called appointment's visit)."""
    import uuid

    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    appt = uuid.uuid4()
    linked = await open_encounter(client, c, appointment_id=str(appt))
    plain = await open_encounter(client, c)
    rows = {r["id"]: r for r in (await client.get(f"/api/v1/patients/{c.patient_id}/encounters", headers=c.h("doctor"))).json()}
    assert rows[linked["id"]]["appointment_id"] == str(appt) and rows[linked["id"]]["record_status"] == "draft"
    assert rows[plain["id"]]["appointment_id"] is None
    assert linked["appointment_id"] == str(appt)
