"""DICOM benchmark: Osteon side by side with Orthanc on the same generated data, same run.

Data: 200 CT slices 512×512 16-bit + ten 2500×2000 DX (16-bit), generated with pydicom (two copies with
different UIDs: one for C-STORE, one for STOW-RS). Measures C-STORE ingest with dcmtk storescu, STOW-RS
ingest, WADO-RS series retrieval, single-frame latency and QIDO latency at study/series/instance level,
then QIDO again on Osteon after bulk-indexing extra instances (Orthanc is not pre-filled: at its ingest rate
that would take far longer than this script's ~5-minute budget).

Usage: .venv/bin/python bench/dicom_bench.py [--extra-index 100000] [--json out.json]
Needs dcmtk and orthanc + orthanc-dicomweb (Debian packages). Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.imaging.dicomgen import ct_slice, dx_image, to_bytes

ORTHANC = "/usr/sbin/Orthanc"
PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
STORESCU = "/usr/bin/storescu"
FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generate(folder: Path, mrn: str, ct: int, dx: int) -> tuple[list[Path], str, str]:
    """Write the data set; return (files, CT study UID, CT series UID)."""
    folder.mkdir(parents=True, exist_ok=True)
    from pydicom.uid import generate_uid

    study, series = generate_uid(), generate_uid()
    files = []
    for i in range(1, ct + 1):
        p = folder / f"ct{i:04d}.dcm"
        p.write_bytes(to_bytes(ct_slice(patient_id=mrn, study_uid=study, series_uid=series, index=i, seed=i)))
        files.append(p)
    for i in range(dx):
        p = folder / f"dx{i:02d}.dcm"
        p.write_bytes(to_bytes(dx_image(patient_id=mrn, study_uid=study)))
        files.append(p)
    return files, study, series


OSTEON_BOOT = textwrap.dedent('''
    import asyncio, json, sys
    sys.path.insert(0, {root!r})
    from osteon.config import Settings
    from osteon.migrations import upgrade
    from osteon.db import Database
    from osteon.app import create_app
    from osteon.imaging.models import DicomDevice
    from tests.factories import make_world, make_user, make_patient

    settings = Settings(data_dir={data!r}, port={http}, dicom_port={dicom}, host="127.0.0.1",
                        session_idle_minutes=600)
    upgrade(settings.resolved_database_url())

    async def main():
        db = Database(settings.resolved_database_url())
        app = create_app(settings, database=db)
        world = await make_world(db)
        user, password = await make_user(db, settings, app.state.cipher, world, "doctor")
        patient = await make_patient(db, app.state.cipher, world, name="王建国")
        async with db.transaction() as s:
            s.add(DicomDevice(institution_id=world.institution.id, ae_title="BENCHSCU", may_query=True,
                              may_retrieve=True))
        import uvicorn
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port={http}, log_level="warning"))
        print(json.dumps({{"user": user, "password": password, "mrn": patient.mrn}}), flush=True)
        await server.serve()

    if {uvloop!r}:
        import uvloop  # what `osteon serve` runs on (uvicorn's loop="auto" picks uvloop when installed)
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(main())
''')


def start_osteon(tmp: Path, uvloop: bool = False) -> tuple[subprocess.Popen, str, int, dict]:
    """Osteon in its own process (SQLite, SCP on), as `osteon serve` runs it (but on asyncio's own event loop
    unless ``uvloop``: `osteon serve` gets uvloop through uvicorn; the published tables used asyncio's loop)."""
    http, dicom = free_port(), free_port()
    code = OSTEON_BOOT.format(root=str(ROOT / "src"), data=str(tmp / "osteon"), http=http, dicom=dicom, uvloop=uvloop)
    code = code.replace("sys.path.insert(0, " + repr(str(ROOT / "src")) + ")",
                        f"sys.path.insert(0, {str(ROOT / 'src')!r}); sys.path.insert(0, {str(ROOT)!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=open(tmp / "osteon.log", "wb"))  # noqa: SIM115
    line = proc.stdout.readline()
    if not line:
        proc.wait(10)
        raise RuntimeError("Osteon did not start:\n" + (tmp / "osteon.log").read_text()[-3000:])
    info = json.loads(line)
    base = f"http://127.0.0.1:{http}"
    wait_http(f"{base}/healthz", proc)
    wait_port(dicom)
    return proc, base, dicom, info


def start_orthanc(tmp: Path) -> tuple[subprocess.Popen, str, int]:
    """Orthanc tuned per the notes: TCP_NODELAY=1, no HTTP compression, private storage, loopback only."""
    http, dicom = free_port(), free_port()
    cfg = {
        "Name": "bench", "StorageDirectory": str(tmp / "orthanc-storage"), "IndexDirectory": str(tmp / "orthanc-index"),
        "HttpPort": http, "DicomPort": dicom, "DicomAet": "ORTHANC", "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "HttpCompressionEnabled": False, "SaveJobs": False, "Plugins": [PLUGIN],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/"}, "DicomAlwaysAllowStore": True,
        "DicomCheckCalledAet": False, "StableAge": 60,
    }
    (tmp / "orthanc.json").write_text(json.dumps(cfg))
    proc = subprocess.Popen([ORTHANC, str(tmp / "orthanc.json")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "TCP_NODELAY": "1"})
    wait_http(f"http://127.0.0.1:{http}/system", proc)
    return proc, f"http://127.0.0.1:{http}", dicom


def wait_http(url: str, proc: subprocess.Popen) -> None:
    """Until the URL answers."""
    for _ in range(600):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited while starting: {url}")
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def wait_port(port: int) -> None:
    """Until a TCP port accepts."""
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} not open")


def cstore(port: int, called: str, files: list[Path]) -> float:
    """storescu all files in one association; seconds."""
    t = time.perf_counter()
    r = subprocess.run([STORESCU, "-aet", "BENCHSCU", "-aec", called, "127.0.0.1", str(port), *map(str, files)],
                       capture_output=True, text=True, check=False, env={**os.environ, "TCP_NODELAY": "1"})
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(r.stdout + r.stderr)
    return elapsed


def stow(client: httpx.Client, url: str, files: list[Path], batch: int = 10) -> float:
    """STOW-RS in requests of ``batch`` instances; seconds."""
    t = time.perf_counter()
    for start in range(0, len(files), batch):
        boundary = uuid.uuid4().hex
        body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f.read_bytes()
                        + b"\r\n" for f in files[start:start + batch]) + b"--" + boundary.encode() + b"--\r\n"
        r = client.post(url, content=body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
            "Accept": "application/dicom+json"})
        if r.status_code != 200:
            raise RuntimeError(f"STOW {r.status_code}: {r.text[:300]}")
    return time.perf_counter() - t


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU seconds a server process (all its threads) has used so far, from /proc.

    On a shared machine wall-clock rates swing with the load; CPU per instance is the steadier comparison."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, n: int) -> float:
    """Median milliseconds of n calls."""
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def ok(r: httpx.Response) -> httpx.Response:
    """Raise on errors."""
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
    return r


def measure_web(name: str, client: httpx.Client, root: str, mrn: str, study: str, series: str, sop: str) -> dict:
    """WADO-RS series, frame, QIDO latencies against one server."""
    out: dict = {}
    t = time.perf_counter()
    size = 0
    for _ in range(3):
        size = len(ok(client.get(f"{root}/studies/{study}/series/{series}",
                                 headers={"Accept": 'multipart/related; type="application/dicom"'})).content)
    out["wado_series_s"] = (time.perf_counter() - t) / 3
    out["wado_series_mb_s"] = size / 1e6 / out["wado_series_s"]
    frame_url = f"{root}/studies/{study}/series/{series}/instances/{sop}/frames/1"
    out["frame_ms"] = timed(lambda: ok(client.get(frame_url, headers={"Accept": FRAME_ACCEPT})), 50)
    out["qido_study_ms"] = timed(lambda: ok(client.get(f"{root}/studies", params={"PatientID": mrn},
                                                       headers={"Accept": "application/dicom+json"})), 30)
    out["qido_series_ms"] = timed(lambda: ok(client.get(f"{root}/studies/{study}/series",
                                                        headers={"Accept": "application/dicom+json"})), 30)
    out["qido_instances_ms"] = timed(lambda: ok(client.get(f"{root}/studies/{study}/series/{series}/instances",
                                                           headers={"Accept": "application/dicom+json"})), 20)
    print(f"  {name}: " + ", ".join(f"{k}={v:.2f}" for k, v in out.items()), flush=True)
    return out


def bulk_index(db_file: Path, count: int) -> None:
    """Add ``count`` synthetic instance rows (1 study and 1 series per 100 instances) straight into the index."""
    con = sqlite3.connect(db_file, timeout=60)
    inst = con.execute("SELECT id FROM institutions LIMIT 1").fetchone()[0]
    now = "2026-11-25 00:00:00.000000+00:00"
    studies, series_rows, instances = [], [], []
    for s in range(count // 100):
        sid, seid = uuid.uuid4().hex, uuid.uuid4().hex
        suid = f"2.25.{uuid.uuid4().int}"
        studies.append((sid, suid, inst, f"X{s:08d}", f"BULK^{s}", "20200101", "CT", 1, 100, now, now, now))
        series_rows.append((seid, sid, f"2.25.{uuid.uuid4().int}", "CT", 1, 100, now, now))
        for i in range(100):
            instances.append((uuid.uuid4().hex, sid, seid, f"2.25.{uuid.uuid4().int}", "1.2.840.10008.5.1.4.1.1.2",
                              "1.2.840.10008.1.2.1", i + 1, 512, 512, 1, "0" * 64, 0, "{}", now))
    con.executemany(
        "INSERT INTO imaging_studies (id, study_instance_uid, institution_id, dicom_patient_id, patient_name, study_date,"
        " modalities, num_series, num_instances, last_received_at, created_at, updated_at, patient_birth_date, patient_sex,"
        " study_time, accession_number, study_id, study_description, referring_physician, match_status, source)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'','','','','','','','unmatched','bench')", studies)
    con.executemany(
        "INSERT INTO imaging_series (id, study_id, series_instance_uid, modality, series_number, num_instances, created_at,"
        " updated_at, series_description, body_part, laterality) VALUES (?,?,?,?,?,?,?,?,'','','')", series_rows)
    con.executemany(
        "INSERT INTO imaging_instances (id, study_id, series_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid,"
        " instance_number, rows, columns, number_of_frames, file_hash, file_size, meta_json, received_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", instances)
    con.commit()
    con.execute("ANALYZE")
    con.close()


def main() -> None:
    """Run everything once and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ct", type=int, default=200)
    parser.add_argument("--dx", type=int, default=10)
    parser.add_argument("--extra-index", type=int, default=100_000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--uvloop", action="store_true", help="run Osteon on uvloop, as `osteon serve` does")
    args = parser.parse_args()
    for tool in (ORTHANC, PLUGIN, STORESCU):
        if not Path(tool).exists():
            sys.exit(f"missing {tool}: apt-get install -y dcmtk orthanc orthanc-dicomweb")
    tmp = Path(tempfile.mkdtemp(prefix="osteon-dicom-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        t0 = time.perf_counter()
        osteon, obase, oport, info = start_osteon(tmp, uvloop=args.uvloop)
        procs.append(osteon)
        orthanc, rbase, rport = start_orthanc(tmp)
        procs.append(orthanc)
        mrn = info["mrn"]
        files_a, study_a, series_a = generate(tmp / "a", mrn, args.ct, args.dx)
        files_b, _study_b, _series_b = generate(tmp / "b", mrn, args.ct, args.dx)
        total_mb = sum(f.stat().st_size for f in files_a) / 1e6
        n = len(files_a)
        print(f"data: {n} instances, {total_mb:.1f} MB per set; generated in {time.perf_counter() - t0:.1f}s", flush=True)
        token = httpx.post(f"{obase}/api/v1/auth/login", json={"username": info["user"], "password": info["password"]})
        oclient = httpx.Client(timeout=300, headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        rclient = httpx.Client(timeout=300)
        results: dict = {"instances": n, "megabytes": total_mb}
        for name, port, called, proc in (("orthanc", rport, "ORTHANC", orthanc), ("osteon", oport, "OSTEON", osteon)):
            c0 = cpu_seconds(proc)
            s = cstore(port, called, files_a)
            cpu_ms = (cpu_seconds(proc) - c0) * 1000 / n
            results[f"{name}_cstore"] = {"seconds": s, "inst_s": n / s, "mb_s": total_mb / s, "server_cpu_ms_per_inst": cpu_ms}
            print(f"  C-STORE {name}: {n / s:.1f} inst/s, {total_mb / s:.1f} MB/s, server CPU {cpu_ms:.1f} ms/inst",
                  flush=True)
        for name, client, url, proc in (("orthanc", rclient, f"{rbase}/dicom-web/studies", orthanc),
                                        ("osteon", oclient, f"{obase}/dicomweb/studies", osteon)):
            c0 = cpu_seconds(proc)
            s = stow(client, url, files_b)
            cpu_ms = (cpu_seconds(proc) - c0) * 1000 / n
            results[f"{name}_stow"] = {"seconds": s, "inst_s": n / s, "mb_s": total_mb / s, "server_cpu_ms_per_inst": cpu_ms}
            print(f"  STOW-RS {name}: {n / s:.1f} inst/s, {total_mb / s:.1f} MB/s, server CPU {cpu_ms:.1f} ms/inst",
                  flush=True)
        import pydicom

        sop = pydicom.dcmread(files_a[0], stop_before_pixels=True).SOPInstanceUID
        results["orthanc_web"] = measure_web("orthanc", rclient, f"{rbase}/dicom-web", mrn, study_a, series_a, sop)
        results["osteon_web"] = measure_web("osteon", oclient, f"{obase}/dicomweb", mrn, study_a, series_a, sop)
        if args.extra_index:
            t = time.perf_counter()
            bulk_index(tmp / "osteon" / "osteon.db", args.extra_index)
            print(f"bulk-indexed {args.extra_index} extra instances into Osteon in {time.perf_counter() - t:.1f}s")
            results["extra_index"] = args.extra_index
            results["osteon_web_big"] = measure_web("osteon+index", oclient, f"{obase}/dicomweb", mrn, study_a,
                                                    series_a, sop)
        results["total_seconds"] = time.perf_counter() - t0
        print(json.dumps(results, indent=1))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
