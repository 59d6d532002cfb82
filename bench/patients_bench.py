"""Patient registration and search under concurrent load (issue 2 benchmark).

Seeds N patients (default 100,000) into a fresh database, starts `osteon serve` instance(s) on loopback,
and drives them with 1, 16 and 64 concurrent HTTP clients (httpx, keep-alive), reporting throughput and
p50/p99 latency per scenario. Run:  .venv/bin/python bench/patients_bench.py --db sqlite|postgresql
Figures go to docs/benchmarks.md. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from osteon import demo as demo_module
from osteon.config import Settings
from osteon.db import Database
from osteon.kit.domains import load_all_models
from osteon.kit.masking import mask_id_number, mask_phone
from osteon.migrations import upgrade_async
from osteon.patients import idcard
from osteon.patients.models import Patient
from osteon.patients.service import pinyin_of
from osteon.security.crypto import load_cipher

PASSWORD = "Bench-Demo-Passw0rd!"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def seed(settings: Settings, n: int) -> None:
    """Demo world + n synthetic patients, bulk inserted (encrypted fields and blind indexes included)."""
    load_all_models()
    db = Database(settings.resolved_database_url())
    cipher = load_cipher(settings)
    await demo_module.seed(db, settings, cipher, patients=10)
    rng = random.Random(7)
    async with db.sessionmaker() as s:
        from sqlalchemy import select

        from osteon.institutions.models import Department, Institution

        insts = (await s.execute(select(Institution))).scalars().all()
        deps = {(d.institution_id): d.id for d in (await s.execute(select(Department).where(Department.code == "ORTHO"))).scalars()}
    batch: list[dict] = []
    counters = {i.id: 1000 for i in insts}
    seen: set[str] = set()
    t0 = time.perf_counter()
    for k in range(n):
        inst = insts[k % len(insts)]
        sex = rng.choice(["male", "female"])
        name = rng.choice(demo_module.SURNAMES) + rng.choice(demo_module.GIVEN_MALE if sex == "male" else demo_module.GIVEN_FEMALE)
        born = date(1935, 1, 1) + timedelta(days=rng.randint(0, 30000))
        first17 = f"510104{born:%Y%m%d}{rng.randint(0, 999):03d}"
        idn = first17 + idcard.check_digit(first17)
        if idn in seen:  # one ID number per person
            continue
        seen.add(idn)
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 10**9 - 1):09d}"
        counters[inst.id] += 1
        full, initials = pinyin_of(name)
        batch.append({
            "id": uuid.uuid4(), "mrn": f"{inst.mrn_prefix}B{counters[inst.id]:08d}", "institution_id": inst.id,
            "department_id": deps[inst.id], "name": name, "pinyin": full, "pinyin_initials": initials, "sex": sex, "birth_date": born,
            "id_number_enc": cipher.encrypt(idn, context="patients.id_number"),
            "id_number_bidx": cipher.blind_index(idn, context="patients.id_number"), "id_number_masked": mask_id_number(idn),
            "phone_enc": cipher.encrypt(phone, context="patients.phone"), "phone_bidx": cipher.blind_index(phone, context="patients.phone"),
            "phone_tail_bidx": cipher.blind_index(phone[-4:], context="patients.phone_tail"), "phone_masked": mask_phone(phone),
            "insurance_type": "resident", "allergies": [], "version": 1,
        })
        if len(batch) == 5000:
            async with db.transaction() as s:
                await s.execute(Patient.__table__.insert(), batch)
            batch = []
    if batch:
        async with db.transaction() as s:
            await s.execute(Patient.__table__.insert(), batch)
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
    await db.dispose()
    print(f"seeded {n} patients in {time.perf_counter() - t0:.1f}s", flush=True)


def pct(values: list[float], p: float) -> float:
    """Percentile (nearest rank) in ms."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


async def drive(bases: list[str], token: str, kind: str, clients: int, seconds: float) -> dict:
    """Run ``clients`` concurrent loops for ``seconds``; return throughput and latency."""
    rng = random.Random(clients)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    queries = [lambda: rng.choice(demo_module.SURNAMES) + rng.choice(demo_module.GIVEN_MALE), lambda: rng.choice(["wjg", "zm", "lw", "cj", "zxy"]),
               lambda: f"{rng.randint(0, 9999):04d}", lambda: rng.choice(demo_module.SURNAMES)]

    async def loop(i: int) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=bases[i % len(bases)], headers=headers, timeout=30) as c:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                if kind == "search":
                    r = await c.get("/api/v1/patients", params={"q": rng.choice(queries)(), "limit": 20})
                else:
                    r = await c.post("/api/v1/patients", params={"force": "true"},
                                     json={"name": rng.choice(demo_module.SURNAMES) + "测试", "insurance_type": "resident"})
                latencies.append(time.perf_counter() - t)
                if r.status_code >= 400:
                    errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(clients)))
    elapsed = time.perf_counter() - t0
    return {"kind": kind, "clients": clients, "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50": pct(latencies, 50), "p99": pct(latencies, 99), "errors": errors}


async def main() -> None:
    """Seed, serve, measure, print a Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--instances", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="osteon-bench-"))
    if args.db == "postgresql":
        from sqlalchemy.ext.asyncio import create_async_engine

        admin = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.exec_driver_sql('DROP DATABASE IF EXISTS "osteon_bench" WITH (FORCE)')
            await conn.exec_driver_sql('CREATE DATABASE "osteon_bench"')
        await admin.dispose()
        url = "postgresql+asyncpg://postgres@127.0.0.1:5432/osteon_bench"
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'osteon.db'}"
    await upgrade_async(url)
    settings = Settings(data_dir=tmp, database_url=url, demo_password=PASSWORD)
    await seed(settings, args.patients)
    env = {**os.environ, "OSTEON_DATABASE_URL": url, "OSTEON_DEMO_PASSWORD": PASSWORD}
    procs, bases = [], []
    for _ in range(args.instances):
        port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "osteon.cli", "serve", "--data-dir", str(tmp), "--port", str(port),  # noqa: ASYNC220
                                       "--dicom-port", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        async with httpx.AsyncClient() as c:
            for base in bases:
                for _ in range(100):
                    try:
                        if (await c.get(base + "/healthz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.2)
            token = (await c.post(bases[0] + "/api/v1/auth/login", json={"username": "doctor", "password": PASSWORD})).json()["access_token"]
        rows = []
        for kind in ("search", "register"):
            for clients in (1, 16, 64):
                res = await drive(bases, token, kind, clients, args.seconds)
                rows.append(res)
                print(res, flush=True)
        print(f"\n{args.db}, {args.patients:,} patients, {args.instances} instance(s), {args.seconds:.0f} s per row")
        print("| operation | clients | requests/s | p50 ms | p99 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['kind']} | {r['clients']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |")
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
