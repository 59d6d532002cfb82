"""What is shared with a user (care relationships, grants) is read in one statement and still decides exactly
what they see: ended care, expired or revoked grants open nothing; a scoped grant shares only its items."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from osteon.kit.models import utcnow
from osteon.patients import service
from osteon.security.models import AccessGrant, CareRelationship, User
from tests.factories import make_patient, make_user, make_world, system_actor


async def test_sharing_reads_care_and_grants_in_one_statement_with_their_time_limits(app, db, settings):
    world, other = await make_world(db), await make_world(db)
    doctor, _ = await make_user(db, settings, app.state.cipher, world)
    patients = [await make_patient(db, app.state.cipher, other) for _ in range(7)]
    cared, cared_ended, glass, consult, expired, revoked, future = patients
    now = utcnow()
    async with db.transaction() as s:
        uid = (await s.execute(select(User.id).where(User.username == doctor))).scalar_one()
        s.add_all([
            CareRelationship(user_id=uid, patient_id=cared.id),
            CareRelationship(user_id=uid, patient_id=cared_ended.id, ends_at=now - timedelta(minutes=1)),
            AccessGrant(grantee_id=uid, patient_id=glass.id, source="break_glass", ends_at=now + timedelta(hours=1)),
            AccessGrant(grantee_id=uid, patient_id=consult.id, source="consultation", scope=["study:1.2.3", "encounter:x"],
                        ends_at=now + timedelta(hours=1)),
            AccessGrant(grantee_id=uid, patient_id=expired.id, source="break_glass", ends_at=now - timedelta(seconds=1)),
            AccessGrant(grantee_id=uid, patient_id=revoked.id, source="break_glass", ends_at=now + timedelta(hours=1),
                        revoked_at=now),
            AccessGrant(grantee_id=uid, patient_id=future.id, source="consultation", scope=["study:9.9"],
                        starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)),
        ])
    actor = system_actor(world)
    actor = type(actor)(**{**actor.__dict__, "user_id": uid})
    selects: list[str] = []

    def count(*args):
        if args[2].lstrip().upper().startswith("SELECT"):
            selects.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as s:
            full, studies = await service.sharing(s, actor, "study")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert sorted(full) == sorted([cared.id, glass.id])
    assert studies == ["1.2.3"]
    assert len(selects) == 1
    # The same answers as the one-at-a-time reads other callers use.
    async with db.transaction() as s:
        assert sorted(await service.fully_readable_ids(s, actor)) == sorted(full)
        assert await service.shared_refs(s, actor, "study") == studies
    # Ending the care relationship takes effect on the next read (nothing is cached between requests).
    async with db.transaction() as s:
        rel = (await s.execute(select(CareRelationship).where(CareRelationship.patient_id == cared.id,
                                                               CareRelationship.user_id == uid))).scalar_one()
        rel.ends_at = utcnow()
    async with db.transaction() as s:
        assert (await service.sharing(s, actor, "study"))[0] == [glass.id]
