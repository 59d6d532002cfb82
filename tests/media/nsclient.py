"""Checks that must run inside the media test network namespace (where Janus lives).

``nsenter --net=FILE python -m tests.media.nsclient <command>`` with JSON arguments on stdin; prints one JSON
line. Each command returns what it observed; the assertions are in tests/media/test_media.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from osteon.config import Settings
from osteon.kit.errors import OsteonError
from osteon.media import service
from osteon.media.janus import VIDEOROOM, JanusAdmin, JanusError, JanusSession, VideoRoom


@dataclass(frozen=True)
class Member:
    """Shaped like consultations.service.RoomMember (user_id, name)."""

    user_id: uuid.UUID
    name: str


def _settings(env: dict[str, str]) -> Settings:
    """Settings from the given OSTEON_* variables only."""
    for key in [k for k in os.environ if k.startswith("OSTEON_")]:
        del os.environ[key]
    os.environ.update(env)
    return Settings(_env_file=None)


async def _config(settings: Settings, room_key: str, name: str = "peer", record: bool = False) -> dict[str, Any]:
    """media_config for a fresh member, or the typed error it raised."""
    try:
        return await service.media_config(settings, room_key, Member(uuid.uuid4(), name), record=record)
    except OsteonError as exc:
        return {"error": {"code": exc.code, "status": exc.status, "zh": exc.zh, "en": exc.en}}


async def cmd_wait(args: dict[str, Any]) -> dict[str, Any]:
    """Wait until Janus's HTTP and Admin APIs answer."""
    s = _settings(args["env"])
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(200):
            try:
                info = await JanusAdmin(client, s.janus_admin_url, s.janus_admin_secret).info()
                await client.get(f"{s.janus_url}/info")
                return {"ready": True, "version": info.get("version_string"), "plugins": sorted(info.get("plugins", {}))}
            except (JanusError, httpx.HTTPError) as exc:
                last = str(exc)
            await asyncio.sleep(0.1)
    return {"ready": False, "error": last}


async def cmd_media_config(args: dict[str, Any]) -> dict[str, Any]:
    """media_config ``times`` times for the room (fresh members), and whether the room exists afterwards."""
    s = _settings(args["env"])
    configs = [await _config(s, args["room_key"], record=args.get("record", False)) for _ in range(args.get("times", 1))]
    exists = None
    if s.janus_admin_url and "error" not in configs[-1]:
        async with httpx.AsyncClient(timeout=5) as client:
            admin = JanusAdmin(client, s.janus_admin_url, s.janus_admin_secret)
            exists = await VideoRoom(admin, s.janus_room_admin_key).exists(service.room_id(args["room_key"]))
    return {"configs": configs, "exists": exists}


async def _try(coro) -> dict[str, Any]:
    """Run a Janus call: ok, or the Janus error code."""
    try:
        result = await coro
        return {"ok": True, "result": result if isinstance(result, (dict, int, bool, list)) else None}
    except JanusError as exc:
        return {"ok": False, "code": exc.code, "reason": exc.reason}


async def cmd_token_check(args: dict[str, Any]) -> dict[str, Any]:
    """What Janus does with no token, a wrong token, the issued token, the right pin and a wrong pin."""
    s = _settings(args["env"])
    cfg = await _config(s, args["room_key"])
    j = cfg["janus"]
    out: dict[str, Any] = {"config": cfg}
    async with httpx.AsyncClient(timeout=5) as client:
        out["no_token"] = await _try(JanusSession.create(client, s.janus_url))
        out["wrong_token"] = await _try(JanusSession.create(client, s.janus_url, token="r1.9999999999.forged"))
        session = await JanusSession.create(client, j["server"], token=j["token"])
        handle = await session.attach(VIDEOROOM)
        out["token_ok"] = True
        out["exists_via_token"] = await _try(session.message(handle, {"request": "exists", "room": j["room"]}))
        # Joining is asynchronous (ack, then an event): a listparticipants-free check of the pin is a
        # subscriber-less publisher join, whose answer we read from the event stream.
        for label, pin in (("right_pin", j["pin"]), ("wrong_pin", "not-the-pin")):
            h = await session.attach(VIDEOROOM)
            await session.message(h, {"request": "join", "ptype": "publisher", "room": j["room"], "pin": pin,
                                      "display": label})
            data: dict[str, Any] = {}
            for _ in range(20):
                events = await session.events(timeout=5)
                mine = [e for e in events if e.get("sender") == h and e.get("plugindata")]
                if mine:
                    data = mine[0]["plugindata"]["data"]
                    break
            out[label] = {"videoroom": data.get("videoroom"), "error_code": data.get("error_code")}
        admin = JanusAdmin(client, s.janus_admin_url, s.janus_admin_secret)
        out["participants"] = [p.get("display") for p in await VideoRoom(admin, s.janus_room_admin_key).participants(j["room"])]
        out["create_without_admin_key"] = await _try(VideoRoom(admin, None).create(
            12345, secret="x", pin="y", record=False))
        await session.destroy()
        out["after_destroy_token_still_valid"] = (await _try(JanusSession.create(client, j["server"], token=j["token"])))["ok"]
    return out


async def cmd_expired_token(args: dict[str, Any]) -> dict[str, Any]:
    """A token of ours whose expiry has passed works until the next media_config sweeps it away."""
    s = _settings(args["env"])
    room = service.room_id(args["room_key"])
    expired = f"r{room}.{int(time.time()) - 1}.expired{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=5) as client:
        await JanusAdmin(client, s.janus_admin_url, s.janus_admin_secret).add_token(expired)
        before = await _try(JanusSession.create(client, s.janus_url, token=expired))
        cfg = await _config(s, args["room_key"])
        after = await _try(JanusSession.create(client, s.janus_url, token=expired))
        fresh = await _try(JanusSession.create(client, s.janus_url, token=cfg["janus"]["token"]))
    return {"expired_before_sweep": before["ok"], "expired_after_sweep": {"ok": after["ok"], "code": after.get("code")},
            "fresh_after_sweep": fresh["ok"]}


async def cmd_pubsub(args: dict[str, Any]) -> dict[str, Any]:
    """An aiortc publisher sends counter frames through the VideoRoom; an aiortc subscriber decodes them."""
    from tests.media.peers import CounterTrack, publish, subscribe

    s = _settings(args["env"])
    a = (await _config(s, args["room_key"], "publisher"))["janus"]
    b = (await _config(s, args["room_key"], "subscriber"))["janus"]
    track = CounterTrack(args.get("width", 320), args.get("height", 240))
    pub, feed = await publish(a["server"], a["token"], a["room"], a["pin"], track, feed=a["feed_id"], display=a["display"])
    sub, received, reader = await subscribe(b["server"], b["token"], b["room"], b["pin"], feed)
    await asyncio.sleep(args.get("seconds", 2.0))
    reader.cancel()
    sent = track.counter
    await sub.close()
    await pub.close()
    return {"feed": feed, "feed_id": a["feed_id"], "sent": sent, "counters": received.counters,
            "undecodable": received.undecodable, "size": received.size}


async def cmd_publish(args: dict[str, Any]) -> dict[str, Any]:
    """Publish counter frames into the room for ``seconds`` (used for recording)."""
    from tests.media.peers import CounterTrack, publish

    s = _settings(args["env"])
    cfg = await _config(s, args["room_key"], "recorded", record=args.get("record", False))
    j = cfg["janus"]
    track = CounterTrack(args.get("width", 320), args.get("height", 240))
    pub, _ = await publish(j["server"], j["token"], j["room"], j["pin"], track, feed=j["feed_id"])
    await asyncio.sleep(args.get("seconds", 2.0))
    await pub.close()
    return {"sent": track.counter, "recording": j["recording"], "room": j["room"]}


async def cmd_close_room(args: dict[str, Any]) -> dict[str, Any]:
    """close_room, then whether the room still exists."""
    s = _settings(args["env"])
    try:
        paths = await service.close_room(s, args["room_key"], Path(args["archive_dir"]))
    except OsteonError as exc:
        return {"error": {"code": exc.code, "status": exc.status}}
    async with httpx.AsyncClient(timeout=5) as client:
        admin = JanusAdmin(client, s.janus_admin_url, s.janus_admin_secret)
        exists = await VideoRoom(admin, s.janus_room_admin_key).exists(service.room_id(args["room_key"]))
        tokens = [t for t in await admin.list_tokens() if t.startswith(f"r{service.room_id(args['room_key'])}.")]
    return {"files": [{"name": p.name, "size": p.stat().st_size} for p in paths], "exists": exists, "tokens": tokens}


async def cmd_turn(args: dict[str, Any]) -> dict[str, Any]:
    """Gather candidates with aiortc against the given TURN server: how many relay candidates appear."""
    from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

    servers = [RTCIceServer(urls=s["urls"], username=s["username"], credential=s["credential"])
               for s in args["ice_servers"]]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    pc.addTransceiver("video", direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    lines = [line for line in sdp.splitlines() if line.startswith("a=candidate")]
    return {"relay": sum(" typ relay" in line for line in lines), "host": sum(" typ host" in line for line in lines),
            "relay_lines": [line for line in lines if " typ relay" in line]}


def main() -> None:
    """Dispatch one command; print its JSON answer as the last line."""
    command = sys.argv[1]
    args = json.loads(sys.stdin.read() or "{}")
    result = asyncio.run(globals()[f"cmd_{command}"](args))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
