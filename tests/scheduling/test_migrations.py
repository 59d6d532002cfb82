"""The scheduling and notifications branches migrate down and up again on a fresh database."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect

from osteon.db import make_engine
from osteon.migrations import alembic_config, upgrade_async
from tests.conftest import fresh_database_url


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("revision,tables", [
    ("20261125_scheduling", {"clinic_sessions", "clinic_slots", "appointments", "visit_counters"}),
    ("20261125_notifications", {"notifications", "notification_deliveries", "notification_delivery_attempts",
                                "notification_preferences"}),
])
async def test_branch_downgrades_and_upgrades_again(tmp_path, revision, tables):
    url = await fresh_database_url(tmp_path, "mig")
    await upgrade_async(url)
    assert tables <= await _tables(url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), f"{revision}@-1")
    assert not tables & await _tables(url)
    assert "patients" in await _tables(url)
    await upgrade_async(url)
    assert tables <= await _tables(url)
