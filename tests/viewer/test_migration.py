"""The viewer migration runs up and down (SQLite, or PostgreSQL when OSTEON_TEST_DATABASE_URL is set)."""

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


async def test_viewer_migration_up_down_up(tmp_path):
    """Upgrade to all heads, step the viewer branch down (its tables go), and up again."""
    url = await fresh_database_url(tmp_path, "viewmig")
    await asyncio.to_thread(upgrade, url)
    assert {"viewer_study_annotations", "viewer_presets", "viewer_sr_imports", "viewer_uid_issuer"} <= await _tables(url)
    await asyncio.to_thread(downgrade, url, "20261125_viewer-1")
    assert not any(t.startswith("viewer_") for t in await _tables(url))
    await asyncio.to_thread(upgrade, url)
    assert {"viewer_study_annotations", "viewer_sr_imports"} <= await _tables(url)
