"""Outpatient encounter records: templates, chief complaint, exam validation, diagnoses, scores,
optimistic versioning, signing and amendments with history."""

from __future__ import annotations

import pytest

from tests.orders.clinic import make_clinic, open_encounter

SPINE_CONTENT = {
    "chief_complaint": "腰痛伴右下肢放射痛2月",
    "hpi": "2月前无明显诱因出现腰痛,伴右下肢放射痛,间歇性跛行约200米。",
    "exam": [{
        "region": "lumbar_spine",
        "rom": [{"joint": "lumbar_spine", "movement": "flexion", "degrees": 40}],
        "special_tests": [{"test": "straight_leg_raise", "result": "positive", "side": "right", "angle": 40},
                          {"test": "femoral_stretch", "result": "negative", "side": "right"}],
    }],
    "diagnoses": [{"icd10_code": "M48.061", "laterality": ""}],
}


async def test_templates_are_data_for_every_subspecialty(client, app, db, settings):
    """Templates are data for every subspecialty."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    r = await client.get("/api/v1/encounter-templates", headers=c.h("doctor"))
    assert r.status_code == 200
    assert {t["code"] for t in r.json()} == {"spine", "joint", "sports", "trauma", "hand", "foot_ankle", "pediatric"}
    spine = (await client.get("/api/v1/encounter-templates/spine", headers=c.h("doctor"))).json()
    assert "straight_leg_raise" in spine["special_tests"] and "odi" in spine["scores"]


async def test_draft_is_saved_with_coded_diagnoses(client, app, db, settings):
    """Draft is saved with coded diagnoses."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    assert enc["visit_no"].startswith("MZ") and enc["record"]["status"] == "draft"
    r = await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": enc["record"]["version"], "content": SPINE_CONTENT},
                         headers=c.h("doctor"))
    assert r.status_code == 200, r.text
    full = (await client.get(f"/api/v1/encounters/{enc['id']}", headers=c.h("doctor"))).json()
    assert full["diagnoses"][0]["icd10_code"] == "M48.061" and full["diagnoses"][0]["name"] == "椎管狭窄"
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("content,fragment", [
    ({"chief_complaint": "腰痛伴右下肢放射痛两个月余加重一周并麻木感"}, "20"),
    ({"exam": [{"region": "knee", "rom": [{"joint": "knee", "movement": "flexion", "degrees": 200}]}]}, "165"),
    ({"exam": [{"region": "knee", "rom": [{"joint": "knee", "movement": "abduction", "degrees": 10}]}]}, "abduction"),
    ({"exam": [{"region": "knee", "special_tests": [{"test": "lachman", "result": "positive", "angle": 30}]}]}, "angle"),
    ({"exam": [{"region": "knee", "special_tests": [{"test": "unicorn", "result": "positive"}]}]}, "unicorn"),
    ({"exam": [{"region": "lumbar_spine", "special_tests": [{"test": "straight_leg_raise", "result": "maybe"}]}]}, ""),
])
async def test_implausible_record_content_is_refused_with_a_message(client, app, db, settings, content, fragment):
    """Implausible record content is refused with a message."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    r = await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": 1, "content": content},
                         headers={**c.h("doctor"), "Accept-Language": "en"})
    assert r.status_code == 422, r.text
    assert fragment in r.text


async def test_chief_complaint_error_is_bilingual(client, app, db, settings):
    """Chief complaint error is bilingual."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    body = {"version": 1, "content": {"chief_complaint": "腰" * 21}}
    zh = await client.put(f"/api/v1/encounters/{enc['id']}/record", json=body, headers={**c.h("doctor"), "Accept-Language": "zh-CN"})
    en = await client.put(f"/api/v1/encounters/{enc['id']}/record", json=body, headers={**c.h("doctor"), "Accept-Language": "en"})
    assert "主诉不能超过20个字" in zh.text and "Chief complaint must be at most 20 characters" in en.text


@pytest.mark.parametrize("diagnosis,code", [
    ({"icd10_code": "Q99.9"}, "encounters.icd10_unknown"),
    ({"icd10_code": "S72.0", "fracture_system": "garden", "fracture_code": "IX"}, "encounters.fracture_code_unknown"),
    ({"icd10_code": "S72.0", "fracture_system": "nonexistent", "fracture_code": "A"}, "encounters.fracture_system_unknown"),
])
async def test_unknown_codes_are_refused(client, app, db, settings, diagnosis, code):
    """Unknown codes are refused."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    r = await client.put(f"/api/v1/encounters/{enc['id']}/record",
                         json={"version": 1, "content": {"chief_complaint": "摔伤致右髋痛3小时", "diagnoses": [diagnosis]}}, headers=c.h("doctor"))
    assert r.status_code == 400 and r.json()["code"] == code, r.text


async def test_fracture_classification_is_stored(client, app, db, settings):
    """Fracture classification is stored."""
    from osteon.encounters import codes

    system = codes.fracture_classification("garden")
    leaf = system.classes[-1].code
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c, subspecialty="trauma")
    r = await client.put(f"/api/v1/encounters/{enc['id']}/record", headers=c.h("doctor"), json={
        "version": 1, "content": {"chief_complaint": "摔伤致右髋痛3小时",
                                  "diagnoses": [{"icd10_code": "S72.0", "laterality": "right", "fracture_system": "garden", "fracture_code": leaf}]}})
    assert r.status_code == 200, r.text
    full = (await client.get(f"/api/v1/encounters/{enc['id']}", headers=c.h("doctor"))).json()
    assert full["diagnoses"][0]["fracture_system"] == "garden" and full["diagnoses"][0]["fracture_code"] == leaf


async def test_two_editors_of_one_draft_get_stale_version(client, app, db, settings):
    """Two editors of one draft get stale version."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    body = {"version": 1, "content": {"chief_complaint": "右膝痛1年"}}
    first = await client.put(f"/api/v1/encounters/{enc['id']}/record", json=body, headers=c.h("doctor"))
    second = await client.put(f"/api/v1/encounters/{enc['id']}/record", json=body, headers=c.h("doctor"))
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["code"] == "stale_version"


async def test_signing_needs_a_doctor_and_a_complete_record(client, app, db, settings):
    """Signing needs a doctor and a complete record."""
    c = await make_clinic(app, db, settings, client, roles=("doctor", "nurse"))
    enc = await open_encounter(client, c)
    r = await client.post(f"/api/v1/encounters/{enc['id']}/record/sign", json={"version": 1}, headers=c.h("doctor"))
    assert r.status_code == 409 and r.json()["code"] == "encounters.record_incomplete"
    assert "chief complaint" in r.json()["missing"]
    saved = (await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": 1, "content": SPINE_CONTENT}, headers=c.h("doctor"))).json()
    nurse = await client.post(f"/api/v1/encounters/{enc['id']}/record/sign", json={"version": saved["version"]}, headers=c.h("nurse"))
    assert nurse.status_code == 403


async def test_signed_record_changes_only_by_amendment_and_keeps_history(client, app, db, settings):
    """Signed record changes only by amendment and keeps history."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    saved = (await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": 1, "content": SPINE_CONTENT}, headers=c.h("doctor"))).json()
    signed = await client.post(f"/api/v1/encounters/{enc['id']}/record/sign", json={"version": saved["version"]}, headers=c.h("doctor"))
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    v = signed.json()["version"]
    edit = await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": v, "content": {"chief_complaint": "改"}}, headers=c.h("doctor"))
    assert edit.status_code == 409 and edit.json()["code"] == "encounters.record_signed"
    amended_content = {**SPINE_CONTENT, "chief_complaint": "腰痛伴右下肢放射痛3月"}
    no_reason = await client.post(f"/api/v1/encounters/{enc['id']}/record/amendments", json={"version": v, "content": amended_content},
                                  headers=c.h("doctor"))
    assert no_reason.status_code == 422
    amended = await client.post(f"/api/v1/encounters/{enc['id']}/record/amendments",
                                json={"version": v, "content": amended_content, "reason": "病程时间记录有误"}, headers=c.h("doctor"))
    assert amended.status_code == 200 and amended.json()["revision"] == 2
    history = (await client.get(f"/api/v1/encounters/{enc['id']}/record/versions", headers=c.h("doctor"))).json()
    assert [h["kind"] for h in history] == ["signed", "amendment"]
    assert history[0]["content"]["chief_complaint"] == "腰痛伴右下肢放射痛2月"
    assert history[1]["reason"] == "病程时间记录有误" and history[1]["content"]["chief_complaint"] == "腰痛伴右下肢放射痛3月"


async def test_scores_are_stored_with_answers_result_and_version(client, app, db, settings):
    """Scores are stored with answers result and version."""
    from osteon.encounters import scoring

    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    definition = scoring.get_definition("odi")
    answers = {item.id: 2 for item in definition.items}
    r = await client.post(f"/api/v1/encounters/{enc['id']}/scores", json={"code": "odi", "answers": answers}, headers=c.h("doctor"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["definition_version"] == definition.version and body["answers"] == answers
    assert body["total"] == scoring.compute("odi", answers).total == 40.0
    bad = await client.post(f"/api/v1/encounters/{enc['id']}/scores", json={"code": "odi", "answers": {"nope": 1}}, headers=c.h("doctor"))
    assert bad.status_code == 400 and bad.json()["code"].startswith("encounters.score")


async def test_triage_summary_prefills_an_untouched_draft(client, app, db, settings):
    """Triage summary prefills an untouched draft."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c, triage_summary={"chief_complaint": "腰痛2周", "hpi": "搬重物后腰痛"})
    assert enc["record"]["content"]["chief_complaint"] == "腰痛2周" and enc["triage_summary"]["hpi"] == "搬重物后腰痛"
    enc2 = await open_encounter(client, c)
    r = await client.put(f"/api/v1/encounters/{enc2['id']}/triage-summary", json={"summary": {"chief_complaint": "右膝痛1月"}},
                         headers=c.h("doctor"))
    assert r.status_code == 204
    full = (await client.get(f"/api/v1/encounters/{enc2['id']}", headers=c.h("doctor"))).json()
    assert full["record"]["content"]["chief_complaint"] == "右膝痛1月"


async def test_other_hospitals_cannot_see_the_encounter(client, app, db, settings):
    """Other hospitals cannot see the encounter."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    other = await make_clinic(app, db, settings, client, roles=("doctor",), fresh=True)
    enc = await open_encounter(client, c)
    r = await client.get(f"/api/v1/encounters/{enc['id']}", headers=other.h("doctor"))
    assert r.status_code == 404


async def test_concurrent_saves_of_one_draft_lose_no_write(client, app, db, settings):
    """Three editors save the same loaded version at once: one wins, two get 409 stale_version."""
    import asyncio

    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    bodies = [{"version": 1, "content": {"chief_complaint": f"右膝痛{n}年"}} for n in (1, 2, 3)]
    results = await asyncio.gather(*[client.put(f"/api/v1/encounters/{enc['id']}/record", json=b, headers=c.h("doctor")) for b in bodies])
    assert sorted(r.status_code for r in results) == [200, 409, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    now = (await client.get(f"/api/v1/encounters/{enc['id']}", headers=c.h("doctor"))).json()["record"]
    assert now["content"]["chief_complaint"] == winner["content"]["chief_complaint"] and now["version"] == 2


async def test_control_characters_are_refused_not_stored(client, app, db, settings):
    """NUL and other control characters (which PostgreSQL text/JSON cannot hold) get a 422, never a 500."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    enc = await open_encounter(client, c)
    for content in ({"hpi": "腰痛\x00"}, {"exam": [{"region": "knee\x01"}]}):
        r = await client.put(f"/api/v1/encounters/{enc['id']}/record", json={"version": 1, "content": content}, headers=c.h("doctor"))
        assert r.status_code == 422, r.text
    r = await client.post("/api/v1/encounters", json={"patient_id": str(c.patient_id), "triage_summary": {"k\x00": "v"}}, headers=c.h("doctor"))
    assert r.status_code == 422


async def test_unknown_department_is_a_400_not_a_crash(client, app, db, settings):
    """A department id from nowhere is refused cleanly."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    r = await client.post("/api/v1/encounters", json={"patient_id": str(c.patient_id), "department_id": "00000000-0000-4000-8000-000000000001"},
                          headers=c.h("doctor"))
    assert r.status_code == 400 and r.json()["code"] == "encounters.department_unknown"


async def test_code_search_endpoints(client, app, db, settings):
    """ICD-10, ICD-9-CM-3 and fracture classification look-ups for the record editor."""
    c = await make_clinic(app, db, settings, client, roles=("doctor",))
    icd = (await client.get("/api/v1/codes/icd10", params={"q": "腰椎管狭窄"}, headers=c.h("doctor"))).json()
    assert any(e["code"] == "M48.0" for e in icd)
    proc = (await client.get("/api/v1/codes/icd9cm3", params={"q": "81.54"}, headers=c.h("doctor"))).json()
    assert proc[0]["code"] == "81.54" and proc[0]["default_grade"] == "四级"
    assert "garden" in (await client.get("/api/v1/codes/fracture-classifications", headers=c.h("doctor"))).json()
    assert (await client.get("/api/v1/codes/fracture-classifications/nope", headers=c.h("doctor"))).status_code == 404
