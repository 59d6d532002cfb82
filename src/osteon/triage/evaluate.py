"""Vignette evaluation: department top-1/top-3, emergency sensitivity, under/over-triage, breakdowns."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osteon.triage.engine import TriageResult, assess
from osteon.triage.knowledge import URGENCIES


@dataclass
class CaseResult:
    """One vignette with the engine's answer."""

    case: dict[str, Any]
    result: TriageResult

    @property
    def top1(self) -> bool:
        """Engine's department is one of the acceptable ones."""
        return self.result.department in self.case["departments"]

    @property
    def top3(self) -> bool:
        """An acceptable department is among the top-3 alternatives."""
        return any(a["department"] in self.case["departments"] for a in self.result.alternatives[:3])

    @property
    def urgency_delta(self) -> int:
        """Predicted minus expected urgency rank (negative = under-triage)."""
        return URGENCIES.index(self.result.urgency) - URGENCIES.index(self.case["urgency"])


@dataclass
class Report:
    """Aggregate metrics over a vignette set."""

    n: int
    top1: float
    top3: float
    emergency_sensitivity: float
    under_triage: float
    over_triage: float
    red_flag_recall: float
    per_department: dict[str, dict[str, float]] = field(default_factory=dict)
    per_dialect: dict[str, dict[str, float]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return self.__dict__.copy()


def load_vignettes(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON-lines vignette file."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def evaluate(cases: list[dict[str, Any]]) -> Report:
    """Run the engine on every vignette and compute the report."""
    results = [CaseResult(c, assess(c["text"])) for c in cases]
    n = len(results) or 1
    emerg = [r for r in results if r.case["urgency"] == "emergency"]
    flags_expected = sum(len(r.case.get("red_flags", [])) for r in results) or 1
    flags_found = sum(len(set(r.case.get("red_flags", [])) & set(r.result.red_flags)) for r in results)

    def group(key: str) -> dict[str, dict[str, float]]:
        """Top-1 / top-3 / count per value of a case field (first acceptable department for 'departments')."""
        buckets: dict[str, list[CaseResult]] = defaultdict(list)
        for r in results:
            k = r.case[key][0] if key == "departments" else r.case.get(key, "?")
            buckets[k].append(r)
        return {
            k: {
                "n": len(v),
                "top1": sum(x.top1 for x in v) / len(v),
                "top3": sum(x.top3 for x in v) / len(v),
                "under_triage": sum(x.urgency_delta < 0 for x in v) / len(v),
            }
            for k, v in sorted(buckets.items())
        }

    failures = [
        {
            "id": r.case["id"],
            "text": r.case["text"],
            "expected": r.case["departments"],
            "got": r.result.department,
            "alts": [a["department"] for a in r.result.alternatives],
            "urgency": r.result.urgency,
            "expected_urgency": r.case["urgency"],
            "flags": r.result.red_flags,
        }
        for r in results
        if not r.top1 or r.urgency_delta != 0
    ]
    return Report(
        n=len(results),
        top1=sum(r.top1 for r in results) / n,
        top3=sum(r.top3 for r in results) / n,
        emergency_sensitivity=(sum(r.result.urgency == "emergency" for r in emerg) / len(emerg))
        if emerg
        else 1.0,
        under_triage=sum(r.urgency_delta < 0 for r in results) / n,
        over_triage=sum(r.urgency_delta > 0 for r in results) / n,
        red_flag_recall=flags_found / flags_expected,
        per_department=group("departments"),
        per_dialect=group("dialect"),
        failures=failures,
    )
