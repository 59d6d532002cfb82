"""The ``/ws`` endpoint: one authenticated WebSocket per client, many topics.

Client → server frames::

    {"op": "subscribe", "topic": "queue:<doctor_id>:<date>", "since": 41}   # since is optional
    {"op": "unsubscribe", "topic": "..."}
    {"op": "ping"}

Server → client frames::

    {"op": "snapshot", "topic": t, "seq": S, "data": {...}}           # state as of seq S
    {"op": "resumed", "topic": t, "since": n, "seq": S}                 # followed by the missed events
    {"seq": n, "op": "event", "topic": t, "event": "queue.called", "ts": 1764090000.123, "data": {...}}
    {"op": "unsubscribed", "topic": t} · {"op": "pong", "ts": ...}
    {"op": "error", "code": "forbidden" | "not_found" | "bad_request" | "internal", "topic": t?, "message": ...}

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
                await self.hub.detach(sub)

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
                await self._handle(frame)

    def _error(self, code: str, message: str, topic: str | None = None) -> None:
        """Queue an error frame (the socket and its other subscriptions stay open)."""
        frame: dict[str, Any] = {"op": "error", "code": code, "message": message}
        if topic is not None:
            frame["topic"] = topic
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
        elif op == "unsubscribe" and isinstance(topic, str):
            sub = self.subs.pop(topic, None)
            if sub is not None:
                await self.hub.detach(sub)
            self.outbox.put({"op": "unsubscribed", "topic": topic})
        else:
            self._error("bad_request", "unknown op or missing topic", topic if isinstance(topic, str) else None)

    async def _subscribe(self, topic: str, since: int | None) -> None:
        """Authorize, join the feed, then send the missed events or a snapshot, then stream."""
        found = hubmod.match_topic(topic)
        if found is None:
            self._error("not_found", "no such topic", topic)
            return
        if topic in self.subs:
            old = self.subs.pop(topic)
            await self.hub.detach(old)
        if len(self.subs) >= MAX_TOPICS_PER_SOCKET:
            self._error("bad_request", "too many topics on one socket", topic)
            return
        spec, match = found
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
