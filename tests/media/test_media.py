"""Media for remote consultation against real engines: coturn, Janus VideoRoom, aiortc peers, janus-pp-rec.

Janus and coturn run in a private network namespace started once for this file (tests/media/engines.py);
checks that talk to them run inside it (tests/media/nsclient.py) and return JSON. All Janus tests live in
this one file so one xdist worker (``--dist loadfile``) owns the engines.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from osteon.config import Settings
from osteon.kit import problems
from osteon.media import service
from osteon.media.exceptions import MediaNotConfigured, MediaUnavailable
from tests.conftest import IN_CI
from tests.media.engines import Engines, EnginesUnavailable

NSCLIENT = "tests.media.nsclient"


@dataclass(frozen=True)
class Member:
    """Shaped like consultations.service.RoomMember."""

    user_id: uuid.UUID
    name: str


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """Janus + coturn in a network namespace, shared by every test in this file."""
    e = Engines(tmp_path_factory.mktemp("media-engines"))
    try:
        e.start()
    except EnginesUnavailable as exc:
        e.stop()
        if IN_CI:
            pytest.fail(f"media engines unavailable: {exc}")
        pytest.skip(f"media engines unavailable: {exc}")
    yield e
    e.stop()


def _settings(**values: object) -> Settings:
    """Settings without the environment's .env."""
    return Settings(_env_file=None, **values)


def _room_key() -> str:
    """A fresh consultation id."""
    return str(uuid.uuid4())


def _free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- TURN ------------------------------------------------------------------------------------------


def test_turn_credentials_follow_the_coturn_rest_scheme() -> None:
    user = uuid.uuid4()
    settings = _settings(turn_urls="turn:turn.example:3478?transport=udp,turn:turn.example:3478?transport=tcp",
                         turn_secret="s3cret", turn_ttl_seconds=600)
    before = int(time.time())
    [server] = service.ice_servers(settings, user)
    expiry, who = server["username"].split(":", 1)
    assert who == str(user)
    assert before + 600 <= int(expiry) <= int(time.time()) + 600
    expected = base64.b64encode(hmac.new(b"s3cret", server["username"].encode(), hashlib.sha1).digest()).decode()
    assert server["credential"] == expected
    assert server["urls"] == ["turn:turn.example:3478?transport=udp", "turn:turn.example:3478?transport=tcp"]
    assert service.ice_servers(_settings(), user) == []
    assert service.ice_servers(_settings(turn_urls="turn:x:3478"), user) == []  # no secret → no TURN


def test_coturn_relays_only_with_the_right_secret(engines: Engines) -> None:
    urls = ["turn:127.0.0.1:3478?transport=udp"]
    good = service.ice_servers(_settings(turn_urls=urls, turn_secret=engines.turn_secret), "doctor-1")
    bad = service.ice_servers(_settings(turn_urls=urls, turn_secret="not-the-secret"), "doctor-1")
    with_good = engines.run_python(NSCLIENT, "turn", {"ice_servers": good})
    with_bad = engines.run_python(NSCLIENT, "turn", {"ice_servers": bad})
    assert with_good["relay"] >= 1, with_good
    assert all(" 127.0.0.2 " in line for line in with_good["relay_lines"])  # coturn's relay address
    assert with_bad["relay"] == 0 and with_bad["host"] >= 1


# --- configuration without Janus, and Janus unreachable ----------------------------------------------


async def test_without_janus_rooms_are_peer_to_peer_with_turn() -> None:
    settings = _settings(turn_urls="turn:turn.example:3478", turn_secret="s")
    config = await service.media_config(settings, _room_key(), Member(uuid.uuid4(), "王医生"), record=True)
    assert config["backend"] == "p2p"
    assert [s["urls"] for s in config["ice_servers"]] == [["turn:turn.example:3478"]]
    assert await service.close_room(settings, _room_key(), Path("/nonexistent")) == []


async def test_janus_down_is_a_clear_503_and_never_a_crash() -> None:
    port = _free_port()
    down = _settings(janus_url=f"http://127.0.0.1:{port}/janus", janus_admin_url=f"http://127.0.0.1:{port}/admin",
                     janus_admin_secret="x")
    with pytest.raises(MediaUnavailable):
        await service.media_config(down, _room_key(), Member(uuid.uuid4(), "李医生"), record=False)
    with pytest.raises(MediaUnavailable):
        await service.close_room(down, _room_key(), Path("/nonexistent"))
    with pytest.raises(MediaNotConfigured):  # Janus without its Admin API cannot issue tokens
        await service.media_config(_settings(janus_url=f"http://127.0.0.1:{port}/janus"), _room_key(),
                                   Member(uuid.uuid4(), "李医生"), record=False)

    app = FastAPI()
    problems.install(app)

    @app.post("/join")
    async def join() -> dict:
        return await service.media_config(down, "k", Member(uuid.uuid4(), "李医生"), record=False)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        zh = await client.post("/join", headers={"Accept-Language": "zh-CN"})
        en = await client.post("/join", headers={"Accept-Language": "en"})
    assert zh.status_code == 503 and zh.headers["content-type"].startswith("application/problem+json")
    assert zh.json()["code"] == "media.unavailable" and "视频服务暂不可用" in zh.json()["detail"]
    assert "video service is unavailable" in en.json()["detail"]


# --- Janus rooms and tokens -------------------------------------------------------------------------


def test_media_config_creates_a_room_that_needs_its_token_and_pin(engines: Engines) -> None:
    key = _room_key()
    r = engines.run_python(NSCLIENT, "token_check", {"env": engines.env(), "room_key": key})
    j = r["config"]["janus"]
    assert r["config"]["backend"] == "janus"
    assert j["room"] == service.room_id(key) and 0 < j["room"] < 2**53
    assert j["server"] == engines.env()["OSTEON_JANUS_URL"] and j["display"] == "peer"
    assert r["config"]["ice_servers"][0]["urls"] == [engines.env()["OSTEON_TURN_URLS"]]  # TURN for Janus too
    assert r["no_token"] == {"ok": False, "code": 403, "reason": r["no_token"]["reason"]}
    assert r["wrong_token"]["code"] == 403
    assert r["token_ok"] and r["exists_via_token"]["result"]["exists"] is True
    assert r["right_pin"]["videoroom"] == "joined"
    assert r["wrong_pin"]["error_code"] == 433  # JANUS_VIDEOROOM_ERROR_UNAUTHORIZED
    assert r["participants"] == ["right_pin"]
    assert r["create_without_admin_key"]["ok"] is False  # rooms only through Osteon (admin_key)


def test_expired_tokens_are_revoked_at_the_next_join(engines: Engines) -> None:
    r = engines.run_python(NSCLIENT, "expired_token", {"env": engines.env(), "room_key": _room_key()})
    assert r["expired_before_sweep"] is True  # Janus itself never expires a stored token
    assert r["expired_after_sweep"] == {"ok": False, "code": 403}
    assert r["fresh_after_sweep"] is True


def test_media_config_is_idempotent_across_app_instances(engines: Engines) -> None:
    key = _room_key()
    args = {"env": engines.env(), "room_key": key, "times": 2}
    with ThreadPoolExecutor(2) as pool:  # two app instances (processes), at the same time
        results = list(pool.map(lambda _: engines.run_python(NSCLIENT, "media_config", args), range(2)))
    configs = [c for r in results for c in r["configs"]]
    assert all("error" not in c for c in configs), configs
    assert {c["janus"]["room"] for c in configs} == {service.room_id(key)}
    assert len({c["janus"]["pin"] for c in configs}) == 1
    assert len({c["janus"]["token"] for c in configs}) == 4  # one token per participant join
    assert all(r["exists"] for r in results)


def test_counter_frames_arrive_in_order_through_the_videoroom(engines: Engines) -> None:
    r = engines.run_python(NSCLIENT, "pubsub", {"env": engines.env(), "room_key": _room_key(), "seconds": 2.0})
    counters = r["counters"]
    assert r["feed"] == r["feed_id"]  # the publisher joined with the id Osteon gave it
    assert r["size"] == [320, 240]
    assert len(counters) >= 20, r
    assert all(b > a for a, b in itertools.pairwise(counters)), counters
    assert counters[-1] < r["sent"]
    assert r["undecodable"] <= len(counters) // 10


def test_recording_with_consent_becomes_webm_on_close(engines: Engines, tmp_path: Path) -> None:
    key = _room_key()
    # The room is opened before the recording consent arrives: the next join turns recording on.
    opened = engines.run_python(NSCLIENT, "media_config", {"env": engines.env(), "room_key": key, "record": False})
    assert opened["configs"][0]["janus"]["recording"] is False
    published = engines.run_python(NSCLIENT, "publish", {"env": engines.env(), "room_key": key, "seconds": 2.0,
                                                        "record": True})
    assert published["recording"] is True and published["sent"] > 20
    closed = engines.run_python(NSCLIENT, "close_room", {"env": engines.env(), "room_key": key,
                                                         "archive_dir": str(tmp_path / "archive")})
    assert closed["exists"] is False and closed["tokens"] == []
    webms = [f for f in closed["files"] if f["name"].endswith(".webm")]
    assert webms and all(f["size"] > 1000 for f in webms), closed
    data = (tmp_path / "archive" / webms[0]["name"]).read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]  # EBML header, DocType webm
    assert not list((engines.record_dir / str(service.room_id(key))).glob("*.mjr"))


def test_no_recording_without_consent(engines: Engines, tmp_path: Path) -> None:
    key = _room_key()
    published = engines.run_python(NSCLIENT, "publish", {"env": engines.env(), "room_key": key, "seconds": 1.0,
                                                        "record": False})
    assert published["recording"] is False and published["sent"] > 5
    closed = engines.run_python(NSCLIENT, "close_room", {"env": engines.env(), "room_key": key,
                                                         "archive_dir": str(tmp_path / "archive")})
    assert closed == {"files": [], "exists": False, "tokens": []}
    assert not (engines.record_dir / str(service.room_id(key))).exists()


def test_janus_restart_recreates_the_room_with_the_same_id_and_pin(engines: Engines) -> None:
    key = _room_key()
    before = engines.run_python(NSCLIENT, "media_config", {"env": engines.env(), "room_key": key})["configs"][0]
    engines.stop_janus()
    try:
        down = engines.run_python(NSCLIENT, "media_config", {"env": engines.env(), "room_key": key})["configs"][0]
    finally:
        engines.start_janus()
    assert down["error"]["status"] == 503 and down["error"]["code"] == "media.unavailable"
    after = engines.run_python(NSCLIENT, "token_check", {"env": engines.env(), "room_key": key})
    j = after["config"]["janus"]
    assert (j["room"], j["pin"]) == (before["janus"]["room"], before["janus"]["pin"])
    assert j["token"] != before["janus"]["token"]
    assert after["exists_via_token"]["result"]["exists"] is True and after["right_pin"]["videoroom"] == "joined"
