"""Helpers for WebSocket tests: a real uvicorn server on 127.0.0.1 (free port) in the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
import websockets


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan already running) on a free loopback port; yields ``host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def connect(addr: str, token: str) -> websockets.ClientConnection:
    """Open ``/ws`` with a bearer token in the query string."""
    return await websockets.connect(f"ws://{addr}/ws?token={token}", open_timeout=5)


async def send(ws: websockets.ClientConnection, **frame: Any) -> None:
    """Send one JSON frame."""
    await ws.send(json.dumps(frame))


async def recv(ws: websockets.ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """Receive one JSON frame."""
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws: websockets.ClientConnection, pred: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Receive frames until ``pred(frame)``; returns all frames seen (the last one matching)."""
    frames = []
    while True:
        frame = await recv(ws, timeout)
        frames.append(frame)
        if pred(frame):
            return frames


def token_of(headers: dict[str, str]) -> str:
    """The bearer token from login headers."""
    return headers["Authorization"].split(" ", 1)[1]
