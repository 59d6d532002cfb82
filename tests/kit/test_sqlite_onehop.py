"""The one-hop aiosqlite cursor (kit/sqlite_onehop.py): SQLAlchemy behaves as with its own adapter, with one
trip to aiosqlite's thread per statement."""

from __future__ import annotations

import sqlite3
from importlib.metadata import version

import aiosqlite.core
import pytest
from sqlalchemy import Integer, String, bindparam, column, insert, select, table, text
from sqlalchemy.exc import IntegrityError

from osteon.db import make_engine
from osteon.kit import sqlite_onehop

items = table("items", column("id", Integer), column("name", String))


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'onehop.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"))
    yield engine
    await engine.dispose()


@pytest.fixture
def hops(monkeypatch):
    """Counts jobs sent to aiosqlite's connection threads."""
    count = [0]
    original = aiosqlite.core.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        count[0] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counting)
    return count


def assert_another_writer_is_locked_out(path) -> None:
    """A second connection cannot take SQLite's write lock (someone holds it)."""
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def test_built_for_the_installed_versions():
    """The adapter subclasses SQLAlchemy internals: an upgrade of either package must be looked at."""
    assert version("sqlalchemy") == sqlite_onehop.SQLALCHEMY_VERSION
    assert version("aiosqlite") == sqlite_onehop.AIOSQLITE_VERSION


async def test_one_trip_per_statement(engine, hops):
    """A SELECT with rows costs one job on the thread (SQLAlchemy's own adapter: four)."""
    async with engine.begin() as conn:
        await conn.execute(insert(items), {"name": "a"})
        before = hops[0]
        rows = (await conn.execute(select(items.c.name))).all()
        assert hops[0] - before == 1
    assert rows == [("a",)]


async def test_rows_rowcount_lastrowid_and_executemany(engine):
    """Results, row counts, last row id and a batch insert, as the DBAPI reports them."""
    async with engine.begin() as conn:
        result = await conn.execute(insert(items), {"name": "first"})
        assert result.lastrowid == 1
        await conn.execute(insert(items), [{"name": n} for n in ("b", "c", "d")])
        updated = await conn.execute(text("UPDATE items SET name = name || '!' WHERE id > :i"), {"i": 1})
        assert updated.rowcount == 3
        names = (await conn.execute(select(items.c.name).order_by(items.c.id))).scalars().all()
        assert names == ["first", "b!", "c!", "d!"]
        one = (await conn.execute(select(items.c.name).where(items.c.id == bindparam("i")), {"i": 2})).first()
        assert one == ("b!",)
        assert (await conn.execute(select(items.c.id).where(items.c.id == 99))).first() is None


async def test_errors_are_sqlalchemy_errors_and_savepoints_roll_back(engine):
    """A constraint violation raises IntegrityError; a savepoint rolls back alone; the transaction goes on."""
    async with engine.begin() as conn:
        await conn.execute(insert(items), {"name": "kept"})
        with pytest.raises(IntegrityError):
            async with conn.begin_nested():
                await conn.execute(insert(items), {"name": "inner"})
                await conn.execute(insert(items), {"name": "kept"})
        await conn.execute(insert(items), {"name": "after"})
    async with engine.connect() as conn:
        names = (await conn.execute(select(items.c.name).order_by(items.c.id))).scalars().all()
    assert names == ["kept", "after"]


async def test_failed_transaction_leaves_nothing(engine):
    """An error inside a transaction rolls all of it back."""
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(items), {"name": "x"})
            await conn.execute(insert(items), {"name": "x"})
    async with engine.connect() as conn:
        assert (await conn.execute(select(items.c.id))).all() == []


async def test_streaming_still_uses_a_server_side_cursor(engine):
    """stream() (server-side cursor) is SQLAlchemy's own and still yields every row."""
    async with engine.begin() as conn:
        await conn.execute(insert(items), [{"name": f"n{i}"} for i in range(250)])
    async with engine.connect() as conn:
        result = await conn.stream(select(items.c.name).order_by(items.c.id))
        got = [row.name async for row in result]
    assert got == [f"n{i}" for i in range(250)]


async def test_begin_travels_with_the_first_statement(engine, hops):
    """BEGIN IMMEDIATE and the first statement are one job; a whole one-statement transaction is two (statement,
    COMMIT)."""
    before = hops[0]
    async with engine.begin() as conn:
        await conn.execute(select(items.c.id))
    assert hops[0] - before == 2


async def test_the_write_lock_is_still_taken_at_the_first_statement(engine, tmp_path):
    """A transaction that has only read holds SQLite's write lock (BEGIN IMMEDIATE ran): another writer is told
    the database is locked."""
    async with engine.begin() as conn:
        await conn.execute(select(items.c.id))
        assert_another_writer_is_locked_out(tmp_path / "onehop.db")


async def test_a_transaction_without_statements_costs_nothing_and_leaves_nothing(engine, hops):
    """Begun and committed (or rolled back, or returned to the pool) without a statement: no trip, no open
    transaction, and the connection's next transaction works."""
    before = hops[0]
    async with engine.begin():
        pass
    async with engine.connect() as conn:
        await conn.begin()
        await conn.rollback()
    async with engine.connect() as conn:
        await conn.begin()  # returned to the pool with the transaction open and nothing run
    assert hops[0] == before
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert not raw.dbapi_connection.pending_begin
        assert not raw.driver_connection.in_transaction
    async with engine.begin() as conn:
        await conn.execute(insert(items), {"name": "next"})
    async with engine.connect() as conn:
        assert (await conn.execute(select(items.c.name))).scalars().all() == ["next"]


async def test_a_transaction_that_starts_with_a_stream_reads_under_the_write_lock(engine, tmp_path):
    """stream() as a transaction's first statement (a backup does this) sends the pending BEGIN first: the rows
    come from one snapshot and no other writer gets in meanwhile."""
    async with engine.begin() as conn:
        await conn.execute(insert(items), [{"name": f"n{i}"} for i in range(3)])
    async with engine.begin() as conn:
        result = await conn.stream(select(items.c.name).order_by(items.c.id))
        first = await result.fetchone()
        assert_another_writer_is_locked_out(tmp_path / "onehop.db")
        rest = [row.name async for row in result]
    assert [first.name, *rest] == ["n0", "n1", "n2"]
