"""Replay a simulated busy day of an orthopedic department through the HTTP API.

Outpatient visits (record, sign, orders, payment, exams, reports), admissions into beds with vitals,
bed-board reads, operations (checklist, OR booking, record) and discharges — all as HTTP requests to the
app in-process (httpx ASGITransport). Prints total time, p50/p99 per endpoint and SQL statements per request
(counted with a SQLAlchemy ``before_cursor_execute`` listener; requests run one at a time so counts are exact).

    .venv/bin/python bench/busy_day.py --visits 2000 --beds 300 --operations 60
    .venv/bin/python bench/busy_day.py --visits 200 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import create_pg_database, login, make_settings
from tests.factories import id_number, make_patient, make_user, make_world

from osteon.app import create_app
from osteon.db import Database
from osteon.institutions.models import Ward
from osteon.migrations import upgrade_async


class Recorder:
    """Per-endpoint latencies and SQL statement counts."""

    def __init__(self, db: Database) -> None:
        """Listen to the engine's statements."""
        self.statements = 0
        self.times: dict[str, list[float]] = defaultdict(list)
        self.queries: dict[str, list[int]] = defaultdict(list)
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        """One more statement."""
        self.statements += 1

    async def call(self, client: httpx.AsyncClient, label: str, method: str, url: str, **kw: object) -> httpx.Response:
        """Send one request and record its latency and statement count."""
        before = self.statements
        t = time.perf_counter()
        r = await client.request(method, url, **kw)
        self.times[label].append(time.perf_counter() - t)
        self.queries[label].append(self.statements - before)
        if r.status_code >= 400:
            raise RuntimeError(f"{label}: {r.status_code} {r.text[:300]}")
        return r

    def report(self, total: float) -> str:
        """A Markdown table of the figures."""
        lines = [f"total {total:.1f} s, {sum(len(v) for v in self.times.values())} requests", "",
                 "| endpoint | n | p50 ms | p99 ms | SQL/request (min–max) |", "|---|---:|---:|---:|---|"]
        for label in sorted(self.times, key=lambda k: -len(self.times[k])):
            ts = sorted(self.times[label])
            p99 = ts[min(len(ts) - 1, round(0.99 * (len(ts) - 1)))]
            q = self.queries[label]
            lines.append(f"| {label} | {len(ts)} | {statistics.median(ts) * 1000:.1f} | {p99 * 1000:.1f} | {min(q)}–{max(q)} |")
        return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    """Build a world, then replay the day."""
    tmp = Path(tempfile.mkdtemp(prefix="osteon-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql"):
        url = await create_pg_database(url, f"osteon_bench_{uuid.uuid4().hex[:6]}")
    await upgrade_async(url)
    settings = make_settings(tmp, url, session_idle_minutes=24 * 60)  # a day's users stay logged in all day
    db = Database(url)
    app = create_app(settings, database=db, start_worker=False)
    rng = random.Random(7)
    async with app.router.lifespan_context(app):
        cipher = app.state.cipher
        world = await make_world(db)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            h = {}
            for role in ("doctor", "nurse", "technician", "dept_head"):
                username, password = await make_user(db, settings, cipher, world, role)
                h[role] = await login(client, username, password)
            n_patients = args.visits + int(args.beds * 0.7)
            print(f"registering {n_patients} patients …", flush=True)
            # one birth date per patient, so the random ID numbers can never collide
            patients = [(await make_patient(db, cipher, world, name=f"病人{i}",
                                            id_number=id_number(date(1940, 1, 1) + timedelta(days=i)))).id
                        for i in range(n_patients)]
            async with db.transaction() as s:
                wards = [Ward(institution_id=world.institution.id, department_id=world.ortho.id, code=f"BW{i}", name=f"病区{i}")
                         for i in range(max(1, args.beds // 30))]
                s.add_all(wards)
                await s.flush()
                ward_ids = [w.id for w in wards]
            rec = Recorder(db)
            t0 = time.perf_counter()
            await _wards(rec, client, h, ward_ids, args.beds)
            print("outpatient visits …", flush=True)
            for i in range(args.visits):
                await _visit(rec, client, h, patients[i], rng)
            print("admissions, bed board, operations …", flush=True)
            await _inpatient_day(rec, client, h, ward_ids, patients[args.visits:], args.operations, rng)
            total = time.perf_counter() - t0
    await db.dispose()
    print(f"\n## busy day on {url.split('+')[0]}: {args.visits} visits, {args.beds} beds, {args.operations} operations\n")
    print(rec.report(total))


async def _wards(rec: Recorder, client: httpx.AsyncClient, h: dict, ward_ids: list, beds: int) -> None:
    """Rooms of 5 beds, spread over the wards."""
    per_ward = beds // len(ward_ids)
    for wid in ward_ids:
        for room in range(per_ward // 5):
            await rec.call(client, "POST /wards/{id}/beds", "POST", f"/api/v1/wards/{wid}/beds", headers=h["nurse"],
                           json={"room_code": f"{room:02d}", "bed_codes": [f"{room:02d}{b}" for b in range(1, 6)]})


async def _pay(rec: Recorder, client: httpx.AsyncClient, h: dict, patient_id: uuid.UUID, encounter_id: str) -> None:
    """Pay everything unpaid of the visit."""
    charges = (await rec.call(client, "GET /patients/{id}/charges", "GET", f"/api/v1/patients/{patient_id}/charges",
                              params={"status": "unpaid", "encounter_id": encounter_id}, headers=h["nurse"])).json()
    if charges:
        await rec.call(client, "POST /charges/pay", "POST", "/api/v1/charges/pay", headers=h["nurse"], json={"charge_ids": [c["id"] for c in charges]})


async def _visit(rec: Recorder, client: httpx.AsyncClient, h: dict, patient_id: uuid.UUID, rng: random.Random) -> None:
    """One outpatient visit from opening the record to reviewed results."""
    enc = (await rec.call(client, "POST /encounters", "POST", "/api/v1/encounters", headers=h["doctor"],
                          json={"patient_id": str(patient_id), "subspecialty": rng.choice(["spine", "joint", "trauma", "sports"])})).json()
    content = {"chief_complaint": "腰痛伴右下肢放射痛2月", "hpi": "2月前出现腰痛……",
               "exam": [{"region": "lumbar_spine", "rom": [{"joint": "lumbar_spine", "movement": "flexion", "degrees": 40}],
                         "special_tests": [{"test": "straight_leg_raise", "result": "positive", "side": "right", "angle": 40}]}],
               "diagnoses": [{"icd10_code": rng.choice(["M48.0", "M51.1", "M17.1", "M54.5"])}]}
    saved = (await rec.call(client, "PUT /encounters/{id}/record", "PUT", f"/api/v1/encounters/{enc['id']}/record", headers=h["doctor"],
                            json={"version": 1, "content": content})).json()
    await rec.call(client, "POST /encounters/{id}/record/sign", "POST", f"/api/v1/encounters/{enc['id']}/record/sign", headers=h["doctor"],
                   json={"version": saved["version"]})
    base = {"patient_id": str(patient_id), "encounter_id": enc["id"]}
    exams = []
    if rng.random() < 0.5:
        exams.append((await rec.call(client, "POST /orders", "POST", "/api/v1/orders", headers=h["doctor"], json={
            **base, "kind": "imaging", "item_code": "XR-LS-2V", "modality": "DX", "body_part": "LSPINE", "views": ["AP", "LAT"],
            "clinical_question": "腰椎退变?"})).json())
    if rng.random() < 0.3:
        exams.append((await rec.call(client, "POST /orders", "POST", "/api/v1/orders", headers=h["doctor"],
                                     json={**base, "kind": "lab", "item_code": "LAB-CBC"})).json())
    if rng.random() < 0.6:
        await rec.call(client, "POST /orders", "POST", "/api/v1/orders", headers=h["doctor"], json={
            **base, "kind": "prescription", "item_code": "DRUG-CELE", "dose": 0.2, "dose_unit": "g", "route": "po", "frequency": "qd",
            "days": 7, "quantity": 7})
    await _pay(rec, client, h, patient_id, enc["id"])
    for o in exams:
        for step in ("scheduled", "performed"):
            await rec.call(client, "POST /orders/{id}/transitions", "POST", f"/api/v1/orders/{o['id']}/transitions", headers=h["technician"],
                           json={"to": step})
        body = ({"findings": "腰椎退行性变", "conclusion": "腰椎退行性变"} if o["kind"] == "imaging" else
                {"values": [{"analyte": "WBC", "value": round(rng.uniform(3, 12), 1), "unit": "10^9/L"},
                            {"analyte": "HGB", "value": rng.randint(100, 160), "unit": "g/L"},
                            {"analyte": "PLT", "value": rng.randint(100, 400), "unit": "10^9/L"}]})
        await rec.call(client, "POST /orders/{id}/report", "POST", f"/api/v1/orders/{o['id']}/report", headers=h["technician"], json=body)
        await rec.call(client, "POST /orders/{id}/review", "POST", f"/api/v1/orders/{o['id']}/review", headers=h["doctor"])
    await rec.call(client, "GET /encounters/{id}", "GET", f"/api/v1/encounters/{enc['id']}", headers=h["doctor"])
    await rec.call(client, "GET /patients/{id}/orders", "GET", f"/api/v1/patients/{patient_id}/orders", headers=h["doctor"])


async def _inpatient_day(rec: Recorder, client: httpx.AsyncClient, h: dict, ward_ids: list, patients: list, operations: int,
                         rng: random.Random) -> None:
    """Fill ~70 % of the beds, vitals, bed board reads, operations, a few discharges."""
    board = (await rec.call(client, "GET /bed-board", "GET", "/api/v1/bed-board", headers=h["nurse"])).json()
    free = [b for b in board["beds"] if b["state"] == "free"]
    admissions = []
    for pid, bed in zip(patients, free, strict=False):
        adm = (await rec.call(client, "POST /admissions", "POST", "/api/v1/admissions", headers=h["nurse"], json={
            "patient_id": str(pid), "ward_id": bed["ward_id"], "bed_id": bed["bed_id"], "admission_diagnosis_code": "M17.1"})).json()
        admissions.append(adm)
        await rec.call(client, "POST /admissions/{id}/observations", "POST", f"/api/v1/admissions/{adm['id']}/observations", headers=h["nurse"],
                       json={"temperature_c": 36.8, "pulse": 78, "systolic": 128, "diastolic": 76, "spo2": 98, "resp_rate": 16,
                             "pain_nrs": rng.randint(0, 6)})
        if len(admissions) % 25 == 0:
            await rec.call(client, "GET /bed-board", "GET", "/api/v1/bed-board", headers=h["nurse"])
    for wid in ward_ids:
        await rec.call(client, "GET /bed-board?ward_id", "GET", "/api/v1/bed-board", params={"ward_id": str(wid)}, headers=h["nurse"])
    rooms = [(await rec.call(client, "POST /or-rooms", "POST", "/api/v1/or-rooms", headers=h["dept_head"],
                             json={"code": f"OR{i}{uuid.uuid4().hex[:4]}", "name": f"第{i}手术间"})).json()["id"] for i in range(1, 7)]
    base = (datetime.now(UTC) - timedelta(days=8)).replace(hour=0, minute=0, second=0, microsecond=0)
    surgeon_id = (await client.get("/api/v1/auth/me", headers=h["doctor"])).json()["id"]
    for k, adm in enumerate(admissions[:operations]):
        s = (await rec.call(client, "POST /surgeries", "POST", "/api/v1/surgeries", headers=h["doctor"], json={
            "patient_id": adm["patient_id"], "admission_id": adm["id"], "planned_procedure": "全膝关节置换术", "planned_code": "81.54",
            "implants_required": True})).json()
        s = (await rec.call(client, "PATCH /surgeries/{id}/checklist", "PATCH", f"/api/v1/surgeries/{s['id']}/checklist", headers=h["nurse"], json={
            "version": s["version"], "consent_signed": True, "asa_class": "II", "anaesthesia_assessed": True, "site_marked": True,
            "implants_prepared": True, "vte_assessed": True, "caprini_score": 5})).json()
        # One surgeon, back-to-back two-hour slots rotating over 6 rooms (a surgeon is never in two rooms at once).
        start = base + timedelta(hours=2 * k)
        await rec.call(client, "POST /surgeries/{id}/booking", "POST", f"/api/v1/surgeries/{s['id']}/booking", headers=h["doctor"], json={
            "room_id": rooms[k % 6], "surgeon_id": surgeon_id, "start_at": start.isoformat(), "end_at": (start + timedelta(minutes=110)).isoformat()})
        await rec.call(client, "POST /surgeries/{id}/record", "POST", f"/api/v1/surgeries/{s['id']}/record", headers=h["doctor"], json={
            "actual_start_at": start.isoformat(), "actual_end_at": (start + timedelta(minutes=95)).isoformat(),
            "procedures": [{"code": "81.54"}], "blood_loss_ml": 150,
            "implants": [{"manufacturer": "威高骨科", "product": "膝关节假体", "lot": f"LOT{k:05d}", "udi": f"(01)0694{k:08d}", "item_code": "MAT-TKA"}]})
    day = base
    await rec.call(client, "GET /or-schedule", "GET", "/api/v1/or-schedule", params={"day": day.date().isoformat()}, headers=h["nurse"])
    summary = {"admission_diagnosis": "膝骨关节炎", "discharge_diagnosis": "膝骨关节炎 TKA术后", "hospital_course": "手术顺利",
               "condition_at_discharge": "好转", "instructions": "康复训练", "follow_up": "2周复查"}
    for adm in admissions[-max(1, len(admissions) // 10):]:
        await rec.call(client, "PUT /admissions/{id}/discharge-summary", "PUT", f"/api/v1/admissions/{adm['id']}/discharge-summary",
                       headers=h["doctor"], json=summary)
        await rec.call(client, "POST /admissions/{id}/discharge", "POST", f"/api/v1/admissions/{adm['id']}/discharge", headers=h["doctor"], json={})
    await rec.call(client, "GET /bed-board", "GET", "/api/v1/bed-board", headers=h["nurse"])


def main() -> None:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--visits", type=int, default=2000)
    p.add_argument("--beds", type=int, default=300)
    p.add_argument("--operations", type=int, default=60)
    p.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = p.parse_args()
    args.operations = min(args.operations, int(args.beds * 0.7))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
