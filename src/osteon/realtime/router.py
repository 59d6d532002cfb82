"""The ``/ws`` endpoint: one authenticated WebSocket per client, many topics.

Client → server frames::

    {"op": "subscribe", "topic": "queue:<doctor_id>:<date>", "since": 41}   # since is optional
    {"op": "unsubscribe", "topic": "..."}
    {"op": "ping"}
    {"op": "publish", "topic": "...", "event": "...", "data": {...}, "ref": "c-1"}   # interactive topics only

Server → client frames::

    {"op": "snapshot", "topic": t, "seq": S, "data": {...}}           # state as of seq S
    {"op": "resumed", "topic": t, "since": n, "seq": S}                 # followed by the missed events
    {"seq": n, "op": "event", "topic": t, "event": "queue.called", "ts": 1764090000.123, "data": {...}}
    {"op": "unsubscribed", "topic": t} · {"op": "pong", "ts": ...}
    {"op": "error", "code": "forbidden" | "not_found" | "bad_request" | "rate_limited" | "internal",
     "topic": t?, "ref": r?, "message": ...}                           # to the offending socket only

Interactive topics (:mod:`osteon.realtime.interactive`) also give presence: subscribing joins, unsubscribing or
closing the socket leaves; events addressed to one user (``"to"``) carry no seq and are never replayed.

Close codes: 4401 not authenticated / session ended, 4408 client too slow (reconnect with ``since``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect

from osteon.kit.errors import Forbidden, NotFound
from osteon.realtime import hub as hubmod
from osteon.realtime import interactive as ia
from osteon.realtime.auth import resolve_token, session_alive
from osteon.security.deps import SESSION_COOKIE, Actor

log = logging.getLogger(__name__)
router = APIRouter(tags=["realtime"])

MAX_TOPICS_PER_SOCKET = 50
RECHECK_SECONDS = 60.0


def setup(app: FastAPI) -> None:
    """Give the app its hub (``app.state.hub``) and close it on shutdown."""
    app.state.hub = hubmod.Hub(app.state.broker, app.state.settings.redis_url, app.state.db)
    hubmod.set_default(app.state.hub)

    async def _stop(app_: FastAPI) -> None:
        """Close the hub's feeds and Redis connections."""
        await app_.state.hub.close()

    app.state.component_stops.append(_stop)


def _token(ws: WebSocket) -> tuple[str | None, bool]:
    """(token, came_from_cookie): ``?token=``, a bearer header, or the session cookie."""
    token = ws.query_params.get("token")
    if token:
        return token, False
    auth = ws.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None, False
    cookie = ws.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def _same_origin(ws: WebSocket) -> bool:
    """Cookie-authenticated sockets must come from our own pages (no cross-site WebSocket hijacking)."""
    origin = ws.headers.get("origin")
    if not origin:
        return True  # non-browser clients send no Origin and cannot ride on a victim's cookie
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


@router.websocket("/ws")
async def websocket_hub(ws: WebSocket) -> None:
    """The real-time hub: subscribe to topics, get a snapshot or the missed events, then the live stream."""
    app = ws.app
    hub: hubmod.Hub = app.state.hub
    token, from_cookie = _token(ws)
    peer = ws.client.host if ws.client else ""
    actor: Actor | None = None
    if token and (not from_cookie or _same_origin(ws)):
        async with app.state.db.transaction() as session:
            actor = await resolve_token(session, app.state.settings, token, peer)
    await ws.accept()
    if actor is None:
        await ws.send_json({"op": "error", "code": "unauthorized", "message": "log in first"})
        await ws.close(code=4401)
        return
    conn = _Connection(ws, hub, actor)
    await conn.run()


class _Connection:
    """One client's socket: a reader of client frames, a writer of the outbox, a session watchdog."""

    def __init__(self, ws: WebSocket, hub: hubmod.Hub, actor: Actor) -> None:
        """Bind to the socket."""
        self.ws, self.hub, self.actor = ws, hub, actor
        self.outbox = hubmod.Outbox()
        self.subs: dict[str, hubmod.Subscription] = {}
        self.conn_id = hubmod.new_id()[:16]
        self._buckets: dict[str, tuple[float, float]] = {}  # topic -> (tokens, at): publish rate limit
        self._frame_len = 0

    async def run(self) -> None:
        """Serve until the client leaves, is too slow, or its session ends."""
        writer = asyncio.create_task(self._writer())
        watchdog = asyncio.create_task(self._watchdog())
        reader = asyncio.create_task(self._reader())
        slow = asyncio.create_task(self.outbox.overflowed.wait())
        try:
            done, _ = await asyncio.wait({writer, watchdog, reader, slow}, return_when=asyncio.FIRST_COMPLETED)
            if slow in done:
                with contextlib.suppress(Exception):
                    await self.ws.close(code=4408)
            elif watchdog in done and not watchdog.cancelled() and watchdog.result() is False:
                with contextlib.suppress(Exception):
                    await self.ws.close(code=4401)
        finally:
            for task in (writer, watchdog, reader, slow):
                task.cancel()
            for task in (writer, watchdog, reader, slow):
                with contextlib.suppress(BaseException):
                    await task
            for sub in list(self.subs.values()):
                await self._drop(sub)

    async def _drop(self, sub: hubmod.Subscription) -> None:
        """Leave a topic's feed, and its presence on an interactive topic (never raises)."""
        await self.hub.detach(sub)
        found = hubmod.match_topic(sub.topic)
        if sub.member is not None and found is not None and found[0].interactive is not None:
            try:
                await self.hub.leave(sub.topic, found[0].interactive, sub.user_id, self.conn_id)
            except Exception:
                log.exception("presence leave failed")  # the entry expires by itself (heartbeat TTL)

    async def _writer(self) -> None:
        """Send queued frames in order."""
        while True:
            msg = await self.outbox.queue.get()
            await self.ws.send_text(msg if isinstance(msg, str) else json.dumps(msg, default=str, ensure_ascii=False))

    async def _watchdog(self) -> bool:
        """Close the socket when its login session is revoked (logout) or past its absolute lifetime."""
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            async with self.hub.db.transaction() as session:
                if not await session_alive(session, self.ws.app.state.settings, self.actor):
                    return False
            for topic, sub in list(self.subs.items()):
                found = hubmod.match_topic(topic)
                if sub.member is None or found is None or found[0].interactive is None:
                    continue
                gone = await self._member(found[0].interactive, found[1], topic) is None  # e.g. the grant ended
                if gone and self.subs.get(topic) is sub:
                    self.subs.pop(topic)
                    await self._drop(sub)

    async def _reader(self) -> None:
        """Handle client frames until the client disconnects."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                raw = await self.ws.receive_text()
                try:
                    frame = json.loads(raw)
                except ValueError:
                    frame = None
                if not isinstance(frame, dict):
                    self._error("bad_request", "frames are JSON objects")
                    continue
                self._frame_len = len(raw)
                await self._handle(frame)

    def _error(self, code: str, message: str, topic: str | None = None, ref: Any = None) -> None:
        """Queue an error frame (the socket and its other subscriptions stay open)."""
        frame: dict[str, Any] = {"op": "error", "code": code, "message": message}
        if topic is not None:
            frame["topic"] = topic
        if ref is not None:
            frame["ref"] = ref
        self.outbox.put(frame)

    async def _handle(self, frame: dict[str, Any]) -> None:
        """Dispatch one client frame."""
        op = frame.get("op")
        topic = frame.get("topic")
        if op == "ping":
            self.outbox.put({"op": "pong", "ts": time.time()})
        elif op == "subscribe" and isinstance(topic, str) and 0 < len(topic) <= 200:
            since = frame.get("since")
            if since is not None and (not isinstance(since, int) or isinstance(since, bool) or since < 0):
                self._error("bad_request", "since must be a non-negative integer", topic)
                return
            await self._subscribe(topic, since)
        elif op == "publish":
            await self._publish(frame)
        elif op == "unsubscribe" and isinstance(topic, str):
            sub = self.subs.pop(topic, None)
            if sub is not None:
                await self._drop(sub)
            self.outbox.put({"op": "unsubscribed", "topic": topic})
        else:
            self._error("bad_request", "unknown op or missing topic", topic if isinstance(topic, str) else None)

    async def _subscribe(self, topic: str, since: int | None) -> None:
        """Authorize, join the feed, then send the missed events or a snapshot, then stream."""
        found = hubmod.match_topic(topic)
        if found is None:
            self._error("not_found", "no such topic", topic)
            return
        spec, match = found
        if spec.interactive is not None:
            await self._subscribe_interactive(topic, spec, spec.interactive, match, since)
            return
        if topic in self.subs:
            old = self.subs.pop(topic)
            await self.hub.detach(old)
        if len(self.subs) >= MAX_TOPICS_PER_SOCKET:
            self._error("bad_request", "too many topics on one socket", topic)
            return
        try:
            async with self.hub.db.transaction() as session:
                session.info["actor"] = self.actor
                session.info["client_ip"] = self.actor.client_ip
                if not await hubmod.check_authorized(spec, session, self.actor, match):
                    raise Forbidden()
        except NotFound:
            self._error("not_found", "no such topic", topic)
            return
        except Forbidden:
            self._error("forbidden", "not allowed", topic)
            return
        sub = hubmod.Subscription(topic, self.outbox)
        self.subs[topic] = sub
        try:
            await self.hub.attach(sub)
            current = await self.hub.sequencer.current(topic)
            missed = await self.hub.missed_since(topic, since, current) if since is not None else None
            if missed is not None:
                self.outbox.put({"op": "resumed", "topic": topic, "since": since, "seq": current})
                last = since or 0
                for msg in missed:
                    self.outbox.put(msg)
                    last = int(msg["seq"])
                sub.go_live(last)
                return
            async with self.hub.db.transaction() as session:
                session.info["actor"] = self.actor
                session.info["client_ip"] = self.actor.client_ip
                data = await spec.snapshot(session, self.actor, match)
            self.outbox.put({"op": "snapshot", "topic": topic, "seq": current, "data": data})
            sub.go_live(current)
        except (NotFound, Forbidden) as exc:
            self.subs.pop(topic, None)
            await self.hub.detach(sub)
            self._error("not_found" if isinstance(exc, NotFound) else "forbidden", "not allowed", topic)
        except Exception:
            log.exception("subscribe failed")
            self.subs.pop(topic, None)
            await self.hub.detach(sub)
            self._error("internal", "could not subscribe; try again", topic)

    # --- interactive topics -----------------------------------------------------------------------------

    async def _member(self, spec: ia.Interactive, match: Any, topic: str) -> dict[str, Any] | None:
        """The actor's identity in the topic, or None after sending not_found/forbidden (the domain audits)."""
        try:
            async with self.hub.db.transaction() as session:
                session.info["actor"] = self.actor
                session.info["client_ip"] = self.actor.client_ip
                member = await spec.member(session, self.actor, match)
        except NotFound:
            member = None
        except Forbidden:
            self._error("forbidden", "not allowed", topic)
            return None
        if member is None:
            self._error("not_found", "no such topic", topic)
        return member

    async def _subscribe_interactive(self, topic: str, spec: hubmod.TopicSpec, inter: ia.Interactive, match: Any,
                                     since: int | None) -> None:
        """Authorize, join the feed and the presence, then send the missed events or a consistent snapshot."""
        member = await self._member(inter, match, topic)
        if member is None:
            return
        old = self.subs.pop(topic, None)
        if old is not None:
            await self.hub.detach(old)  # a re-subscribe keeps this socket's presence entry
        if len(self.subs) >= MAX_TOPICS_PER_SOCKET:
            self._error("bad_request", "too many topics on one socket", topic)
            return
        user_id = str(self.actor.user_id)
        sub = hubmod.Subscription(topic, self.outbox, user_id=user_id, member=member, conn_id=self.conn_id)
        self.subs[topic] = sub
        try:
            await self.hub.attach(sub)
            await self.hub.join(topic, inter, user_id, self.conn_id, member)
            if since is not None:
                current = await self.hub.sequencer.current(topic)
                missed = await self.hub.missed_since(topic, since, current)
                if missed is not None:
                    self.outbox.put({"op": "resumed", "topic": topic, "since": since, "seq": current})
                    last = since
                    for msg in missed:
                        self.outbox.put(msg)
                        last = int(msg["seq"])
                    sub.go_live(last)
                    return
            state = await self.hub.read_state(topic)
            async with self.hub.db.transaction() as session:
                session.info["actor"] = self.actor
                session.info["client_ip"] = self.actor.client_ip
                data = await inter.snapshot(session, self.actor, match, state)
            self.outbox.put({"op": "snapshot", "topic": topic, "seq": state.seq, "data": data})
            sub.go_live(state.seq)
        except Exception:
            log.exception("subscribe failed")
            if self.subs.get(topic) is sub:
                self.subs.pop(topic)
            await self._drop(sub)
            self._error("internal", "could not subscribe; try again", topic)

    def _take_token(self, topic: str, inter: ia.Interactive) -> bool:
        """Token bucket per socket and topic: ``rate_per_second`` sustained, ``burst`` at once."""
        now = time.monotonic()
        tokens, at = self._buckets.get(topic, (inter.burst, now))
        tokens = min(inter.burst, tokens + (now - at) * inter.rate_per_second)
        if tokens < 1.0:
            self._buckets[topic] = (tokens, now)
            return False
        self._buckets[topic] = (tokens - 1.0, now)
        return True

    async def _publish(self, frame: dict[str, Any]) -> None:
        """A client event on an interactive topic: validate, check rights, apply + fan out atomically."""
        topic, ref = frame.get("topic"), frame.get("ref")
        if ref is not None and not ((isinstance(ref, str) and len(ref) <= 64)
                                    or (isinstance(ref, int) and not isinstance(ref, bool))):
            self._error("bad_request", "ref must be a string of at most 64 characters or an integer",
                        topic if isinstance(topic, str) else None)
            return
        if not isinstance(topic, str) or not 0 < len(topic) <= 200:
            self._error("bad_request", "missing topic", None, ref)
            return
        found = hubmod.match_topic(topic)
        if found is None:
            self._error("not_found", "no such topic", topic, ref)
            return
        spec, match = found
        inter = spec.interactive
        if inter is None:
            self._error("bad_request", "this topic does not take client events", topic, ref)
            return
        if not self._take_token(topic, inter):  # first: a refused publisher must not cost a database query each
            self._error("rate_limited", "too many events; slow down", topic, ref)
            return
        sub = self.subs.get(topic)
        if sub is None or sub.member is None:
            if await self._member(inter, match, topic) is not None:  # else a refusal was sent (and audited)
                self._error("bad_request", "subscribe to the topic before publishing", topic, ref)
            return
        if self._frame_len > inter.max_frame_bytes:
            self._error("bad_request", "event too large", topic, ref)
            return
        event = frame.get("event")
        if not isinstance(event, str) or not 0 < len(event) <= 64:
            self._error("bad_request", "event must be a name", topic, ref)
            return
        extra = set(frame) - {"op", "topic", "event", "data", "ref"}
        if extra:
            self._error("bad_request", "unknown frame fields: " + ", ".join(sorted(extra)), topic, ref)
            return
        try:
            ctx = ia.PublishContext(topic, match, self.actor, sub.member, event, frame.get("data", {}))
            result = inter.on_publish(ctx)
            if isinstance(result, ia.Direct):
                await self.hub.direct(topic, result, ref=ref)
            else:
                await self.hub.apply(topic, result, ref=ref)
        except ia.Rejected as exc:
            self._error(exc.code, exc.message, topic, ref)
        except Exception:
            log.exception("publish failed")
            self._error("internal", "could not publish; try again", topic, ref)
