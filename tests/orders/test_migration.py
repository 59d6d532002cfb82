"""The clinical migration branch upgrades, downgrades and upgrades again on a fresh database."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect

from osteon.db import make_engine
from osteon.migrations import alembic_config, upgrade_async
from tests.conftest import fresh_database_url

CLINICAL_TABLES = {"encounters", "encounter_records", "orders", "charge_items", "surgeries", "or_time_blocks", "beds", "admissions", "bed_days"}


async def _tables(url: str) -> set[str]:
    """Tables."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_clinical_branch_downgrades_and_upgrades_again(tmp_path):
    """Clinical branch downgrades and upgrades again."""
    url = await fresh_database_url(tmp_path, "clinical")
    await upgrade_async(url)
    assert CLINICAL_TABLES <= await _tables(url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "clinical@-1")
    left = await _tables(url)
    assert not (CLINICAL_TABLES & left) and "patients" in left
    await upgrade_async(url)
    assert CLINICAL_TABLES <= await _tables(url)
