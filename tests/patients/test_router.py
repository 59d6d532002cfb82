"""Patient API: registration, duplicates, search, update, merge, identifiers."""

from __future__ import annotations

import asyncio

from tests.conftest import login
from tests.factories import id_number, make_patient, make_user, make_world


async def _doctor(client, app, db, settings):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    return world, await login(client, username, pw)


async def test_registration_derives_birth_date_and_sex_from_the_id_number(client, app, db, settings):
    world, headers = await _doctor(client, app, db, settings)
    r = await client.post("/api/v1/patients", headers=headers, json={"name": "王建国", "id_number": "11010519491231002X"})
    assert r.status_code == 201
    body = r.json()
    assert body["birth_date"] == "1949-12-31" and body["sex"] == "female"  # 17th digit 2: female
    assert body["mrn"].startswith(world.institution.mrn_prefix) and len(body["mrn"]) == len(world.institution.mrn_prefix) + 8


async def test_each_patient_gets_a_new_mrn(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    mrns = set()
    for i in range(5):
        r = await client.post("/api/v1/patients", headers=headers, json={"name": f"病历号{i}"})
        mrns.add(r.json()["mrn"])
    assert len(mrns) == 5


async def test_duplicate_id_number_is_a_clear_409(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    idn = id_number()
    assert (await client.post("/api/v1/patients", headers=headers, json={"name": "重复甲", "id_number": idn})).status_code == 201
    r = await client.post("/api/v1/patients", headers=headers, json={"name": "重复乙", "id_number": idn}, params={"force": True})
    assert r.status_code == 409 and r.json()["code"] == "patients.duplicate_id_number"
    assert r.json()["duplicates"][0]["name"] == "重复甲"


async def test_likely_duplicate_needs_confirmation(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    body = {"name": "赵秀兰", "birth_date": "1950-03-02", "phone": "13611112222"}
    assert (await client.post("/api/v1/patients", headers=headers, json=body)).status_code == 201
    r = await client.post("/api/v1/patients", headers=headers, json=body)
    assert r.status_code == 409 and r.json()["code"] == "patients.duplicate"
    r = await client.post("/api/v1/patients", headers=headers, json=body, params={"force": True})
    assert r.status_code == 201


async def test_two_simultaneous_registrations_of_one_id_number_create_one_record(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    idn = id_number()
    results = await asyncio.gather(*[
        client.post("/api/v1/patients", headers=headers, json={"name": f"并发{i}", "id_number": idn}, params={"force": True})
        for i in range(4)
    ])
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1 and set(codes) <= {201, 409}


async def test_search_by_name_pinyin_mrn_phone_tail_and_id_number(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    idn = id_number()
    r = await client.post("/api/v1/patients", headers=headers,
                          json={"name": "欧阳建华", "id_number": idn, "phone": "13955556789"})
    p = r.json()

    async def ids(q: str) -> set[str]:
        res = await client.get("/api/v1/patients", params={"q": q, "limit": 200}, headers=headers)
        assert res.status_code == 200
        return {i["id"] for i in res.json()["items"]}

    for q in ("欧阳建华", "欧阳", "oyjh", "ouyang", p["mrn"], p["mrn"][-6:], "6789", "13955556789", idn, idn.lower()):
        assert p["id"] in await ids(q), q
    assert p["id"] not in await ids("欧阳建国")


async def test_update_needs_the_current_version(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    p = (await client.post("/api/v1/patients", headers=headers, json={"name": "版本测试"})).json()
    r = await client.patch(f"/api/v1/patients/{p['id']}", headers=headers, json={"version": 1, "allergies": ["青霉素"]})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["allergies"] == ["青霉素"]
    stale = await client.patch(f"/api/v1/patients/{p['id']}", headers=headers, json={"version": 1, "name": "改名"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert (await client.get(f"/api/v1/patients/{p['id']}", headers=headers)).json()["name"] == "版本测试"


async def test_merge_moves_identifiers_and_hides_the_duplicate(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    a = (await client.post("/api/v1/patients", headers=headers, json={"name": "合并甲", "allergies": ["青霉素"]})).json()
    b = (await client.post("/api/v1/patients", headers=headers, json={"name": "合并甲", "phone": "13700001111",
                                                                          "his_ids": [{"system": "his:T", "value": "H123"}]},
                           params={"force": True})).json()
    r = await client.post(f"/api/v1/patients/{a['id']}/merge", headers=headers, json={"duplicate_id": b["id"]})
    assert r.status_code == 200
    merged = r.json()
    assert merged["phone"] == "13700001111" and {"system": "his:T", "value": "H123"} in merged["his_ids"]
    dup = (await client.get(f"/api/v1/patients/{b['id']}", headers=headers)).json()
    assert dup["merged_into_id"] == a["id"]
    found = await client.get("/api/v1/patients", params={"q": "合并甲"}, headers=headers)
    assert [i["id"] for i in found.json()["items"]] == [a["id"]]
    again = await client.post(f"/api/v1/patients/{a['id']}/merge", headers=headers, json={"duplicate_id": b["id"]})
    assert again.status_code == 409


async def test_integration_lookup_by_mrn_follows_merges(app, db, settings):
    from osteon.patients.service import find_for_integration, merge
    from tests.factories import system_actor

    world = await make_world(db)
    a = await make_patient(db, app.state.cipher, world)
    b = await make_patient(db, app.state.cipher, world)
    actor = system_actor(world)
    async with db.transaction() as s:
        s.info["actor"] = actor
        await merge(s, actor, a.id, b.id)
    async with db.sessionmaker() as s:
        assert (await find_for_integration(s, b.mrn)).id == a.id


async def test_his_identifier_maps_to_one_patient(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    p1 = (await client.post("/api/v1/patients", headers=headers, json={"name": "HIS甲"})).json()
    p2 = (await client.post("/api/v1/patients", headers=headers, json={"name": "HIS乙"})).json()
    body = {"system": "his:QS", "value": "Z0001"}
    assert (await client.post(f"/api/v1/patients/{p1['id']}/identifiers", headers=headers, json=body)).status_code == 200
    r = await client.post(f"/api/v1/patients/{p2['id']}/identifiers", headers=headers, json=body)
    assert r.status_code == 409 and r.json()["code"] == "patients.duplicate_his_id"


async def test_bad_input_gets_field_level_messages_in_the_users_language(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    cases = [
        ({"name": "张三", "id_number": "110105194912310021"}, "id_number", "校验位"),
        ({"name": "张三", "id_number": "110105194902300021"}, "id_number", "出生日期"),
        ({"name": "张" * 51}, "name", "50"),
        ({"name": "张\x07三"}, "name", "控制字符"),
        ({"name": "张三", "phone": "12345"}, "phone", "11位"),
        ({"name": "张三", "unknown_field": 1}, "unknown_field", "不认识"),
        ({"name": 123}, "name", "文字"),
        ({"name": "张三", "sex": "robot"}, "sex", "可选"),
        ({"name": "张三", "birth_date": "2999-01-01"}, "birth_date", "不合理"),
    ]
    for body, field, fragment in cases:
        r = await client.post("/api/v1/patients", headers=headers, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        errors = {e["field"]: e["message"] for e in r.json()["errors"]}
        assert field in errors and fragment in errors[field], (body, errors)
    r = await client.post("/api/v1/patients", headers={**headers, "Accept-Language": "en-US"}, json={"name": "张三", "id_number": "110105194912310021"})
    assert "check digit" in r.json()["errors"][0]["message"]


async def test_a_huge_body_is_refused_with_413(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    r = await client.post("/api/v1/patients", headers={**headers, "content-type": "application/json"},
                          content=b'{"name": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_malformed_json_is_a_422_not_a_500(client, app, db, settings):
    _world, headers = await _doctor(client, app, db, settings)
    r = await client.post("/api/v1/patients", headers={**headers, "content-type": "application/json"}, content=b'{"name": ')
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "json_invalid"
