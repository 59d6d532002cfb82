"""Async client for the Janus WebRTC Server: the HTTP (REST) API, the Admin API and VideoRoom requests.

Janus answers every request with ``{"janus": "success"|"ack"|"error", "transaction": ...}``; plugin requests
that are synchronous (create, exists, destroy, listparticipants …) come back inside the same response,
asynchronous ones (join, configure, start …) as events fetched by long poll. Transport failures and
Janus-level errors both raise ``JanusError`` (with ``code`` when Janus gave one), so callers have a single
thing to turn into a 503.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

VIDEOROOM = "janus.plugin.videoroom"

# VideoRoom error codes (plugins/janus_videoroom.c) the service reacts to.
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
ID_EXISTS = 436


class JanusError(Exception):
    """Janus unreachable (code None), or an error answer from Janus or a plugin (code set)."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        """Keep Janus's code so callers can tell 'room exists' from 'server down'."""
        super().__init__(f"{reason} (code {code})" if code is not None else reason)
        self.reason = reason
        self.code = code


def _transaction() -> str:
    """A fresh transaction id."""
    return secrets.token_hex(8)


async def _post(client: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST one Janus request; transport and HTTP errors become JanusError."""
    try:
        response = await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise JanusError(f"Janus not reachable at {url}: {type(exc).__name__}") from exc
    return _decode(response, url)


def _decode(response: httpx.Response, url: str) -> dict[str, Any]:
    """Parse a Janus reply; a non-200 status, a non-JSON body or ``janus: error`` raise JanusError."""
    if response.status_code != 200:
        raise JanusError(f"Janus answered HTTP {response.status_code} at {url}")
    try:
        body = response.json()
    except ValueError as exc:
        raise JanusError(f"Janus answered non-JSON at {url}") from exc
    if not isinstance(body, dict):
        raise JanusError(f"Janus answered an unexpected document at {url}")
    if body.get("janus") == "error":
        err = body.get("error") or {}
        raise JanusError(str(err.get("reason", "error")), err.get("code"))
    return body


def _plugin_result(data: Any) -> dict[str, Any]:
    """A plugin's synchronous answer; ``{"videoroom": "event", "error_code": …}`` raises JanusError."""
    if not isinstance(data, dict):
        raise JanusError("plugin gave no answer")
    if "error_code" in data or data.get("error"):
        raise JanusError(str(data.get("error", "plugin error")), data.get("error_code"))
    return data


class JanusAdmin:
    """The Admin API (``admin_http``): tokens, and plugin requests without a session (``message_plugin``)."""

    def __init__(self, client: httpx.AsyncClient, url: str, secret: str) -> None:
        """``url`` is the Admin API base, e.g. http://127.0.0.1:7088/admin."""
        self._client = client
        self._url = url.rstrip("/")
        self._secret = secret

    async def request(self, janus: str, **fields: Any) -> dict[str, Any]:
        """One Admin API request."""
        payload = {"janus": janus, "transaction": _transaction(), "admin_secret": self._secret, **fields}
        return await _post(self._client, self._url, payload)

    async def info(self) -> dict[str, Any]:
        """Server info (name, version, plugins)."""
        return await self.request("info")

    async def add_token(self, token: str, plugins: list[str] | None = None) -> None:
        """Allow ``token`` (stored-token auth), limited to ``plugins`` (default: VideoRoom only)."""
        await self.request("add_token", token=token, plugins=plugins or [VIDEOROOM])

    async def remove_token(self, token: str) -> None:
        """Revoke a token: sessions using it are refused from the next request on."""
        await self.request("remove_token", token=token)

    async def list_tokens(self) -> list[str]:
        """All stored tokens."""
        body = await self.request("list_tokens")
        return [t.get("token", "") for t in (body.get("data") or {}).get("tokens", [])]

    async def message_plugin(self, plugin: str, request: dict[str, Any]) -> dict[str, Any]:
        """A synchronous plugin request through the Admin API (no session or handle needed)."""
        body = await self.request("message_plugin", plugin=plugin, request=request)
        return _plugin_result(body.get("response"))


class JanusSession:
    """A session on the Janus HTTP API, as a client (browser or aiortc peer) holds one."""

    def __init__(self, client: httpx.AsyncClient, url: str, session_id: int, token: str | None) -> None:
        """Use ``await JanusSession.create(...)``."""
        self._client = client
        self.url = url.rstrip("/")
        self.session_id = session_id
        self.token = token

    @classmethod
    async def create(cls, client: httpx.AsyncClient, url: str, *, token: str | None = None) -> JanusSession:
        """Create a session (``token`` is required when Janus runs with token_auth)."""
        body = await _post(client, url.rstrip("/"), cls._with_token({"janus": "create"}, token))
        return cls(client, url, int(body["data"]["id"]), token)

    @staticmethod
    def _with_token(payload: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Add the transaction and, when set, the token."""
        payload["transaction"] = _transaction()
        if token:
            payload["token"] = token
        return payload

    async def _send(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST to the session (or one of its handles)."""
        return await _post(self._client, f"{self.url}/{path}", self._with_token(payload, self.token))

    async def attach(self, plugin: str = VIDEOROOM) -> int:
        """Attach a plugin handle; returns its id."""
        body = await self._send(str(self.session_id), {"janus": "attach", "plugin": plugin})
        return int(body["data"]["id"])

    async def message(self, handle: int, body: dict[str, Any], jsep: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a plugin message: the plugin's data for synchronous requests, ``{}`` after an ack."""
        payload: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            payload["jsep"] = jsep
        answer = await self._send(f"{self.session_id}/{handle}", payload)
        if answer.get("janus") == "ack":
            return {}
        return _plugin_result((answer.get("plugindata") or {}).get("data"))

    async def trickle(self, handle: int, candidate: dict[str, Any]) -> None:
        """Trickle one candidate, or ``{"completed": True}`` (aiortc never trickles: send that)."""
        await self._send(f"{self.session_id}/{handle}", {"janus": "trickle", "candidate": candidate})

    async def keepalive(self) -> None:
        """Keep the session alive (Janus drops it after session_timeout without traffic)."""
        await self._send(str(self.session_id), {"janus": "keepalive"})

    async def events(self, *, max_events: int = 10, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Long-poll the session's events (Janus answers a keepalive after ~30 s of silence)."""
        params: dict[str, Any] = {"maxev": max_events, "rid": _transaction()}
        if self.token:
            params["token"] = self.token
        url = f"{self.url}/{self.session_id}"
        try:
            response = await self._client.get(url, params=params, timeout=timeout)
        except httpx.HTTPError as exc:
            raise JanusError(f"Janus not reachable at {url}: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise JanusError(f"Janus answered HTTP {response.status_code} at {url}")
        body = response.json()
        items = body if isinstance(body, list) else [body]
        for item in items:
            if item.get("janus") == "error":
                err = item.get("error") or {}
                raise JanusError(str(err.get("reason", "error")), err.get("code"))
        return [item for item in items if item.get("janus") != "keepalive"]

    async def destroy(self) -> None:
        """Destroy the session (and its handles)."""
        await self._send(str(self.session_id), {"janus": "destroy"})


class VideoRoom:
    """VideoRoom management requests, sent through the Admin API's ``message_plugin``."""

    def __init__(self, admin: JanusAdmin, admin_key: str | None) -> None:
        """``admin_key`` is the plugin's admin_key (needed to create rooms when Janus sets one)."""
        self._admin = admin
        self._admin_key = admin_key

    async def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        """One request to the plugin."""
        return await self._admin.message_plugin(VIDEOROOM, body)

    async def exists(self, room: int) -> bool:
        """Whether the room exists."""
        return bool((await self._request({"request": "exists", "room": room})).get("exists"))

    async def create(self, room: int, *, secret: str, pin: str, record: bool, rec_dir: str | None = None,
                     publishers: int = 6, description: str = "Osteon") -> bool:
        """Create the room; False (not an error) when it already exists."""
        body: dict[str, Any] = {
            "request": "create", "room": room, "permanent": False, "description": description,
            "is_private": True, "secret": secret, "pin": pin, "publishers": publishers,
            "audiocodec": "opus", "videocodec": "vp8", "notify_joining": True,
            "record": record, "lock_record": True,
        }
        if rec_dir:
            body["rec_dir"] = rec_dir
        if self._admin_key:
            body["admin_key"] = self._admin_key
        try:
            await self._request(body)
        except JanusError as exc:
            if exc.code == ROOM_EXISTS:
                return False
            raise
        return True

    async def set_recording(self, room: int, *, secret: str, record: bool) -> None:
        """Turn recording of every publisher on or off in an existing room."""
        await self._request({"request": "enable_recording", "room": room, "secret": secret, "record": record})

    async def destroy(self, room: int, *, secret: str) -> bool:
        """Destroy the room (kicks everyone, closes recordings); False when it did not exist."""
        try:
            await self._request({"request": "destroy", "room": room, "secret": secret, "permanent": False})
        except JanusError as exc:
            if exc.code == NO_SUCH_ROOM:
                return False
            raise
        return True

    async def participants(self, room: int) -> list[dict[str, Any]]:
        """Who is in the room (id, display, publisher, talking …)."""
        return list((await self._request({"request": "listparticipants", "room": room})).get("participants", []))
