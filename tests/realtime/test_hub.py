"""The /ws hub through a real uvicorn server and a real WebSocket client: order, snapshot, resume, access."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import websockets

from osteon.app import create_app
from osteon.kit.errors import NotFound
from osteon.realtime import hub as hubmod
from tests.conftest import IN_CI, make_settings
from tests.factories import make_world
from tests.realtime.wsutil import connect, recv, recv_until, send, serve
from tests.scheduling.helpers import fast_user

# A test-only topic kind: "test-room:<name>"; "secret…" rooms are forbidden, "gone…" rooms don't exist.
STATE: dict[str, int] = {}


async def _authorize(session, actor, m):
    if m["name"].startswith("gone"):
        raise NotFound()
    return not m["name"].startswith("secret")


async def _snapshot(session, actor, m):
    return {"count": STATE.get(m["name"], 0)}


hubmod.register_topic(r"test-room:(?P<name>[a-z0-9]+)", _authorize, _snapshot, name="test-room")


def room() -> str:
    """A fresh room name."""
    return "r" + uuid.uuid4().hex[:12]


async def bump(hub: hubmod.Hub, name: str) -> dict:
    """Change the room's state, then publish (as a domain does after its commit)."""
    STATE[name] = STATE.get(name, 0) + 1
    return await hub.publish(f"test-room:{name}", "count.changed", {"count": STATE[name]})


async def _token(client, app, db, settings) -> str:
    world = await make_world(db)
    _, token = await fast_user(db, world, "nurse")
    return token[6:]


async def test_late_joiner_gets_snapshot_then_live_events_in_order(client, app, db, settings):
    token = await _token(client, app, db, settings)
    name = room()
    for _ in range(3):
        await bump(app.state.hub, name)
    async with serve(app) as addr:
        ws = await connect(addr, token)
        await send(ws, op="subscribe", topic=f"test-room:{name}")
        snap = await recv(ws)
        assert snap == {"op": "snapshot", "topic": f"test-room:{name}", "seq": 3, "data": {"count": 3}}
        for _ in range(20):
            await bump(app.state.hub, name)
        frames = [await recv(ws) for _ in range(20)]
        assert [f["seq"] for f in frames] == list(range(4, 24))
        assert [f["data"]["count"] for f in frames] == list(range(4, 24))
        assert all(f["op"] == "event" and f["event"] == "count.changed" for f in frames)
        await send(ws, op="ping")
        assert (await recv(ws))["op"] == "pong"
        await ws.close()


async def test_reconnect_with_since_replays_missed_events_instead_of_snapshot(client, app, db, settings):
    token = await _token(client, app, db, settings)
    name = room()
    async with serve(app) as addr:
        ws = await connect(addr, token)
        await send(ws, op="subscribe", topic=f"test-room:{name}")
        assert (await recv(ws))["seq"] == 0
        await bump(app.state.hub, name)
        await bump(app.state.hub, name)
        last = [await recv(ws), await recv(ws)][-1]["seq"]
        await ws.close()  # the drop
        for _ in range(5):
            await bump(app.state.hub, name)  # missed while away
        ws = await connect(addr, token)
        await send(ws, op="subscribe", topic=f"test-room:{name}", since=last)
        head = await recv(ws)
        assert head["op"] == "resumed" and head["since"] == 2
        missed = [await recv(ws) for _ in range(5)]
        assert [m["seq"] for m in missed] == [3, 4, 5, 6, 7]
        await bump(app.state.hub, name)
        assert (await recv(ws))["seq"] == 8  # then the live stream, no gap, no duplicate
        await ws.close()


async def test_reconnect_older_than_the_ring_gets_a_snapshot(client, app, db, settings):
    token = await _token(client, app, db, settings)
    name = room()
    for _ in range(hubmod.RING_SIZE + 10):
        await bump(app.state.hub, name)
    async with serve(app) as addr:
        ws = await connect(addr, token)
        await send(ws, op="subscribe", topic=f"test-room:{name}", since=1)
        snap = await recv(ws)
        assert snap["op"] == "snapshot" and snap["seq"] == hubmod.RING_SIZE + 10
        assert snap["data"] == {"count": hubmod.RING_SIZE + 10}
        await ws.close()


async def test_refused_subscribe_sends_an_error_and_keeps_other_subscriptions(client, app, db, settings):
    token = await _token(client, app, db, settings)
    name = room()
    async with serve(app) as addr:
        ws = await connect(addr, token)
        await send(ws, op="subscribe", topic=f"test-room:{name}")
        assert (await recv(ws))["op"] == "snapshot"
        await send(ws, op="subscribe", topic="test-room:secretroom")
        assert await recv(ws) == {"op": "error", "code": "forbidden", "message": "not allowed", "topic": "test-room:secretroom"}
        await send(ws, op="subscribe", topic="test-room:goneroom")
        assert (await recv(ws))["code"] == "not_found"
        await send(ws, op="subscribe", topic="nonsense:1")
        assert (await recv(ws))["code"] == "not_found"
        await send(ws, op="subscribe", topic=f"test-room:{name}", since="x")
        assert (await recv(ws))["code"] == "bad_request"
        await ws.send("not json")
        assert (await recv(ws))["code"] == "bad_request"
        await bump(app.state.hub, name)
        ev = await recv(ws)
        assert ev["op"] == "event" and ev["seq"] == 1  # the first subscription still streams
        await send(ws, op="unsubscribe", topic=f"test-room:{name}")
        assert (await recv(ws))["op"] == "unsubscribed"
        await ws.close()


async def test_socket_without_a_valid_session_is_closed_4401(client, app, db, settings):
    async with serve(app) as addr:
        ws = await connect(addr, "not-a-token")
        assert (await recv(ws))["code"] == "unauthorized"
        with pytest.raises(websockets.ConnectionClosed) as info:
            await recv(ws)
        assert info.value.rcvd.code == 4401


async def test_cookie_session_from_another_origin_is_refused(client, app, db, settings):
    token = await _token(client, app, db, settings)
    async with serve(app) as addr:
        evil = await websockets.connect(f"ws://{addr}/ws", additional_headers={"Cookie": f"osteon_session={token}"},
                                        origin="http://evil.example")
        assert (await recv(evil))["code"] == "unauthorized"
        await evil.close()
        good = await websockets.connect(f"ws://{addr}/ws", additional_headers={"Cookie": f"osteon_session={token}"},
                                        origin=f"http://{addr}")
        await send(good, op="ping")
        assert (await recv(good))["op"] == "pong"
        await good.close()


async def test_subscribe_during_a_burst_loses_and_duplicates_nothing(client, app, db, settings):
    token = await _token(client, app, db, settings)
    name = room()
    async with serve(app) as addr:
        ws = await connect(addr, token)

        async def burst() -> None:
            for _ in range(200):
                await bump(app.state.hub, name)
                await asyncio.sleep(0)

        task = asyncio.create_task(burst())
        await asyncio.sleep(0.005)
        await send(ws, op="subscribe", topic=f"test-room:{name}")
        await task
        snap = await recv(ws)
        assert snap["op"] == "snapshot"
        seqs = [snap["seq"]]
        while seqs[-1] < 200:
            seqs.append((await recv(ws))["seq"])
        assert seqs == list(range(snap["seq"], 201))
        await ws.close()


REDIS_URL = os.environ.get("OSTEON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _redis_up() -> bool:
    import redis.asyncio as redis

    r = redis.from_url(REDIS_URL)
    try:
        return bool(await r.ping())
    except Exception:  # noqa: BLE001 — any failure means Redis is not usable here
        return False
    finally:
        await r.aclose()


async def test_two_instances_through_redis_deliver_the_same_events_in_the_same_order(client, app, db, settings, data_dir):
    if not await _redis_up():
        if IN_CI:
            pytest.fail("Redis is not reachable at " + REDIS_URL)
        pytest.skip("Redis not running")
    token = await _token(client, app, db, settings)
    name = room()
    topic = f"test-room:{name}"
    s = make_settings(data_dir, settings.resolved_database_url(), redis_url=REDIS_URL)
    a, b = create_app(s, database=db, start_worker=False), create_app(s, database=db, start_worker=False)
    async with a.router.lifespan_context(a), b.router.lifespan_context(b), serve(a) as addr_a, serve(b) as addr_b:
        wa, wb = await connect(addr_a, token), await connect(addr_b, token)
        await send(wa, op="subscribe", topic=topic)
        await send(wb, op="subscribe", topic=topic)
        assert (await recv(wa))["op"] == "snapshot" and (await recv(wb))["op"] == "snapshot"

        async def publisher(hub: hubmod.Hub, label: str) -> None:
            for i in range(25):
                await hub.publish(topic, "count.changed", {"from": label, "i": i})
                await asyncio.sleep(0)

        await asyncio.gather(publisher(a.state.hub, "a"), publisher(b.state.hub, "b"))
        got_a = [await recv(wa) for _ in range(50)]
        got_b = [await recv(wb) for _ in range(50)]
        assert [m["seq"] for m in got_a] == list(range(1, 51))
        assert got_a == got_b  # same events, same order, same seq on both instances
        assert sorted((m["data"]["from"], m["data"]["i"]) for m in got_a) == sorted(
            [("a", i) for i in range(25)] + [("b", i) for i in range(25)])
        # A client that dropped from instance A resumes on instance B from the shared ring.
        await wa.close()
        await a.state.hub.publish(topic, "count.changed", {"from": "a", "i": 99})
        assert (await recv(wb))["seq"] == 51
        wa2 = await connect(addr_b, token)
        await send(wa2, op="subscribe", topic=topic, since=48)
        frames = await recv_until(wa2, lambda f: f["op"] == "event" and f["seq"] == 51)
        assert frames[0]["op"] == "resumed" and [f["seq"] for f in frames[1:]] == [49, 50, 51]
        await b.state.hub.publish_many([(topic, "count.changed", {"batch": k}) for k in range(3)])  # one round trip
        batch = [await recv(wa2) for _ in range(3)]
        assert [(f["seq"], f["data"]["batch"]) for f in batch] == [(52, 0), (53, 1), (54, 2)]
        await wa2.close()
        await wb.close()
