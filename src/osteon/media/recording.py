"""Janus recordings (.mjr, one file per publisher and medium) turned into WebM with ``janus-pp-rec``.

VideoRoom names its files ``videoroom-<room>-user-<feed>-<start µs>-video-<mindex>.mjr`` (and ``-audio-``,
``-data-``). Video (VP8) becomes ``.webm``; audio (Opus) becomes ``.opus`` — janus-pp-rec writes one medium
per file; muxing them into one file is left to a player or to ffmpeg when an operator wants it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from osteon.media.exceptions import RecordingFailed

log = logging.getLogger(__name__)

PP_REC = "janus-pp-rec"
EXTENSIONS = {"video": ".webm", "audio": ".opus"}


def _medium(path: Path) -> str | None:
    """'video' / 'audio' from the VideoRoom file name; None for data channels and unknown files."""
    for medium in EXTENSIONS:
        if f"-{medium}" in path.stem:
            return medium
    return None


async def convert(mjr: Path, out: Path, *, timeout: float = 600.0) -> Path:
    """Run janus-pp-rec on one file; raise RecordingFailed unless a non-empty output exists."""
    exe = shutil.which(PP_REC)
    if exe is None:
        raise RecordingFailed(en=f"{PP_REC} is not installed (apt-get install janus-tools)")
    proc = await asyncio.create_subprocess_exec(
        exe, str(mjr), str(out), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RecordingFailed() from None
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        log.warning("janus-pp-rec failed on %s (exit %s): %s", mjr.name, proc.returncode,
                    stderr.decode(errors="replace")[-500:])
        out.unlink(missing_ok=True)
        raise RecordingFailed()
    return out


async def convert_dir(rec_dir: Path, archive_dir: Path) -> list[Path]:
    """Convert every audio/video .mjr in rec_dir into archive_dir; converted .mjr files are then deleted.

    A file that fails (e.g. a publisher that left before its first keyframe) is kept for an operator and
    the others still convert; RecordingFailed is raised at the end if any failed, so a job retries.
    """
    if not rec_dir.is_dir():
        return sorted(p for p in archive_dir.glob("*") if p.suffix in EXTENSIONS.values()) if archive_dir.is_dir() else []
    archive_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for mjr in sorted(rec_dir.glob("*.mjr")):
        medium = _medium(mjr)
        if medium is None:
            continue
        try:
            await convert(mjr, archive_dir / (mjr.stem + EXTENSIONS[medium]))
        except RecordingFailed:
            failed += 1
            continue
        mjr.unlink()
    if failed:
        raise RecordingFailed()
    for leftover in rec_dir.glob("*.mjr"):  # data-channel recordings: nothing to convert, nothing to keep
        leftover.unlink()
    try:
        rec_dir.rmdir()
    except OSError:
        pass
    return sorted(p for p in archive_dir.glob("*") if p.suffix in EXTENSIONS.values())
