"""SECURITY 21: no input makes the API answer 5xx, and responses match the schema (schemathesis)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import positive_data_acceptance
from starlette.testclient import TestClient

from osteon import demo as demo_module
from osteon.app import create_app
from osteon.db import Database
from osteon.migrations import upgrade
from osteon.security.crypto import load_cipher
from tests.conftest import DEMO_PASSWORD, PG_URL, create_pg_database, make_settings


def _build_app():
    """An app with its own demo database (schemathesis drives it from its own event loop)."""
    tmp = Path(tempfile.mkdtemp(prefix="osteon-schemathesis-"))
    url = asyncio.run(create_pg_database(PG_URL, f"osteon_schemathesis_{os.getpid()}")) if PG_URL else f"sqlite+aiosqlite:///{tmp / 'st.db'}"
    upgrade(url)
    settings = make_settings(tmp, url)

    async def seed() -> None:
        db = Database(url)
        await demo_module.seed(db, settings, load_cipher(settings))
        await db.dispose()

    asyncio.run(seed())
    # schemathesis calls the app from more than one event loop: no pooled connections across them
    return create_app(settings, database=Database(url, pooled=False), start_worker=False)


APP = _build_app()
# Generating the OpenAPI document of the whole app takes seconds on a busy CI machine: allow for it.
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, timeout=120)
_client = TestClient(APP, client=("127.0.0.1", 50001))
_client.__enter__()
_token = _client.post("/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD}).json()["access_token"]


# Logging out would end the session the other cases share; logout has its own tests.
@schema.exclude(path="/api/v1/auth/logout").parametrize()
@hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_answer_5xx(case):
    # Schema-valid data may still be refused by clinical rules (an ID number's check digit, an empty
    # name), so "positive data is accepted" is not asserted; everything else schemathesis checks is.
    case.call_and_validate(headers={"Authorization": f"Bearer {_token}"}, excluded_checks=[positive_data_acceptance])
