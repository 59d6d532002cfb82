"""E2E (issue 6, item 5): the consultation room through the Janus VideoRoom, in a real browser.

The same story as test_consultation_room.py — the county doctor (``doctor``) and the provincial expert
(``expert``) open the demo consultation's room in two Chromium contexts and each sees the other's camera
playing — but with ``osteon serve --demo`` configured with OSTEON_JANUS_* (and TURN) pointing at a real Janus
and coturn started by the test (tests/media/engines.py), so the front end takes its Janus path
(``janus-gateway`` JS client, VideoRoom publisher + subscriber). Janus only works with clients inside its
private network namespace (see /work/shared/notes/services-on-loopback.md), so the server (SQLite in a temp
data dir; with OSTEON_TEST_DATABASE_URL a fresh PostgreSQL database reached over its Unix socket) and Chromium
run inside it: the browser half is tests/e2e/janus_room_browser.py, run with ``nsenter``;
it prints what it saw as JSON and this test asserts on it. Not P2P by accident: both pages got a join answer
with backend ``janus``, and Janus's own Admin API lists both participants (feed ids = their user ids' first
48 bits) as publishers in the room while the videos play. Screenshots in test-artifacts/e2e/.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import DEMO_PASSWORD, PG_URL, create_pg_database
from tests.e2e.conftest import CHROMIUM, STATIC_INDEX, _require
from tests.media.engines import JANUS_HTTP, PYTHON, REPO, Engines, EnginesUnavailable

PORT = 8000  # inside the test's own network namespace: nothing else listens there
SCRIPT = REPO / "tests" / "e2e" / "janus_room_browser.py"


def _feed_id(user_id: str) -> int:
    """A participant's Janus feed id: the first 48 bits of the user UUID (docs/consultation.md)."""
    return int(user_id.replace("-", "")[:12], 16)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """Janus + coturn in a private network namespace (tests/media/engines.py)."""
    _require(STATIC_INDEX.exists(), "front end not built (make frontend)")
    _require(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    _require(shutil.which("curl") is not None, "curl is not installed")
    e = Engines(tmp_path_factory.mktemp("janus-e2e"))
    try:
        e.start()
    except EnginesUnavailable as exc:
        e.stop()
        _require(False, f"media engines unavailable: {exc}")
    yield e
    e.stop()


@pytest.fixture(scope="module")
def janus_server(engines: Engines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``osteon serve --demo`` inside the namespace, SQLite in a temp data dir, media through that Janus."""
    data = tmp_path_factory.mktemp("janus-e2e-var")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSTEON_")}  # no host PostgreSQL/Redis
    env |= engines.env() | {"OSTEON_DEMO_PASSWORD": DEMO_PASSWORD}
    env.pop("OSTEON_JANUS_RECORD_DIR")  # the demo consultation records nothing; keep Janus light
    db_name = None
    if PG_URL:  # PostgreSQL's TCP port is outside the namespace, its Unix socket (a file) is not
        url = make_url(PG_URL)
        socket_dir = os.environ.get("OSTEON_TEST_PG_SOCKET_DIR", "/var/run/postgresql")
        _require(Path(socket_dir, f".s.PGSQL.{url.port or 5432}").exists(),
                 f"PostgreSQL's Unix socket is not in {socket_dir} (set OSTEON_TEST_PG_SOCKET_DIR)")
        db_name = f"osteon_janus_e2e_{uuid.uuid4().hex[:8]}"
        asyncio.run(create_pg_database(PG_URL, db_name))
        env["OSTEON_DATABASE_URL"] = url.set(database=db_name, host=None, port=None).update_query_dict(
            {"host": socket_dir}).render_as_string(hide_password=False)
    log_path = data / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            ["nsenter", f"--net={engines.netns}", PYTHON, "-m", "osteon.cli", "serve", "--demo",
             "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(PORT), "--dicom-port", "0"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 90
        while engines.nsenter("curl", "-sf", "-o", "/dev/null", f"{base}/healthz", check=False).returncode != 0:
            assert proc.poll() is None, f"osteon serve exited {proc.returncode}:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"osteon serve not healthy:\n{log_path.read_text()[-3000:]}"
            time.sleep(0.3)
        yield base, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if db_name:
            asyncio.run(_drop_pg_database(PG_URL, db_name))


async def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.dispose()


def test_doctor_and_expert_see_each_other_through_the_janus_videoroom(engines: Engines, janus_server) -> None:
    base, log_path = janus_server
    args = {"base": base, "admin_url": engines.env()["OSTEON_JANUS_ADMIN_URL"],
            "admin_secret": engines.admin_secret}
    proc = subprocess.run(
        ["nsenter", f"--net={engines.netns}", PYTHON, str(SCRIPT)], input=json.dumps(args), capture_output=True,
        text=True, timeout=180, cwd=REPO, check=False,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps({k: seen.get(k) for k in ("server_ready_s", "video_after_s", "total_s", "remote")}, indent=1))
    if seen.get("console"):
        print("\n".join(seen["console"][:30]))
    assert "error" not in seen, f"{seen['error']}\n--- server log ---\n{log_path.read_text()[-3000:]}\n{seen}"

    me = seen["me"]
    assert set(me) == {"doctor", "expert"} and me["doctor"] != me["expert"]
    for user in ("doctor", "expert"):
        # the server sent the room to Janus: a join answer with the Janus VideoRoom, its token and TURN
        joins = seen["joins"][user]
        assert joins and all(j["status"] == 200 for j in joins), joins
        media = joins[-1]["body"]["media"]
        assert media["backend"] == "janus", media
        j = media["janus"]
        assert j["server"] == f"http://127.0.0.1:{JANUS_HTTP}/janus"
        assert j["token"] and j["pin"] and j["feed_id"] == _feed_id(me[user])
        assert any("turn:" in u for s in media["ice_servers"] for u in s["urls"]), media["ice_servers"]
        assert seen["backend"][user] == "janus"
    rooms = {seen["joins"][u][-1]["body"]["media"]["janus"]["room"] for u in ("doctor", "expert")}
    assert len(rooms) == 1, rooms

    # Janus itself has both in the room, publishing, under their feed ids
    participants = {p["id"]: p for p in seen["janus_participants"]}
    assert set(participants) == {_feed_id(me["doctor"]), _feed_id(me["expert"])}, seen["janus_participants"]
    assert all(p["publisher"] for p in participants.values()), seen["janus_participants"]

    # each sees the OTHER's camera playing: decoded frames, time advancing
    for user, other in (("doctor", "expert"), ("expert", "doctor")):
        remote = seen["remote"][user]
        assert remote["remotes"] == 1, remote
        assert remote["key"] == me[other], f"{user}'s remote tile is {remote['key']}, not {other} ({me[other]})"
        assert remote["width"] > 0 and remote["height"] > 0, remote
        assert remote["t1"] > remote["t0"] and not remote["paused"], remote
        assert remote["playing"] is True, remote
        # and its network-quality badge is measured from the Janus subscriber connection (not stuck on 检测中)
        assert remote["quality"] in ("good", "fair", "poor"), remote

