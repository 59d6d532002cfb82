"""The session lookup every request starts with: session, user and the user's department subtree in one statement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from osteon.institutions.models import Department
from osteon.kit.models import utcnow
from osteon.security import repository
from osteon.security.deps import hash_token
from osteon.security.models import AuthSession, User
from tests.factories import make_user, make_world


async def _session_for(db, username: str) -> str:
    token = f"tok-{username}"
    async with db.transaction() as s:
        user = (await s.execute(select(User).where(User.username == username))).scalar_one()
        s.add(AuthSession(user_id=user.id, token_hash=hash_token(token), csrf_token="c",
                          expires_at=utcnow() + timedelta(hours=1)))
    return token


async def test_the_lookup_returns_the_department_and_every_unit_under_it_in_one_statement(app, db, settings):
    world = await make_world(db)
    other = await make_world(db)
    async with db.transaction() as s:
        # a unit two levels down, and one of another hospital (never part of this hospital's subtree)
        cervical = Department(institution_id=world.institution.id, parent_id=world.spine.id, code="CERV", name="颈椎组")
        s.add(cervical)
    doctor, _ = await make_user(db, settings, app.state.cipher, world)
    token = await _session_for(db, doctor)
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as s:
            found = await repository.session_by_token_hash(s, hash_token(token))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert found is not None
    auth, user, departments = found
    assert user.username == doctor and auth.user_id == user.id
    assert departments == {world.ortho.id, world.spine.id, cervical.id}
    assert world.radiology.id not in departments and other.ortho.id not in departments
    assert len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]) == 1


async def test_a_user_without_a_department_has_an_empty_scope_and_a_unit_member_only_their_unit(app, db, settings):
    world = await make_world(db)
    tech, _ = await make_user(db, settings, app.state.cipher, world, role="technician", department=None)
    spine_doc, _ = await make_user(db, settings, app.state.cipher, world, department=world.spine)
    tech_token, spine_token = await _session_for(db, tech), await _session_for(db, spine_doc)
    async with db.transaction() as s:
        assert (await repository.session_by_token_hash(s, hash_token(tech_token)))[2] == frozenset()
        assert (await repository.session_by_token_hash(s, hash_token(spine_token)))[2] == {world.spine.id}
        assert await repository.session_by_token_hash(s, hash_token("no such token")) is None
