"""Queue update latency: doctor's call-next/complete → every connected screen has the event.

Starts ``osteon`` (uvicorn, one worker) in a subprocess on 127.0.0.1 against a fresh database, connects N
WebSocket clients subscribed to ``queue:<doctor>:<date>``, then drives the queue through HTTP. Latency is
measured from the event's ``ts`` (stamped right after the transaction committed) to its arrival at each
client; "all screens" is the slowest client per event. Same machine, same clock.

    .venv/bin/python bench/queue_latency.py --clients 50 --patients 200
    .venv/bin/python bench/queue_latency.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_q \
        --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import websockets

HEAD = re.compile(r'\{"seq":\s*(?P<seq>\d+),\s*"op":\s*"event".*?"ts":\s*(?P<ts>[0-9.e+]+)')
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, data_dir: Path, redis_url: str | None) -> tuple[subprocess.Popen, int]:
    """``osteon``'s app under uvicorn (one worker) in a subprocess on a free loopback port."""
    port = free_port()
    env = {**os.environ, "OSTEON_DATABASE_URL": url, "OSTEON_DATA_DIR": str(data_dir)}
    if redis_url:
        env["OSTEON_REDIS_URL"] = redis_url
    code = ("import uvicorn; from osteon.app import create_app; "
            f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning', ws='websockets-sansio')")
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=data_dir), port


async def wait_healthy(http: httpx.AsyncClient) -> None:
    """Up to 60 s for the server to answer /healthz."""
    for _ in range(1200):
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit("the server did not start")


async def prepare(url: str, data_dir: Path, patients: int) -> tuple[str, str, uuid.UUID, date]:
    """Migrate, create a hospital, a doctor with a session spanning now and ``patients`` checked-in patients.
    Returns (doctor token, session id, doctor id, session date)."""
    from osteon.config import Settings
    from osteon.db import Database
    from osteon.institutions.models import Department, Institution
    from osteon.kit.models import utcnow
    from osteon.migrations import upgrade_async
    from osteon.patients.models import Patient
    from osteon.scheduling.models import Appointment, ClinicSession, Slot
    from osteon.scheduling.service import local_today
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
    Settings(data_dir=data_dir, database_url=url)
    db = Database(url)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    async with db.transaction() as s:
        inst = Institution(code="BENCH", name="基准医院", mrn_prefix="B")
        s.add(inst)
        await s.flush()
        dep = Department(institution_id=inst.id, code="SPINE", name="脊柱外科", subspecialty="spine")
        s.add(dep)
        await s.flush()
        doctor = User(username="bench_doctor", full_name="李明", role="doctor", institution_id=inst.id, department_id=dep.id,
                      password_hash="!", must_change_password=False)
        s.add(doctor)
        await s.flush()
        s.add(AuthSession(user_id=doctor.id, token_hash=hash_token(token), csrf_token="x", created_at=now,
                          last_seen_at=now, expires_at=now + timedelta(hours=8)))
        day = local_today(None)
        cs = ClinicSession(institution_id=inst.id, department_id=dep.id, doctor_id=doctor.id, session_date=day,
                           period="morning", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=6),
                           slot_minutes=5, capacity=patients, fee_category="general", fee_amount=10, room="脊柱1诊室",
                           next_queue_no=patients)
        s.add(cs)
        await s.flush()
        slot = Slot(session_id=cs.id, starts_at=cs.starts_at, ends_at=cs.ends_at, capacity=patients, booked=patients)
        s.add(slot)
        await s.flush()
        for i in range(patients):
            p = Patient(mrn=f"B{i:08d}", institution_id=inst.id, name=f"患者{i:03d}", sex="male")
            s.add(p)
            await s.flush()
            s.add(Appointment(institution_id=inst.id, session_id=cs.id, slot_id=slot.id, patient_id=p.id,
                              department_id=dep.id, doctor_id=doctor.id, session_date=day, source="walk_in",
                              status="checked_in", fee_category="general", fee_amount=10, queue_no=i + 1,
                              checked_in_at=now - timedelta(minutes=patients - i), visit_no=f"BENCH-{i:05d}"))
        ids = (str(cs.id), doctor.id)
    await db.dispose()
    return token, ids[0], ids[1], day


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) in ms."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))] * 1000


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Run the benchmark; returns the figures."""
    (ROOT / "var").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-queue-", dir=ROOT / "var"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    token, session_id, doctor_id, day = await prepare(url, tmp, args.patients)
    server, port = start_server(url, tmp, args.redis_url)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            await wait_healthy(http)
            topic = f"queue:{doctor_id}:{day.isoformat()}"
            arrivals: dict[int, list[float]] = {}
            ts_of: dict[int, float] = {}
            clients = []
            for _ in range(args.clients):
                ws = await websockets.connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_size=2**24,
                                              compression="deflate" if args.deflate else None)
                await ws.send(json.dumps({"op": "subscribe", "topic": topic}))
                snap = json.loads(await ws.recv())
                assert snap["op"] == "snapshot", snap
                clients.append(ws)

            async def reader(ws: websockets.ClientConnection) -> None:
                """Record when each event arrives."""
                # Read seq and ts from the frame's head without parsing the whole state, so the 50 clients in
                # this one process don't add their own JSON parsing to the figure.
                async for raw in ws:
                    got = time.time()
                    m = HEAD.match(raw)
                    if m:
                        seq = int(m["seq"])
                        arrivals.setdefault(seq, []).append(got)
                        ts_of[seq] = float(m["ts"])

            readers = [asyncio.create_task(reader(ws)) for ws in clients]
            http_ms: list[float] = []
            actions = 0
            for _ in range(args.calls):
                for op in ("call-next", "complete"):
                    t0 = time.perf_counter()
                    r = await http.post(f"/api/v1/scheduling/queues/{session_id}/{op}")
                    http_ms.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"{op}: {r.status_code} {r.text}")
                    actions += 1
                await asyncio.sleep(args.pause)
            deadline = time.time() + 10
            while time.time() < deadline and (len(arrivals) < actions or any(len(v) < args.clients for v in arrivals.values())):
                await asyncio.sleep(0.05)
            for t in readers:
                t.cancel()
            for ws in clients:
                await ws.close()
        all_deliveries = [t - ts_of[seq] for seq, ts in arrivals.items() for t in ts]
        slowest = [max(ts) - ts_of[seq] for seq, ts in arrivals.items()]
        complete = sum(1 for v in arrivals.values() if len(v) == args.clients)
        return {
            "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
            "broker": "Redis" if args.redis_url else "in-process",
            "clients": args.clients, "permessage_deflate": args.deflate, "waiting_patients": args.patients, "events": len(arrivals),
            "events_reaching_all_clients": complete,
            "all_clients_p50_ms": round(pct(slowest, 0.5), 2), "all_clients_p99_ms": round(pct(slowest, 0.99), 2),
            "per_delivery_p50_ms": round(pct(all_deliveries, 0.5), 2), "per_delivery_p99_ms": round(pct(all_deliveries, 0.99), 2),
            "http_action_p50_ms": round(statistics.median(http_ms), 2), "http_action_p99_ms": round(pct([x / 1000 for x in http_ms], 0.99), 2),
        }
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """CLI."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--patients", type=int, default=200, help="checked-in patients in the queue")
    ap.add_argument("--calls", type=int, default=150, help="call-next + complete pairs")
    ap.add_argument("--pause", type=float, default=0.01, help="seconds between pairs")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--redis-url", default=None)
    ap.add_argument("--deflate", action="store_true", help="clients offer permessage-deflate (browsers always do)")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args)), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
