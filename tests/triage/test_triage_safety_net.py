"""The statistical safety net under the red-flag rules (osteon/triage/safety_net.py)."""

from __future__ import annotations

import dataclasses

import pytest

from osteon.triage import engine
from osteon.triage.engine import NET_REASON, assess
from osteon.triage.interview import Interview
from osteon.triage.safety_net import (
    MIN_SIZE,
    MODEL_PATH,
    content_size,
    load_net,
    prepare,
    training_cases,
    without_negated_clauses,
)

# said in words no red-flag rule knows (batch_e, in the net's training set): the rules call it routine
ONLY_THE_NET = "我爸八十了，腰疼了半个月，这两天裤子老是湿的，他自己都没发觉"


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: dataclasses.replace(net, threshold=2.0))


@pytest.fixture
def net_always(monkeypatch: pytest.MonkeyPatch) -> None:
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: dataclasses.replace(net, threshold=0.0))


def test_the_shipped_model_is_what_its_training_data_gives_and_scores_as_scikit_learn_does() -> None:
    """Refit with the shipped settings on the shipped training sets: same vocabulary, same probabilities."""
    np = pytest.importorskip("numpy")
    import json

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    cases, sources = training_cases()
    assert doc["trained_on"] == sources and doc["cases"] == len(cases)
    # every batch was scored blind before it joined the training data (docs/triage.md, round 10)
    assert {f"blind/batch_{b}.jsonl" for b in "abcdefghijklmnopq"} <= set(sources)
    texts = [prepare(without_negated_clauses(c["text"])) for c in cases]
    vec = TfidfVectorizer(analyzer="char", ngram_range=tuple(doc["ngram_range"]), sublinear_tf=True, lowercase=False)
    x = vec.fit_transform(texts)
    clf = LogisticRegression(C=doc["C"], max_iter=5000, class_weight="balanced").fit(
        x, np.array([c["urgency"] == "emergency" for c in cases])
    )
    assert set(vec.vocabulary_) == set(doc["features"])
    net = load_net()
    probe = [c["text"] for c in cases[::37]] + ["腰疼", "lower back pain, can't feel the toilet paper", "膝盖疼两年"]
    expected = clf.predict_proba(vec.transform([prepare(without_negated_clauses(t)) for t in probe]))[:, 1]
    for text, p in zip(probe, expected):
        assert net.score(text).probability == pytest.approx(p, abs=1e-3), text


def test_the_net_raises_what_the_rules_miss_without_inventing_a_red_flag(rules_only: None) -> None:
    assert assess(ONLY_THE_NET).urgency != "emergency"


def test_with_the_net_the_missed_emergency_is_sent_to_the_emergency_department() -> None:
    r = assess(ONLY_THE_NET)
    assert (r.urgency, r.department) == ("emergency", "emergency")
    assert r.red_flags == []  # red-flag codes stay rule-driven
    ev = [e for e in r.evidence if e.get("type") == "safety_net"]
    assert len(ev) == 1 and ev[0]["probability"] >= ev[0]["threshold"]
    assert ev[0]["ngrams"] and all(g in prepare(ONLY_THE_NET) for g, _ in ev[0]["ngrams"])
    assert NET_REASON["zh"] in r.instruction["zh"] and "triage nurse" in r.instruction["en"]
    out = r.to_dict()
    assert out["urgency"] == "emergency" and out["red_flags"] == []


def test_what_the_patient_denied_is_not_evidence_for_the_net() -> None:
    assert without_negated_clauses("腰疼，大小便没有失禁") == "腰疼"
    assert not load_net().score("腰疼，大小便没有失禁").raises


@pytest.mark.parametrize("text", ["腰疼，大小便都正常", "膝盖疼了两年，上下楼梯疼", "手腕扭了一下，有点肿"])
def test_ordinary_complaints_stay_below_the_threshold(text: str) -> None:
    assert not load_net().score(text).raises
    assert assess(text).urgency != "emergency"


def test_the_net_never_lowers_what_the_rules_decided(monkeypatch: pytest.MonkeyPatch) -> None:
    emergency = "腰疼，今天尿不出来，屁股周围麻"
    assert assess(emergency).urgency == "emergency"
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: dataclasses.replace(net, threshold=1.0))  # never raises
    r = assess(emergency)
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags
    assert not [e for e in r.evidence if e.get("type") == "safety_net"]


def test_when_the_net_fires_on_an_urgent_case_urgency_only_goes_up(net_always: None) -> None:
    r = assess("膝盖疼了两年了，上下楼梯的时候更明显")
    assert r.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["膝盖疼了两年", "左 小腿疼", "拉肚子发烧", "left leg hurts", "super tight calves after my run, hot and cold packs"],
)
def test_short_or_english_texts_are_left_to_the_rules(net_always: None, text: str) -> None:
    """Below MIN_SIZE Chinese characters the net does not raise, whatever its probability."""
    assert content_size(prepare(text)) < MIN_SIZE
    r = assess(text)
    assert r.urgency != "emergency"
    assert not [e for e in r.evidence if e.get("type") == "safety_net"]


def test_content_size_counts_chinese_characters() -> None:
    assert content_size("左 小腿疼") == 4
    assert content_size("腰疼 since 3 days") == 2


def test_an_interview_opened_with_such_a_complaint_is_an_emergency() -> None:
    iv = Interview.start(ONLY_THE_NET)
    assert iv.assessment().urgency == "emergency"
    assert [e for e in iv.assessment().evidence if e.get("type") == "safety_net"]


def test_short_screening_answers_are_not_read_by_the_net(net_always: None) -> None:
    """The net reads the opening complaint only; with no complaint there is nothing for it to read."""
    iv = Interview.start(None)
    assert iv.assessment().urgency != "emergency"


def test_gibberish_is_not_an_emergency() -> None:
    assert assess("asdfgh qwerty").urgency != "emergency"
