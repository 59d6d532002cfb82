"""Does the urgency model help on text it has not learned from? (issue 5: under-triage ≤ 2 %, over-triage ≤ 5 %)

Trains the urgency model (osteon/triage/urgency_net.py) on every labelled set except the held-out batches, runs the
engine with it on those batches, and reports over- and under-triage against the engine without it (threshold above
1: it never raises). The rules and the other models are this checkout's: if they were tuned on the held-out batches,
the "without" column is in-sample for them — run it in a worktree of the code the batches were first scored on for an
honest baseline (docs/triage.md, session 2026-12-08 eleventh, did so on 0cad68f). Needs scikit-learn.

    python bench/triage_urgency_heldout.py batch_fl,batch_fm,batch_fn,batch_fo
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from osteon.triage import engine
from osteon.triage.department_net import DepartmentNet
from osteon.triage.knowledge import URGENCIES
from osteon.triage.safety_net import held_out_split
from osteon.triage.urgency_net import UrgencyNet, train


def main() -> None:
    """Train without the held-out batches, report over- and under-triage on them with and without the model."""
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("held_out", help="comma-separated batch names, e.g. batch_fl,batch_fm")
    args = ap.parse_args()
    try:
        train_cases, kept, test = held_out_split(args.held_out.split(","))
    except ValueError as exc:
        sys.exit(str(exc))
    doc = train(train_cases, kept)
    model = UrgencyNet(DepartmentNet.from_document(doc), doc["meta"]["threshold"])
    n = len(test)
    print(f"held out: {args.held_out}; trained on {len(kept)} sets ({doc['meta']['cases']} cases); {n} cases; "
          f"threshold {doc['meta']['threshold']:.3f}")
    for label, net in (("without the model", replace(model, threshold=2.0)), ("with the model", model)):
        engine.load_urgency_net = lambda net=net: net
        deltas = [URGENCIES.index(engine.assess(c["text"]).urgency) - URGENCIES.index(c["urgency"]) for c in test]
        over, under = sum(d > 0 for d in deltas), sum(d < 0 for d in deltas)
        print(f"  {label:18} over-triage {over / n:.1%} ({over}/{n}), under-triage {under / n:.1%} ({under}/{n})")


if __name__ == "__main__":
    main()
