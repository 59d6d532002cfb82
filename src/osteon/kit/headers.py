"""Security headers on every response (SECURITY 18), as a plain ASGI middleware.

Written against ASGI rather than with ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs each
request through an extra task and memory stream, which cost about a millisecond per request on this machine —
a large share of a DICOMweb frame or QIDO request (docs/benchmarks.md).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeaders:
    """``Cache-Control: no-store`` on API and DICOMweb responses that set no caching of their own, and
    nosniff / same-origin referrer / no framing (except the API docs) everywhere."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start message."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        no_store = path.startswith(("/api/", "/dicomweb"))
        framing = not path.startswith("/api/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if no_store and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if framing:
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
