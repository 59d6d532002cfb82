"""Durable jobs survive failures and restarts; events leave only after commit (memory and Redis)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from osteon import jobs
from osteon.events import MemoryBroker, RedisBroker, publish_after_commit
from osteon.kit.models import utcnow

CALLS: dict[str, int] = {}


@jobs.handler("test.flaky")
async def _flaky(session, payload):
    CALLS[payload["key"]] = CALLS.get(payload["key"], 0) + 1
    if CALLS[payload["key"]] < payload["fail_times"] + 1:
        raise RuntimeError("gateway down")


async def _run(db, job_id):
    worker = jobs.Worker(db)
    await worker.run_due()
    async with db.sessionmaker() as s:
        return await jobs.get_job(s, job_id)


async def test_a_failing_job_is_retried_with_backoff_then_succeeds(db):
    key = uuid.uuid4().hex
    async with db.transaction() as s:
        job = await jobs.enqueue(s, "test.flaky", {"key": key, "fail_times": 2})
    got = await _run(db, job.id)
    assert got.status == "queued" and got.attempts == 1 and "gateway down" in got.last_error
    for _ in range(2):  # make it due now instead of waiting out the backoff
        async with db.transaction() as s:
            await s.execute(update(jobs.Job).where(jobs.Job.id == job.id).values(run_after=utcnow()))
        got = await _run(db, job.id)
    assert got.status == "done" and got.attempts == 3 and CALLS[key] == 3


async def test_a_job_whose_worker_died_is_picked_up_again(db):
    key = uuid.uuid4().hex
    async with db.transaction() as s:
        job = await jobs.enqueue(s, "test.flaky", {"key": key, "fail_times": 0})
        # simulate a worker that claimed it and crashed: running with an expired lease
        job.status, job.lease_until, job.attempts = "running", utcnow() - timedelta(seconds=1), 1
    got = await _run(db, job.id)
    assert got.status == "done"


async def test_a_job_enqueued_in_a_rolled_back_transaction_never_exists(db):
    job_id = None
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            job_id = (await jobs.enqueue(s, "test.flaky", {"key": "x", "fail_times": 0})).id
            raise RuntimeError("request failed")
    async with db.sessionmaker() as s:
        assert await jobs.get_job(s, job_id) is None


async def test_events_are_published_only_after_commit(db):
    broker = MemoryBroker()
    async with broker.subscribe("t") as stream:
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                publish_after_commit(s, broker, "t", {"n": 1})
                raise RuntimeError("rolled back")
        async with db.transaction() as s:
            publish_after_commit(s, broker, "t", {"n": 2})
        got = await asyncio.wait_for(anext(stream), 1)
    assert got == {"n": 2}


async def test_redis_broker_fans_out_between_two_instances():
    url = os.environ.get("OSTEON_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    a, b = RedisBroker(url), RedisBroker(url)
    topic = f"test-{uuid.uuid4().hex}"
    try:
        async with b.subscribe(topic) as stream:
            await a.publish(topic, {"hello": "县医院"})
            got = await asyncio.wait_for(anext(stream), 2)
        assert got == {"hello": "县医院"}
    finally:
        await a.close()
        await b.close()
