"""TURN credentials in coturn's REST scheme (``use-auth-secret``): time-limited, no per-user state.

username = ``<unix expiry>:<user id>``, credential = base64(HMAC-SHA1(static-auth-secret, username)).
coturn recomputes the HMAC and refuses the username once its expiry has passed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def credentials(secret: str, user: str, ttl_seconds: int, *, now: float | None = None) -> tuple[str, str]:
    """(username, credential) valid for ttl_seconds from now."""
    expiry = int(now if now is not None else time.time()) + int(ttl_seconds)
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_server(urls: list[str], secret: str, user: str, ttl_seconds: int) -> dict[str, object]:
    """One RTCIceServer dict for the browser (and aiortc)."""
    username, credential = credentials(secret, user, ttl_seconds)
    return {"urls": list(urls), "username": username, "credential": credential}
