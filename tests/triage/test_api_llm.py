"""/assess with the optional LLM backend against a local fake OpenAI-compatible server (uvicorn, 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from osteon.triage.config import TriageSettings, triage_settings

API = "/api/v1/triage/assess"
FAKE: dict[str, Any] = {"content": '{"findings": []}', "delay": 0.0, "calls": 0}


async def _completions(request: Request) -> JSONResponse:
    """Answer one chat completion with the scripted content (after the scripted delay)."""
    await request.json()
    FAKE["calls"] += 1
    await asyncio.sleep(FAKE["delay"])
    return JSONResponse({"id": "x", "object": "chat.completion",
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": FAKE["content"]}}]})


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[str]:
    """A fake OpenAI-compatible server in a thread on a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = Starlette(routes=[Route("/v1/chat/completions", _completions, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def llm_on(app, fake_llm) -> Iterator[None]:
    """Point the triage settings at the fake server (timeout 0.5 s) for one test."""
    app.dependency_overrides[triage_settings] = lambda: TriageSettings(llm_url=fake_llm, llm_model="fake", llm_timeout=0.5)
    FAKE.update(content='{"findings": []}', delay=0.0, calls=0)
    yield
    app.dependency_overrides.pop(triage_settings, None)


def test_llm_is_off_by_default(monkeypatch):
    """No OSTEON_TRIAGE_LLM_URL = no client."""
    monkeypatch.delenv("OSTEON_TRIAGE_LLM_URL", raising=False)
    assert TriageSettings().llm_client() is None


async def test_llm_findings_are_merged_when_the_model_answers(client, llm_on):
    """A paraphrase the lexicon misses is added by the model (validated concept ids only)."""
    FAKE["content"] = '{"findings": [{"concept": "sym.radiation", "negated": false, "text": "顺着腿往下窜"}, {"concept": "made.up", "negated": false}]}'
    r = await client.post(API, json={"text": "腰疼"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert FAKE["calls"] == 1 and body["backend"] == "llm+rules"
    llm = [e for e in body["evidence"] if e.get("type") == "llm"]
    assert [f["concept"] for f in llm[0]["added"]] == ["sym.radiation"]


async def test_garbage_from_the_model_falls_back_to_the_offline_engine(client, llm_on):
    """Non-JSON output: the offline answer stands."""
    FAKE["content"] = "I'm sorry, as an AI I cannot"
    body = (await client.post(API, json={"text": "腰杆疼了两个多月,右边腿杆发麻"})).json()
    assert FAKE["calls"] == 1 and body["backend"] == "rules" and body["department"] == "spine"


async def test_a_slow_model_times_out_and_falls_back(client, llm_on):
    """The model takes longer than the timeout: the offline answer comes back promptly."""
    FAKE["delay"] = 3.0
    started = time.monotonic()
    body = (await client.post(API, json={"text": "腰疼,尿不出来,屁股周围麻"})).json()
    assert time.monotonic() - started < 2.5
    assert body["backend"] == "rules" and body["urgency"] == "emergency"


async def test_the_model_cannot_lower_urgency_or_remove_red_flags(client, llm_on):
    """The model denies everything: the rule-driven emergency and its red flag stay."""
    FAKE["content"] = ('{"findings": [{"concept": "sym.sphincter", "negated": true}, '
                       '{"concept": "sym.numbness", "negated": true}]}')
    body = (await client.post(API, json={"text": "腰疼,尿不出来,屁股周围麻"})).json()
    assert FAKE["calls"] == 1
    assert body["urgency"] == "emergency" and "cauda_equina" in body["red_flags"] and body["department"] == "emergency"
