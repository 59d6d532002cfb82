"""The department model beside the rules (osteon/triage/department_net.py, engine.decide)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from osteon.triage import engine
from osteon.triage.department_net import (
    MODEL_PATH,
    WEIGHT,
    blend,
    document,
    is_training_case,
    load_department_net,
    read_document,
)
from osteon.triage.engine import DEPARTMENT_MODEL_REASON, assess
from osteon.triage.safety_net import REPO_TESTS, training_cases, vectorizer


@dataclass
class FixedModel:
    """A model that always answers the same probabilities (to test how the engine uses them)."""

    answer: dict[str, float]

    def probabilities(self, doc: str) -> dict[str, float]:
        return self.answer


def use(monkeypatch: pytest.MonkeyPatch, answer: dict[str, float]) -> None:
    monkeypatch.setattr(engine, "load_department_net", lambda: FixedModel(answer))


def model_evidence(r: engine.TriageResult) -> list[dict]:
    return [e for e in r.evidence if e.get("type") == "department_model"]


# the rules give 运动医学 and 关节外科 about the same (no age, no named diagnosis)
UNDECIDED = "膝盖上下楼梯疼，蹲下去也疼"


def test_the_shipped_model_is_what_its_training_data_gives_and_scores_as_scikit_learn_does() -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    stored = read_document(MODEL_PATH)
    doc = stored["meta"]
    cases, sources = training_cases()
    # every labelled set, as for the safety net: a batch added to tests/triage/blind without retraining fails here
    assert doc["trained_on"] == sources
    assert set(sources) == {"vignettes.jsonl"} | {f"blind/{p.name}" for p in (REPO_TESTS / "blind").glob("*.jsonl")}
    cases = [c for c in cases if is_training_case(c)]
    assert doc["cases"] == len(cases) and all(c["departments"][0] != "emergency" for c in cases)
    vec = vectorizer("char", tuple(doc["ngram_range"]), doc["min_df"])
    x = vec.fit_transform([document(c["text"]) for c in cases])
    clf = LogisticRegression(C=doc["C"], max_iter=5000).fit(x, [c["departments"][0] for c in cases])
    assert set(vec.vocabulary_) == set(stored["grams"]) and list(clf.classes_) == doc["classes"]
    model = load_department_net()
    probe = [c["text"] for c in cases[::97]] + ["腰疼", "my thumb clicks when I bend it", "膝盖疼两年", "qwzx"]
    expected = clf.predict_proba(vec.transform([document(t) for t in probe]))
    for text, row in zip(probe, expected, strict=True):
        got = model.probabilities(document(text))
        assert [got[c] for c in doc["classes"]] == pytest.approx(list(row), abs=1e-3), text
        assert sum(got.values()) == pytest.approx(1.0)


def test_blend_is_the_rules_share_plus_the_weighted_probability_among_the_rules_departments() -> None:
    scores = {"joint": 3.0, "sports": 1.0, "other": 0.0, "spine": -1.0, "emergency": 5.0}
    probabilities = {"joint": 0.1, "sports": 0.6, "hand": 0.3, "other": 0.5}
    shares = blend(scores, probabilities, "joint")
    assert set(shares) == {"joint", "sports"}  # nothing for a department the rules gave nothing, or took from
    assert shares["joint"] == pytest.approx((0.75 + WEIGHT * 0.1) / (1 + WEIGHT))
    assert shares["sports"] == pytest.approx((0.25 + WEIGHT * 0.6) / (1 + WEIGHT))
    # the rules' own choice is always a candidate: "other" when what they found was too little to call orthopaedic
    assert blend(scores, probabilities, "other")["other"] == pytest.approx(WEIGHT * 0.5 / (1 + WEIGHT))


@pytest.mark.parametrize("text", ["想查下骨密度", "我想问一下骨科在几楼"])
def test_too_little_to_call_orthopaedic_can_stay_other(text: str) -> None:
    """The rules found a word or two (骨) and call it "other"; the model agrees, and may say so."""
    r = assess(text)
    assert r.department == "other"


def test_where_the_rules_are_undecided_the_model_chooses_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = {d: s for d, s in assess(UNDECIDED).scores.items() if s > 0}
    assert {"joint", "sports"} <= set(rules) and max(rules.values()) < engine.RULES_MARGIN * sorted(rules.values())[-2]
    for choice in ("joint", "sports"):
        use(monkeypatch, {choice: 0.9, "hand": 0.1})
        r = assess(UNDECIDED)
        assert r.department == choice and r.alternatives[0]["department"] == choice
        (ev,) = model_evidence(r)
        assert ev["department"] == choice and ev["zh"] == DEPARTMENT_MODEL_REASON["zh"]
        assert r.to_dict()["department"] == choice


def test_the_model_never_picks_a_department_the_rules_gave_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, {"bone_tumor": 0.99, "joint": 0.005, "sports": 0.005})
    r = assess(UNDECIDED)
    assert r.department in ("joint", "sports")
    assert "bone_tumor" not in [a["department"] for a in r.alternatives]


@pytest.mark.parametrize(("text", "why"), [
    ("腰疼，今天尿不出来，屁股周围麻", "an emergency"),
    # the rules' scores are close in these four: only the named reason keeps the model out
    ("手笨，扣扣子扣不上，走路像踩棉花，膝盖也疼", "a red flag's department (myelopathy → spine)"),
    ("以前有肺癌，现在肩膀疼，晚上疼醒", "a red flag's department (malignancy → bone_tumor)"),
    ("我儿子6岁，膝盖上下楼梯疼", "a child (the age rule)"),
    ("asdf qwer zxcv", "nothing clinical found"),
    ("腰疼了两年，弯腰更明显", "one department only"),
    ("my dad has ankylosing spondylitis, had the flu with a fever, fever is gone now, back as usual",
     "the patient named the diagnosis"),
    ("打麻将坐久了，脚麻了，站起来差点摔倒，过一会儿就好了", "a rule that corrects a look-alike"),
])
def test_the_model_has_no_say(monkeypatch: pytest.MonkeyPatch, text: str, why: str) -> None:
    before = assess(text)
    use(monkeypatch, {"other": 0.5, "bone_tumor": 0.5})
    r = assess(text)
    assert not model_evidence(r), why
    assert (r.department, r.urgency, r.alternatives) == (before.department, before.urgency, before.alternatives)


@pytest.mark.parametrize("choice", ["joint", "sports"])
def test_the_model_never_touches_urgency_or_red_flags(monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    text = UNDECIDED + "，上个月发烧了，现在不烧了"
    before = assess(text)
    use(monkeypatch, {choice: 1.0})
    r = assess(text)
    assert r.department == choice and model_evidence(r)
    assert (r.urgency, r.red_flags, r.flag_details) == (before.urgency, before.red_flags, before.flag_details)


def test_what_the_patient_denied_is_not_read_by_the_model() -> None:
    assert "腰" not in document("脚抬不起来两天了，腰不疼")
