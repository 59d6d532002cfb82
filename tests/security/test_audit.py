"""Audit: SECURITY.md controls 12–14 — who did what, append-only hash chain, fail closed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import event, select, text

from osteon.db import Database
from osteon.migrations import upgrade_async
from osteon.security import audit
from osteon.security.models import AuditEvent
from tests.conftest import fresh_database_url, login
from tests.factories import make_patient, make_user, make_world


async def _events(db: Database, **where):
    async with db.sessionmaker() as s:
        q = select(AuditEvent)
        for k, v in where.items():
            q = q.where(getattr(AuditEvent, k) == v)
        return list((await s.execute(q.order_by(AuditEvent.seq))).scalars())


async def test_control_12_logins_failures_logouts_and_patient_access_are_audited(client, app, db, settings):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    await client.post("/api/v1/auth/login", json={"username": username, "password": "bad-password-1"})
    headers = await login(client, username, pw)
    p = await make_patient(db, app.state.cipher, world)
    await client.get(f"/api/v1/patients/{p.id}", headers=headers)
    await client.patch(f"/api/v1/patients/{p.id}", json={"version": 1, "address": "青石县人民路1号"}, headers=headers)
    await client.post("/api/v1/auth/logout", headers=headers)
    events = await _events(db, username=username)
    actions = [(e.action, e.outcome) for e in events]
    assert ("auth.login", "failure") in actions
    assert ("auth.login", "success") in actions
    assert ("patient.read", "success") in actions
    assert ("patient.update", "success") in actions
    assert ("auth.logout", "success") in actions
    read = next(e for e in events if e.action == "patient.read")
    assert read.patient_id == p.id and read.role == "doctor" and read.institution_id == world.institution.id
    assert read.client_ip == "127.0.0.1" and read.at is not None and read.resource_type == "Patient"


async def test_control_12_denied_access_is_audited(client, app, db, settings):
    home, other = await make_world(db), await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, home)
    foreign = await make_patient(db, app.state.cipher, other)
    headers = await login(client, username, pw)
    assert (await client.get(f"/api/v1/patients/{foreign.id}", headers=headers)).status_code == 404
    denied = await _events(db, username=username, action="patient.read")
    assert [e.outcome for e in denied] == ["denied"] and denied[0].patient_id == foreign.id


async def test_control_13_the_database_refuses_updates_and_deletes(db):
    async with db.sessionmaker() as s:
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("UPDATE audit_events SET action = 'x'"))
        await s.rollback()
        with pytest.raises(Exception, match="append-only"):
            await s.execute(text("DELETE FROM audit_events"))
        await s.rollback()


async def _tamper_db(tmp_path, label):
    """A database of its own with a few chained events and the append-only triggers removed."""
    url = await fresh_database_url(tmp_path, label)
    await upgrade_async(url)
    database = Database(url)
    for i in range(5):
        async with database.transaction() as s:
            audit.record(s, f"test.event{i}", username="t", detail={"i": i, "名字": "张三"})
    async with database.transaction() as s:
        if database.is_sqlite:
            await s.execute(text("DROP TRIGGER audit_events_no_update"))
            await s.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            await s.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
    return database, url


@pytest.mark.parametrize("attack", ["edit", "delete", "reorder"])
async def test_control_13_verify_detects_edited_deleted_and_reordered_rows(tmp_path, attack):
    database, _ = await _tamper_db(tmp_path, f"tamper_{attack}")
    async with database.sessionmaker() as s:
        assert (await audit.verify(s)).ok
    async with database.transaction() as s:
        if attack == "edit":
            await s.execute(text("UPDATE audit_events SET username = 'mallory' WHERE seq = 3"))
        elif attack == "delete":
            await s.execute(text("DELETE FROM audit_events WHERE seq = 3"))
        else:  # swap the content of rows 2 and 3
            await s.execute(text("UPDATE audit_events SET seq = -2 WHERE seq = 2"))
            await s.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 3"))
            await s.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = -2"))
    async with database.sessionmaker() as s:
        result = await audit.verify(s)
    await database.dispose()
    assert not result.ok
    assert result.first_bad_seq in (2, 3)


async def test_control_13_osteon_audit_verify_command_exits_nonzero_on_tampering(tmp_path):
    database, url = await _tamper_db(tmp_path, "tamper_cli")
    env = {"OSTEON_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "osteon.cli", "audit", "verify"]
    ok = await asyncio.to_thread(subprocess.run, cmd, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    async with database.transaction() as s:
        await s.execute(text("UPDATE audit_events SET detail = :d WHERE seq = 4"), {"d": json.dumps({"i": 99})})
    await database.dispose()
    bad = await asyncio.to_thread(subprocess.run, cmd, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "row 4" in bad.stderr


async def test_control_14_if_the_audit_write_fails_the_action_fails(client, app, db, settings, monkeypatch):
    world = await make_world(db)
    username, pw = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, pw)

    async def broken(session):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "write_pending", broken)
    r = await client.post("/api/v1/patients", json={"name": "审计失败测试", "insurance_type": "self_pay"}, headers=headers)
    monkeypatch.undo()
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/api/v1/patients", params={"q": "审计失败测试"}, headers=headers)
    assert r.json()["total"] == 0  # nothing was registered unaudited


async def test_control_13_audit_search_for_the_audit_administrator(client, app, db, settings):
    world = await make_world(db)
    auditor, pw = await make_user(db, settings, app.state.cipher, world, role="audit_admin", department=None)
    # administrators need TOTP: enrol directly for the test
    import pyotp

    from osteon.security.models import User

    secret = pyotp.random_base32()
    async with db.transaction() as s:
        u = (await s.execute(select(User).where(User.username == auditor))).scalar_one()
        u.totp_secret_enc = app.state.cipher.encrypt(secret, context="users.totp")
    headers = await login(client, auditor, pw, totp=pyotp.TOTP(secret).now())
    r = await client.get("/api/v1/audit/events", params={"username": auditor, "action": "auth.login"}, headers=headers)
    assert r.status_code == 200 and r.json()["total"] >= 1
    r = await client.get("/api/v1/audit/verify", headers=headers)
    assert r.status_code == 200 and r.json()["ok"] is True


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(details=st.lists(st.dictionaries(st.text(max_size=8), st.one_of(st.integers(-10**9, 10**9), st.text(max_size=20), st.booleans(), st.none()), max_size=4), min_size=1, max_size=4))
def test_audit_chain_hash_is_stable_for_any_detail(details):
    """Property: any JSON detail hashes identically after a storage round trip (canonical JSON)."""
    from datetime import UTC, datetime

    prev = audit.GENESIS
    for i, d in enumerate(details, start=1):
        ev = AuditEvent(seq=i, id=__import__("uuid").uuid4(), at=datetime(2026, 1, 1, tzinfo=UTC), username="u", role="r",
                        action="a", resource_type="", resource_id="", outcome="success", severity="info", client_ip="",
                        detail=json.loads(audit.canonical(d)), prev_hash=prev)
        ev.hash = audit.compute_hash(ev)
        roundtrip = AuditEvent(**{c: getattr(ev, c) for c in ("seq", "id", "at", "username", "role", "action", "resource_type",
                                                               "resource_id", "outcome", "severity", "client_ip", "prev_hash")},
                               detail=json.loads(json.dumps(ev.detail)))
        assert audit.compute_hash(roundtrip) == ev.hash
        prev = ev.hash


async def test_audit_search_accepts_dates_without_a_time_zone(client, app, db, settings):
    import pyotp

    from osteon.security.models import User

    world = await make_world(db)
    auditor, pw = await make_user(db, settings, app.state.cipher, world, role="audit_admin", department=None)
    secret = pyotp.random_base32()
    async with db.transaction() as s:
        u = (await s.execute(select(User).where(User.username == auditor))).scalar_one()
        u.totp_secret_enc = app.state.cipher.encrypt(secret, context="users.totp")
    headers = await login(client, auditor, pw, totp=pyotp.TOTP(secret).now())
    r = await client.get("/api/v1/audit/events", params={"since": "2020-01-01T00:00:00", "until": "2099-01-01"}, headers=headers)
    assert r.status_code == 200 and r.json()["total"] >= 1


async def _append(database: Database, *actions: str) -> None:
    async with database.transaction() as s:
        for action in actions:
            audit.record(s, action, username="t")


async def test_control_13_a_stale_cached_chain_head_never_breaks_the_chain(tmp_path):
    """Each process remembers the chain head it last committed to skip reading it; another process appending
    meanwhile, a rolled-back append and a database restored to an older state all make that guess stale — the
    next append must still continue from the true last row."""
    url = await fresh_database_url(tmp_path, "audit_head")
    await upgrade_async(url)
    one, two = Database(url), Database(url)  # two engines: two processes as far as the cache is concerned
    try:
        await _append(one, "a.1", "a.2")
        await _append(two, "b.1", "b.2", "b.3")  # one's remembered head (row 2) is now stale
        await _append(one, "a.3", "a.4")
        with pytest.raises(RuntimeError):
            async with one.transaction() as s:
                audit.record(s, "a.rolled_back", username="t")
                await audit.write_pending(s)
                raise RuntimeError("the request failed after its audit rows were written")
        await asyncio.gather(*[_append(db_, f"c.{i}") for i, db_ in enumerate([one, two] * 4)])
        async with one.sessionmaker() as s:
            result = await audit.verify(s)
            rows = (await s.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq))).all()
        assert result.ok and result.checked == 15, result
        assert [r[0] for r in rows] == list(range(1, 16)) and "a.rolled_back" not in {r[1] for r in rows}
        # A restore to an older state under a running process: rows 14–15 are gone, its remembered head with them.
        async with one.transaction() as s:
            if one.is_sqlite:
                await s.execute(text("DROP TRIGGER audit_events_no_delete"))
            else:
                await s.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
            await s.execute(text("DELETE FROM audit_events WHERE seq > 13"))
        await _append(one, "after.restore")
        async with one.sessionmaker() as s:
            result = await audit.verify(s)
        assert result.ok and result.checked == 14, result
    finally:
        await one.dispose()
        await two.dispose()


async def test_an_append_after_this_process_own_commit_does_not_read_the_chain_head(tmp_path):
    url = await fresh_database_url(tmp_path, "audit_head_fast")
    await upgrade_async(url)
    database = Database(url)
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    try:
        await _append(database, "first")
        event.listen(database.engine.sync_engine, "before_cursor_execute", count)
        await _append(database, "second", "third")
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
        async with database.sessionmaker() as s:
            assert (await audit.verify(s)).ok
    finally:
        await database.dispose()
    assert not [s for s in statements if "ORDER BY audit_events.seq DESC" in s]
    assert len([s for s in statements if s.lstrip().startswith("INSERT INTO audit_events")]) == 2
