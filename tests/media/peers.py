"""aiortc peers for Janus VideoRoom: a publisher of counter frames and a subscriber that reads them back.

The counter is drawn into the picture (two rows of 16 black/white blocks: the bits and their complement),
so it survives VP8 and a frame decodes to its counter or to None. Used inside the test network namespace
(tests/media/engines.py) by the media tests and bench/media_latency.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame

from osteon.media.janus import VIDEOROOM, JanusError, JanusSession

BITS = 16


def draw_counter(base: np.ndarray, counter: int) -> np.ndarray:
    """A copy of base (H×W×3) with the counter's bits and their complement in two bands at the top."""
    img = base.copy()
    h, w = img.shape[:2]
    bw, bh = w // BITS, h // 8
    for i in range(BITS):
        bit = (counter >> (BITS - 1 - i)) & 1
        img[0:bh, i * bw:(i + 1) * bw] = 255 if bit else 0
        img[bh:2 * bh, i * bw:(i + 1) * bw] = 0 if bit else 255
    return img


def read_counter(gray: np.ndarray) -> int | None:
    """The counter in a decoded frame (luma plane), or None when the bands do not check out."""
    h, w = gray.shape[:2]
    bw, bh = w // BITS, h // 8
    value = 0
    for i in range(BITS):
        x0, x1 = i * bw + bw // 4, (i + 1) * bw - bw // 4
        top = gray[bh // 4: bh - bh // 4, x0:x1].mean()
        bottom = gray[bh + bh // 4: 2 * bh - bh // 4, x0:x1].mean()
        bit = top > 128
        if bit == (bottom > 128) or abs(top - bottom) < 80:
            return None
        value = (value << 1) | int(bit)
    return value


class CounterTrack(VideoStreamTrack):
    """30 fps frames carrying 0, 1, 2 …; ``sent[counter]`` = monotonic time the frame left the 'camera'."""

    def __init__(self, width: int, height: int) -> None:
        """A moving gradient underneath, so the encoder has real work to do."""
        super().__init__()
        self.width, self.height = width, height
        self.counter = 0
        self.sent: dict[int, float] = {}
        x = np.linspace(0, 255, width, dtype=np.float32)
        y = np.linspace(0, 255, height, dtype=np.float32)
        self._base = ((x[None, :] + y[:, None]) / 2).astype(np.uint8)

    async def recv(self) -> VideoFrame:
        """The next frame (paced by aiortc's clock)."""
        pts, time_base = await self.next_timestamp()
        shift = (self.counter * 4) % self.width
        plane = np.roll(self._base, shift, axis=1)
        img = draw_counter(np.repeat(plane[:, :, None], 3, axis=2), self.counter)
        frame = VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts, frame.time_base = pts, time_base
        self.sent[self.counter] = time.monotonic()
        self.counter += 1
        return frame


def _no_stun() -> RTCConfiguration:
    """aiortc's default contacts a public STUN server: never here."""
    return RTCConfiguration(iceServers=[])


class JanusPeer:
    """One Janus session (HTTP API) with a VideoRoom handle and an event poller."""

    def __init__(self, client: httpx.AsyncClient, session: JanusSession, handle: int) -> None:
        """Use ``await JanusPeer.open(...)``."""
        self.client, self.session, self.handle = client, session, handle
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._poller = asyncio.create_task(self._poll())
        self.pc: RTCPeerConnection | None = None

    @classmethod
    async def open(cls, server: str, token: str | None) -> JanusPeer:
        """Session + VideoRoom handle."""
        client = httpx.AsyncClient(timeout=httpx.Timeout(40.0, connect=5.0))
        session = await JanusSession.create(client, server, token=token)
        return cls(client, session, await session.attach(VIDEOROOM))

    async def _poll(self) -> None:
        """Long-poll events into the queue."""
        with contextlib.suppress(asyncio.CancelledError, JanusError):
            while True:
                for event in await self.session.events():
                    await self.queue.put(event)

    async def wait_for(self, predicate, timeout: float = 15.0) -> dict[str, Any]:
        """The first event matching predicate; plugin errors raise JanusError."""
        async def _next() -> dict[str, Any]:
            while True:
                event = await self.queue.get()
                data = (event.get("plugindata") or {}).get("data") or {}
                if "error_code" in data:
                    raise JanusError(str(data.get("error")), data.get("error_code"))
                if predicate(event, data):
                    return event
        return await asyncio.wait_for(_next(), timeout)

    async def close(self) -> None:
        """Close the PeerConnection and the session."""
        if self.pc is not None:
            await self.pc.close()
        self._poller.cancel()
        with contextlib.suppress(Exception):
            await self.session.destroy()
        await self.client.aclose()


async def publish(server: str, token: str, room: int, pin: str, track: CounterTrack, *,
                  feed: int | None = None, display: str = "publisher") -> tuple[JanusPeer, int]:
    """Join as publisher and send track; returns (peer, feed id) once Janus reports the PeerConnection up."""
    peer = await JanusPeer.open(server, token)
    body: dict[str, Any] = {"request": "join", "ptype": "publisher", "room": room, "pin": pin, "display": display}
    if feed is not None:
        body["id"] = feed
    await peer.session.message(peer.handle, body)
    joined = await peer.wait_for(lambda e, d: d.get("videoroom") == "joined")
    feed_id = int(joined["plugindata"]["data"]["id"])
    pc = peer.pc = RTCPeerConnection(_no_stun())
    pc.addTransceiver(track, direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())  # aiortc gathers everything here, no trickle
    await peer.session.message(peer.handle, {"request": "configure", "audio": False, "video": True},
                               jsep={"type": "offer", "sdp": pc.localDescription.sdp})
    await peer.session.trickle(peer.handle, {"completed": True})
    answer = await peer.wait_for(lambda e, d: "jsep" in e)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["jsep"]["sdp"], type=answer["jsep"]["type"]))
    await peer.wait_for(lambda e, d: e.get("janus") == "webrtcup")
    return peer, feed_id


class Received:
    """What a subscriber decoded: counters in arrival order, their monotonic times, undecodable frames."""

    def __init__(self) -> None:
        """Empty."""
        self.counters: list[int] = []
        self.times: list[float] = []
        self.undecodable = 0
        self.size: tuple[int, int] | None = None


async def subscribe(server: str, token: str, room: int, pin: str, feed: int) -> tuple[JanusPeer, Received, asyncio.Task]:
    """Join as subscriber to feed; a task records every decoded frame's counter until cancelled."""
    peer = await JanusPeer.open(server, token)
    for attempt in range(20):  # "No such feed" until the publisher's PeerConnection is up
        try:
            await peer.session.message(peer.handle, {"request": "join", "ptype": "subscriber", "room": room,
                                                     "pin": pin, "streams": [{"feed": feed}]})
            offer = await peer.wait_for(lambda e, d: "jsep" in e)
            break
        except JanusError as exc:
            if exc.code != 428 or attempt == 19:
                raise
            await asyncio.sleep(0.1)
    pc = peer.pc = RTCPeerConnection(_no_stun())
    received = Received()
    tracks: asyncio.Queue = asyncio.Queue()
    pc.on("track", lambda t: tracks.put_nowait(t))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["jsep"]["sdp"], type=offer["jsep"]["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    await peer.session.message(peer.handle, {"request": "start"},
                               jsep={"type": "answer", "sdp": pc.localDescription.sdp})
    await peer.session.trickle(peer.handle, {"completed": True})
    track = await asyncio.wait_for(tracks.get(), 10)

    async def _read() -> None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                gray = frame.to_ndarray(format="gray")
                received.size = (frame.width, frame.height)
                value = read_counter(gray)
                if value is None:
                    received.undecodable += 1
                    continue
                received.counters.append(value)
                received.times.append(now)

    return peer, received, asyncio.create_task(_read())


def release_on_marker() -> None:
    """Patch aiortc's video jitter buffer to release a frame on its RTP marker bit, as browsers do.

    Stock aiortc releases a frame only when the next frame's first packet arrives (one frame interval of
    extra latency, ~33 ms at 30 fps). Used by the bench (flag), never by the tests.
    """
    from aiortc import jitterbuffer

    original = jitterbuffer.JitterBuffer._remove_frame

    def _remove_frame(self, sequence_number: int):
        if not self._is_video:
            return original(self, sequence_number)
        packets = []
        timestamp = None
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self._capacity]
            if packet is None:
                return None
            if timestamp is None:
                timestamp = packet.timestamp
            elif packet.timestamp != timestamp:  # previous frame complete without a marker
                frame = jitterbuffer.JitterFrame(data=b"".join(p._data for p in packets), timestamp=timestamp)
                self.remove(count)
                return frame
            packets.append(packet)
            if packet.marker:
                frame = jitterbuffer.JitterFrame(data=b"".join(p._data for p in packets), timestamp=timestamp)
                self.remove(count + 1)
                return frame
        return None

    jitterbuffer.JitterBuffer._remove_frame = _remove_frame

