"""A kill -9 in the middle of writes leaves the database consistent: every committed patient has its
audit event and care relationship, nothing half-written, the audit chain intact."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from sqlalchemy import text

from osteon.db import Database
from osteon.security import audit
from tests.conftest import DEMO_PASSWORD, PG_URL, create_pg_database


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data, url, port):
    env = {**os.environ, "OSTEON_DEMO_PASSWORD": DEMO_PASSWORD, "OSTEON_DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "osteon.cli", "serve", "--demo", "--data-dir", str(data),
                             "--port", str(port), "--dicom-port", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def test_kill_during_registrations_leaves_a_consistent_database(tmp_path):
    url = await create_pg_database(PG_URL, "osteon_crash") if PG_URL else f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    port = _port()
    proc = _start(tmp_path, url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            token = (await c.post("/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD})).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            async def writer(i: int) -> None:
                for k in range(1000):
                    try:
                        await c.post("/api/v1/patients", headers=headers, params={"force": True},
                                     json={"name": f"断电测试{i}", "insurance_type": "resident"})
                    except httpx.HTTPError:
                        return

            tasks = [asyncio.create_task(writer(i)) for i in range(8)]
            await asyncio.sleep(1.5)
            proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: a power cut
            proc.wait()
            await asyncio.gather(*tasks)
    finally:
        if proc.poll() is None:
            proc.kill()
    db = Database(url)
    async with db.sessionmaker() as s:
        patients = (await s.execute(text("SELECT count(*) FROM patients WHERE name LIKE '断电测试%'"))).scalar_one()
        created = (await s.execute(text("SELECT count(*) FROM audit_events WHERE action = 'patient.create'"))).scalar_one()
        orphans = (await s.execute(text(
            "SELECT count(*) FROM patients p WHERE p.name LIKE '断电测试%' AND NOT EXISTS "
            "(SELECT 1 FROM care_relationships c WHERE c.patient_id = p.id)"))).scalar_one()
        chain = await audit.verify(s)
    await db.dispose()
    assert patients > 0, "the writers should have committed some patients before the kill"
    assert created == patients and orphans == 0
    assert chain.ok, chain.problem
    # and the server starts again on the same data
    proc = _start(tmp_path, url, port)
    proc.terminate()
    proc.wait()
