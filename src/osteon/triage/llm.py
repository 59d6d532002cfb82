"""Optional OpenAI-compatible LLM backend; its findings are validated by the rules and can never lower urgency."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from osteon.triage.engine import TriageResult, assess, decide
from osteon.triage.extract import Finding
from osteon.triage.knowledge import load_knowledge
from osteon.triage.rules import rank

_SYSTEM = (
    "You extract orthopaedic triage findings from a patient's words (Chinese, dialect or English). "
    'Answer ONLY with JSON: {"findings": [{"concept": <id from the list>, "negated": bool, "text": '
    "<the patient's words>}]}. Use only these concept ids: "
)


@dataclass
class LLMConfig:
    """Connection settings for an OpenAI-compatible chat-completions endpoint (e.g. a hospital's local Qwen)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 8.0


class LLMError(RuntimeError):
    """The LLM backend failed or answered something unusable."""


class LLMClient:
    """Minimal chat-completions client (httpx, with a hard timeout)."""

    def __init__(self, config: LLMConfig, transport: httpx.BaseTransport | None = None) -> None:
        """Create the client; `transport` lets tests inject a fake."""
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"), timeout=config.timeout, headers=headers, transport=transport
        )

    def chat(self, system: str, user: str) -> str:
        """Send one chat completion and return the assistant text."""
        body = {
            "model": self.config.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        try:
            resp = self._http.post("/chat/completions", json=body)
            resp.raise_for_status()
            return str(resp.json()["choices"][0]["message"]["content"])
        except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as exc:
            raise LLMError(str(exc)) from exc

    def extract_findings(self, text: str) -> list[Finding]:
        """Ask the model for findings; keep only concept ids the knowledge base knows (validated)."""
        kn = load_knowledge()
        allowed = [cid for cid, c in kn.concepts.items() if c.kind not in ("filler", "lat")]
        raw = self.chat(_SYSTEM + ", ".join(allowed), text)
        m = re.search(r"\{.*\}", raw, re.DOTALL)
        if not m:
            raise LLMError("no JSON object in the model answer")
        try:
            data = json.loads(m.group(0))
        except json.JSONDecodeError as exc:
            raise LLMError(f"bad JSON: {exc}") from exc
        out: list[Finding] = []
        for item in data.get("findings", []) if isinstance(data, dict) else []:
            cid = item.get("concept") if isinstance(item, dict) else None
            if cid not in kn.concepts or kn.concepts[cid].kind in ("filler", "lat"):
                continue  # hallucinated or unknown concept: dropped by the deterministic validator
            c = kn.concepts[cid]
            out.append(
                Finding(
                    c.id,
                    c.kind,
                    c.std,
                    str(item.get("text") or c.std)[:50],
                    0,
                    0,
                    c.tags,
                    negated=bool(item.get("negated", False)),
                    source="llm",
                )
            )
        return out

    def polish(self, text: str) -> str | None:
        """Optionally rewrite a summary paragraph in fluent record style; None on any failure."""
        try:
            out = self.chat("把下面的现病史改写得更通顺规范，不得增加或删除任何事实，只输出改写结果。", text)
        except LLMError:
            return None
        return out.strip() or None

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._http.close()


def assess_with_llm(
    text: str, client: LLMClient | None, age: float | None = None, sex: str | None = None
) -> TriageResult:
    """Offline triage, then merge LLM findings; urgency and red flags can only go up; errors fall back."""
    offline = assess(text, age=age, sex=sex)
    if client is None:
        return offline
    try:
        llm_findings = client.extract_findings(text)
    except LLMError:
        return offline  # timeout / connection error / garbage -> the offline answer stands
    known = {(f.concept, f.negated) for f in offline.findings}
    present = {f.concept for f in offline.findings}
    extra = []
    for f in llm_findings:
        # the LLM may ADD findings; a negation may only cover something the rules did not find at all
        if (f.concept, f.negated) in known or (f.negated and f.concept in present):
            continue
        extra.append(f)
    merged = decide(offline.findings + extra, offline.facts, texts=[text])
    if rank(offline.urgency) > rank(merged.urgency):
        merged.urgency = offline.urgency
        merged.instruction = offline.instruction
    for code in offline.red_flags:
        if code not in merged.red_flags:
            merged.red_flags.insert(0, code)
    merged.flag_details = offline.flag_details + [
        h for h in merged.flag_details if h.code not in {x.code for x in offline.flag_details}
    ]
    if offline.urgency == "emergency":
        merged.department = "emergency"
        merged.alternatives = offline.alternatives
    merged.evidence.append({"type": "llm", "added": [f.to_dict() for f in extra]})
    return merged


def describe(result: TriageResult) -> dict[str, Any]:
    """Public dict for a result produced with the LLM backend."""
    d = result.to_dict()
    d["backend"] = "llm+rules"
    return d
