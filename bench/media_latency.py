"""Media latency: frame capture → decode through Janus VideoRoom, and directly peer to peer (issue 6).

Starts Janus (and coturn) in a private network namespace (tests/media/engines.py), then for each case runs one
aiortc publisher process sending 30 fps VP8 frames with a counter drawn into the picture and N aiortc
subscriber processes that decode the counter. Latency = monotonic time the subscriber had the decoded frame −
monotonic time the publisher produced it (CLOCK_MONOTONIC is system-wide, so processes share one clock).
Janus's CPU comes from /proc/<pid>/stat over the measuring window. Room, pin and tokens come from
``osteon.media.service.media_config`` as in production.

aiortc releases a decoded frame only when the next frame's first packet arrives (+1 frame, ~33 ms); browsers
release on the RTP marker bit. Subscribers are patched to do the same (``tests.media.peers.release_on_marker``)
unless ``--stock-aiortc``; the stock figure is reported once for comparison.

    .venv/bin/python bench/media_latency.py            # needs root (network namespace), janus, coturn
    .venv/bin/python bench/media_latency.py --seconds 8 --subscribers 1 2 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

WARMUP = 1.0  # seconds of each subscriber's stream left out (keyframe, bitrate ramp-up)


@dataclass(frozen=True)
class _Member:
    user_id: uuid.UUID
    name: str


def _emit(obj: dict) -> None:
    """One JSON line to the orchestrator."""
    print(json.dumps(obj), flush=True)


async def _config(env: dict, room_key: str, name: str) -> dict:
    """Janus room config exactly as Osteon hands it to a browser."""
    from osteon.config import Settings
    from osteon.media import service

    os.environ.update(env)
    return (await service.media_config(Settings(_env_file=None), room_key, _Member(uuid.uuid4(), name), record=False))["janus"]


async def role_publisher(a: argparse.Namespace) -> None:
    """Publish counter frames into the room; READY with the feed id; write send times at the end."""
    from tests.media.peers import CounterTrack, publish

    j = await _config(json.loads(a.env), a.room_key, "publisher")
    track = CounterTrack(a.width, a.height)
    peer, feed = await publish(j["server"], j["token"], j["room"], j["pin"], track, feed=j["feed_id"])
    _emit({"ready": True, "feed": feed})
    await asyncio.to_thread(sys.stdin.readline)  # the orchestrator says when to stop
    Path(a.out).write_text(json.dumps({str(k): v for k, v in track.sent.items()}))
    await peer.close()


async def role_subscriber(a: argparse.Namespace) -> None:
    """Subscribe to the feed; READY; record decode times until told to stop."""
    from tests.media.peers import release_on_marker, subscribe

    if not a.stock_aiortc:
        release_on_marker()
    j = await _config(json.loads(a.env), a.room_key, "subscriber")
    peer, received, reader = await subscribe(j["server"], j["token"], j["room"], j["pin"], a.feed)
    _emit({"ready": True})
    await asyncio.to_thread(sys.stdin.readline)
    reader.cancel()
    Path(a.out).write_text(json.dumps({"counters": received.counters, "times": received.times,
                                       "undecodable": received.undecodable}))
    await peer.close()


async def role_p2p_publisher(a: argparse.Namespace) -> None:
    """Direct path: offer on stdout, answer on stdin, then send."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from tests.media.peers import CounterTrack

    track = CounterTrack(a.width, a.height)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(track, direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    _emit({"sdp": pc.localDescription.sdp})
    answer = json.loads(await asyncio.to_thread(sys.stdin.readline))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    _emit({"ready": True})
    await asyncio.to_thread(sys.stdin.readline)
    Path(a.out).write_text(json.dumps({str(k): v for k, v in track.sent.items()}))
    await pc.close()


async def role_p2p_subscriber(a: argparse.Namespace) -> None:
    """Direct path: offer on stdin, answer on stdout, then decode."""
    import contextlib

    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from tests.media.peers import read_counter, release_on_marker

    if not a.stock_aiortc:
        release_on_marker()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    tracks: asyncio.Queue = asyncio.Queue()
    pc.on("track", lambda t: tracks.put_nowait(t))
    offer = json.loads(await asyncio.to_thread(sys.stdin.readline))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    _emit({"sdp": pc.localDescription.sdp})
    track = await tracks.get()
    counters, times = [], []

    async def _read() -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await track.recv()
                now = time.monotonic()
                value = read_counter(frame.to_ndarray(format="gray"))
                if value is not None:
                    counters.append(value)
                    times.append(now)

    task = asyncio.create_task(_read())
    _emit({"ready": True})
    await asyncio.to_thread(sys.stdin.readline)
    task.cancel()
    Path(a.out).write_text(json.dumps({"counters": counters, "times": times, "undecodable": 0}))
    await pc.close()


# --- orchestrator (host side) -------------------------------------------------------------------


class Worker:
    """One role process inside the namespace, spoken to in JSON lines."""

    def __init__(self, netns: Path, role: str, out: Path, **opts: object) -> None:
        """Start it."""
        args = ["nsenter", f"--net={netns}", sys.executable, __file__, "--role", role, "--out", str(out)]
        for key, value in opts.items():
            if value is True:
                args.append(f"--{key.replace('_', '-')}")
            elif value not in (None, False):
                args += [f"--{key.replace('_', '-')}", str(value)]
        self.out = out
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
                                     env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}"})

    def read(self) -> dict:
        """Next JSON line (fails loudly when the worker died)."""
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.proc.args[5:8]} exited {self.proc.wait()}")
        return json.loads(line)

    def send(self, obj: dict | None = None) -> None:
        """One line to the worker (an empty object means stop)."""
        self.proc.stdin.write(json.dumps(obj or {}) + "\n")
        self.proc.stdin.flush()

    def finish(self) -> dict:
        """Stop it and return its output file."""
        self.send()
        self.proc.wait(30)
        return json.loads(self.out.read_text())


def _cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads) in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _latencies(sent: dict, sub: dict) -> list[float]:
    """ms per counter, skipping the warm-up."""
    if not sub["times"]:
        return []
    start = sub["times"][0] + WARMUP
    return [(t - sent[str(c)]) * 1000 for c, t in zip(sub["counters"], sub["times"], strict=True)
            if t >= start and str(c) in sent]


def _stats(values: list[float]) -> dict:
    """median and p95."""
    if len(values) < 20:
        return {"n": len(values), "median": None, "p95": None}
    q = statistics.quantiles(values, n=20)
    return {"n": len(values), "median": round(statistics.median(values), 1), "p95": round(q[18], 1)}


def run_janus(engines, tmp: Path, width: int, height: int, n_subs: int, seconds: float, stock: bool) -> dict:
    """One publisher and n subscribers through the VideoRoom."""
    room_key = str(uuid.uuid4())
    env = json.dumps(engines.env())
    pub = Worker(engines.netns, "publisher", tmp / f"pub-{room_key}.json", env=env, room_key=room_key,
                 width=width, height=height)
    feed = pub.read()["feed"]
    subs = [Worker(engines.netns, "subscriber", tmp / f"sub{i}-{room_key}.json", env=env, room_key=room_key,
                   feed=feed, stock_aiortc=stock) for i in range(n_subs)]
    for s in subs:
        s.read()
    time.sleep(WARMUP)
    cpu0, t0 = _cpu_seconds(engines.janus.pid), time.monotonic()
    time.sleep(seconds)
    cpu = (_cpu_seconds(engines.janus.pid) - cpu0) / (time.monotonic() - t0)
    results = [s.finish() for s in subs]
    sent = pub.finish()
    lat = [x for r in results for x in _latencies(sent, r)]
    return {"path": "janus", "size": f"{width}x{height}", "subscribers": n_subs, "stock": stock, **_stats(lat),
            "janus_cpu_pct": round(cpu * 100, 1), "undecodable": sum(r["undecodable"] for r in results)}


def run_p2p(engines, tmp: Path, width: int, height: int, seconds: float, stock: bool) -> dict:
    """One publisher straight to one subscriber (no server)."""
    key = uuid.uuid4().hex
    pub = Worker(engines.netns, "p2p-publisher", tmp / f"p2p-pub-{key}.json", width=width, height=height)
    sub = Worker(engines.netns, "p2p-subscriber", tmp / f"p2p-sub-{key}.json", stock_aiortc=stock)
    sub.send(pub.read())
    pub.send(sub.read())
    pub.read()
    sub.read()
    time.sleep(WARMUP + seconds)
    result = sub.finish()
    sent = pub.finish()
    return {"path": "p2p", "size": f"{width}x{height}", "subscribers": 1, "stock": stock,
            **_stats(_latencies(sent, result)), "janus_cpu_pct": None, "undecodable": result["undecodable"]}


def _uptime() -> str:
    """The load average line."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def orchestrate(a: argparse.Namespace) -> None:
    """Start the engines, run every case, print a table and JSON."""
    from tests.media.engines import Engines

    tmp = Path(tempfile.mkdtemp(prefix="osteon-media-bench-"))
    engines = Engines(tmp / "engines").start()
    rows = []
    load_before = _uptime()
    try:
        for width, height in ((640, 480), (1280, 720)):
            rows.append(run_p2p(engines, tmp, width, height, a.seconds, False))
            for n in a.subscribers:
                rows.append(run_janus(engines, tmp, width, height, n, a.seconds, False))
            print(json.dumps(rows[-1 - len(a.subscribers):]), file=sys.stderr, flush=True)
        rows.append(run_janus(engines, tmp, 640, 480, 1, a.seconds, True))
    finally:
        engines.stop()
    load_after = _uptime()
    print(f"load before: {load_before}\nload after:  {load_after}")
    print("| path | size | subscribers | median ms | p95 ms | frames | Janus CPU % of a core |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        path = r["path"] + (" (stock aiortc)" if r["stock"] else "")
        cpu = "—" if r["janus_cpu_pct"] is None else r["janus_cpu_pct"]
        print(f"| {path} | {r['size']} | {r['subscribers']} | {r['median']} | {r['p95']} | {r['n']} | {cpu} |")
    print(json.dumps({"rows": rows, "load_before": load_before, "load_after": load_after}))


def main() -> None:
    """Orchestrator, or one role inside the namespace."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=6.0, help="measuring window per case")
    p.add_argument("--subscribers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--role", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--env", help=argparse.SUPPRESS)
    p.add_argument("--room-key", help=argparse.SUPPRESS)
    p.add_argument("--feed", type=int, help=argparse.SUPPRESS)
    p.add_argument("--width", type=int, default=640, help=argparse.SUPPRESS)
    p.add_argument("--height", type=int, default=480, help=argparse.SUPPRESS)
    p.add_argument("--stock-aiortc", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.role:
        asyncio.run(globals()[f"role_{a.role.replace('-', '_')}"](a))
    else:
        orchestrate(a)


if __name__ == "__main__":
    main()
