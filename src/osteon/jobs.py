"""Durable background jobs: rows in the database, run by an in-process asyncio worker.

A job is enqueued inside the caller's transaction, so it exists exactly when the change that asked for
it committed; the worker claims it with a lease, so a crash or restart hands it to the next worker.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from osteon.db import Database, after_commit
from osteon.kit.context import current_app
from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
_HANDLERS: dict[str, Handler] = {}


class Job(IdMixin, TimestampMixin, Base):
    """A unit of background work."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    kind: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|dead
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class RetryLater(Exception):
    """Raised by a handler to retry after a specific delay."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        """Retry in ``seconds``."""
        super().__init__(reason)
        self.seconds = seconds


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


async def enqueue(
    session: AsyncSession, kind: str, payload: dict[str, Any], *, delay: float = 0, max_attempts: int = 8
) -> Job:
    """Add a job in the caller's transaction; the worker is woken after commit."""
    job = Job(kind=kind, payload=payload, run_after=utcnow() + timedelta(seconds=delay), max_attempts=max_attempts)
    session.add(job)
    await session.flush()
    worker: Worker | None = session.info.get("worker")
    if worker is not None:
        after_commit(session, worker.wake)
    return job


def backoff(attempt: int) -> float:
    """Seconds before retry ``attempt`` (exponential, capped at 10 minutes)."""
    return min(600.0, 2.0 ** attempt)


class Worker:
    """Claims due jobs and runs them, one transaction per job."""

    def __init__(self, db: Database, *, poll_seconds: float = 2.0, lease_seconds: float = 300.0, app: Any = None) -> None:
        """Bind to a database (and the app whose jobs these are, for handlers that need it)."""
        self.db = db
        self.app = app
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background of the current event loop."""
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="osteon-jobs")

    async def stop(self) -> None:
        """Stop after the current job."""
        self._stopping = True
        self._wake.set()
        if self._task:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                ran = await self.run_due()
            except Exception:
                log.exception("job loop error")
                ran = 0
            if ran == 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass

    async def _claim(self) -> Job | None:
        """Take one due job with a lease (an expired lease means its worker died)."""
        now = utcnow()
        async with self.db.transaction() as session:
            query = (
                select(Job)
                .where(
                    ((Job.status == "queued") & (Job.run_after <= now))
                    | ((Job.status == "running") & (Job.lease_until < now))
                )
                .order_by(Job.run_after)
                .limit(1)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            job = (await session.execute(query)).scalar_one_or_none()
            if job is None:
                return None
            job.status = "running"
            job.attempts += 1
            job.lease_until = now + timedelta(seconds=self.lease_seconds)
            return job

    async def run_due(self, limit: int = 50) -> int:
        """Run up to ``limit`` due jobs; return how many ran."""
        ran = 0
        while ran < limit and not self._stopping:
            job = await self._claim()
            if job is None:
                break
            await self._run(job)
            ran += 1
        return ran

    async def _run(self, job: Job) -> None:
        fn = _HANDLERS.get(job.kind)
        error: str | None = None
        retry_in: float | None = None
        if fn is None:
            error = f"no handler for job kind {job.kind!r}"
        else:
            if self.app is not None:
                current_app.set(self.app)
            try:
                async with self.db.transaction() as session:
                    session.info["worker"] = self
                    await fn(session, job.payload)
                    await session.execute(
                        update(Job).where(Job.id == job.id).values(status="done", lease_until=None, last_error=None)
                    )
                return
            except RetryLater as exc:
                error, retry_in = str(exc) or "retry later", exc.seconds
            except Exception as exc:  # noqa: BLE001 — a failed job is retried, never lost
                log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
                error = f"{type(exc).__name__}: {exc}"[:2000]
        async with self.db.transaction() as session:
            dead = job.attempts >= job.max_attempts or fn is None
            delay = retry_in if retry_in is not None else backoff(job.attempts)
            await session.execute(
                update(Job)
                .where(Job.id == job.id)
                .values(
                    status="dead" if dead else "queued",
                    last_error=error,
                    lease_until=None,
                    run_after=utcnow() + timedelta(seconds=delay),
                )
            )


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    """A job by id."""
    return await session.get(Job, job_id)
