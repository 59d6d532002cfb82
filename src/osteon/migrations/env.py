"""Alembic environment: async engine, URL given by the caller (osteon db upgrade)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from osteon.db import make_engine

config = context.config
target_metadata = None  # migrations are explicit; they never import app models


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_main())
