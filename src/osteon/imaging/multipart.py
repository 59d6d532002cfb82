"""multipart/related encoding and decoding for DICOMweb (RFC 2387, PS3.18 §8.6)."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
_TYPE = re.compile(r'type="?([^";,]+)"?', re.IGNORECASE)


class MultipartError(ValueError):
    """The body is not valid multipart/related."""


def boundary_of(content_type: str) -> str | None:
    """The boundary parameter of a Content-Type."""
    m = _BOUNDARY.search(content_type or "")
    return m.group(1).strip() if m else None


def type_of(content_type: str) -> str | None:
    """The type parameter of a multipart/related Content-Type."""
    m = _TYPE.search(content_type or "")
    return m.group(1).strip().lower() if m else None


def split(body: bytes, boundary: str) -> list[tuple[dict[str, str], memoryview]]:
    """Parts of a multipart body as (headers, content) without copying the content."""
    delim = b"--" + boundary.encode("latin-1")
    view = memoryview(body)
    parts: list[tuple[dict[str, str], memoryview]] = []
    pos = body.find(delim)
    if pos < 0:
        raise MultipartError("boundary not found")
    while True:
        pos += len(delim)
        if body[pos:pos + 2] == b"--":
            break
        if body[pos:pos + 2] == b"\r\n":
            pos += 2
        header_end = body.find(b"\r\n\r\n", pos)
        if header_end < 0:
            raise MultipartError("part without header end")
        headers: dict[str, str] = {}
        for line in body[pos:header_end].split(b"\r\n"):
            if b":" in line:
                k, v = line.split(b":", 1)
                headers[k.decode("latin-1").strip().lower()] = v.decode("latin-1").strip()
        start = header_end + 4
        nxt = body.find(b"\r\n" + delim, start)
        if nxt < 0:
            raise MultipartError("unterminated part")
        parts.append((headers, view[start:nxt]))
        pos = nxt + 2
    return parts


def new_boundary() -> str:
    """A random boundary."""
    return "osteon-" + secrets.token_hex(12)


async def stream(boundary: str, parts: Iterable[tuple[str, Callable[[], Awaitable[bytes]]]],
                 extra_headers: Callable[[int], str] | None = None) -> AsyncIterator[bytes]:
    """Yield a multipart body; each part's bytes are produced lazily (read from disk off the loop)."""
    for n, (content_type, produce) in enumerate(parts):
        data = await produce()
        head = f"--{boundary}\r\nContent-Type: {content_type}\r\n"
        if extra_headers:
            head += extra_headers(n)
        yield (head + "\r\n").encode("latin-1") + data + b"\r\n"
    yield f"--{boundary}--\r\n".encode("latin-1")
