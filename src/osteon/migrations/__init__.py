"""Alembic migrations, shipped inside the package so an installed Osteon can upgrade its database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at this package's scripts and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at ``url`` up to ``revision``; each domain's migrations are a branch off the
    foundation, so the default is every head."""
    if url.startswith("sqlite") and ":///" in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Step the database back to ``revision``."""
    command.downgrade(alembic_config(url), revision)


def current(url: str) -> None:
    """Print the current revision."""
    command.current(alembic_config(url))


async def upgrade_async(url: str, revision: str = "heads") -> None:
    """:func:`upgrade` for callers already inside an event loop (tests, the app)."""
    from osteon.db import make_engine

    engine = make_engine(url)

    def run(connection) -> None:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()
