"""The statistical safety net under the red-flag rules (osteon/triage/safety_net.py)."""

from __future__ import annotations

import pytest

from osteon.triage import engine
from osteon.triage.engine import NET_REASON, assess
from osteon.triage.interview import Interview
from osteon.triage.safety_net import (
    ENGLISH_MODEL_PATH,
    MIN_WORDS,
    MODEL_PATH,
    REPO_TESTS,
    content_size,
    english_grams,
    english_training_cases,
    language,
    load_net,
    prepare,
    read_document,
    training_cases,
    vectorizer,
    without_negated_clauses,
)

# said in words no red-flag rule knows (batch_e, in the net's training set): the rules call it routine
ONLY_THE_NET = "我爸八十了，腰疼了半个月，这两天裤子老是湿的，他自己都没发觉"


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(2.0))


@pytest.fixture
def net_always(monkeypatch: pytest.MonkeyPatch) -> None:
    net = load_net()
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(0.0))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_shipped_model_is_what_its_training_data_gives_and_scores_as_scikit_learn_does(lang: str) -> None:
    """Refit with the shipped settings on the shipped training sets: same vocabulary, same probabilities."""
    np = pytest.importorskip("numpy")
    from sklearn.linear_model import LogisticRegression

    path, (cases, sources) = (MODEL_PATH, training_cases()) if lang == "zh" else (ENGLISH_MODEL_PATH, english_training_cases())
    stored = read_document(path)
    doc = stored["meta"]
    assert doc["trained_on"] == sources and doc["cases"] == len(cases)
    # every labelled set joins the training data once it has been scored blind (docs/triage.md): a batch added to
    # tests/triage/blind without retraining fails here
    assert set(sources) == {"vignettes.jsonl"} | {f"blind/{p.name}" for p in (REPO_TESTS / "blind").glob("*.jsonl")}
    texts = [prepare(without_negated_clauses(c["text"])) for c in cases]
    if lang == "en":
        assert all(language(t) == "en" for t in texts)
    vec = vectorizer(doc["analyzer"], tuple(doc["ngram_range"]), doc["min_df"])
    x = vec.fit_transform(texts)
    clf = LogisticRegression(C=doc["C"], max_iter=5000, class_weight="balanced").fit(
        x, np.array([c["urgency"] == "emergency" for c in cases])
    )
    assert set(vec.vocabulary_) == set(stored["grams"])
    model = getattr(load_net(), "chinese" if lang == "zh" else "english")
    probe = [c["text"] for c in cases[::37]] + ["腰疼", "lower back pain, can't feel the toilet paper", "膝盖疼两年"]
    expected = clf.predict_proba(vec.transform([prepare(without_negated_clauses(t)) for t in probe]))[:, 1]
    for text, p in zip(probe, expected):
        assert model.score(prepare(without_negated_clauses(text))).probability == pytest.approx(p, abs=1e-3), text


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
    monkeypatch.setattr(engine, "load_net", lambda: net.with_threshold(1.0))  # never raises
    r = assess(emergency)
    assert r.urgency == "emergency" and "cauda_equina" in r.red_flags
    assert not [e for e in r.evidence if e.get("type") == "safety_net"]


def test_when_the_net_fires_on_an_urgent_case_urgency_only_goes_up(net_always: None) -> None:
    r = assess("膝盖疼了两年了，上下楼梯的时候更明显")
    assert r.urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["膝盖疼了两年", "左 小腿疼", "拉肚子发烧", "left leg hurts", "super tight calves after my run", "腰疼 since 3 days ago"],
)
def test_short_texts_are_left_to_the_rules(net_always: None, text: str) -> None:
    """Below MIN_SIZE Chinese characters and MIN_WORDS English words the net does not raise, whatever its probability."""
    assert language(prepare(text)) is None
    assert not load_net().score(text).judged
    r = assess(text)
    assert r.urgency != "emergency"
    assert not [e for e in r.evidence if e.get("type") == "safety_net"]


def test_each_text_is_judged_by_the_model_of_its_language() -> None:
    assert language(prepare("我爸腰疼了半个月，这两天裤子老是湿的")) == "zh"
    assert language(prepare("my dad has had back pain for two weeks and now wets himself")) == "en"
    assert len(["super", "tight", "calves", "after", "my", "run"]) < MIN_WORDS
    # a few English words in a Chinese text leave it to the Chinese model
    assert language(prepare("我爸腰疼了半个月，这两天裤子老是湿的 since Monday he says it is getting worse")) == "zh"


# batch_aq (the English model's training set): an open shin fracture after a motorbike-taxi fall, told in Nigerian
# Pidgin-flavoured English; no rule reads "skin is torn at that place" over a bent shin as bone through the skin — the
# English model does. (Until round 77 this was batch_ag's calf swelling in a three-week cast, which a rule now reads.)
ONLY_THE_ENGLISH_NET = (
    "Please my brother fell from okada this evening, his leg is bent at middle of the shin and skin is torn at that "
    "place, blood dey come out small small. We tied cloth on it. Which department we go?"
)


def test_the_english_model_raises_what_the_rules_miss(rules_only: None) -> None:
    assert assess(ONLY_THE_ENGLISH_NET).urgency != "emergency"


def test_with_the_english_model_the_story_goes_to_the_emergency_department() -> None:
    r = assess(ONLY_THE_ENGLISH_NET)
    assert (r.urgency, r.department, r.red_flags) == ("emergency", "emergency", [])
    ev = [e for e in r.evidence if e.get("type") == "safety_net"]
    assert len(ev) == 1 and ev[0]["probability"] >= ev[0]["threshold"]
    # what the nurse is shown: words and word pairs of the text, no character fragments, no function words alone
    words = prepare(ONLY_THE_ENGLISH_NET)
    assert ev[0]["ngrams"] and all(g in words and not g.startswith("~") for g, _ in ev[0]["ngrams"])
    assert not {g for g, _ in ev[0]["ngrams"]} & {"the", "and", "she", "is", "on"}


def test_english_grams_are_words_pairs_and_marked_character_grams() -> None:
    grams = english_grams("calf swolen")
    assert {"calf", "swolen", "calf swolen", "~ ca", "~wolen", "~olen "} <= set(grams)
    assert "~calf swo" not in grams  # character grams stay inside a word


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
