"""Imaging fixtures: the SCP on a free loopback port, a real HTTP server for dicomweb-client, dcmtk
tools and a real Orthanc (tmp-dir config, loopback, TCP_NODELAY=1). With CI=true a missing component
fails the test instead of skipping it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from osteon.imaging.models import DicomDevice, PacsNode
from tests.conftest import IN_CI, login
from tests.factories import make_patient, make_user, make_world

ORTHANC = "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def need(path: str) -> str:
    """An external program the test needs: fail in CI, skip elsewhere, when it is missing."""
    if not Path(path).exists():
        message = f"{path} is not installed (apt-get install -y dcmtk orthanc orthanc-dicomweb)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ae(prefix: str = "T") -> str:
    """A unique AE title (16 chars max)."""
    return (prefix + uuid.uuid4().hex)[:16].upper()


async def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run an external DICOM tool without blocking the event loop (the SCP needs the loop for its DB work)."""
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                                                env={**os.environ, **(env or {})})
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return subprocess.CompletedProcess(list(args), proc.returncode or 0, out.decode("utf-8", "replace"), "")


async def add_device(db, institution_id: uuid.UUID, ae_title: str, **fields) -> None:
    """Register a DICOM device directly."""
    values = {"may_echo": True, "may_store": True, "may_query": True, "may_retrieve": True, **fields}
    async with db.transaction() as s:
        s.add(DicomDevice(institution_id=institution_id, ae_title=ae_title, name=ae_title, **values))


@dataclass
class Site:
    """A hospital with a doctor (logged in), a patient and a registered modality."""

    world: object
    username: str
    headers: dict[str, str]
    patient: object
    device_ae: str


@pytest_asyncio.fixture(scope="session")
async def scp(app):
    """Osteon's SCP on a free loopback port for this worker."""
    from osteon.imaging.scp import start_scp, stop_scp

    server = await start_scp(app, 0, host="127.0.0.1")
    yield server
    await stop_scp(app)


@pytest_asyncio.fixture
async def site(app, db, settings, client) -> Site:
    """A fresh hospital with a doctor, a patient and a modality allowed to do everything."""
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world, "doctor")
    patient = await make_patient(db, app.state.cipher, world, name="王建国")
    device = ae("MOD")
    await add_device(db, world.institution.id, device)
    headers = await login(client, username, password)
    return Site(world, username, headers, patient, device)


@pytest_asyncio.fixture(scope="session")
async def http_base(app) -> str:
    """The app served by a real Uvicorn on loopback (same event loop), for dicomweb-client and Orthanc."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    await task


@dataclass
class OrthancServer:
    """A running Orthanc."""

    aet: str
    http: str
    dicom_port: int
    process: subprocess.Popen[bytes]

    def upload(self, data: bytes) -> dict:
        """Store an instance through Orthanc's REST API."""
        r = httpx.post(f"{self.http}/instances", content=data, timeout=30)
        r.raise_for_status()
        return r.json()

    def count_instances(self, study_uid: str) -> int:
        """Instances Orthanc holds for a study."""
        r = httpx.post(f"{self.http}/tools/find", json={"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}},
                       timeout=30)
        r.raise_for_status()
        return len(r.json())


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory, scp) -> OrthancServer:
    """A real Orthanc with the DICOMweb plugin, private storage, knowing Osteon's SCP as a modality."""
    need(ORTHANC)
    need(DICOMWEB_PLUGIN)
    tmp = tmp_path_factory.mktemp("orthanc")
    http_port, dicom_port = free_port(), free_port()
    aet = ae("ORTH")
    config = {
        "Name": "osteon-test", "StorageDirectory": str(tmp / "storage"), "IndexDirectory": str(tmp / "index"),
        "HttpPort": http_port, "DicomPort": dicom_port, "DicomAet": aet, "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False, "HttpCompressionEnabled": False, "SaveJobs": False,
        "Plugins": [DICOMWEB_PLUGIN], "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True},
        "DicomModalities": {"osteon": [scp.ae_title, "127.0.0.1", scp.port]},
        "DicomCheckCalledAet": False, "DicomAlwaysAllowEcho": True, "DicomAlwaysAllowStore": True,
        "DicomScpTimeout": 30, "StableAge": 1, "ConcurrentJobs": 2, "HttpTimeout": 30,
    }
    (tmp / "orthanc.json").write_text(json.dumps(config))
    log = open(tmp / "orthanc.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([ORTHANC, str(tmp / "orthanc.json")], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "TCP_NODELAY": "1"})
    base = f"http://127.0.0.1:{http_port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/system", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"Orthanc exited: {(tmp / 'orthanc.log').read_text()[-2000:]}")
        time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("Orthanc did not start")
    yield OrthancServer(aet, base, dicom_port, proc)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(tmp / "storage", ignore_errors=True)


async def add_node(db, institution_id: uuid.UUID, orthanc: OrthancServer, **fields) -> uuid.UUID:
    """Configure the Orthanc as a PACS node of an institution (AE titles are unique: one node per Orthanc)."""
    async with db.transaction() as s:
        values = {"name": "Orthanc", "ae_title": orthanc.aet, "host": "127.0.0.1", "port": orthanc.dicom_port,
                  "dicomweb_url": f"{orthanc.http}/dicom-web", **fields}
        node = PacsNode(institution_id=institution_id, **values)
        s.add(node)
        await s.flush()
        return node.id
