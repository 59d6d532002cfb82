"""Events leave only after commit, through a broker: in-process by default, Redis pub/sub when set."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.db import after_commit

log = logging.getLogger(__name__)


class Broker(Protocol):
    """Publish/subscribe on named topics."""

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Send a message to every subscriber of ``topic`` (on every instance)."""

    def subscribe(self, topic: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Receive the messages published to ``topic`` from now on."""

    async def close(self) -> None:
        """Release connections."""


class MemoryBroker:
    """Single-process broker: an asyncio queue per subscriber."""

    def __init__(self) -> None:
        """No subscribers yet."""
        self._subs: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """Fan out to local subscribers; a full queue drops the slow subscriber's message."""
        for queue in list(self._subs.get(topic, ())):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Yield an async iterator of messages until the context exits."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)
        self._subs[topic].add(queue)

        async def _iter() -> AsyncIterator[dict[str, Any]]:
            while True:
                yield await queue.get()

        try:
            yield _iter()
        finally:
            self._subs[topic].discard(queue)

    async def close(self) -> None:
        """Nothing to release."""


class RedisBroker:
    """Redis pub/sub: fans events out across app instances."""

    def __init__(self, url: str) -> None:
        """Connect lazily to ``url``."""
        import redis.asyncio as redis

        self._redis = redis.from_url(url, decode_responses=True)

    async def publish(self, topic: str, message: dict[str, Any]) -> None:
        """PUBLISH as JSON."""
        await self._redis.publish(f"osteon:{topic}", json.dumps(message, default=str))

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """SUBSCRIBE; the subscription is live when the context is entered."""
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(f"osteon:{topic}")

        async def _iter() -> AsyncIterator[dict[str, Any]]:
            async for raw in pubsub.listen():
                if raw.get("type") == "message":
                    yield json.loads(raw["data"])

        try:
            yield _iter()
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def ping(self) -> bool:
        """True when Redis answers."""
        return bool(await self._redis.ping())

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def make_broker(redis_url: str | None) -> Broker:
    """Redis when configured, else in-process."""
    return RedisBroker(redis_url) if redis_url else MemoryBroker()


def publish_after_commit(session: AsyncSession, broker: Broker, topic: str, message: dict[str, Any]) -> None:
    """Queue an event that leaves only if the transaction commits."""

    async def _send() -> None:
        try:
            await broker.publish(topic, message)
        except Exception:  # the data is committed; a lost notification must not fail the request
            log.exception("event publish failed on topic %s", topic)

    after_commit(session, _send)
