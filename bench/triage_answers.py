"""Every labelled triage case's answer, saved and compared: what a rule change moves, before it lands.

Usage:
    python bench/triage_answers.py save BEFORE.json             # answers of the engine in this checkout
    (change lexicon.yaml, compose.yaml, red_flags.yaml, …)
    python bench/triage_answers.py save AFTER.json
    python bench/triage_answers.py diff BEFORE.json AFTER.json  # each moved case: better, worse or the same

A case counts as better when its department becomes acceptable, its urgency becomes the labelled one or an acceptable
department enters the top three (and worse the other way); flags or alternatives can move without either ("same").
Every round of session 2026-12-07 (seventh) was checked this way (docs/triage.md): a change with any "worse" line was
reworked before it landed. A batch written blind must not be saved before it has been scored once (its texts would
be read here): save only the sets in tests/triage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from osteon.triage.engine import assess
from osteon.triage.evaluate import load_vignettes
from osteon.triage.safety_net import training_sets

TESTS = ROOT / "tests" / "triage"


def save(out: Path) -> int:
    """Write the engine's answer to every labelled case (department, urgency, red flags, top-3) with its labels."""
    answers = {}
    for name in training_sets(TESTS):
        for case in load_vignettes(TESTS / name):
            r = assess(case["text"])
            answers[case["id"]] = {
                "set": name,
                "department": r.department,
                "urgency": r.urgency,
                "red_flags": sorted(r.red_flags),
                "top3": [a["department"] for a in r.alternatives[:3]],
                "expected_departments": case["departments"],
                "expected_urgency": case["urgency"],
                "text": case["text"],
            }
    out.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return len(answers)


def _score(a: dict) -> tuple[bool, bool, bool]:
    return (
        a["department"] in a["expected_departments"],
        a["urgency"] == a["expected_urgency"],
        any(d in a["expected_departments"] for d in a["top3"]),
    )


def diff(before: Path, after: Path) -> tuple[int, int]:
    """Print every case whose answer moved; return (better, worse)."""
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (before, after))
    better = worse = 0
    for key in a.keys() & b.keys():
        x, y = a[key], b[key]
        if (x["department"], x["urgency"], x["red_flags"], x["top3"]) == (y["department"], y["urgency"], y["red_flags"], y["top3"]):
            continue
        sx, sy = _score(x), _score(y)
        tag = "BETTER" if sy > sx else "WORSE" if sy < sx else "same"
        better += tag == "BETTER"
        worse += tag == "WORSE"
        print(f"{tag:6} {key} [{x['set']}] expected {y['expected_departments']}/{y['expected_urgency']}: "
              f"{x['department']}/{x['urgency']}{x['red_flags']} -> {y['department']}/{y['urgency']}{y['red_flags']}")
        print("        ", x["text"][:160].replace("\n", " "))
    print(f"better {better}, worse {worse}")
    return better, worse


def main(argv: list[str] | None = None) -> None:
    """Command line: save or diff."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("save", help="save the answers of the engine in this checkout")
    s.add_argument("out", type=Path)
    d = sub.add_parser("diff", help="compare two saved answer files")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.command == "save":
        print(f"{save(args.out)} answers saved to {args.out}")
    else:
        _, worse = diff(args.before, args.after)
        sys.exit(1 if worse else 0)


if __name__ == "__main__":
    main()
