"""Two real ``osteon serve`` processes on one PostgreSQL database and one Redis, one participant on each:
the consultation room's events, state, snapshot, presence and presenter rule are the same on both."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from osteon.app import create_app
from tests.conftest import IN_CI, create_pg_database, make_settings
from tests.consultations.roomkit import make_room
from tests.realtime.wsutil import connect, recv, recv_until, send

PG_BASE = os.environ.get("OSTEON_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_DB = 7  # this test's keys live in their own Redis database and are deleted afterwards
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
OSTEON = str(Path(sys.executable).parent / "osteon")


def _free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _reachable() -> str | None:
    """Why PostgreSQL or Redis can't be used, or None."""
    import redis.asyncio as redis

    r = redis.from_url(REDIS_URL)
    try:
        await r.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
        return f"Redis at {REDIS_URL}: {exc}"
    finally:
        await r.aclose()
    engine = create_async_engine(PG_BASE)
    try:
        async with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
        return f"PostgreSQL at {PG_BASE}: {exc}"
    finally:
        await engine.dispose()
    return None


async def _wait_healthy(port: int, proc: subprocess.Popen, log: Path) -> None:
    """Poll /healthz until the instance answers (or fail with its log)."""
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"osteon serve exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"osteon serve did not come up: {log.read_text()[-2000:]}")


@contextlib.asynccontextmanager
async def instance(data_dir: Path, db_url: str, label: str) -> AsyncIterator[tuple[str, subprocess.Popen]]:
    """One ``osteon serve`` process on a free port; yields (host:port, process)."""
    port = _free_port()
    log = data_dir / f"serve-{label}.log"
    env = {**os.environ, "OSTEON_DATABASE_URL": db_url, "OSTEON_REDIS_URL": REDIS_URL,
           "OSTEON_WS_HEARTBEAT_SECONDS": "0.5", "OSTEON_WS_PRESENCE_TTL_SECONDS": "2"}
    with log.open("w") as out:
        cmd = [OSTEON, "serve", "--data-dir", str(data_dir), "--port", str(port), "--dicom-port", "0"]
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220 - a long-lived server
    try:
        await _wait_healthy(port, proc, log)
        yield f"127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)


async def _cleanup(db_name: str, topic: str | None) -> None:
    """Drop the test's database and its Redis keys."""
    import redis.asyncio as redis

    if topic:
        r = redis.from_url(REDIS_URL)
        try:
            await r.delete(*[f"osteon:{k}:{{{topic}}}" for k in ("seq", "ring", "state", "presence")])
        finally:
            await r.aclose()
    admin = create_async_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    await admin.dispose()


async def test_two_serve_processes_share_the_room_through_redis(tmp_path):
    why = await _reachable()
    if why:
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)
    db_name = f"osteon_two_{uuid.uuid4().hex[:8]}"
    db_url = await create_pg_database(PG_BASE, db_name)
    topic = None
    try:
        # A starts first (it migrates and makes the keys), then B
        async with instance(tmp_path, db_url, "a") as (addr_a, _), instance(tmp_path, db_url, "b") as (addr_b, proc_b):
            # the test writes its consultation through an in-process app on the same database and keys
            local = create_app(make_settings(tmp_path, db_url), start_worker=False)
            async with local.router.lifespan_context(local):
                r = await make_room(local.state.db, local)
            topic = r.topic
            await _scenario(r, addr_a, addr_b, proc_b)
    finally:
        await _cleanup(db_name, topic)


async def _scenario(r, addr_a: str, addr_b: str, proc_b: subprocess.Popen) -> None:
    """Requester on instance A, expert on instance B."""
    t = r.topic
    wa = await connect(addr_a, r.requester.token)
    await send(wa, op="subscribe", topic=t)
    assert (await recv(wa))["op"] == "snapshot"
    wb = await connect(addr_b, r.expert.token)
    await send(wb, op="subscribe", topic=t)
    snap_b = await recv(wb)
    assert sorted(p["role"] for p in snap_b["data"]["participants"]) == ["expert", "requester"]
    joined = await recv(wa)
    assert joined["event"] == "presence.join" and joined["seq"] == snap_b["seq"]

    # the presenter rule holds across instances: the requester (A) is refused until it takes the role
    await send(wa, op="publish", topic=t, event="viewer.image.index", data={"imageIndex": 1}, ref="a0")
    assert (await recv(wa))["code"] == "forbidden"
    await send(wb, op="publish", topic=t, event="presenter.take", data={})
    await send(wb, op="publish", topic=t, event="viewer.series.select",
               data={"studyUid": "1.2.3", "seriesUid": "1.2.3.4", "imageIndex": 5})
    await send(wb, op="publish", topic=t, event="viewer.voi.set", data={"voi": {"windowWidth": 2000, "windowCenter": 500}})
    await send(wb, op="publish", topic=t, event="annotation.add", data={"annotation": {
        "uid": "cobb-1", "tool": "cobb", "seriesUid": "1.2.3.4", "sopUid": "1.2.3.4.5", "label": "Cobb 31°",
        "points": [[0, 0, 0], [10, 1, 0], [0, 40, 0], [10, 38, 0]]}})

    # both sides publish at the same time: the presenter's pointer (B) and the requester's media state (A)
    async def pointer() -> None:
        for i in range(40):
            await send(wb, op="publish", topic=t, event="pointer.move", data={"x": i, "y": i})

    async def media() -> None:
        for i in range(40):
            await send(wa, op="publish", topic=t, event="media.state", data={"camera": i % 2 == 0, "mic": True})

    await asyncio.gather(pointer(), media())
    # each sender's last event marks the end of its stream (frames of the other may still be in flight)
    await send(wb, op="publish", topic=t, event="viewer.image.index", data={"imageIndex": 9}, ref="end-b")
    await send(wa, op="publish", topic=t, event="media.state", data={"camera": False, "mic": True}, ref="end-a")

    async def until_both(ws) -> list[dict]:
        frames: list[dict] = []
        while {"end-a", "end-b"} - {f.get("ref") for f in frames}:
            frames.append(await recv(ws))
        return frames

    got_a, got_b = await until_both(wa), await until_both(wb)
    assert got_a == got_b  # the same events, in the same order, with the same seqs, on both instances
    assert [f["seq"] for f in got_a] == list(range(snap_b["seq"] + 1, snap_b["seq"] + 1 + len(got_a)))
    assert all(f["op"] == "event" for f in got_a) and len(got_a) == 4 + 80 + 2, [f["event"] for f in got_a]
    assert [f["data"]["x"] for f in got_a if f["event"] == "pointer.move"] == list(range(40))

    # a late joiner gets the same snapshot from either instance
    wc1 = await connect(addr_a, r.colleague.token)
    await send(wc1, op="subscribe", topic=t)
    snap_1 = await recv(wc1)
    for ws in (wa, wb):
        seen = await recv(ws)
        assert seen["event"] == "presence.join"
    wc2 = await connect(addr_b, r.colleague.token)  # a second socket of the same user: no new join, same seq
    await send(wc2, op="subscribe", topic=t)
    snap_2 = await recv(wc2)
    assert snap_1 == snap_2
    d = snap_1["data"]
    assert d["presenter"] == r.expert.user_id and d["viewer"]["imageIndex"] == 9
    assert d["viewer"]["voi"] == {"windowWidth": 2000.0, "windowCenter": 500.0}
    assert list(d["annotations"]) == ["cobb-1"] and len(d["participants"]) == 3
    assert d["media"][r.requester.user_id] == {"camera": False, "mic": True, "screen": False, "quality": "unknown"}

    # a drop from B, resumed on A from the shared ring
    last = seen["seq"]  # the last event the expert's socket on B applied
    await wb.close()
    for ws in (wa, wc1):
        await recv_until(ws, lambda f: f.get("event") == "presenter.clear")  # B noticed the drop
    await send(wa, op="publish", topic=t, event="media.state", data={"camera": True, "mic": True})
    wb = await connect(addr_a, r.expert.token)
    await send(wb, op="subscribe", topic=t, since=last)
    frames = await recv_until(wb, lambda f: f.get("event") == "presence.join" and f["data"]["user_id"] == r.expert.user_id)
    assert frames[0]["op"] == "resumed" and [f["seq"] for f in frames[1:]] == list(range(last + 1, frames[0]["seq"] + 1))
    assert [f["event"] for f in frames[1:]] == ["presence.leave", "presenter.clear", "media.state", "presence.join"]

    # The colleague closes the socket on A (no leave: the one on B remains), then instance B crashes (SIGKILL:
    # no unsubscribe, no leave). Its presence entry expires and instance A reaps it: presence.leave.
    for ws in (wa, wc1):  # up to the expert's re-join
        await recv_until(ws, lambda f: f.get("event") == "presence.join" and f["data"]["user_id"] == r.expert.user_id)
    await wc1.close()
    proc_b.kill()
    frames = await recv_until(wa, lambda f: f.get("event") == "presence.leave", timeout=30)
    assert [(f["event"], f["data"]) for f in frames] == [("presence.leave", {"user_id": r.colleague.user_id})]
    for ws in (wa, wb):
        await ws.close()
