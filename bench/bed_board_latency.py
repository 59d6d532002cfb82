"""Bed board fan-out: a bed changes state → every connected bed-board screen has the event (issue 3).

Starts ``osteon`` (uvicorn, one worker) in a subprocess on 127.0.0.1 against a fresh database with one hospital
of 1,000 beds (20 wards × 50), then connects the screens a department would run: one nurse-station screen per
ward (subscribed to its ward, ``beds:<ward_id>``) and ``--boards`` hospital boards subscribed to all 20 wards.
Bed state changes (free → closed → free, random beds) are driven through the HTTP API; latency is measured from
the event's ``ts`` (stamped right after the transaction committed) to its arrival at each subscribed screen.
Also reports how long the 1,000-bed snapshot (``GET /api/v1/bed-board`` for all wards) takes.

    .venv/bin/python bench/bed_board_latency.py
    .venv/bin/python bench/bed_board_latency.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_beds \
        --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from queue_latency import HEAD, ROOT, pct, start_server, wait_healthy

WARDS, BEDS_PER_WARD = 20, 50


async def prepare(url: str, data_dir: Path) -> tuple[str, list[str], list[str]]:
    """Migrate, create a hospital with 1,000 beds and a nurse session. Returns (token, ward ids, bed ids)."""
    from osteon.config import Settings
    from osteon.db import Database
    from osteon.inpatient.models import Bed, WardRoom
    from osteon.institutions.models import Department, Institution, Ward
    from osteon.kit.domains import load_all_models
    from osteon.kit.models import utcnow
    from osteon.migrations import upgrade_async
    from osteon.security.deps import hash_token
    from osteon.security.models import AuthSession, User

    if url.startswith("postgresql"):
        from sqlalchemy.ext.asyncio import create_async_engine

        base, name = url.rsplit("/", 1)
        admin = create_async_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        await admin.dispose()
    await upgrade_async(url)
    load_all_models()
    Settings(data_dir=data_dir, database_url=url)
    db = Database(url)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ward_ids: list[str] = []
    bed_ids: list[str] = []
    async with db.transaction() as s:
        inst = Institution(code="BENCH", name="基准医院", mrn_prefix="B")
        s.add(inst)
        await s.flush()
        dep = Department(institution_id=inst.id, code="ORTHO", name="骨科", subspecialty="ortho")
        s.add(dep)
        await s.flush()
        nurse = User(username="bench_nurse", full_name="陈静", role="nurse", institution_id=inst.id, department_id=dep.id,
                     password_hash="!", must_change_password=False)
        s.add(nurse)
        await s.flush()
        s.add(AuthSession(user_id=nurse.id, token_hash=hash_token(token), csrf_token="x", created_at=now,
                          last_seen_at=now, expires_at=now + timedelta(hours=8)))
        for w in range(WARDS):
            ward = Ward(institution_id=inst.id, department_id=dep.id, code=f"W{w:02d}", name=f"骨科{w + 1}病区")
            s.add(ward)
            await s.flush()
            ward_ids.append(str(ward.id))
            for r in range(BEDS_PER_WARD // 5):
                room = WardRoom(ward_id=ward.id, code=f"{r + 1:02d}")
                s.add(room)
                await s.flush()
                for b in range(5):
                    bed = Bed(institution_id=inst.id, ward_id=ward.id, room_id=room.id, code=f"{r * 5 + b + 1:02d}")
                    s.add(bed)
                    await s.flush()
                    bed_ids.append(str(bed.id))
    await db.dispose()
    return token, ward_ids, bed_ids


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Run the benchmark; returns the figures."""
    (ROOT / "var").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-beds-", dir=ROOT / "var"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    token, ward_ids, bed_ids = await prepare(url, tmp)
    server, port = start_server(url, tmp, args.redis_url)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            await wait_healthy(http)
            snapshot_ms = []
            for _ in range(10):
                t0 = time.perf_counter()
                r = await http.get("/api/v1/bed-board", params=[("ward_id", w) for w in ward_ids])
                snapshot_ms.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
            beds_on_board = len(r.json()["beds"])

            # screens: one per ward + `boards` whole-hospital boards (one socket, 20 topics each)
            screens: list[tuple[websockets.ClientConnection, list[str]]] = []
            for w in ward_ids:
                screens.append((await websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_size=2**24), [w]))
            for _ in range(args.boards):
                screens.append((await websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_size=2**24), ward_ids))
            expected_per_ward = {w: 1 + args.boards for w in ward_ids}
            for ws, wards in screens:
                for w in wards:
                    await ws.send(json.dumps({"op": "subscribe", "topic": f"beds:{w}"}))
                    snap = json.loads(await ws.recv())
                    assert snap["op"] == "snapshot", snap
            arrivals: dict[tuple[str, int], list[float]] = {}
            ts_of: dict[tuple[str, int], float] = {}

            async def reader(ws: websockets.ClientConnection) -> None:
                """Record when each event arrives (seq and ts from the frame head; topic from the body)."""
                async for raw in ws:
                    got = time.time()
                    m = HEAD.match(raw)
                    if m:
                        topic = json.loads(raw)["topic"]
                        key = (topic, int(m["seq"]))
                        arrivals.setdefault(key, []).append(got)
                        ts_of[key] = float(m["ts"])

            readers = [asyncio.create_task(reader(ws)) for ws, _ in screens]
            rng = random.Random(7)
            http_ms: list[float] = []
            for _ in range(args.changes):
                bed = rng.choice(bed_ids)
                for state in ("closed", "free"):
                    t0 = time.perf_counter()
                    r = await http.post(f"/api/v1/beds/{bed}/state", json={"state": state})
                    http_ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"bed state: {r.status_code} {r.text}")
                await asyncio.sleep(args.pause)
            events = args.changes * 2
            deadline = time.time() + 10

            def complete(key: tuple[str, int]) -> bool:
                return len(arrivals[key]) >= expected_per_ward[key[0].split(":", 1)[1]]

            while time.time() < deadline and (len(arrivals) < events or not all(complete(k) for k in arrivals)):
                await asyncio.sleep(0.05)
            for t in readers:
                t.cancel()
            for ws, _ in screens:
                await ws.close()
        all_deliveries = [t - ts_of[k] for k, ts in arrivals.items() for t in ts]
        slowest = [max(ts) - ts_of[k] for k, ts in arrivals.items()]
        return {
            "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
            "broker": "Redis" if args.redis_url else "in-process",
            "beds": beds_on_board, "wards": len(ward_ids), "ward_screens": len(ward_ids), "hospital_boards": args.boards,
            "events": len(arrivals), "events_reaching_all_screens": sum(1 for k in arrivals if complete(k)),
            "all_screens_p50_ms": round(pct(slowest, 0.5), 2), "all_screens_p99_ms": round(pct(slowest, 0.99), 2),
            "per_delivery_p50_ms": round(pct(all_deliveries, 0.5), 2), "per_delivery_p99_ms": round(pct(all_deliveries, 0.99), 2),
            "http_change_p50_ms": round(statistics.median(http_ms), 2),
            "snapshot_1000_beds_p50_ms": round(statistics.median(snapshot_ms), 2),
        }
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """CLI."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--boards", type=int, default=10, help="whole-hospital boards (each subscribed to every ward)")
    ap.add_argument("--changes", type=int, default=150, help="beds closed and reopened")
    ap.add_argument("--pause", type=float, default=0.01, help="seconds between changes")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--redis-url", default=None)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
