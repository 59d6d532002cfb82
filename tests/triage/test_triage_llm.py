"""Optional LLM backend against a local fake OpenAI-compatible server: validated, never lowers urgency."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from osteon.triage.llm import LLMClient, LLMConfig, assess_with_llm


class _Fake:
    """Behaviour of the fake server for the current test."""

    reply: ClassVar[dict[str, Any] | str] = {"findings": []}
    delay: float = 0.0
    status: int = 200
    requests: ClassVar[list[dict[str, Any]]] = []


class _Handler(BaseHTTPRequestHandler):
    """Speaks POST /v1/chat/completions like an OpenAI-compatible server."""

    def do_POST(self) -> None:
        """Answer one chat completion."""
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        time.sleep(_Fake.delay)
        content = _Fake.reply if isinstance(_Fake.reply, str) else json.dumps(_Fake.reply, ensure_ascii=False)
        data = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }
        ).encode()
        try:
            self.send_response(_Fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: Any) -> None:
        """Silence the test server."""


@pytest.fixture()
def server() -> Iterator[str]:
    """A fake OpenAI-compatible server on a free local port."""
    _Fake.reply, _Fake.delay, _Fake.status, _Fake.requests = {"findings": []}, 0.0, 200, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def _client(url: str, timeout: float = 2.0) -> LLMClient:
    """Client for the fake server."""
    return LLMClient(LLMConfig(base_url=url, model="qwen-local", api_key="k", timeout=timeout))


def test_llm_findings_are_merged_and_checked_by_rules(server: str) -> None:
    """The LLM understands 'my waterworks stopped'; the rules then raise the red flag."""
    _Fake.reply = {
        "findings": [{"concept": "sym.bladder_retention", "negated": False, "text": "尿憋着出不来"}]
    }
    r = assess_with_llm("腰疼，下面那个憋着出不来", _client(server))
    assert "cauda_equina" in r.red_flags and r.urgency == "emergency"
    req = _Fake.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "qwen-local"
    assert req["auth"] == "Bearer k"


def test_llm_cannot_lower_urgency_or_remove_red_flags(server: str) -> None:
    """An LLM that denies everything does not undo a rule-driven emergency."""
    _Fake.reply = {
        "findings": [
            {"concept": "sym.bladder_retention", "negated": True},
            {"concept": "site.low_back", "negated": True},
        ]
    }
    r = assess_with_llm("腰疼，尿不出来", _client(server))
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags and r.department == "emergency"


def test_hallucinated_concepts_are_dropped(server: str) -> None:
    """Unknown concept ids are ignored by the validator."""
    _Fake.reply = (
        '好的：```json\n{"findings": [{"concept": "sym.alien_probe"}, {"concept": "site.knee"}]}\n```'
    )
    r = assess_with_llm("疼", _client(server))
    assert {f.concept for f in r.findings} >= {"site.knee"}
    assert "sym.alien_probe" not in {f.concept for f in r.findings}


def test_timeout_falls_back_to_offline(server: str) -> None:
    """A slow model times out and the offline answer is returned."""
    _Fake.delay = 1.5
    t = time.perf_counter()
    r = assess_with_llm("腰杆疼", _client(server, timeout=0.3))
    assert time.perf_counter() - t < 1.4
    assert r.department == "spine"


def test_server_error_and_garbage_fall_back(server: str) -> None:
    """HTTP 500 or non-JSON content fall back to the offline engine."""
    _Fake.status = 500
    assert assess_with_llm("波棱盖疼", _client(server)).department in ("joint", "sports")
    _Fake.status, _Fake.reply = 200, "I am not JSON"
    assert assess_with_llm("波棱盖疼", _client(server)).department in ("joint", "sports")


def test_unreachable_server_falls_back() -> None:
    """No server at all."""
    r = assess_with_llm("脚后跟疼", _client("http://127.0.0.1:9/v1", timeout=0.3))
    assert r.department == "foot_ankle"


def test_no_client_means_offline() -> None:
    """The LLM is off by default."""
    assert assess_with_llm("腰杆疼", None).department == "spine"
