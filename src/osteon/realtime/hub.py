"""The topic hub: a registry of topics, per-topic sequence numbers, a ring buffer for resume, fan-out.

How a message travels (ARCHITECTURE §5):

1. A domain commits, then calls :func:`publish` (or queues it with :func:`publish_after_commit`).
2. The sequence number is allocated *where the event is published*:
   - with Redis (``OSTEON_REDIS_URL``) one Lua script does ``INCR osteon:seq:{topic}``, appends the message
     to the ring ``osteon:ring:{topic}`` (bounded with LTRIM) and ``PUBLISH``es it on ``osteon:<topic>`` —
     the channel the app's :class:`~osteon.events.RedisBroker` listens on. The script runs atomically, so
     every instance sees the messages of a topic in seq order, whichever instance published them, and a
     client that reconnects to *another* instance can resume from the shared ring;
   - without Redis (one process) an in-process counter and ring, then ``app.state.broker.publish``.
3. Each instance runs one broker subscription per topic that has local subscribers and hands messages to
   its WebSocket connections, dropping any with ``seq`` ≤ what that connection already has.

A subscriber first joins the live feed (buffering), then reads the current seq, then either replays the
missed events from the ring (``since`` inside the ring) or takes a snapshot from the database; buffered
live messages with a higher seq follow. Events are idempotent state updates, so an event whose effect
was already in the snapshot is harmless: nothing is lost across a drop and order is kept.

Interactive topics (registered with ``interactive=``, e.g. the consultation room) also take events from
clients, keep shared state and presence; their state change, seq, ring append and fan-out are one atomic step
(:mod:`osteon.realtime.interactive`), and their snapshot is read with its seq in one step.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import secrets
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.db import after_commit
from osteon.realtime import interactive as ia
from osteon.security.deps import Actor

log = logging.getLogger(__name__)

RING_SIZE = 256  # events kept per topic for resume; older gaps get a snapshot
RING_TTL_SECONDS = 86_400

Authorize = Callable[[AsyncSession, Actor, re.Match[str]], bool | Awaitable[bool]]
Snapshot = Callable[[AsyncSession, Actor, re.Match[str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class TopicSpec:
    """One kind of topic: a full-match regex, who may subscribe, and how to build its state."""

    name: str
    pattern: re.Pattern[str]
    authorize: Authorize
    snapshot: Snapshot
    interactive: ia.Interactive | None = None  # clients may publish; shared state and presence


_TOPICS: list[TopicSpec] = []


def register_topic(pattern: str, authorize: Authorize | None = None, snapshot: Snapshot | None = None, *,
                   name: str | None = None, interactive: ia.Interactive | None = None) -> TopicSpec:
    """Register a topic kind (e.g. ``r"queue:(?P<doctor_id>[0-9a-f-]{36}):(?P<date>\\d{4}-\\d{2}-\\d{2})"``).

    An ``interactive`` topic takes its access rule from ``interactive.member`` and its snapshot from
    ``interactive.snapshot`` (given a consistent :class:`~osteon.realtime.interactive.RoomState`)."""
    if interactive is not None:
        async def _authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
            """Subscribers must be members."""
            return await interactive.member(session, actor, m) is not None

        authorize = authorize or _authorize
    if authorize is None or (snapshot is None and interactive is None):
        raise TypeError("a topic needs authorize and snapshot (or interactive)")
    spec = TopicSpec(name or pattern, re.compile(pattern), authorize, snapshot or _no_snapshot, interactive)
    _TOPICS[:] = [t for t in _TOPICS if t.pattern.pattern != pattern] + [spec]
    return spec


async def _no_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Interactive topics build snapshots from their state instead."""
    return {}


def ring_size_for(topic: str) -> int:
    """How many events a topic keeps for resume (interactive topics keep more: pointer moves are frequent)."""
    found = match_topic(topic)
    return found[0].interactive.ring_size if found and found[0].interactive else RING_SIZE


def match_topic(topic: str) -> tuple[TopicSpec, re.Match[str]] | None:
    """The registered spec whose pattern fully matches ``topic``."""
    for spec in _TOPICS:
        m = spec.pattern.fullmatch(topic)
        if m:
            return spec, m
    return None


async def check_authorized(spec: TopicSpec, session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """Run the spec's authorize (sync or async)."""
    result = spec.authorize(session, actor, m)
    if inspect.isawaitable(result):
        result = await result
    return bool(result)


# --- sequence numbers and the ring -------------------------------------------------------------------

_LUA_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local msg = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[2], msg)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('PUBLISH', ARGV[4], msg)
return seq
"""


class MemorySequencer:
    """Single-process seq counters and rings; delivery through the in-process broker."""

    def __init__(self, broker: Any) -> None:
        """Counters start at 0."""
        self.broker = broker
        self._seq: dict[str, int] = defaultdict(int)
        self._ring: dict[str, deque[dict[str, Any]]] = {}
        self._state: dict[str, ia.LocalTopicState] = defaultdict(ia.LocalTopicState)

    def _ring_of(self, topic: str) -> deque[dict[str, Any]]:
        """The topic's ring, created with its size."""
        ring = self._ring.get(topic)
        if ring is None:
            ring = self._ring[topic] = deque(maxlen=ring_size_for(topic))
        return ring

    async def publish(self, topic: str, body: dict[str, Any]) -> dict[str, Any]:
        """Allocate the next seq, remember the message, fan it out."""
        self._seq[topic] += 1
        msg = {"seq": self._seq[topic], **body}
        self._ring_of(topic).append(msg)
        await self.broker.publish(topic, msg)
        await asyncio.sleep(0)  # let the local feeds hand it to the sockets before the caller publishes more
        return msg

    async def publish_many(self, bodies: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish several (topic, body) pairs in order."""
        for topic, body in bodies:
            await self.publish(topic, body)

    async def current(self, topic: str) -> int:
        """The last seq published on ``topic``."""
        return self._seq.get(topic, 0)

    async def recent(self, topic: str) -> list[dict[str, Any]]:
        """The ring, oldest first."""
        return list(self._ring.get(topic, ()))

    async def apply(self, topic: str, presence: dict[str, Any] | None, steps: list[dict[str, Any]],
                    ttl: int = RING_TTL_SECONDS) -> dict[str, Any]:
        """Check, write state, allocate seqs and ring the events with no await in between (atomic here)."""
        result = self._state[topic].apply(presence, steps)
        if "run" not in result:
            return result
        seqs, msgs = [], []
        for ran, st in zip(result["run"], steps, strict=True):
            seq = 0
            if ran and st["body"] is not None:
                self._seq[topic] += 1
                seq = self._seq[topic]
                msg = json.loads(f'{{"seq":{seq},' + st["body"][1:])
                self._ring_of(topic).append(msg)
                msgs.append(msg)
            seqs.append(seq)
        for msg in msgs:
            await self.broker.publish(topic, msg)
        if msgs:
            await asyncio.sleep(0)
        return {"seqs": seqs}

    async def read_state(self, topic: str) -> tuple[int, dict[str, str], dict[str, float]]:
        """(seq, state fields, presence entries), consistent."""
        st = self._state.get(topic) or ia.LocalTopicState()
        return self._seq.get(topic, 0), dict(st.fields), dict(st.presence)

    async def refresh(self, topic: str, fields: list[str], exp: float) -> list[str]:
        """Extend this instance's live presence entries (never re-adds one that left); the missing ones."""
        st = self._state[topic]
        missing = []
        for f in fields:
            if f in st.presence:
                st.presence[f] = exp
            else:
                missing.append(f)
        return missing

    async def close(self) -> None:
        """Nothing to release."""


class RedisSequencer:
    """Seq and ring in Redis, published atomically by one Lua script (consistent across instances)."""

    def __init__(self, url: str) -> None:
        """Connect lazily."""
        import redis.asyncio as redis

        self._redis = redis.from_url(url, decode_responses=True)
        self._script = self._redis.register_script(_LUA_PUBLISH)
        self._apply = self._redis.register_script(ia.LUA_APPLY)
        self._read = self._redis.register_script(ia.LUA_READ)
        self._refresh = self._redis.register_script(ia.LUA_REFRESH)

    async def publish(self, topic: str, body: dict[str, Any]) -> dict[str, Any]:
        """INCR + ring + PUBLISH in one atomic step; return the message with its seq."""
        raw = json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":"))
        seq = await self._script(
            keys=[f"osteon:seq:{{{topic}}}", f"osteon:ring:{{{topic}}}"],
            args=[raw, ring_size_for(topic), RING_TTL_SECONDS, f"osteon:{topic}"],
        )
        return {"seq": int(seq), **body}

    async def publish_many(self, bodies: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish several (topic, body) pairs in one round trip (a pipeline of the same atomic script)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for topic, body in bodies:
                raw = json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":"))
                await self._script(keys=[f"osteon:seq:{{{topic}}}", f"osteon:ring:{{{topic}}}"],
                                   args=[raw, ring_size_for(topic), RING_TTL_SECONDS, f"osteon:{topic}"], client=pipe)
            await pipe.execute()

    async def current(self, topic: str) -> int:
        """The last seq allocated on ``topic``."""
        return int(await self._redis.get(f"osteon:seq:{{{topic}}}") or 0)

    async def recent(self, topic: str) -> list[dict[str, Any]]:
        """The ring, oldest first."""
        return [json.loads(x) for x in await self._redis.lrange(f"osteon:ring:{{{topic}}}", 0, -1)]

    async def apply(self, topic: str, presence: dict[str, Any] | None, steps: list[dict[str, Any]],
                    ttl: int = RING_TTL_SECONDS) -> dict[str, Any]:
        """Conditions + state writes + INCR + ring + PUBLISH for every step, in one Lua script."""
        spec = {"presence": presence, "steps": steps, "ring": ring_size_for(topic), "ttl": ttl,
                "channel": f"osteon:{topic}"}
        out = json.loads(await self._apply(keys=self._keys(topic), args=[ia.dumps(spec)]))
        if "seqs" in out and not isinstance(out["seqs"], list):
            out["seqs"] = []  # cjson writes an empty table as {}
        return out

    async def read_state(self, topic: str) -> tuple[int, dict[str, str], dict[str, float]]:
        """(seq, state fields, presence entries) read by one script: the state is exactly that after ``seq``."""
        k = self._keys(topic)
        out = json.loads(await self._read(keys=[k[0], k[2], k[3]]))

        def pairs(flat: Any) -> dict[str, str]:
            flat = flat if isinstance(flat, list) else []
            return dict(zip(flat[0::2], flat[1::2], strict=True))

        return int(out["seq"]), pairs(out["state"]), {k_: float(v) for k_, v in pairs(out["presence"]).items()}

    async def refresh(self, topic: str, fields: list[str], exp: float) -> list[str]:
        """Extend this instance's live presence entries (never re-adds one that left); the missing ones."""
        if not fields:
            return []
        return list(await self._refresh(keys=[self._keys(topic)[3]], args=[exp, *fields]))

    @staticmethod
    def _keys(topic: str) -> list[str]:
        """seq, ring, state, presence — one hash tag, so one cluster slot."""
        return [f"osteon:{kind}:{{{topic}}}" for kind in ("seq", "ring", "state", "presence")]

    async def close(self) -> None:
        """Close the pool."""
        await self._redis.aclose()


# --- local fan-out -----------------------------------------------------------------------------------


@dataclass(eq=False)
class Subscription:
    """One connection's interest in one topic; buffers live messages until its snapshot/replay is sent."""

    topic: str
    outbox: Outbox
    last_seq: int = 0
    ready: bool = False
    buffer: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    user_id: str = ""  # for events addressed to one user (``"to"``)
    member: dict[str, Any] | None = None  # interactive topics: who this socket is in the room
    conn_id: str = ""  # interactive topics: this socket's presence entry

    def deliver(self, msg: dict[str, Any], raw: str | None = None) -> None:
        """Take a live message (and its JSON text, serialised once for all clients): buffer it, or send it
        if it is newer than what the client has. Addressed messages (``to``) reach only their user; they
        carry no seq and are never replayed."""
        to = msg.get("to")
        if to is not None and to != self.user_id:
            return
        if not self.ready:
            self.buffer.append((msg, raw))
            return
        if "seq" not in msg:
            self.outbox.put(raw if raw is not None else msg)
            return
        seq = int(msg.get("seq", 0))
        if seq > self.last_seq:
            self.last_seq = seq
            self.outbox.put(raw if raw is not None else msg)

    def go_live(self, last_seq: int) -> None:
        """The client now holds state up to ``last_seq``: flush newer buffered messages and stream."""
        self.last_seq = max(self.last_seq, last_seq)
        self.ready = True
        pending, self.buffer = self.buffer, []
        for msg, raw in pending:
            self.deliver(msg, raw)


class Outbox:
    """A connection's bounded outgoing queue; overflowing marks the client as too slow (it must resume)."""

    def __init__(self, maxsize: int = 2000) -> None:
        """Empty queue."""
        self.queue: asyncio.Queue[dict[str, Any] | str] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = asyncio.Event()

    def put(self, msg: dict[str, Any] | str) -> None:
        """Queue a frame without waiting."""
        try:
            self.queue.put_nowait(msg)
        except asyncio.QueueFull:
            self.overflowed.set()


@dataclass(eq=False)
class _Feed:
    """One broker subscription per topic per instance, shared by the local subscribers."""

    subs: set[Subscription] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    task: asyncio.Task[None] | None = None


class Hub:
    """The per-app hub: publishes with seq numbers and serves subscribers on this instance."""

    def __init__(self, broker: Any, redis_url: str | None, db: Any) -> None:
        """Pick the sequencer: Redis when configured, else in-process."""
        self.broker = broker
        self.db = db
        self.sequencer: MemorySequencer | RedisSequencer = RedisSequencer(redis_url) if redis_url else MemorySequencer(broker)
        self._feeds: dict[str, _Feed] = {}
        self._lock = asyncio.Lock()
        self._present: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # topic -> our entries -> member
        self._heartbeat: asyncio.Task[None] | None = None

    async def publish(self, topic: str, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Send ``event`` with ``data`` to every subscriber of ``topic`` on every instance; returns the message."""
        body = {"op": "event", "topic": topic, "event": event, "ts": time.time(), "data": data}
        return await self.sequencer.publish(topic, body)

    async def publish_many(self, events: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Publish many (topic, event, data) at once (e.g. every waiting patient's position)."""
        now = time.time()
        await self.sequencer.publish_many(
            [(t, {"op": "event", "topic": t, "event": e, "ts": now, "data": d}) for t, e, d in events])

    # --- interactive topics ---------------------------------------------------------------------------

    async def apply(self, topic: str, steps: list[ia.Step], *, ref: Any = None,
                    presence: dict[str, Any] | None = None) -> list[int] | None:
        """Apply ``steps`` atomically with their events' seqs; the seqs, None if a presence op made it moot.
        A failed required condition raises :class:`~osteon.realtime.interactive.Rejected` (nothing changed)."""
        out = await self.sequencer.apply(topic, presence, ia.encode_steps(steps, topic, time.time(), ref))
        if "fail" in out:
            i, j = out["fail"]
            cond = steps[i].when[j]
            raise ia.Rejected(cond.message, cond.code)
        return None if out.get("skip") else [int(x) for x in out.get("seqs", [])]

    async def direct(self, topic: str, d: ia.Direct, *, ref: Any = None) -> None:
        """Send an addressed event (no seq, not stored) through the broker to every instance."""
        msg: dict[str, Any] = {"op": "event", "topic": topic, "event": d.event, "ts": time.time(), "data": d.data,
                               "to": d.to}
        if ref is not None:
            msg["ref"] = ref
        await self.broker.publish(topic, msg)

    async def read_state(self, topic: str) -> ia.RoomState:
        """A consistent read of an interactive topic's state, presence and seq."""
        seq, fields, presence = await self.sequencer.read_state(topic)
        return ia.RoomState(seq, {k: json.loads(v) for k, v in fields.items()}, ia.online_from(presence, time.time()))

    async def join(self, topic: str, spec: ia.Interactive, user_id: str, conn_id: str, member: dict[str, Any]) -> None:
        """Add this socket's presence; the user's first socket runs the domain's join steps (presence.join)."""
        now = time.time()
        fld = f"{user_id}|{conn_id}"
        self._present[topic][fld] = member
        await self.apply(topic, spec.on_join(user_id, member), presence={
            "op": "join", "field": fld, "user": user_id, "now": now, "exp": now + ia.PRESENCE_TTL_SECONDS})
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.create_task(self._beat(), name="ws-presence-heartbeat")

    async def leave(self, topic: str, spec: ia.Interactive, user_id: str, conn_id: str,
                    expired_before: float | None = None) -> None:
        """Remove a presence entry; the user's last socket runs the domain's leave steps (presence.leave …)."""
        fld = f"{user_id}|{conn_id}"
        if expired_before is None:
            self._present[topic].pop(fld, None)
            if not self._present[topic]:
                self._present.pop(topic, None)
        await self.apply(topic, spec.on_leave(user_id), presence={
            "op": "leave", "field": fld, "user": user_id, "now": time.time(), "expired_before": expired_before})

    async def _beat(self) -> None:
        """Keep this instance's presence entries alive; reap entries a crashed instance left behind."""
        while True:
            await asyncio.sleep(ia.HEARTBEAT_SECONDS)
            try:
                await self.heartbeat_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence heartbeat failed")

    async def heartbeat_once(self) -> None:
        """One heartbeat: refresh ours, reap expired entries of the topics we serve."""
        now = time.time()
        for topic, entries in list(self._present.items()):
            fields = dict(entries)
            missing = await self.sequencer.refresh(topic, sorted(fields), now + ia.PRESENCE_TTL_SECONDS)
            found = match_topic(topic)
            if found is None or found[0].interactive is None:
                continue
            for fld in missing:  # reaped while we stalled, but the socket is still here: join again
                if fld in self._present.get(topic, {}):
                    user_id, _, conn_id = fld.partition("|")
                    await self.join(topic, found[0].interactive, user_id, conn_id, fields[fld])
            _, _, presence = await self.sequencer.read_state(topic)
            for fld, exp in presence.items():
                if exp <= now and fld not in fields:
                    user_id, _, conn_id = fld.partition("|")
                    await self.leave(topic, found[0].interactive, user_id, conn_id, expired_before=now)

    async def _feed(self, topic: str) -> _Feed:
        """The live feed of ``topic`` on this instance, started and confirmed live."""
        async with self._lock:
            feed = self._feeds.get(topic)
            if feed is None:
                feed = self._feeds[topic] = _Feed()
                feed.task = asyncio.create_task(self._pump(topic, feed), name=f"ws-feed:{topic}")
        if not feed.ready.is_set():
            # The broker subscription is live once our own sync marker comes back through it.
            while not feed.ready.is_set():
                await self.broker.publish(topic, {"op": "_sync", "nonce": feed.nonce})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(feed.ready.wait()), 0.5)
                if feed.task is not None and feed.task.done():
                    raise RuntimeError(f"broker subscription for {topic} failed")
        return feed

    async def _pump(self, topic: str, feed: _Feed) -> None:
        """Read the broker subscription and hand each message to the local subscribers."""
        try:
            async with self.broker.subscribe(topic) as messages:
                async for msg in messages:
                    if msg.get("op") == "_sync":
                        if msg.get("nonce") == feed.nonce:
                            feed.ready.set()
                        continue
                    raw = json.dumps(msg, default=str, ensure_ascii=False)
                    for sub in list(feed.subs):
                        sub.deliver(msg, raw)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("WebSocket feed for a topic stopped")
            for sub in list(feed.subs):
                sub.outbox.overflowed.set()  # make the clients reconnect and resume

    async def attach(self, sub: Subscription) -> None:
        """Join the live feed of the subscription's topic (messages buffer until ``go_live``)."""
        feed = await self._feed(sub.topic)
        feed.subs.add(sub)

    async def detach(self, sub: Subscription) -> None:
        """Leave the feed; the last local subscriber stops it."""
        async with self._lock:
            feed = self._feeds.get(sub.topic)
            if feed is None:
                return
            feed.subs.discard(sub)
            if not feed.subs:
                self._feeds.pop(sub.topic, None)
                if feed.task is not None:
                    feed.task.cancel()
                    with contextlib.suppress(BaseException):
                        await feed.task

    async def missed_since(self, topic: str, since: int, current: int) -> list[dict[str, Any]] | None:
        """Events after ``since`` from the ring, or None if the ring no longer covers that gap."""
        if since > current:
            return None  # the counter was reset (e.g. Redis flushed): the client's state is unknown
        if since == current:
            return []
        ring = await self.sequencer.recent(topic)
        if not ring or int(ring[0]["seq"]) > since + 1:
            return None
        return [m for m in ring if int(m["seq"]) > since]

    async def close(self) -> None:
        """Stop every feed and release connections."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(BaseException):
                await self._heartbeat
        for topic in list(self._feeds):
            feed = self._feeds.pop(topic)
            if feed.task is not None:
                feed.task.cancel()
                with contextlib.suppress(BaseException):
                    await feed.task
        if self in _hubs:
            _hubs.remove(self)
        await self.sequencer.close()


# --- what other domains call -------------------------------------------------------------------------

_hubs: list[Hub] = []  # the most recently created open hub is the process default


def set_default(hub: Hub) -> None:
    """Remember the process's hub for callers without a request (jobs, CLI)."""
    _hubs.append(hub)


def default_hub() -> Hub | None:
    """The process's hub (one app per process in production; the newest open one in tests)."""
    return _hubs[-1] if _hubs else None


def hub_for(session: AsyncSession | None = None) -> Hub | None:
    """The hub of the request behind ``session``, else the process default."""
    request = session.info.get("request") if session is not None else None
    app_hub = getattr(getattr(getattr(request, "app", None), "state", None), "hub", None)
    return app_hub or default_hub()


async def publish(topic: str, event: str, data: dict[str, Any], *, hub: Hub | None = None) -> dict[str, Any] | None:
    """Publish now (call only after your transaction committed); a failure is logged, never raised."""
    target = hub or default_hub()
    if target is None:
        return None
    try:
        return await target.publish(topic, event, data)
    except Exception:
        log.exception("realtime publish failed on a %s topic", topic.split(":", 1)[0])
        return None


def publish_after_commit(session: AsyncSession, topic: str, event: str,
                         data: dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]]) -> None:
    """Queue an event that leaves only if ``session`` commits; ``data`` may be an async builder run after commit."""
    target = hub_for(session)

    async def _send() -> None:
        """Build the payload if needed and publish."""
        payload = await data() if callable(data) else data
        await publish(topic, event, payload, hub=target)

    after_commit(session, _send)


def publish_many_after_commit(session: AsyncSession, events: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Queue several (topic, event, data) that leave together, in one round trip, only if ``session`` commits."""
    target = hub_for(session)

    async def _send() -> None:
        """Publish the batch."""
        if target is None or not events:
            return
        try:
            await target.publish_many(events)
        except Exception:
            log.exception("realtime batch publish failed")

    after_commit(session, _send)


def new_id() -> str:
    """A random id for client-visible correlation."""
    return uuid.uuid4().hex
