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


_HEADERS_MAX = 64 * 1024  # a part's header block; real ones are a few hundred bytes


def _headers(block: bytes) -> dict[str, str]:
    """Part headers (lower-case names) from the bytes between the delimiter line and the blank line."""
    headers: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.decode("latin-1").strip().lower()] = v.decode("latin-1").strip()
    return headers


class Splitter:
    """Incremental multipart splitting: feed the body as it arrives, get each part as soon as its closing delimiter
    has been seen, so a part can be worked on while the rest of the body is still on the wire.

    Each part's content is copied exactly once (the pieces it spans are joined when it is complete); the body
    is never joined as a whole. Only the bytes between parts (delimiter lines, part headers) are buffered, and
    a header block over 64 KiB is refused."""

    def __init__(self, boundary: str) -> None:
        """Ready for the first chunk."""
        self._delim = b"--" + boundary.encode("latin-1")
        self._sep = b"\r\n" + self._delim
        self._state = "preamble"  # → "after" (a delimiter) → "headers" → "content" → "after" … → "done"
        self._buf = b""  # unparsed bytes outside any content (small)
        self._headers: dict[str, str] = {}
        self._pieces: list[memoryview] = []  # the current part's content so far
        self._tail = b""  # its last len(sep) - 1 bytes: a delimiter may start there and end in the next chunk

    @property
    def done(self) -> bool:
        """True once the closing delimiter has been seen."""
        return self._state == "done"

    def feed(self, chunk: bytes) -> list[tuple[dict[str, str], bytes]]:
        """The parts completed by ``chunk`` (possibly none)."""
        out: list[tuple[dict[str, str], bytes]] = []
        if self._state == "done" or not chunk:
            return out  # the epilogue is ignored
        data, pos = (self._buf + chunk, 0) if self._buf else (chunk, 0)
        self._buf = b""
        while pos < len(data) or self._state == "content":
            if self._state == "content":
                pos = self._content(data, pos, out)
                if pos < 0:
                    return out  # the whole rest of the chunk is content
                continue
            if self._state == "preamble":
                found = data.find(self._delim, pos)
                if found < 0:
                    self._buf = data[max(pos, len(data) - len(self._delim) + 1):]
                    return out
                pos = found + len(self._delim)
                self._state = "after"
            elif self._state == "after":
                if len(data) - pos < 2:
                    self._buf = data[pos:]
                    return out
                if data[pos:pos + 2] == b"--":
                    self._state = "done"
                    return out
                if data[pos:pos + 2] == b"\r\n":
                    pos += 2
                self._state = "headers"
            elif self._state == "headers":
                if data.startswith(b"\r\n", pos):  # no header lines at all
                    self._headers, pos = {}, pos + 2
                else:
                    end = data.find(b"\r\n\r\n", pos)
                    if end < 0:
                        if len(data) - pos > _HEADERS_MAX:
                            raise MultipartError("part without header end")
                        self._buf = data[pos:]
                        return out
                    self._headers, pos = _headers(data[pos:end]), end + 4
                self._state, self._pieces, self._tail = "content", [], b""
        return out

    def _content(self, data: bytes, pos: int, out: list[tuple[dict[str, str], bytes]]) -> int:
        """Consume content from ``data[pos:]``; return where the bytes after the closing delimiter start, or -1."""
        sep, keep = self._sep, len(self._sep) - 1
        if self._tail and pos == 0:
            # A delimiter that began in the previous chunk: it starts inside the kept tail.
            window = self._tail + data[:keep]
            i = window.find(sep)
            if i >= 0:
                before = len(self._tail) - i  # the delimiter's bytes already taken as content
                self._drop(before)
                self._finish(out)
                return len(sep) - before
        end = data.find(sep, pos)
        if end >= 0:
            if end > pos:
                self._pieces.append(memoryview(data)[pos:end])
            self._finish(out)
            return end + len(sep)
        if len(data) > pos:
            piece = memoryview(data)[pos:]
            self._pieces.append(piece)
            self._tail = bytes(piece[-keep:]) if len(piece) >= keep else (self._tail + bytes(piece))[-keep:]
        return -1

    def _drop(self, n: int) -> None:
        """Remove the last ``n`` bytes of the current content (they were the start of a delimiter)."""
        while n > 0:
            last = self._pieces.pop()
            if len(last) > n:
                self._pieces.append(last[:len(last) - n])
                break
            n -= len(last)

    def _finish(self, out: list[tuple[dict[str, str], bytes]]) -> None:
        """The current part is complete: join its pieces (its one copy)."""
        out.append((self._headers, b"".join(self._pieces)))
        self._pieces, self._tail = [], b""
        self._state = "after"

    def close(self) -> None:
        """The body has ended: it must have ended with the closing delimiter."""
        if self._state == "done":
            return
        if self._state == "preamble":
            raise MultipartError("boundary not found")
        if self._state == "headers" or (self._state == "after" and self._buf):
            raise MultipartError("part without header end")
        raise MultipartError("unterminated part")


def split(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Parts of a whole multipart body as (headers, content): :class:`Splitter` fed in one go."""
    splitter = Splitter(boundary)
    parts = splitter.feed(body)
    splitter.close()
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
