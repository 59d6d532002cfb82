"""A statistical second opinion on which clinic, blended with the rules' department scores.

Why: the department weights in knowledge.yaml are exact about the words they know, but each new author of blind
vignettes told ordinary complaints in words they did not know, and department top-1 on fresh batches stayed at
81–94 % (docs/triage.md). The same kind of model as the safety net (TF-IDF over characters 1–4 of the normalised
text, multinomial logistic regression), trained on the first acceptable department of every labelled
non-emergency vignette, chose better than the rules on batches it had not seen where the rules were undecided, and
the two together better than either (``bench/triage_department_heldout.py``, docs/triage.md).

Rules of use (engine.decide):
- it only chooses among the departments the rules gave something to, and the rules' own choice: a department the
  rules screened out (a cancer history the night-pain question answered no to) stays out, whatever the words look
  like, and "other" stays in when the rules found too little to call orthopaedic ("骨科在几楼");
- never for an emergency, a red flag's department, a child (the age rule sends children to 小儿骨科), a text
  in which nothing clinical was found (gibberish stays ``other``), or where the rules are sure
  (``engine._rules_are_sure``: a clear margin, a diagnosis the patient named, a rule correcting a look-alike);
- the blend is the rules' share of each department plus ``WEIGHT`` × the model's probability; the evidence says
  what the model thought, so a nurse sees why the clinic changed;
- what the patient denied is not evidence: like the safety net, it reads the text without the clauses the
  extractor found negated ("foot drop … no back pain" is not a back story).

The model is data (``data/department_net.npz``: vocabulary, IDF, one weight per department, and a JSON record of what
it was trained on; ≈ 74,000 n-grams × 11 departments, a compressed numpy archive because the same weights as JSON took
0.5 s to parse at cold start), scored here with numpy; scikit-learn is needed only to retrain it:

    python -m osteon.triage.department_net
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from osteon.triage.safety_net import (
    MIN_DF,
    REPO_TESTS,
    prepare,
    read_document,
    training_cases,
    vectorizer,
    without_negated_clauses,
    write_document,
)

MODEL_PATH = Path(__file__).parent / "data" / "department_net.npz"
WEIGHT = 2.0  # the model's probability counts this many times a rules' share (probe: 1 and 2 alike, 0.5 less)
C = 4.0
NGRAM_RANGE = (1, 4)


def document(text: str) -> str:
    """What the model reads: the prepared text without the clauses the extractor read as negated."""
    return prepare(without_negated_clauses(text))


@dataclass(frozen=True)
class DepartmentNet:
    """Multinomial weights, scored with the same arithmetic as scikit-learn's TfidfVectorizer + LR."""

    classes: tuple[str, ...]
    min_n: int
    max_n: int
    index: dict[str, int]  # n-gram -> row
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray  # (n_classes,)

    def logits(self, doc: str) -> np.ndarray:
        """The intercept plus the document's L2-normalised TF-IDF vector (sublinear tf) times the weights."""
        counts = Counter(doc[i:i + n] for n in range(self.min_n, self.max_n + 1) for i in range(len(doc) - n + 1))
        known = [(self.index[g], c) for g, c in counts.items() if g in self.index]
        z = self.intercept.copy()
        if known:
            rows = np.fromiter((r for r, _ in known), dtype=np.int64, count=len(known))
            tf = np.fromiter((1.0 + math.log(c) for _, c in known), dtype=np.float64, count=len(known))
            values = tf * self.idf[rows]
            values /= np.sqrt(values @ values) or 1.0
            z += values @ self.coef[rows]
        return z

    def probabilities(self, doc: str) -> dict[str, float]:
        """Each department's probability for a document (``document``)."""
        z = self.logits(doc)
        p = np.exp(z - z.max())
        p /= p.sum()
        return dict(zip(self.classes, p.tolist(), strict=True))

    @classmethod
    def read(cls, path: Path) -> DepartmentNet:
        """A model file written by ``main``."""
        return cls.from_document(read_document(path))

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> DepartmentNet:
        """A model from the document ``train`` returns."""
        lo, hi = doc["meta"]["ngram_range"]
        return cls(
            classes=tuple(doc["meta"]["classes"]),
            min_n=lo,
            max_n=hi,
            index={g: i for i, g in enumerate(doc["grams"])},
            idf=np.asarray(doc["idf"], dtype=np.float64),
            coef=np.asarray(doc["coef"], dtype=np.float64),
            intercept=np.asarray(doc["meta"]["intercepts"], dtype=np.float64),
        )


@lru_cache(maxsize=1)
def load_department_net() -> DepartmentNet:
    """Load the shipped model (once per process)."""
    return DepartmentNet.read(MODEL_PATH)


def blend(
    scores: dict[str, float], probabilities: dict[str, float], rules_choice: str, weight: float = WEIGHT
) -> dict[str, float]:
    """Each department the rules gave something to, and the rules' own choice (``other`` when what they found
    was too little to call orthopaedic): its share of the rules' scores + ``weight`` × the model's probability,
    divided by ``1 + weight`` (so the values read as shares)."""
    positive = {d: s for d, s in scores.items() if d != "emergency" and s > 0}
    total = sum(positive.values()) or 1.0
    candidates = {**positive, rules_choice: max(scores.get(rules_choice, 0.0), 0.0)}
    return {d: (s / total + weight * probabilities.get(d, 0.0)) / (1.0 + weight) for d, s in candidates.items()}


# --------------------------------------------------------------------------- training (needs scikit-learn)

def is_training_case(case: dict[str, Any]) -> bool:
    """A labelled non-emergency: its first acceptable department is a clinic, not 急诊."""
    return case["urgency"] != "emergency" and case["departments"][0] != "emergency"


def train(cases: list[dict[str, Any]], sources: list[str] | None = None) -> dict[str, Any]:
    """Fit the model on labelled non-emergency vignettes; returns the document ``write_document`` stores."""
    import sklearn
    from sklearn.linear_model import LogisticRegression

    cases = [c for c in cases if is_training_case(c)]
    vec = vectorizer("char", NGRAM_RANGE, MIN_DF)
    x = vec.fit_transform([document(c["text"]) for c in cases])
    clf = LogisticRegression(C=C, max_iter=5000).fit(x, [c["departments"][0] for c in cases])
    grams = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    return {
        "meta": {
            "about": "Triage department model: TF-IDF + multinomial logistic regression; see osteon/triage/department_net.py",
            "trained_on": sources or [],
            "cases": len(cases),
            "scikit_learn": sklearn.__version__,
            "C": C,
            "ngram_range": list(NGRAM_RANGE),
            "min_df": MIN_DF,
            "classes": [str(c) for c in clf.classes_],
            "intercepts": [float(b) for b in clf.intercept_],
        },
        "grams": grams,
        "idf": vec.idf_.astype(np.float32),
        "coef": clf.coef_.T.astype(np.float32),
    }


def retrain(
    fit: Callable[[list[dict[str, Any]], list[str]], dict[str, Any]], model_path: Path, argv: list[str] | None
) -> None:
    """The command line of a model trained on every labelled vignette set (this one, urgency_net): fit, write, show."""
    import argparse

    ap = argparse.ArgumentParser(description="Retrain on every labelled vignette set and write the model file.")
    ap.add_argument("--out", default=str(model_path))
    ap.add_argument("--root", type=Path, default=REPO_TESTS, help="the folder holding vignettes.jsonl and blind/")
    args = ap.parse_args(argv)
    cases, sources = training_cases(args.root)
    doc = fit(cases, sources)
    write_document(doc, Path(args.out))
    print(json.dumps(doc["meta"], ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> None:
    """Retrain on every labelled vignette set and write the model file."""
    retrain(train, MODEL_PATH, argv)


if __name__ == "__main__":
    main()
