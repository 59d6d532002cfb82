"""Content-addressed DICOM file store: a file's path is derived only from the SHA-256 of its bytes.

Durability: bytes go to a temp file in the same file system, are fdatasynced, renamed into place and the
directory is fsynced, all before the index row is committed — so an acknowledged instance survives a crash.
The 256 fan-out directories are created (and their parent synced) once, when the store opens, so a put
never has to create or sync anything but its own file and its directory entry. Writing straight to the
final name with O_EXCL was measured against temp + rename: the same cost (the directory fsync is needed
either way), and temp + rename never leaves a partial file under a content address.
No path ever comes from user input: only a 64-hex-digit hash selects a file (SECURITY 22).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_HASH = re.compile(r"[0-9a-f]{64}")


class DicomStore:
    """Files under ``root/ab/<sha256>.dcm`` (256 fan-out folders, created once)."""

    def __init__(self, root: Path) -> None:
        """Create the store's folders."""
        self.root = Path(root).resolve()
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        marker = self.root / ".fanout"
        if not marker.is_file():
            for i in range(256):
                (self.root / f"{i:02x}").mkdir(exist_ok=True)
            _fsync_dir(self.root)
            marker.touch()
            _fsync_dir(self.root)

    @staticmethod
    def digest(data: bytes) -> str:
        """The content address of ``data``."""
        return hashlib.sha256(data).hexdigest()

    def path_for(self, file_hash: str) -> Path:
        """The file for a hash; anything but 64 lowercase hex digits is refused (no traversal possible)."""
        if not isinstance(file_hash, str) or not _HASH.fullmatch(file_hash):
            raise ValueError("not a content hash")
        return self.root / file_hash[:2] / f"{file_hash}.dcm"

    def exists(self, file_hash: str) -> bool:
        """True when the content is already stored."""
        return self.path_for(file_hash).is_file()

    def put(self, data: bytes, file_hash: str | None = None) -> tuple[str, int]:
        """Store ``data`` durably (idempotent); return (hash, size). Blocking: call from a thread."""
        file_hash = file_hash or self.digest(data)
        try:
            if self.path_for(file_hash).stat().st_size == len(data):
                return file_hash, len(data)
        except FileNotFoundError:
            pass
        return self.place(self.stage(data), file_hash, len(data))

    def stage(self, data: bytes) -> Path:
        """Write ``data`` to a temp file of the store and fdatasync it; :meth:`place` then gives it its address.
        Staged files are not stored objects: C-STORE stages while it validates, and discards on refusal."""
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fdatasync(f.fileno())
        except BaseException:
            self.discard(Path(tmp_name))
            raise
        return Path(tmp_name)

    def place(self, staged: Path, file_hash: str, size: int) -> tuple[str, int]:
        """Rename a staged file to its content address and sync the directory (an existing copy is kept)."""
        final = self.path_for(file_hash)
        try:
            if final.stat().st_size == size:
                self.discard(staged)
                return file_hash, size
        except FileNotFoundError:
            pass
        try:
            try:
                os.replace(staged, final)
            except FileNotFoundError:  # a fan-out directory removed by hand since the store opened
                final.parent.mkdir(parents=True, exist_ok=True)
                _fsync_dir(self.root)
                os.replace(staged, final)
        except BaseException:
            self.discard(staged)
            raise
        _fsync_dir(final.parent)  # the rename itself must survive a crash
        return file_hash, size

    @staticmethod
    def discard(staged: Path) -> None:
        """Remove a staged file (gone already is fine)."""
        with _suppress():
            os.unlink(staged)

    def read(self, file_hash: str) -> bytes:
        """The stored bytes (blocking)."""
        return self.path_for(file_hash).read_bytes()


def _fsync_dir(path: Path) -> None:
    """fsync a directory (makes a rename or a new entry durable)."""
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class _suppress:
    """Ignore OSError while cleaning up a temp file."""

    def __enter__(self) -> None:
        """Enter."""

    def __exit__(self, exc_type, exc, tb) -> bool:
        """Swallow OSError only."""
        return exc_type is not None and issubclass(exc_type, OSError)
