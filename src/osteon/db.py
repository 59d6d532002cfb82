"""Database engines and the unit of work: one transaction per request or job.

Services only ``flush()``; :func:`transaction` commits once, after writing the request's audit
events into the hash chain, and publishes events only after the commit succeeded.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from osteon.config import Settings
from osteon.kit import sqlite_onehop
from osteon.kit.context import current_app

AfterCommit = Callable[[], Awaitable[None]]
OnFailure = Callable[[AsyncSession], Awaitable[None]]


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and serialised writers on every connection of a SQLite engine (the app's and the
    C-STORE fast path's alike)."""

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE below applies.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # Every request may write (audit rows, session touch): take the write lock up front so two
        # transactions never deadlock upgrading a read lock (SQLITE_BUSY without waiting); it also keeps the
        # audit chain's last row from moving under an append.
        dbapi_conn = conn.connection.dbapi_connection
        if isinstance(dbapi_conn, sqlite_onehop.OneHopConnection):
            dbapi_conn.begin_with_next_statement("BEGIN IMMEDIATE")  # before any statement, in the same trip
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _reset_only_open_transactions(engine: Engine) -> None:
    """The pool's reset on return for an aiosqlite engine created with ``pool_reset_on_return=None``: roll back
    only a connection that is still inside a transaction. After a commit — every successful request — SQLite
    has nothing to roll back, and the default unconditional rollback costs a round trip through aiosqlite's
    thread per request."""

    @event.listens_for(engine, "reset")
    def _reset(_dbapi_conn: Any, record: Any, state: Any) -> None:
        if not state.asyncio_safe or state.transaction_was_reset:
            return  # what the default reset skips too
        if record.driver_connection.in_transaction or getattr(record.dbapi_connection, "pending_begin", False):
            record.dbapi_connection.rollback()  # in_transaction: sqlite3_get_autocommit(), exact, no thread hop


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10, pooled: bool = True) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and serialised writers. ``pooled=False`` opens a
    connection per use (for callers that drive the app from several event loops, like test clients)."""
    if url.startswith("sqlite"):
        # One trip to aiosqlite's thread per statement instead of four (kit/sqlite_onehop.py).
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, pool_reset_on_return=None,
                                     module=sqlite_onehop.dbapi())
        configure_sqlite(engine.sync_engine)
        _reset_only_open_transactions(engine.sync_engine)
        return engine
    if not pooled:
        return create_async_engine(url, echo=echo, poolclass=NullPool)
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """Engine + session factory for one database URL."""

    def __init__(self, url: str, *, echo: bool = False, pooled: bool = True) -> None:
        """Create the engine lazily bound to the URL."""
        self.url = url
        self.engine = make_engine(url, echo=echo, pooled=pooled)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded default."""
        return self.url.startswith("sqlite")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success (audit chain first), roll back on error."""
        from osteon.security import audit  # late: audit imports db types

        session = self.sessionmaker()
        session.info["after_commit"] = []
        session.info["on_failure"] = []
        try:
            try:
                yield session
                await audit.write_pending(session)
                await session.commit()
                audit.committed(session)
            except BaseException:
                await session.rollback()
                await self._run_on_failure(session)
                raise
            for callback in session.info["after_commit"]:
                await callback()
        finally:
            await session.close()

    async def _run_on_failure(self, failed: AsyncSession) -> None:
        """Persist what must survive a failed request (failed-login counters, denied-access audit)."""
        from osteon.security import audit

        callbacks: list[OnFailure] = failed.info.get("on_failure", [])
        kept = audit.kept_on_failure(failed)
        if not callbacks and not kept:
            return
        async with self.transaction() as session:
            for callback in callbacks:
                await callback(session)
            audit.requeue(session, kept)

    async def dispose(self) -> None:
        """Close pooled connections."""
        await self.engine.dispose()


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback`` only once the session's transaction has committed."""
    session.info.setdefault("after_commit", []).append(callback)


def on_failure(session: AsyncSession, callback: OnFailure) -> None:
    """Run ``callback`` in a fresh transaction if this one rolls back."""
    session.info.setdefault("on_failure", []).append(callback)


def get_db(request: Request) -> Database:
    """The app's database."""
    return request.app.state.db


def get_settings_dep(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Request-scoped session: the request's one transaction."""
    db: Database = request.app.state.db
    current_app.set(request.app)
    async with db.transaction() as session:
        session.info["request"] = request
        yield session


# scope="function": commit before the response is sent, so a failed commit is an error response.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
