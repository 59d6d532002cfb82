"""Identity and sessions: SECURITY.md controls 1–7."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text, update

from osteon.kit.models import utcnow
from osteon.security.models import AuthSession, User
from osteon.security.passwords import WeakPassword, check_policy
from tests.conftest import DEMO_PASSWORD, login
from tests.factories import make_user, make_world


async def _user_row(db, username):
    async with db.sessionmaker() as s:
        return (await s.execute(select(User).where(User.username == username))).scalar_one()


async def test_control_1_usernames_are_unique_and_belong_to_an_institution(client, app, db, settings):
    world = await make_world(db)
    username, _ = await make_user(db, settings, app.state.cipher, world)
    from osteon.security.service import UsernameTaken, create_user

    with pytest.raises(UsernameTaken):
        async with db.transaction() as s:
            await create_user(s, settings, app.state.cipher, username=username, full_name="x", role="doctor",
                              institution_id=world.institution.id, department_id=None, password="Another-Passw0rd!")
    row = await _user_row(db, username)
    assert row.institution_id == world.institution.id and row.full_name


@pytest.mark.parametrize("password,ok", [
    ("short1A!", False),                      # < 12
    ("Password123!", False),                  # common
    ("alllowercaseletters", False),           # 1 class only (composition rule on)
    ("Correct-Horse-Battery-9", True),
    ("骨科医生的很长的口令2026年Ab", True),       # Unicode accepted
    ("x" * 300, False),                       # absurdly long refused with a message, not a crash
])
def test_control_2_password_policy(settings, password, ok):
    if ok:
        check_policy(password, settings)
    else:
        with pytest.raises(WeakPassword):
            check_policy(password, settings)


def test_control_2_composition_rule_is_a_setting(settings):
    relaxed = settings.model_copy(update={"password_require_classes": 0})
    check_policy("alllowercaseletters", relaxed)


async def test_control_3_lockout_after_five_failures_with_a_generic_error(client, app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    messages = set()
    for _ in range(5):
        r = await client.post("/api/v1/auth/login", json={"username": username, "password": "wrong-password-x"})
        assert r.status_code == 401
        messages.add(r.json()["code"])
    r_unknown = await client.post("/api/v1/auth/login", json={"username": "no-such-user-x", "password": "wrong"})
    assert r_unknown.json()["code"] == "auth.invalid_credentials" == next(iter(messages))
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 401 and r.json()["code"] == "auth.locked"
    row = await _user_row(db, username)
    assert row.locked_until is not None
    assert timedelta(minutes=14) < row.locked_until - utcnow() <= timedelta(minutes=15)
    # after the lock expires the right password works again
    async with db.transaction() as s:
        await s.execute(update(User).where(User.username == username).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert (await client.post("/api/v1/auth/login", json={"username": username, "password": password})).status_code == 200


async def test_control_4_idle_timeout_absolute_lifetime_and_server_side_logout(client, app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, password)
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    # idle: last seen 31 minutes ago
    async with db.transaction() as s:
        await s.execute(update(AuthSession).where(AuthSession.user_id == (await _user_row(db, username)).id)
                        .values(last_seen_at=utcnow() - timedelta(minutes=31)))
    r = await client.get("/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "auth.session_expired"
    # absolute lifetime
    headers = await login(client, username, password)
    async with db.transaction() as s:
        await s.execute(update(AuthSession).where(AuthSession.revoked_at.is_(None), AuthSession.user_id == (await _user_row(db, username)).id)
                        .values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    # logout revokes on the server: the same token no longer works
    headers = await login(client, username, password)
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_control_5_totp_required_for_administrators(client, app, db, settings, demo):
    r = await client.post("/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 401 and r.json()["code"] == "auth.totp_required"
    from osteon.demo import demo_totp_secret

    code = pyotp.TOTP(demo_totp_secret(settings.demo_seed, "auditor")).now()
    r = await client.post("/api/v1/auth/login", json={"username": "auditor", "password": DEMO_PASSWORD, "totp": code})
    assert r.status_code == 200, r.text
    # the same code cannot be replayed
    r = await client.post("/api/v1/auth/login", json={"username": "auditor", "password": DEMO_PASSWORD, "totp": code})
    assert r.status_code == 401


async def test_control_5_totp_required_from_outside_the_hospital_network(app, db, settings):
    import httpx

    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as outside:
        r = await outside.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 401 and r.json()["code"] == "auth.totp_enrolment_required"


async def test_control_5_totp_enrolment_then_login_with_code(client, app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    headers = await login(client, username, password)
    setup = (await client.post("/api/v1/auth/totp/setup", headers=headers)).json()
    code = pyotp.TOTP(setup["secret"]).now()
    r = await client.post("/api/v1/auth/totp/confirm", headers=headers,
                          json={"secret": setup["secret"], "code": code, "password": password})
    assert r.status_code == 204, r.text
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password, "totp": "000000"})
    assert r.status_code == 401


async def test_control_6_initial_password_must_be_changed(client, app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world, must_change=True)
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.json()["must_change_password"] is True
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = await client.get("/api/v1/patients", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "auth.password_change_required"
    r = await client.post("/api/v1/auth/password", headers=headers,
                          json={"old_password": password, "new_password": "Brand-New-Passw0rd-2026"})
    assert r.status_code == 204
    assert (await client.get("/api/v1/patients", headers=headers)).status_code == 200


async def test_control_6_demo_accounts_exist_only_in_demo_mode(app, db, settings, tmp_path):
    from osteon.db import Database
    from osteon.migrations import upgrade_async
    from tests.conftest import fresh_database_url, make_settings

    url = await fresh_database_url(tmp_path, "nodemo")
    await upgrade_async(url)
    fresh = Database(url)
    async with fresh.sessionmaker() as s:
        count = (await s.execute(text("SELECT count(*) FROM users"))).scalar_one()
    await fresh.dispose()
    assert count == 0  # migrating and serving without --demo creates no accounts
    assert make_settings(tmp_path, url).demo is False


async def test_control_7_passwords_are_stored_only_as_argon2id(app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    row = await _user_row(db, username)
    assert row.password_hash.startswith("$argon2id$")
    assert password not in row.password_hash


async def test_cookie_session_requires_csrf_token_on_unsafe_methods(client, app, db, settings):
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world)
    r = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert "httponly" in r.headers["set-cookie"].lower()
    csrf = client.cookies.get("osteon_csrf")
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # cookie works for reads
    body = {"name": "测试", "insurance_type": "self_pay"}
    r = await client.post("/api/v1/patients", json=body)
    assert r.status_code == 403 and r.json()["code"] == "auth.csrf"
    r = await client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    client.cookies.clear()
