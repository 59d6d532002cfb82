"""Would a statistical department model, learned from the labelled vignettes, choose departments better than the
rules on text it has not seen? (issue 5: department top-1 ≥ 95 %)

Not part of the product: a reproducible probe behind the "next lever" in docs/triage.md (session 2026-12-07,
fourth). Trains TF-IDF over characters 1–4 (as the safety net) + multinomial logistic regression on the first
acceptable department of every non-emergency vignette outside the held-out batches, then scores the held-out
non-emergency cases that the rules of the running checkout do not send to 急诊: the rules' department, the model's,
and the rules' department shares plus ``alpha`` × the model's probabilities. Needs scikit-learn (a dev dependency).

    python bench/triage_department_probe.py batch_cl,batch_cm
    # the rules as they were before rounds 59-64, on the batches they had not seen (a git worktree of 8ca1a8e):
    cd ../wt && python /path/to/bench/triage_department_probe.py batch_bz,...,batch_ci --vignettes /path/to/tests/triage
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path.cwd() / "src"))  # the checkout whose rules are compared (a worktree, or this one)

ALPHAS = (0.25, 0.5, 1.0, 2.0)
GATES = (1.5, 2.0, 3.0)


def main() -> None:
    """Train on everything but the held-out batches, report department top-1 on them."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from osteon.triage.engine import assess
    from osteon.triage.safety_net import prepare  # (older checkouts have it too)

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("held_out", help="comma-separated batch names, e.g. batch_cl,batch_cm")
    ap.add_argument("--vignettes", type=Path, default=ROOT / "tests" / "triage")
    args = ap.parse_args()
    held = set(args.held_out.split(","))
    files = [args.vignettes / "vignettes.jsonl", *sorted((args.vignettes / "blind").glob("*.jsonl"))]
    cases = {f.stem: [json.loads(line) for line in f.open(encoding="utf-8") if line.strip()] for f in files}
    if not held <= cases.keys():
        sys.exit(f"unknown batches: {sorted(held - cases.keys())}")
    train = [c for name, cs in cases.items() if name not in held for c in cs
             if c["urgency"] != "emergency" and c["departments"][0] != "emergency"]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, lowercase=False, min_df=2)
    x = vec.fit_transform([prepare(c["text"]) for c in train])
    clf = LogisticRegression(C=4.0, max_iter=3000).fit(x, [c["departments"][0] for c in train])
    classes = list(clf.classes_)
    test = [c for name in sorted(held) for c in cases[name] if c["urgency"] != "emergency"]
    probabilities = clf.predict_proba(vec.transform([prepare(c["text"]) for c in test]))
    right = {"rules": 0, "model": 0, **{f"rules + {a} × model": 0 for a in ALPHAS},
             **{f"rules + {a} × model, among the rules' departments": 0 for a in ALPHAS},
             **{f"rules + 2 × model, among them, when the rules' top two are within {g}×": 0 for g in GATES}}
    n = 0
    for case, p in zip(test, probabilities, strict=True):
        result = assess(case["text"])
        if result.urgency == "emergency":
            continue  # its department is 急诊 whichever model chooses
        n += 1
        right["rules"] += result.department in case["departments"]
        right["model"] += classes[int(np.argmax(p))] in case["departments"]
        scores = {d: max(s, 0.0) for d, s in result.scores.items() if d != "emergency"}
        total = sum(scores.values()) or 1.0
        for a in ALPHAS:
            blended = {d: scores.get(d, 0.0) / total + (a * p[classes.index(d)] if d in classes else 0.0)
                       for d in set(scores) | set(classes)}
            right[f"rules + {a} × model"] += max(blended, key=blended.__getitem__) in case["departments"]
            # only departments the rules gave something (a cancer history screened out of bone_tumor stays out)
            supported = {d: v for d, v in blended.items() if scores.get(d, 0.0) > 0} or blended
            pick = max(supported, key=supported.__getitem__)
            right[f"rules + {a} × model, among the rules' departments"] += pick in case["departments"]
            if a == 2.0:
                top = sorted(scores.values(), reverse=True) + [0.0, 0.0]
                for g in GATES:  # … and only where the rules were undecided
                    gated = pick if top[1] > 0 and top[0] < g * top[1] else result.department
                    right[f"rules + 2 × model, among them, when the rules' top two are within {g}×"] += (
                        gated in case["departments"])
    print(f"held out: {', '.join(sorted(held))}; {len(train)} training texts; {n} non-emergencies the rules keep "
          "out of 急诊")
    for name, count in right.items():
        print(f"  {name:70} department top-1 {count / max(n, 1):.1%}")


if __name__ == "__main__":
    main()
