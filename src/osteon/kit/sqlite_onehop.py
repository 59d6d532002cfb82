"""SQLAlchemy's aiosqlite driver with one trip to aiosqlite's thread per statement instead of four.

SQLAlchemy's adapter (``sqlalchemy.connectors.asyncio.AsyncAdapt_dbapi_cursor``) opens an aiosqlite cursor,
executes, fetches all rows and closes the cursor as four awaits, and aiosqlite runs each of them as a separate
job on its connection's thread: four event-loop ↔ thread hand-offs for a statement SQLite itself runs in
microseconds. Here the cursor, the execution, the fetch and the close are one job on that same thread (so
SQLite is still used from one thread per connection, as aiosqlite requires), and a transaction's
``BEGIN IMMEDIATE`` (``osteon.db.configure_sqlite``) is sent with its first statement. Everything else — transactions,
isolation, savepoints, server-side cursors (which send a pending BEGIN first), error translation — is
SQLAlchemy's own aiosqlite dialect.

Used by :func:`osteon.db.make_engine` for SQLite (``module=``, SQLAlchemy's documented way to hand a dialect its
DBAPI). ``tests/kit/test_sqlite_onehop.py`` pins the SQLAlchemy and aiosqlite versions this relies on.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)

SQLALCHEMY_VERSION = "2.1.9"  # the adapter classes subclassed here are these versions' (checked by a test)
AIOSQLITE_VERSION = "0.22.1"
_PENDING_BEGIN = "_osteon_pending_begin"  # kept on the aiosqlite connection (the adapter has no room for it)


def _run(conn: sqlite3.Connection, begin: str | None, many: bool, operation: str,
         parameters: Any) -> tuple[Any, int, Any, list[Any]]:
    """On aiosqlite's thread: the transaction's deferred BEGIN if any, then execute, fetch all rows if there are
    any, close; (description, rowcount, lastrowid, rows)."""
    if begin is not None:
        conn.execute(begin).close()
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that holds the results of its last statement, fetched in the same job that ran it."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        """No aiosqlite cursor is opened (that would be a trip to the thread)."""
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None

    @property
    def description(self) -> Any:
        """Of the last statement."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Of the last statement."""
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        """Of the last statement."""
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        """Rows are all fetched at once; kept for the DBAPI interface."""
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        """Ignored: rows are all fetched at once."""

    async def _async_soft_close(self) -> None:
        """Nothing open on the thread to close."""

    def close(self) -> None:
        """Drop unread rows (nothing open on the thread)."""
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        """One job on the connection's thread (under SQLAlchemy's per-connection mutex, as before)."""
        async with self._adapt_connection._execute_mutex:
            await self._one_job(False, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        """One job for the whole batch."""
        async with self._adapt_connection._execute_mutex:
            await self._one_job(True, operation, seq_of_parameters)

    async def _one_job(self, many: bool, operation: Any, parameters: Any) -> None:
        """Run and keep the results."""
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        begin = conn.__dict__.pop(_PENDING_BEGIN, None)
        self._description, self._rowcount, self._lastrowid, rows = await conn._execute(
            _run, conn._conn, begin, many, operation, parameters)
        self._rows = collections.deque(rows)

    def nextset(self) -> None:
        """SQLite has one result set per statement."""
        return

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Not used by SQLite."""
        return


class BeginFirstSSCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's server-side cursor (``stream()``: rows fetched as they are read), sending a pending BEGIN first
    so a transaction that starts with a stream (a backup) reads one snapshot under the write lock."""

    __slots__ = ()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        """The pending BEGIN (its own trip), then SQLAlchemy's execution."""
        conn: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            begin = conn.__dict__.pop(_PENDING_BEGIN, None)
            if begin is not None:
                await conn.execute(begin)
        return await super()._execute_async(operation, parameters)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter, making one-hop cursors, whose transactions' BEGIN travels with
    their first statement."""

    __slots__ = ()
    _cursor_cls = OneHopCursor
    _ss_cursor_cls = BeginFirstSSCursor

    def begin_with_next_statement(self, sql: str) -> None:
        """Run ``sql`` (``BEGIN IMMEDIATE``) in the same job as the next statement, saving a trip. A BEGIN that
        fails (the database stays locked past the busy timeout) raises from that statement; a transaction that
        runs no statement never begins, and its commit or rollback costs nothing."""
        self._connection.__dict__[_PENDING_BEGIN] = sql

    def _drop_pending_begin(self) -> bool:
        """True when the transaction never began (nothing to commit or roll back)."""
        return self._connection.__dict__.pop(_PENDING_BEGIN, None) is not None

    def commit(self) -> None:
        """Commit, unless the transaction never began."""
        if not self._drop_pending_begin():
            super().commit()

    def rollback(self) -> None:
        """Roll back, unless the transaction never began."""
        if not self._drop_pending_begin():
            super().rollback()

    @property
    def pending_begin(self) -> bool:
        """A transaction was opened and has run no statement yet."""
        return _PENDING_BEGIN in self._connection.__dict__


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI shim, connecting with :class:`OneHopConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        """Connect as SQLAlchemy does, then use the one-hop adapter (same slots, one more method)."""
        connection = super().connect(*arg, **kw)
        connection.__class__ = OneHopConnection
        return connection  # type: ignore[return-value]


def dbapi() -> OneHopDBAPI:
    """The DBAPI module object to pass as ``create_async_engine(..., module=...)``."""
    return OneHopDBAPI(aiosqlite, sqlite3)

