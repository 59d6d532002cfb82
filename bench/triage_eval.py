"""Triage evaluation report: accuracy, triage safety, per-department/dialect, latency and cold start.

Usage: python bench/triage_eval.py [--vignettes tests/triage/vignettes.jsonl] [--json] [--failures]
       python bench/triage_eval.py --vignettes tests/triage/blind/batch_d.jsonl   # held-out blind batch
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from osteon.triage.engine import assess
from osteon.triage.evaluate import evaluate, load_vignettes
from osteon.triage.interview import Interview


def _pct(x: float) -> str:
    """Format a ratio as a percentage."""
    return f"{100 * x:.1f} %"


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def cold_start() -> float:
    """Seconds for a fresh interpreter to import, load all data and answer twice (the second answer is one the rules
    leave undecided, so the department model is loaded too)."""
    code = (
        "import time; t=time.perf_counter(); from osteon.triage import assess; assess('腰杆疼'); "
        "assess('膝盖上下楼梯疼，蹲下去也疼'); print(time.perf_counter()-t)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def latencies(cases: list[dict]) -> tuple[list[float], list[float]]:
    """Per-call latency (ms) of assess() and of one interview turn, measured on one core."""
    assess_ms, turn_ms = [], []
    for c in cases:
        t = time.perf_counter()
        assess(c["text"])
        assess_ms.append((time.perf_counter() - t) * 1000)
    for c in cases[::2]:
        iv = Interview.start(c["text"])
        for reply in ("没有", "不知道", "三个月", "没有"):
            if iv.done:
                break
            t = time.perf_counter()
            iv.answer(reply)
            turn_ms.append((time.perf_counter() - t) * 1000)
    return assess_ms, turn_ms


def main() -> int:
    """Print the report."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--vignettes", default=str(ROOT / "tests/triage/vignettes.jsonl"))
    ap.add_argument("--json", action="store_true", help="print machine-readable JSON")
    ap.add_argument("--failures", action="store_true", help="list mismatching vignettes")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    cases = load_vignettes(args.vignettes)
    cold = cold_start()
    assess("腰疼")  # warm caches before timing
    rep = evaluate(cases)
    non_em = [c for c in cases if c["urgency"] != "emergency"]
    false_em = sum(assess(c["text"]).urgency == "emergency" for c in non_em)
    specificity = (len(non_em) - false_em) / len(non_em) if non_em else 1.0
    a_ms, t_ms = latencies(cases)
    questions = []
    for c in cases:
        iv = Interview.start(c["text"])
        while not iv.done:
            iv.answer("没有")
        questions.append(iv.questions_asked)
    out = {
        "n": rep.n,
        "top1": rep.top1,
        "top3": rep.top3,
        "emergency_sensitivity": rep.emergency_sensitivity,
        "emergency_specificity": specificity,
        "under_triage": rep.under_triage,
        "over_triage": rep.over_triage,
        "red_flag_recall": rep.red_flag_recall,
        "assess_ms_p50": statistics.median(a_ms),
        "assess_ms_p95": _percentile(a_ms, 95),
        "turn_ms_p50": statistics.median(t_ms),
        "turn_ms_p95": _percentile(t_ms, 95),
        "cold_start_s": cold,
        "interview_questions_median": statistics.median(questions),
        "interview_questions_max": max(questions),
        "per_department": rep.per_department,
        "per_dialect": rep.per_dialect,
    }
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"Triage evaluation — {rep.n} vignettes ({args.vignettes})")
    print(f"  department top-1      {_pct(rep.top1)}   (target >= 95 %)")
    print(f"  department top-3      {_pct(rep.top3)}   (target >= 99 %)")
    print(f"  emergency sensitivity {_pct(rep.emergency_sensitivity)}   (target 100 %)")
    print(f"  emergency specificity {_pct(specificity)}   ({false_em} of {len(non_em)} non-emergencies sent to 急诊)")
    print(f"  under-triage          {_pct(rep.under_triage)}   (target <= 2 %)")
    print(f"  over-triage           {_pct(rep.over_triage)}   (target <= 5 %)")
    print(f"  red-flag recall       {_pct(rep.red_flag_recall)}")
    print(
        f"  assess latency        p50 {out['assess_ms_p50']:.2f} ms, p95 {out['assess_ms_p95']:.2f} ms (one core)"
    )
    print(
        f"  interview turn        p50 {out['turn_ms_p50']:.2f} ms, p95 {out['turn_ms_p95']:.2f} ms "
        "(target p95 < 50 ms)"
    )
    print(f"  cold start            {cold:.2f} s (target < 2 s)")
    print(
        f"  interview questions   median {out['interview_questions_median']}, max {out['interview_questions_max']}"
    )
    print("\n  per department (first acceptable label):")
    for d, v in rep.per_department.items():
        print(f"    {d:<13} n={v['n']:<3} top-1 {_pct(v['top1']):>8}  top-3 {_pct(v['top3']):>8}")
    print("\n  per dialect:")
    for d, v in rep.per_dialect.items():
        print(
            f"    {d:<6} n={v['n']:<3} top-1 {_pct(v['top1']):>8}  top-3 {_pct(v['top3']):>8}  "
            f"under-triage {_pct(v['under_triage'])}"
        )
    if args.failures:
        print("\n  mismatches:")
        for f in rep.failures:
            print("   ", json.dumps(f, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
