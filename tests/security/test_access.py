"""Access: SECURITY.md controls 8–11 — roles, scoping by institution/department/care/grant, 404 for hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from osteon.kit.models import utcnow
from osteon.security.models import AccessGrant, AuditEvent
from osteon.security.permissions import PERMISSIONS, Role
from tests.conftest import login
from tests.factories import make_patient, make_user, make_world


def test_control_8_roles_and_separation_of_duties():
    assert {r.value for r in Role} == {"system_admin", "security_admin", "audit_admin", "dept_head", "doctor",
                                       "nurse", "technician", "expert", "patient"}
    # 三员分立: the system administrator cannot read the audit log; no administrator reads patients.
    assert "audit:read" not in PERMISSIONS[Role.SYSTEM_ADMIN]
    assert "audit:read" in PERMISSIONS[Role.AUDIT_ADMIN]
    for admin in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert "patient:read" not in PERMISSIONS[admin]
    assert "role:assign" in PERMISSIONS[Role.SECURITY_ADMIN] and "role:assign" not in PERMISSIONS[Role.SYSTEM_ADMIN]


async def test_control_8_system_admin_cannot_read_or_delete_the_audit_log(client, app, db, settings, demo):
    import pyotp

    from osteon.demo import demo_totp_secret
    from tests.conftest import DEMO_PASSWORD

    headers = await login(client, "admin", DEMO_PASSWORD, totp=pyotp.TOTP(demo_totp_secret(settings.demo_seed, "admin")).now())
    assert (await client.get("/api/v1/audit/events", headers=headers)).status_code == 403
    assert (await client.delete("/api/v1/audit/events", headers=headers)).status_code == 405
    assert (await client.get("/api/v1/patients", headers=headers)).status_code == 403


async def test_control_9_other_institution_patient_is_404_like_a_missing_one(client, app, db, settings):
    home, other = await make_world(db), await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, home)
    foreign = await make_patient(db, app.state.cipher, other)
    headers = await login(client, username, password)
    hidden = await client.get(f"/api/v1/patients/{foreign.id}", headers=headers)
    missing = await client.get("/api/v1/patients/00000000-0000-4000-8000-000000000000", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # and it never shows up in search
    r = await client.get("/api/v1/patients", params={"q": foreign.name}, headers=headers)
    assert foreign.id not in {p["id"] for p in r.json()["items"]}


async def test_control_9_department_scope_and_care_relationship(client, app, db, settings):
    world = await make_world(db)
    spine_doc, pw = await make_user(db, settings, app.state.cipher, world, department=world.spine)
    rad_doc, pw2 = await make_user(db, settings, app.state.cipher, world, department=world.radiology)
    p = await make_patient(db, app.state.cipher, world, department=world.spine)
    # a doctor of another department of the same hospital does not see the spine patient
    h_rad = await login(client, rad_doc, pw2)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=h_rad)).status_code == 404
    h_spine = await login(client, spine_doc, pw)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=h_spine)).status_code == 200
    # a care relationship opens it
    from osteon.patients.service import add_care_relationship
    from osteon.security.models import User

    async with db.transaction() as s:
        user = (await s.execute(select(User).where(User.username == rad_doc))).scalar_one()
        await add_care_relationship(s, user.id, p.id)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=h_rad)).status_code == 200


async def test_control_9_consultation_grant_is_time_limited(client, app, db, settings):
    county, province = await make_world(db), await make_world(db, level="provincial_tertiary")
    expert, pw = await make_user(db, settings, app.state.cipher, province, role="expert")
    p = await make_patient(db, app.state.cipher, county)
    headers = await login(client, expert, pw)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=headers)).status_code == 404
    from osteon.security.models import User

    async with db.transaction() as s:
        uid = (await s.execute(select(User.id).where(User.username == expert))).scalar_one()
        grant = AccessGrant(grantee_id=uid, patient_id=p.id, source="consultation", ends_at=utcnow() + timedelta(hours=1))
        s.add(grant)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=headers)).status_code == 200
    async with db.transaction() as s:
        g = await s.get(AccessGrant, grant.id)
        g.ends_at = utcnow() - timedelta(seconds=1)
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=headers)).status_code == 404


async def test_control_10_break_the_glass_needs_a_reason_and_writes_a_high_severity_event(client, app, db, settings):
    world = await make_world(db)
    rad_doc, pw = await make_user(db, settings, app.state.cipher, world, department=world.radiology)
    p = await make_patient(db, app.state.cipher, world, department=world.spine)
    headers = await login(client, rad_doc, pw)
    r = await client.post(f"/api/v1/patients/{p.id}/break-glass", json={"reason": ""}, headers=headers)
    assert r.status_code == 422
    r = await client.post(f"/api/v1/patients/{p.id}/break-glass", json={"reason": "急诊抢救,患者昏迷需查过敏史"}, headers=headers)
    assert r.status_code == 204
    assert (await client.get(f"/api/v1/patients/{p.id}", headers=headers)).status_code == 200
    async with db.sessionmaker() as s:
        ev = (await s.execute(select(AuditEvent).where(AuditEvent.patient_id == p.id, AuditEvent.action == "patient.break_glass"))).scalar_one()
    assert ev.severity == "high" and "急诊抢救" in ev.detail["reason"] and ev.username == rad_doc
    # not into another hospital
    other = await make_world(db)
    q = await make_patient(db, app.state.cipher, other)
    r = await client.post(f"/api/v1/patients/{q.id}/break-glass", json={"reason": "急诊抢救需要"}, headers=headers)
    assert r.status_code == 404


async def test_control_11_patient_sees_only_their_own_record(client, app, db, settings):
    world = await make_world(db)
    me = await make_patient(db, app.state.cipher, world)
    someone = await make_patient(db, app.state.cipher, world)
    username, pw = await make_user(db, settings, app.state.cipher, world, role="patient", department=None, patient_id=me.id)
    headers = await login(client, username, pw)
    r = await client.get("/api/v1/me/patient", headers=headers)
    assert r.status_code == 200 and r.json()["id"] == str(me.id)
    assert (await client.get(f"/api/v1/patients/{someone.id}", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/patients", headers=headers)).status_code == 403


async def test_role_change_is_audited_and_revokes_sessions(client, app, db, settings, demo):
    import pyotp

    from osteon.demo import demo_totp_secret
    from tests.conftest import DEMO_PASSWORD

    world = await make_world(db)
    victim, pw = await make_user(db, settings, app.state.cipher, world)
    victim_headers = await login(client, victim, pw)
    sec = await login(client, "security", DEMO_PASSWORD, totp=pyotp.TOTP(demo_totp_secret(settings.demo_seed, "security")).now())
    from osteon.security.models import User

    async with db.sessionmaker() as s:
        uid = (await s.execute(select(User.id).where(User.username == victim))).scalar_one()
    r = await client.put(f"/api/v1/users/{uid}/role", json={"role": "nurse"}, headers=sec)
    assert r.status_code == 200 and r.json()["role"] == "nurse"
    assert (await client.get("/api/v1/auth/me", headers=victim_headers)).status_code == 401
    async with db.sessionmaker() as s:
        ev = (await s.execute(select(AuditEvent).where(AuditEvent.action == "user.role_change", AuditEvent.resource_id == str(uid)))).scalar_one()
    assert ev.detail == {"from": "doctor", "to": "nurse"} and ev.username == "security"


async def test_control_9_radiographers_see_patients_of_every_department_of_their_hospital(client, app, db, settings):
    world, other = await make_world(db), await make_world(db)
    tech, pw = await make_user(db, settings, app.state.cipher, world, role="technician", department=world.radiology)
    mine = await make_patient(db, app.state.cipher, world, department=world.spine)
    foreign = await make_patient(db, app.state.cipher, other)
    headers = await login(client, tech, pw)
    assert (await client.get(f"/api/v1/patients/{mine.id}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/patients/{foreign.id}", headers=headers)).status_code == 404


def test_domain_permissions_join_the_platform_map_and_never_reach_administrators():
    from osteon.kit.domains import import_domains
    from osteon.security.permissions import permissions_of, register_domain

    import_domains()
    # What a domain grants shows up in the role's permissions (and so in the Actor and /auth/me) ...
    assert {"encounter:write", "order:write", "bed:read", "queue:act"} <= permissions_of("doctor")
    assert "bed:manage" in permissions_of("nurse") and "bed:manage" not in permissions_of("technician")
    # ... administrators hold no clinical permission, and a domain cannot give them one.
    for admin in ("system_admin", "security_admin", "audit_admin"):
        assert not {p for p in permissions_of(admin) if p.split(":")[0] in {"patient", "encounter", "order", "bed"}}
    with pytest.raises(ValueError):
        register_domain("rogue", {"system_admin": frozenset({"encounter:read"})})


async def test_auth_me_lists_domain_permissions(client, demo):
    headers = await login(client, "nurse")
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert {"bed:manage", "admission:write", "queue:act"} <= set(me["permissions"])
