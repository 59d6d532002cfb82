"""Media for a consultation room: ICE servers, the Janus VideoRoom and its tokens, and the recording.

Without ``OSTEON_JANUS_URL`` rooms are peer-to-peer (signalling over the room topic) and only TURN
credentials are handed out. With it every room is a Janus VideoRoom:

- the room id is a stable 48-bit int derived from the room key (a consultation id), so every app instance
  and every restart names the same room;
- its ``secret`` and ``pin`` are derived with HMAC-SHA256 from the server's Janus secrets (room admin key and
  admin secret), so two app instances agree without shared state and nothing has to be stored — whoever
  holds those secrets controls Janus anyway; rotating them changes pins of rooms created afterwards (close
  open rooms first);
- each join gets its own Janus stored token (``token_auth``), added through the Admin API, limited to the
  VideoRoom plugin, named ``r<room>.<expiry>.<random>``: close_room revokes the room's tokens and every
  media_config call sweeps tokens whose expiry has passed (Janus itself has no token expiry);
- a Janus restart loses rooms and tokens: the next media_config (the browser re-joins) recreates the room
  with the same id, pin and recording flag and issues a fresh token.

Room requests go through the Admin API's ``message_plugin`` (no Janus session or token needed for Osteon
itself); browsers use the HTTP/WebSocket API with their token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from osteon.media import recording, turn
from osteon.media.exceptions import MediaNotConfigured, MediaUnavailable
from osteon.media.janus import JanusAdmin, JanusError, VideoRoom

log = logging.getLogger(__name__)

JANUS_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
MAX_PUBLISHERS = 6  # issue 6: rooms of 2–6 participants


class Member(Protocol):
    """What media needs of a room member (consultations.service.RoomMember)."""

    user_id: Any
    name: str


def ice_servers(settings: Any, user_id: Any) -> list[dict[str, Any]]:
    """TURN credentials (coturn REST scheme) when OSTEON_TURN_URLS and OSTEON_TURN_SECRET are set, else []."""
    if not settings.turn_urls or not settings.turn_secret:
        return []
    return [turn.ice_server(list(settings.turn_urls), settings.turn_secret, str(user_id), settings.turn_ttl_seconds)]


def room_id(room_key: str) -> int:
    """The Janus room id for a room key: stable, 1..2^48 (a safe integer in JavaScript)."""
    digest = hashlib.sha256(b"osteon-room:" + room_key.encode()).digest()
    return int.from_bytes(digest[:6], "big") % (2**48 - 1) + 1


def feed_id(user_id: Any) -> int:
    """The publisher id a user joins with: the first 48 bits of their UUID (the browser computes the same)."""
    return int(str(user_id).replace("-", "")[:12], 16) or 1


def _derive(settings: Any, purpose: str, room_key: str) -> str:
    """A per-room secret derived from the server's Janus secrets (same on every app instance)."""
    key = f"{settings.janus_room_admin_key or ''}\0{settings.janus_admin_secret}".encode()
    mac = hmac.new(key, f"{purpose}:{room_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:32]


def _check_configured(settings: Any) -> None:
    """Janus without its Admin API cannot issue tokens: refuse clearly instead of half-working."""
    if not settings.janus_admin_url or not settings.janus_admin_secret:
        log.error("OSTEON_JANUS_URL is set but OSTEON_JANUS_ADMIN_URL / OSTEON_JANUS_ADMIN_SECRET are not")
        raise MediaNotConfigured()


def _rec_dir(settings: Any, room: int) -> Path | None:
    """Where Janus records this room (one folder per room), when recording is configured."""
    return Path(settings.janus_record_dir) / str(room) if settings.janus_record_dir else None


def _token_expiry(token: str) -> int | None:
    """The expiry encoded in one of our tokens (``r<room>.<expiry>.<random>``); None for foreign tokens."""
    parts = token.split(".")
    if len(parts) == 3 and parts[0].startswith("r") and parts[1].isdigit():
        return int(parts[1])
    return None


async def _sweep_expired(admin: JanusAdmin, now: int) -> None:
    """Revoke our tokens whose expiry has passed (Janus keeps stored tokens forever)."""
    for token in await admin.list_tokens():
        expiry = _token_expiry(token)
        if expiry is not None and expiry <= now:
            await admin.remove_token(token)


async def media_config(settings: Any, room_key: str, member: Member, *, record: bool) -> dict[str, Any]:
    """The media configuration for one member joining the room (see docs/consultation.md, Media (C))."""
    servers = ice_servers(settings, member.user_id)
    if not settings.janus_url:
        return {"backend": "p2p", "ice_servers": servers}
    _check_configured(settings)
    room = room_id(room_key)
    secret, pin = _derive(settings, "secret", room_key), _derive(settings, "pin", room_key)
    rec_dir = _rec_dir(settings, room)
    if record and rec_dir is None:
        # Janus would write into its working directory: without a configured place there is no recording.
        log.warning("recording consented for room %s but OSTEON_JANUS_RECORD_DIR is not set: not recording", room)
        record = False
    now = int(time.time())
    expiry = now + int(settings.session_absolute_hours) * 3600  # a token lives as long as a login can
    token = f"r{room}.{expiry}.{secrets.token_urlsafe(24)}"
    try:
        async with httpx.AsyncClient(timeout=JANUS_TIMEOUT) as client:
            admin = JanusAdmin(client, settings.janus_admin_url, settings.janus_admin_secret)
            rooms = VideoRoom(admin, settings.janus_room_admin_key)
            created = False
            if not await rooms.exists(room):
                created = await rooms.create(room, secret=secret, pin=pin, record=record,
                                             rec_dir=str(rec_dir) if rec_dir else None,
                                             publishers=MAX_PUBLISHERS, description=f"Osteon {room_key[:8]}")
            if not created and record:
                # Consent given after the room was opened (or another instance created it without it).
                await rooms.set_recording(room, secret=secret, record=True)
            await _sweep_expired(admin, now)
            await admin.add_token(token)
    except JanusError as exc:
        log.warning("Janus unavailable for room %s: %s", room, exc)
        raise MediaUnavailable() from None
    return {
        "backend": "janus",
        "janus": {
            "server": settings.janus_public_url or settings.janus_url,
            "room": room,
            "pin": pin,
            "token": token,
            "display": member.name,
            "feed_id": feed_id(member.user_id),
            "recording": bool(record),
            "expires_at": datetime.fromtimestamp(expiry, UTC).isoformat().replace("+00:00", "Z"),
        },
        "ice_servers": servers,
    }


async def close_room(settings: Any, room_key: str, archive_dir: Path) -> list[Path]:
    """Destroy the room, revoke its tokens, and turn its recordings into WebM in archive_dir (run as a job).

    Returns the archive's media files ([] for P2P rooms: those are never recorded). Janus unreachable raises
    MediaUnavailable and a failed conversion RecordingFailed, so the job retries; a room that is already
    gone (closed before, or lost in a Janus restart) is not an error.
    """
    if not settings.janus_url:
        return []
    _check_configured(settings)
    room = room_id(room_key)
    try:
        async with httpx.AsyncClient(timeout=JANUS_TIMEOUT) as client:
            admin = JanusAdmin(client, settings.janus_admin_url, settings.janus_admin_secret)
            await VideoRoom(admin, settings.janus_room_admin_key).destroy(room, secret=_derive(settings, "secret", room_key))
            prefix = f"r{room}."
            for token in await admin.list_tokens():
                if token.startswith(prefix):
                    await admin.remove_token(token)
    except JanusError as exc:
        log.warning("Janus unavailable closing room %s: %s", room, exc)
        raise MediaUnavailable() from None
    rec_dir = _rec_dir(settings, room)
    if rec_dir is None:
        return []
    return await recording.convert_dir(rec_dir, Path(archive_dir))
