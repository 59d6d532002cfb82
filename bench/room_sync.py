"""Shared-viewer sync in the consultation room: presenter event → follower receipt, p50/p99.

Starts real ``osteon serve`` processes on 127.0.0.1 against a fresh PostgreSQL database: one instance with
the in-process (memory) broker, or two instances sharing a Redis (``--redis-url``) with the participants
spread over both. One presenter publishes ``pointer.move`` (laser pointer) and ``viewer.image.index``
(scrolling: a state change) alternately at ``--rate`` Hz; every follower records when each event arrives.
Latency = arrival at the follower − the moment the presenter's client handed the frame to its socket
(matched by the echoed ``ref``), all clients in this process on one monotonic clock: it includes both
WebSocket hops, validation, the atomic state/seq step (Lua in Redis, or in memory) and the fan-out.

    .venv/bin/python bench/room_sync.py                       # 2, 6, 20 participants × 1 and 2 instances
    .venv/bin/python bench/room_sync.py --participants 6 --instances 2 --events 600
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
OSTEON = str(Path(sys.executable).parent / "osteon")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fresh_pg(base: str, name: str) -> str:
    """Drop and create a database; its URL."""
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


async def drop_pg(url: str) -> None:
    """Drop the bench database."""
    from sqlalchemy.ext.asyncio import create_async_engine

    base, name = url.rsplit("/", 1)
    admin = create_async_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.dispose()


async def make_consultation(data_dir: Path, url: str, participants: int) -> tuple[str, list[tuple[str, str]]]:
    """An accepted consultation with a requester, an expert and colleagues; (topic, [(user_id, token)]),
    the expert (presenter) first."""
    from tests.factories import make_patient, make_world

    from osteon.app import create_app
    from osteon.config import Settings
    from osteon.consultations.models import Consultation, Participant
    from osteon.kit.models import utcnow
    from osteon.security.deps import hash_token
    from osteon.security.models import AccessGrant, AuthSession, User

    app = create_app(Settings(data_dir=data_dir, database_url=url, dicom_port=0), start_worker=False)
    async with app.router.lifespan_context(app):
        db = app.state.db
        county, prov = await make_world(db), await make_world(db, level="provincial_tertiary")
        patient = await make_patient(db, app.state.cipher, county)
        people: list[tuple[str, str]] = []
        now = utcnow()
        async with db.transaction() as s:
            users = []
            for i in range(participants):
                world, role = (county, "doctor") if i == 1 else (prov, "expert" if i == 0 else "doctor")
                u = User(username=f"bench{uuid.uuid4().hex[:10]}", full_name=f"参与者{i}", role=role,
                         institution_id=world.institution.id, department_id=world.ortho.id, password_hash="!",
                         must_change_password=False)
                s.add(u)
                await s.flush()
                token = secrets.token_urlsafe(32)
                s.add(AuthSession(user_id=u.id, token_hash=hash_token(token), csrf_token="x", created_at=now,
                                  last_seen_at=now, expires_at=now + timedelta(hours=8)))
                users.append(u)
                people.append((str(u.id), token))
            expert, requester = users[0], users[1]
            c = Consultation(patient_id=patient.id, requester_id=requester.id,
                             requesting_institution_id=county.institution.id,
                             target_institution_id=prov.institution.id, expert_id=expert.id, type="imaging",
                             urgency="urgent", question="bench", status="in_session", scheduled_at=now,
                             sla_due_at=now + timedelta(hours=2))
            s.add(c)
            await s.flush()
            for i, u in enumerate(users):
                role = "expert" if i == 0 else "requester" if i == 1 else "colleague"
                s.add(Participant(consultation_id=c.id, user_id=u.id, role=role))
                if role != "requester":
                    s.add(AccessGrant(grantee_id=u.id, patient_id=patient.id, source="consultation",
                                      consultation_id=c.id, scope=[], ends_at=now + timedelta(days=1)))
            topic = f"consult:{c.id}"
    return topic, people


@contextlib.asynccontextmanager
async def serve(data_dir: Path, url: str, redis_url: str | None, label: str):
    """One ``osteon serve`` process; yields host:port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSTEON_")}
    env.update({"OSTEON_DATABASE_URL": url, "OSTEON_DATA_DIR": str(data_dir)})
    if redis_url:
        env["OSTEON_REDIS_URL"] = redis_url
    log = (data_dir / f"serve-{label}.log").open("w")
    cmd = [OSTEON, "serve", "--port", str(port), "--dicom-port", "0", "--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: ASYNC220 - a long-lived server
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(1200):
                if proc.poll() is not None:
                    raise RuntimeError(f"serve exited; see {log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/healthz", timeout=1)).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


async def run_room(addrs: list[str], topic: str, people: list[tuple[str, str]], events: int, rate: float
                   ) -> tuple[list[float], list[float]]:
    """Connect everyone (round robin over instances), presenter publishes, followers time arrivals.
    Returns (latencies ms on the presenter's instance, latencies ms on other instances)."""
    sockets = []
    for i, (_uid, token) in enumerate(people):
        ws = await websockets.connect(f"ws://{addrs[i % len(addrs)]}/ws?token={token}", max_size=2**22)
        await ws.send(json.dumps({"op": "subscribe", "topic": topic}))
        while json.loads(await ws.recv())["op"] != "snapshot":
            pass
        sockets.append(ws)
    presenter, followers = sockets[0], sockets[1:]
    sent: dict[str, float] = {}
    same: list[float] = []
    other: list[float] = []
    expected = events + 20  # + warm-up

    async def follow(i: int, ws) -> None:
        got = 0
        bucket = same if (i + 1) % len(addrs) == 0 else other
        while got < expected:
            raw = await ws.recv()
            now = time.perf_counter()
            frame = json.loads(raw)
            ref = frame.get("ref")
            if ref in sent and frame.get("op") == "event":
                if not ref.startswith("w"):
                    bucket.append((now - sent[ref]) * 1000)
                got += 1

    await presenter.send(json.dumps({"op": "publish", "topic": topic, "event": "presenter.take", "data": {}}))
    await presenter.send(json.dumps({"op": "publish", "topic": topic, "event": "viewer.series.select",
                                     "data": {"studyUid": "1.2.3", "seriesUid": "1.2.3.4"}}))
    await asyncio.sleep(0.5)

    async def drain_presenter() -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = json.loads(await presenter.recv())
                if frame.get("op") == "error":
                    raise RuntimeError(frame)

    drain = asyncio.create_task(drain_presenter())
    tasks = [asyncio.create_task(follow(i, ws)) for i, ws in enumerate(followers)]
    warmup = 20

    period = 1.0 / rate
    start = time.perf_counter()
    for k in range(events + warmup):
        ref = f"{'w' if k < warmup else 'e'}{k}"
        if k % 2:
            frame = {"event": "viewer.image.index", "data": {"imageIndex": k % 500}}
        else:
            frame = {"event": "pointer.move", "data": {"x": float(k % 800), "y": 100.0}}
        text = json.dumps({"op": "publish", "topic": topic, "ref": ref, **frame})
        sent[ref] = time.perf_counter()
        await presenter.send(text)
        delay = start + (k + 1) * period - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    drain.cancel()
    for ws in sockets:
        await ws.close()
    return same, other


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


async def main() -> None:
    """Run the matrix and print a Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, nargs="*", default=[2, 6, 20])
    ap.add_argument("--instances", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--events", type=int, default=600)
    ap.add_argument("--rate", type=float, default=60.0, help="presenter events per second")
    ap.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    args = ap.parse_args()
    print("load before:", os.getloadavg())
    rows = []
    for n_inst in args.instances:
        url = await fresh_pg(args.pg, f"bench_room_{uuid.uuid4().hex[:8]}")
        with tempfile.TemporaryDirectory() as tmp:
            data_dir = Path(tmp)
            redis_url = args.redis_url if n_inst > 1 else None
            async with contextlib.AsyncExitStack() as stack:
                addrs = [await stack.enter_async_context(serve(data_dir, url, redis_url, "a"))]
                for i in range(1, n_inst):
                    addrs.append(await stack.enter_async_context(serve(data_dir, url, redis_url, f"b{i}")))
                for n in args.participants:
                    topic, people = await make_consultation(data_dir, url, n)
                    same, other = await run_room(addrs, topic, people, args.events, args.rate)
                    allv = same + other
                    rows.append((n, n_inst, len(allv), statistics.median(allv), pct(allv, 0.99),
                                 pct(same, 0.5), pct(same, 0.99), pct(other, 0.5), pct(other, 0.99), max(allv)))
                    print(f"participants={n} instances={n_inst}: p50 {rows[-1][3]:.1f} ms, p99 {rows[-1][4]:.1f} ms",
                          flush=True)
                    if redis_url:
                        import redis.asyncio as redis

                        r = redis.from_url(redis_url)
                        await r.delete(*[f"osteon:{k}:{{{topic}}}" for k in ("seq", "ring", "state", "presence")])
                        await r.aclose()
        await drop_pg(url)
    print("load after:", os.getloadavg())
    print()
    print("| participants | instances | receipts | p50 ms | p99 ms | same-instance p50/p99 | other-instance p50/p99 | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for n, k, cnt, p50, p99, s50, s99, o50, o99, mx in rows:
        other = f"{o50:.1f} / {o99:.1f}" if k > 1 else "—"
        print(f"| {n} | {k} {'(memory)' if k == 1 else '(Redis)'} | {cnt} | {p50:.1f} | {p99:.1f} | "
              f"{s50:.1f} / {s99:.1f} | {other} | {mx:.1f} |")


if __name__ == "__main__":
    asyncio.run(main())
