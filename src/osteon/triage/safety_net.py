"""A statistical safety net under the red-flag rules: it can only send a patient to the emergency department.

Why: the red-flag rules (red_flags.yaml, compose.yaml) are exact about what they know, but every fresh batch of
vignettes written by a new author brought emergencies said in words the rules had never seen (docs/triage.md,
"Blind emergency batches": 52–76 % found before each tuning round). This net is a character n-gram logistic
regression (TF-IDF over characters 1–4 of the normalised text) trained on every labelled vignette in the repo;
character n-grams carry over to unseen phrasings far better than phrase lists (屙/尿/裤子湿, 白花花/露/戳破,
凉/没血色). Measured held out, batch by batch, in docs/triage.md.

Rules of use, the same as for the LLM backend:
- it runs only when the rules have not already decided ``emergency`` and can only RAISE urgency to emergency;
- it judges only texts with at least ``MIN_SIZE`` Chinese characters (no short complaints, no English), and not
  complaints the rules place outside orthopedics or visits about an old fracture's hardware (engine.decide);
- it never adds or removes a red-flag code (those stay deterministic); it adds one evidence entry with its
  probability, the threshold and the character n-grams that weighed most, and the patient instruction says it
  was an automatic check a triage nurse should confirm;
- the model is data (``data/safety_net.json``: vocabulary, IDF, weights, threshold, what it was trained on and its
  cross-validated figures), scored here in plain Python; scikit-learn is needed only to retrain it:

    python -m osteon.triage.safety_net --out src/osteon/triage/data/safety_net.json

The threshold is chosen on 5-fold cross-validation of the training set so that about 3 % of non-emergencies
would be raised (the over-triage budget is 5 %).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from osteon.triage.extract import extract
from osteon.triage.normalize import is_cjk, normalize

MODEL_PATH = Path(__file__).parent / "data" / "safety_net.json"
REPO_TESTS = Path(__file__).resolve().parents[3] / "tests" / "triage"
# what the shipped model is trained on: every labelled vignette in the repo; each blind batch (F–Q) was scored on
# the code before it joined (docs/triage.md), and the next blind batch is the held-out test
TRAINING_SETS = ("vignettes.jsonl", "blind/batch_a.jsonl", "blind/batch_b.jsonl", "blind/batch_c.jsonl",
                 "blind/batch_d.jsonl", "blind/batch_e.jsonl", "blind/batch_f.jsonl", "blind/batch_g.jsonl",
                 "blind/batch_h.jsonl", "blind/batch_i.jsonl", "blind/batch_j.jsonl", "blind/batch_k.jsonl",
                 "blind/batch_l.jsonl", "blind/batch_m.jsonl", "blind/batch_n.jsonl", "blind/batch_o.jsonl",
                 "blind/batch_p.jsonl", "blind/batch_q.jsonl")
_WHITESPACE = re.compile(r"\s\s+")
_WORDLIKE = re.compile(r"[^\W\d_]+")
_CLAUSE = re.compile(r"[^，,。.;；！!？?、\s]+")


# The net reads Chinese: a text with fewer Chinese characters than this is left to the rules. Short complaints
# ("左 小腿疼", "拉肚子发烧" were raised) give it one or two n-grams to go on, and the rules cover them best; every
# emergency the net alone caught in the written vignette sets (≈1,800 texts) had ≥ 14 characters. English is not
# judged at all: 119 English vignettes are too few for character n-grams (it raised "super tight calves after my
# run" on "tight", "cold" …), and the English lexicon carries those texts (tests/triage/test_triage_english.py).
MIN_SIZE = 10


def content_size(doc: str) -> int:
    """How many Chinese characters the net has to read."""
    return sum(1 for ch in doc if is_cjk(ch))


def prepare(text: str) -> str:
    """The text the n-grams are cut from: normalised (as the rules see it), lower case, runs of space collapsed."""
    return _WHITESPACE.sub(" ", normalize(text).lower())


def without_negated_clauses(text: str) -> str:
    """The patient's text minus every clause in which the rules read a finding as negated.

    A bag of n-grams cannot read negation ("大小便没有失禁" is full of bladder n-grams); the extractor can. So
    what the patient denied is not evidence for the net, in training and in use alike. (The cost: where the
    extractor wrongly reads a phrasing as negation, the net does not see that clause either.)
    """
    ex = extract(text)
    negated = [(f.start, f.end) for f in ex.findings if f.negated]
    kept = [m.group() for m in _CLAUSE.finditer(ex.normalized)
            if not any(s < m.end() and m.start() < e for s, e in negated)]
    return "，".join(kept)


@dataclass(frozen=True)
class NetScore:
    """The net's answer for one text."""

    probability: float
    threshold: float
    ngrams: list[tuple[str, float]]  # the n-grams that pushed most towards emergency, with their weight
    size: int = MIN_SIZE  # how many Chinese characters it read (content_size)

    @property
    def raises(self) -> bool:
        """True when the text should go to the emergency department (and had enough Chinese to judge)."""
        return self.size >= MIN_SIZE and self.probability >= self.threshold


@dataclass(frozen=True)
class SafetyNet:
    """Scores a text with the shipped weights (same arithmetic as scikit-learn's TfidfVectorizer + LR)."""

    min_n: int
    max_n: int
    intercept: float
    threshold: float
    features: dict[str, tuple[float, float]]  # n-gram -> (idf, coefficient)

    def score(self, text: str) -> NetScore:
        """Probability that ``text`` describes an emergency, and the n-grams behind it."""
        doc = prepare(without_negated_clauses(text))
        counts: Counter[str] = Counter(
            doc[i:i + n] for n in range(self.min_n, self.max_n + 1) for i in range(len(doc) - n + 1)
        )
        values = {g: (1.0 + math.log(c)) * self.features[g][0] for g, c in counts.items() if g in self.features}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        contrib = {g: v / norm * self.features[g][1] for g, v in values.items()}
        z = self.intercept + sum(contrib.values())
        p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        # what a nurse can read: word-like n-grams (2+ Chinese or 3+ Latin characters, no punctuation, space or digits)
        shown = [(g, w) for g, w in contrib.items() if w > 0 and len(g) > (2 if g.isascii() else 1) and _WORDLIKE.fullmatch(g)]
        top = sorted(shown, key=lambda x: -x[1])[:5]
        return NetScore(p, self.threshold, [(g, round(w, 3)) for g, w in top], content_size(doc))


@lru_cache(maxsize=1)
def load_net(path: str | None = None) -> SafetyNet:
    """Load the shipped model (once per process)."""
    data = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    lo, hi = data["ngram_range"]
    return SafetyNet(
        min_n=lo,
        max_n=hi,
        intercept=data["intercept"],
        threshold=data["threshold"],
        features={g: (v[0], v[1]) for g, v in data["features"].items()},
    )


# --------------------------------------------------------------------------- training (needs scikit-learn)

def train(cases: list[dict[str, Any]], *, c: float = 4.0, ngram_range: tuple[int, int] = (1, 4),
          target_fpr: float = 0.03, sources: list[str] | None = None) -> dict[str, Any]:
    """Fit the net on labelled vignettes; returns the JSON document ``load_net`` reads."""
    import numpy as np
    import sklearn
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [prepare(without_negated_clauses(x["text"])) for x in cases]
    y = np.array([x["urgency"] == "emergency" for x in cases])
    vec = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, lowercase=False)
    x_all = vec.fit_transform(texts)
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    p_cv = cross_val_predict(clf, x_all, y, cv=folds, method="predict_proba")[:, 1]
    threshold = float(np.quantile(p_cv[~y], 1.0 - target_fpr))
    clf.fit(x_all, y)
    coef = clf.coef_[0]
    features = {g: [round(float(vec.idf_[j]), 6), round(float(coef[j]), 6)] for g, j in sorted(vec.vocabulary_.items())}
    return {
        "about": "Triage safety net: character n-gram TF-IDF + logistic regression; see osteon/triage/safety_net.py",
        "trained_on": sources or [],
        "cases": len(cases),
        "emergencies": int(y.sum()),
        "scikit_learn": sklearn.__version__,
        "C": c,
        "ngram_range": list(ngram_range),
        "target_fpr": target_fpr,
        "cross_validation": {
            "folds": 5,
            "sensitivity_at_threshold": round(float((p_cv[y] >= threshold).mean()), 4),
            "false_positive_rate_at_threshold": round(float((p_cv[~y] >= threshold).mean()), 4),
        },
        "intercept": round(float(clf.intercept_[0]), 6),
        "threshold": round(threshold, 6),
        "features": features,
    }


def training_cases(root: Path = REPO_TESTS) -> tuple[list[dict[str, Any]], list[str]]:
    """The labelled vignettes the shipped model is trained on."""
    cases: list[dict[str, Any]] = []
    for name in TRAINING_SETS:
        with open(root / name, encoding="utf-8") as fh:
            cases += [json.loads(line) for line in fh if line.strip()]
    return cases, list(TRAINING_SETS)


def main(argv: list[str] | None = None) -> None:
    """Retrain and write the model file."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--out", default=str(MODEL_PATH))
    args = ap.parse_args(argv)
    cases, sources = training_cases()
    doc = train(cases, sources=sources)
    Path(args.out).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in doc.items() if k != "features"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
