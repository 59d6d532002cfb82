"""Shared test fixtures: a migrated database per test worker (SQLite, or PostgreSQL when
OSTEON_TEST_DATABASE_URL is set), the real app over ASGI, and logins.

Tests stay independent by creating their own institutions, users and patients through
``tests.factories`` (unique codes), so one database serves a whole worker without resets.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import create_async_engine

from osteon.app import create_app
from osteon.config import Settings
from osteon.db import Database
from osteon.migrations import upgrade

DEMO_PASSWORD = "Osteon-Demo-2026!"
PG_URL = os.environ.get("OSTEON_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI") == "true"


def worker_id() -> str:
    """xdist worker name (gw0 …) or master."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


async def create_pg_database(base_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``base_url``; return its URL."""
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    await admin.dispose()
    return base_url.rsplit("/", 1)[0] + f"/{name}"


async def fresh_database_url(tmp: Path, label: str) -> str:
    """A new, empty (unmigrated) database for one test's exclusive use (SQLite file or PostgreSQL database)."""
    if PG_URL:
        return await create_pg_database(PG_URL, f"osteon_{label}_{uuid.uuid4().hex[:8]}")
    return f"sqlite+aiosqlite:///{tmp / f'{label}-{uuid.uuid4().hex[:6]}.db'}"


def make_settings(data_dir: Path, url: str, **overrides: object) -> Settings:
    """Test settings: fast, deterministic, demo password fixed."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": url,
        "demo_password": DEMO_PASSWORD,
        "dicom_port": 0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worker's data directory (keys, files)."""
    return tmp_path_factory.mktemp(f"osteon-{worker_id()}")


@pytest.fixture(scope="session")
def database_url(data_dir: Path):
    """The worker's migrated database."""
    if PG_URL:
        # pid in the name: concurrent pytest runs on one server never share (or drop) a database
        url = asyncio.run(create_pg_database(PG_URL, f"osteon_test_{worker_id()}_{os.getpid()}"))
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'osteon.db'}"
    upgrade(url)
    yield url
    if PG_URL:
        asyncio.run(_drop_pg_database(PG_URL, url.rsplit("/", 1)[1]))


async def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.dispose()


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str) -> Settings:
    """The worker's settings."""
    return make_settings(data_dir, database_url)


@pytest_asyncio.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    """The worker's database handle."""
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest_asyncio.fixture(scope="session")
async def app(settings: Settings, db: Database):
    """The real app (worker off: tests drive jobs explicitly)."""
    application = create_app(settings, database=db, start_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="session")
async def demo(app, settings: Settings, db: Database):
    """Demo data seeded once per worker."""
    from osteon import demo as demo_module

    return await demo_module.seed(db, settings, app.state.cipher)


@pytest_asyncio.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the app in-process."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def login(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD, totp: str | None = None) -> dict[str, str]:
    """Log in and return bearer headers."""
    body: dict[str, str] = {"username": username, "password": password}
    if totp:
        body["totp"] = totp
    r = await client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
