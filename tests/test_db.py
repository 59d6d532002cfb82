"""The SQLite engine rolls back a pooled connection on return only when it is still inside a transaction (the
embedded default; PostgreSQL keeps SQLAlchemy's own reset, so this runs on SQLite in either suite)."""

from __future__ import annotations

from sqlalchemy import text

from osteon.db import Database
from osteon.migrations import upgrade_async


async def test_a_connection_returned_inside_a_transaction_is_rolled_back_and_a_committed_one_is_not(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'pool_reset.db'}"
    await upgrade_async(url)
    database = Database(url)
    try:
        # A transaction opened behind SQLAlchemy's back (on the driver connection) and left open.
        async with database.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            await driver.execute("BEGIN IMMEDIATE")
            assert driver.in_transaction
        assert not driver.in_transaction  # rolled back on return, write lock released
        # Another connection can take the write lock at once.
        async with database.transaction() as s:
            await s.execute(text("CREATE TABLE pool_reset_probe (x INTEGER)"))
        # A committed transaction leaves nothing to roll back on return, and its write stays.
        async with database.transaction() as s:
            await s.execute(text("INSERT INTO pool_reset_probe VALUES (1)"))
            driver = (await (await s.connection()).get_raw_connection()).driver_connection
        assert not driver.in_transaction
        async with database.transaction() as s:
            assert (await s.execute(text("SELECT count(*) FROM pool_reset_probe"))).scalar_one() == 1
    finally:
        await database.dispose()
