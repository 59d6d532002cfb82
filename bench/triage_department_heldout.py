"""Does the department model help on text it has not learned from? (issue 5: department top-1 ≥ 95 %)

Trains the department model (osteon/triage/department_net.py) on every labelled set except the held-out batches,
runs the engine with it on those batches, and reports department top-1 / top-3 against the rules alone (the
department the rules chose, recorded in the model's evidence line, or the engine's when the model had no say).
The safety net is the shipped one, so urgency is the same in both columns. Needs scikit-learn (a dev dependency).

    python bench/triage_department_heldout.py batch_cl,batch_cm
"""

from __future__ import annotations

import argparse
import sys

from osteon.triage import engine
from osteon.triage.department_net import DepartmentNet, train
from osteon.triage.safety_net import held_out_split


def main() -> None:
    """Train without the held-out batches, report department top-1 and top-3 on them."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("held_out", help="comma-separated batch names, e.g. batch_cl,batch_cm")
    args = ap.parse_args()
    try:
        train_cases, kept, test = held_out_split(args.held_out.split(","))
    except ValueError as exc:
        sys.exit(str(exc))
    model = DepartmentNet.from_document(train(train_cases, kept))
    engine.load_department_net = lambda: model  # the engine, with the model that has not seen the held-out batches
    sure = engine._rules_are_sure
    rows = []
    for case in test:
        with_model = engine.assess(case["text"])
        engine._rules_are_sure = lambda *_: True  # the rules alone: the model never has a say
        alone = engine.assess(case["text"])
        engine._rules_are_sure = sure
        rows.append((case, alone, with_model))
    n = len(rows)
    said = sum(any(e.get("type") == "department_model" for e in m.evidence) for _, _, m in rows)
    changed = sum(a.department != m.department for _, a, m in rows)
    print(f"held out: {args.held_out}; trained on {len(kept)} sets; {n} cases, the model had a say in "
          f"{said} and changed the clinic in {changed}")
    for label, pick in (("rules alone", 1), ("with the model", 2)):
        top1 = sum(row[pick].department in row[0]["departments"] for row in rows)
        top3 = sum(any(a["department"] in row[0]["departments"] for a in row[pick].alternatives[:3]) for row in rows)
        print(f"  {label:15} department top-1 {top1 / n:.1%} ({top1}/{n}), top-3 {top3 / n:.1%} ({top3}/{n})")


if __name__ == "__main__":
    main()
