"""A demo with few patients still seeds (the morning queue is just shorter)."""

from osteon import demo as demo_module
from osteon.db import Database
from osteon.migrations import upgrade_async
from tests.conftest import fresh_database_url, make_settings


async def test_demo_with_ten_patients_seeds_every_domain(tmp_path, app):
    url = await fresh_database_url(tmp_path, "smalldemo")
    await upgrade_async(url)
    db = Database(url)
    try:
        result = await demo_module.seed(db, make_settings(tmp_path, url), app.state.cipher, patients=10)
    finally:
        await db.dispose()
    assert result.created and result.patients == 10
