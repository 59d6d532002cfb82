"""Data: SECURITY.md controls 15, 16, 18 — encryption at rest, masking, no secrets in logs, no-store."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from osteon.kit.logs import RedactingFilter, redact
from osteon.kit.masking import mask_id_number, mask_name, mask_phone
from osteon.security.crypto import FieldCipher, KeyError_, new_key
from tests.conftest import login
from tests.factories import id_number, make_user, make_world


async def test_control_15_raw_database_shows_no_plaintext_of_protected_fields(client, app, db, settings):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, pw)
    idn, phone, address = id_number(), "13987654321", "青石县滨河路88号3单元"
    r = await client.post("/api/v1/patients", headers=headers, json={
        "name": "明文检查", "id_number": idn, "phone": phone, "address": address,
        "emergency_contact": {"name": "李四", "relation": "儿子", "phone": "13711112222"}})
    assert r.status_code == 201, r.text
    async with db.sessionmaker() as s:
        rows = (await s.execute(text("SELECT * FROM patients WHERE name = '明文检查'"))).mappings().all()
    dump = repr(rows)
    for secret in (idn, phone, address, "13711112222", "李四"):
        assert secret not in dump
    if db.is_sqlite:  # and the file itself, byte for byte
        path = Path(db.url.split(":///", 1)[1])
        raw = path.read_bytes() + path.with_name(path.name + "-wal").read_bytes()
        for secret in (idn, phone, address):
            assert secret.encode() not in raw


async def test_control_15_lists_show_masked_values(client, app, db, settings):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, pw)
    idn = id_number()
    await client.post("/api/v1/patients", headers=headers, json={"name": "掩码测试", "id_number": idn, "phone": "13812345678"})
    r = await client.get("/api/v1/patients", params={"q": "掩码测试"}, headers=headers)
    item = r.json()["items"][0]
    assert item["phone_masked"] == "138****5678" and "phone" not in item
    assert item["id_number_masked"] == idn[:3] + "*" * 11 + idn[-4:] and "id_number" not in item


async def test_control_15_key_rotation_reencrypts_and_old_ciphertexts_still_decrypt():
    old = FieldCipher([__import__("base64").b64decode(new_key())], b"i" * 32)
    token = old.encrypt("11010519491231002X", context="c")
    rotated = FieldCipher([__import__("base64").b64decode(new_key()), old.keys[0]], b"i" * 32)
    assert rotated.decrypt(token, context="c") == "11010519491231002X"
    assert rotated.needs_rotation(token)
    fresh = rotated.encrypt("11010519491231002X", context="c")
    assert not rotated.needs_rotation(fresh)
    with pytest.raises(KeyError_):  # bound to its column: a value moved to another column won't decrypt
        rotated.decrypt(fresh, context="other")
    # blind index unchanged by rotation (separate key), so lookups keep working
    assert old.blind_index("x", context="c") == rotated.blind_index("x", context="c")


async def test_control_15_keys_rotate_command_reencrypts_the_database(tmp_path):
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "OSTEON_DEMO_PASSWORD": "Rotate-Demo-2026!"}
    data = str(tmp_path / "var")
    run = lambda *a: subprocess.run([sys.executable, "-m", "osteon.cli", *a, "--data-dir", data], env=env, capture_output=True, text=True, check=False)
    assert run("demo").returncode == 0
    before = sqlite3.connect(f"{data}/osteon.db").execute("SELECT phone_enc FROM patients WHERE phone_enc IS NOT NULL LIMIT 1").fetchone()[0]
    out = run("keys", "rotate")
    assert out.returncode == 0, out.stderr
    after = sqlite3.connect(f"{data}/osteon.db").execute("SELECT phone_enc FROM patients WHERE phone_enc IS NOT NULL LIMIT 1").fetchone()[0]
    assert before.split(".")[1] != after.split(".")[1]
    assert run("audit", "verify").returncode == 0


def test_control_16_logs_hold_no_passwords_tokens_or_id_numbers():
    line = ('127.0.0.1 "GET /api/v1/patients?q=11010519491231002X&token=abc.def HTTP/1.1" 200 '
            'Authorization: Bearer s3cr3tT0ken {"password": "Hunter2-Hunter2", "phone": "13812345678"}')
    out = redact(line)
    for secret in ("11010519491231002X", "abc.def", "s3cr3tT0ken", "Hunter2-Hunter2", "13812345678"):
        assert secret not in out
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s %s", ("GET", "/x?q=11010519491231002X"), None)
    RedactingFilter().filter(record)
    assert "11010519491231002X" not in record.getMessage()


async def test_control_16_app_logs_during_login_and_search_hold_no_secrets(client, app, db, settings, caplog):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    caplog.set_level(logging.DEBUG)
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": pw})
    token = r.json()["access_token"]
    idn = id_number()
    await client.get("/api/v1/patients", params={"q": idn}, headers={"Authorization": f"Bearer {token}"})
    # httpx/httpcore records are this test's own client, not the server
    text_ = "\n".join(rec.getMessage() for rec in caplog.records if not rec.name.startswith(("httpx", "httpcore")))
    assert pw not in text_ and token not in text_ and idn not in text_
    # the audit trail records what kind of query it was, not the ID number itself
    from osteon.security.models import AuditEvent

    async with db.sessionmaker() as s:
        ev = (await s.execute(select(AuditEvent).where(AuditEvent.username == username, AuditEvent.action == "patient.search"))).scalars().first()
    assert ev.detail["query_kind"] == "id_number" and idn not in repr(ev.detail)


async def test_control_18_patient_responses_carry_no_store(client, app, db, settings):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, pw)
    r = await client.post("/api/v1/patients", headers=headers, json={"name": "缓存测试"})
    assert r.headers["cache-control"] == "no-store"
    for url in (f"/api/v1/patients/{r.json()['id']}", "/api/v1/patients?q=缓存测试"):
        assert (await client.get(url, headers=headers)).headers["cache-control"] == "no-store"


@given(st.text(min_size=0, max_size=30))
def test_masking_never_reveals_the_middle(value):
    m = mask_name(value)
    assert len(m) == len(value)
    if len(value) >= 3:
        assert m[0] == value[0] and m[-1] == value[-1] and set(m[1:-1]) == {"*"}


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_phone_mask_keeps_only_prefix_and_tail(phone):
    assert mask_phone(phone) == phone[:3] + "****" + phone[-4:]


@given(st.from_regex(r"\d{17}[\dX]", fullmatch=True))
def test_id_mask_hides_the_birth_date(idn):
    masked = mask_id_number(idn)
    assert masked[6:14] == "********" and len(masked) == 18 and re.fullmatch(r"\d{3}\*{11}[\dX]{4}", masked)
