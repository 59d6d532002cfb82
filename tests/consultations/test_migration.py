"""The consultations migration runs up, down and up again (SQLite, or PostgreSQL when OSTEON_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from osteon.migrations import downgrade, upgrade
from tests.conftest import fresh_database_url


async def _tables(url: str) -> set[str]:
    """Table names in the database."""
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


async def test_consultations_migration_up_down_up(tmp_path):
    """Upgrade to all heads, step the consultations branch down (its tables go, others stay), and up again."""
    url = await fresh_database_url(tmp_path, "consultmig")
    await asyncio.to_thread(upgrade, url)
    assert {"consultations", "consultation_events", "consultation_messages", "consultation_reports"} <= await _tables(url)
    await asyncio.to_thread(downgrade, url, "20261125_consultations-1")
    tables = await _tables(url)
    assert not any(t.startswith("consultation") for t in tables) and "access_grants" in tables
    await asyncio.to_thread(upgrade, url)
    assert "consultation_attachments" in await _tables(url)
