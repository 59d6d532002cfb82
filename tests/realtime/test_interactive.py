"""Interactive topics: the Redis (Lua) and in-process implementations of the atomic step agree, and a snapshot
taken during a burst is exactly the state at its seq — on both backends."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from osteon.app import create_app
from osteon.realtime import hub as hubmod
from osteon.realtime import interactive as ia
from osteon.realtime.interactive import Cond, Step
from tests.conftest import IN_CI, make_settings
from tests.consultations.roomkit import make_room
from tests.realtime.wsutil import connect, recv, recv_until, send, serve

REDIS_URL = os.environ.get("OSTEON_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


async def _redis_or_skip() -> None:
    """Fail in CI, skip elsewhere, when Redis is not running."""
    import redis.asyncio as redis

    r = redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except Exception:  # noqa: BLE001 - any failure means "not usable here"
        if IN_CI:
            pytest.fail("Redis is not reachable at " + REDIS_URL)
        pytest.skip("Redis not running")
    finally:
        await r.aclose()


class _NullBroker:
    """Swallows messages (the parity test looks at results and state only)."""

    async def publish(self, topic: str, message: dict) -> None:
        """Drop."""


SCRIPT: list[tuple[dict | None, list[Step]]] = [
    ({"op": "join", "field": "u1|c1", "user": "u1", "now": 100.0, "exp": 200.0},
     [Step("presence.join", {"user_id": "u1"}, set={"m:u1": {"n": 1}})]),
    ({"op": "join", "field": "u1|c2", "user": "u1", "now": 101.0, "exp": 201.0},  # second socket: skip
     [Step("presence.join", {"user_id": "u1"}, set={"m:u1": {"n": 1}})]),
    (None, [Step("presenter.take", {}, set={"presenter": "u1"})]),
    (None, [Step("viewer.voi.set", {}, when=[Cond("presenter", "eq", "u2", code="forbidden")], set={"v.voi": 1})]),
    (None, [Step("viewer.voi.set", {}, when=[Cond("presenter", "eq", "u1")], set={"v.voi": {"w": 400.5}})]),
    (None, [Step("annotation.add", {}, when=[Cond("a:x", "absent"), Cond("a:", "count_lt", 2)], set={"a:x": [1]})]),
    (None, [Step("annotation.add", {}, when=[Cond("a:y", "absent"), Cond("a:", "count_lt", 2)], set={"a:y": [2]})]),
    (None, [Step("annotation.add", {}, when=[Cond("a:z", "absent"), Cond("a:", "count_lt", 2)], set={"a:z": [3]})]),
    (None, [Step("annotation.remove", {}, when=[Cond("a:x", "present")], delete=["a:x"])]),
    (None, [Step("telestration.add", {}, set={"t:or:1": "a", "t:or:2": "b", "t:p:1": "c"})]),
    (None, [Step("telestration.clear", {}, delete_prefix=["t:or:"])]),
    (None, [Step("pointer.move", {"x": 1})]),
    (None, [Step(None, None, set={"quiet": True})]),  # a state write without an event takes no seq
    ({"op": "leave", "field": "u1|c1", "user": "u1", "now": 150.0, "expired_before": None},  # u1 still has c2
     [Step("presence.leave", {}, delete=["m:u1"])]),
    ({"op": "leave", "field": "u1|c2", "user": "u1", "now": 150.0, "expired_before": 100.0},  # not expired yet
     [Step("presence.leave", {}, delete=["m:u1"])]),
    ({"op": "leave", "field": "u1|c2", "user": "u1", "now": 300.0, "expired_before": 300.0},  # expired: reaped
     [Step("presence.leave", {}, delete=["m:u1"]),
      Step("presenter.clear", {}, when=[Cond("presenter", "eq", "u1")], delete=["presenter"], required=False),
      Step("never", {}, when=[Cond("presenter", "eq", "u9")], required=False)]),
    ({"op": "leave", "field": "u1|c2", "user": "u1", "now": 300.0, "expired_before": None},  # already gone
     [Step("presence.leave", {}, delete=["m:u1"])]),
]


async def test_the_lua_script_and_the_in_process_apply_agree():
    await _redis_or_skip()
    topic = f"consult:{uuid.uuid4()}"
    mem, red = hubmod.MemorySequencer(_NullBroker()), hubmod.RedisSequencer(REDIS_URL)
    try:
        for presence, steps in SCRIPT:
            encoded = ia.encode_steps(steps, topic, 1.0)
            a, b = await mem.apply(topic, presence, encoded), await red.apply(topic, presence, encoded)
            assert a == b, (steps, a, b)
        seq_m, fields_m, presence_m = await mem.read_state(topic)
        seq_r, fields_r, presence_r = await red.read_state(topic)
        assert (seq_m, fields_m, presence_m) == (seq_r, fields_r, presence_r)
        # join, take, voi, add x, add y, remove x, telestration add, clear, pointer, leave, presenter clear
        assert seq_m == 11
        assert fields_m == {"v.voi": '{"w":400.5}', "a:y": "[2]", "t:p:1": '"c"', "quiet": "true"}
        assert presence_m == {}
    finally:
        import redis.asyncio as redis

        r = redis.from_url(REDIS_URL)
        await r.delete(*red._keys(topic))
        await r.aclose()
        await red.close()


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_a_snapshot_taken_during_a_burst_is_the_state_at_its_seq(app, db, settings, data_dir, backend):
    if backend == "redis":
        await _redis_or_skip()
        target = create_app(make_settings(data_dir, settings.resolved_database_url(), redis_url=REDIS_URL),
                            database=db, start_worker=False)
    else:
        target = app
    r = await make_room(db, app)
    t = r.topic
    ctx = target.router.lifespan_context(target) if target is not app else None
    if ctx is not None:
        await ctx.__aenter__()
    try:
        async with serve(target) as addr:
            wb = await connect(addr, r.expert.token)
            await send(wb, op="subscribe", topic=t)
            await recv(wb)
            await send(wb, op="publish", topic=t, event="presenter.take", data={})
            await send(wb, op="publish", topic=t, event="viewer.series.select",
                       data={"studyUid": "1.2", "seriesUid": "1.2.3"})

            snapped = asyncio.Event()
            sent: list[int] = []

            async def burst() -> None:
                # keep publishing until the late joiner has its snapshot, then a few more: the snapshot is always
                # taken mid-burst, however slowly the joiner connects on a loaded machine
                i = 0
                while i < 150 or not snapped.is_set() or len(sent) < 20:
                    await send(wb, op="publish", topic=t, event="viewer.image.index", data={"imageIndex": i}, ref=f"i{i}")
                    if snapped.is_set():
                        sent.append(i)
                    i += 1
                    # the first 150 as fast as possible (inside the 300-event burst allowance), then at 50/s, under
                    # the 150/s sustained publish limit, for as long as the joiner takes
                    await asyncio.sleep(0 if i < 150 else 0.02)
                await send(wb, op="publish", topic=t, event="viewer.image.index", data={"imageIndex": i}, ref="last")
                sent.append(i)

            # the presenter reads its own echoes as they come, so a long burst never backs up its socket
            reader = asyncio.create_task(recv_until(wb, lambda f: f.get("ref") == "last", timeout=15))
            task = asyncio.create_task(burst())
            await asyncio.sleep(0.01)
            wa = await connect(addr, r.requester.token)
            await send(wa, op="subscribe", topic=t)
            snap = await recv(wa)
            snapped.set()
            await task
            last = sent[-1]
            seen = await reader
            assert not [f for f in seen if f.get("op") == "error"], [f for f in seen if f.get("op") == "error"][:3]
            # the presenter saw every event: the snapshot must show the last image index at or before its seq
            index_at = 0
            for f in seen:
                if f.get("event") == "viewer.image.index" and f["seq"] <= snap["seq"]:
                    index_at = f["data"]["imageIndex"]
            assert snap["data"]["viewer"]["imageIndex"] == index_at
            # and the late joiner's events after the snapshot lead to the presenter's final state, no gap
            after = await recv_until(wa, lambda f: f.get("ref") == "last", timeout=15)
            assert [f["seq"] for f in after] == list(range(snap["seq"] + 1, after[-1]["seq"] + 1))
            assert after[-1]["data"]["imageIndex"] == last
            await wa.close()
            await wb.close()
    finally:
        if ctx is not None:
            await ctx.__aexit__(None, None, None)
        if backend == "redis":
            import redis.asyncio as redis

            rr = redis.from_url(REDIS_URL)
            await rr.delete(*hubmod.RedisSequencer._keys(t))
            await rr.aclose()

