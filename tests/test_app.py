"""The app shell: health, OpenAPI, problem+json, static files (SECURITY 22), migrations up and down."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from osteon.db import Database
from osteon.migrations import alembic_config, upgrade_async
from tests.conftest import fresh_database_url, login


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["database"] == "ok"


async def test_openapi_and_docs_are_served(client):
    spec = (await client.get("/api/openapi.json")).json()
    assert spec["info"]["title"] == "Osteon API" and "/api/v1/auth/login" in spec["paths"]
    assert "Problem" in spec["components"]["schemas"]
    assert (await client.get("/api/docs")).status_code == 200


async def test_errors_are_problem_json_in_the_callers_language(client):
    zh = await client.get("/api/v1/patients")
    en = await client.get("/api/v1/patients", headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 401
    assert zh.headers["content-type"] == "application/problem+json"
    assert zh.json()["detail"] == "请先登录" and en.json()["detail"] == "Please log in"
    assert zh.json()["code"] == en.json()["code"] == "unauthorized"


async def test_unknown_api_path_is_404_and_wrong_method_is_405(client):
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    r = await client.get("/api/v1/auth/login")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


async def test_control_22_static_files_never_leave_the_static_folder(client):
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/../../../pyproject.toml", "/..%2f..%2fapp.py"):
        r = await client.get(path)
        assert b"root:" not in r.content and b"[project]" not in r.content and b"create_app" not in r.content


async def _tables(url: str) -> set[str]:
    db = Database(url)
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await db.dispose()
    return names - {"alembic_version"}


async def test_migrations_run_up_down_and_up_again(tmp_path):
    from alembic import command

    url = await fresh_database_url(tmp_path, "migrations")
    await upgrade_async(url)
    assert {"patients", "users", "audit_events", "institutions", "jobs"} <= await _tables(url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
    assert await _tables(url) == set()
    await upgrade_async(url)
    assert "patients" in await _tables(url)


async def test_control_21_a_streamed_body_over_the_limit_is_a_413_not_a_500(client, demo):
    """No Content-Length: the limit is hit while the body streams, and the caller still gets a clear 413."""
    headers = await login(client, "doctor")

    async def chunks():
        for _ in range(3):
            yield b"x" * (1024 * 1024)

    r = await client.post("/api/v1/patients", content=chunks(),
                          headers={**headers, "Content-Type": "application/json", "Accept-Language": "en"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json"), r.text
