"""The urgency model (urgency_net.py): a second opinion that can only move a routine complaint up to urgent."""

from __future__ import annotations

from dataclasses import replace

import pytest

from osteon.triage import engine
from osteon.triage.department_net import DepartmentNet
from osteon.triage.engine import assess
from osteon.triage.safety_net import training_sets
from osteon.triage.urgency_net import TARGET_FPR, load_urgency_net, train


@pytest.fixture
def threshold(monkeypatch: pytest.MonkeyPatch):
    """Set the shipped model's threshold: 0 raises every routine complaint it reads, above 1 none."""

    def set_to(value: float) -> None:
        net = replace(load_urgency_net(), threshold=value)
        monkeypatch.setattr(engine, "load_urgency_net", lambda: net)

    return set_to


def test_the_shipped_model_is_trained_on_every_labelled_set_and_calibrated() -> None:
    net = load_urgency_net()
    from osteon.triage.safety_net import read_document
    from osteon.triage.urgency_net import MODEL_PATH

    meta = read_document(MODEL_PATH)["meta"]
    assert meta["trained_on"] == training_sets()  # retrain after adding a batch: python -m osteon.triage.urgency_net
    assert meta["target_fpr"] == TARGET_FPR
    assert abs(meta["cross_validation"]["false_positive_rate_at_threshold"] - TARGET_FPR) < 0.005
    assert 0.0 < net.threshold < 1.0 and net.threshold == meta["threshold"]


def test_a_raised_complaint_says_why_and_keeps_its_clinic_and_flags(threshold) -> None:
    threshold(2.0)
    before = assess("腰疼两个礼拜了，弯腰的时候疼")
    assert before.urgency == "routine"
    threshold(0.0)
    after = assess("腰疼两个礼拜了，弯腰的时候疼")
    assert after.urgency == "urgent"
    assert after.department == before.department and after.red_flags == before.red_flags == []
    line = next(e for e in after.evidence if e.get("type") == "urgency_model")
    assert line["urgency"] == "urgent" and 0.0 <= line["probability"] <= 1.0 and line["threshold"] == 0.0
    assert "自动识别" in after.instruction["zh"] and "automatic check" in after.instruction["en"]
    assert "24" in after.instruction["zh"]


def test_it_never_touches_an_emergency_nor_a_complaint_with_nothing_clinical(threshold) -> None:
    threshold(0.0)
    emergency = assess("腰痛，今天尿不出来，屁股周围麻")
    assert emergency.urgency == "emergency" and "cauda_equina" in emergency.red_flags
    assert not any(e.get("type") == "urgency_model" for e in emergency.evidence)
    for text in ("骨科在几楼", "asdf qwer zxcv"):
        r = assess(text)
        assert r.urgency == "routine" and not any(e.get("type") == "urgency_model" for e in r.evidence), text


def test_above_its_threshold_it_raises_nothing(threshold) -> None:
    threshold(2.0)
    r = assess("脚崴了，肿得像馒头，走路一瘸一拐")
    assert not any(e.get("type") == "urgency_model" for e in r.evidence)


def test_the_shipped_model_reads_urgent_words_as_more_urgent_than_routine_ones() -> None:
    net = load_urgency_net()
    urgent = net.score("孩子摔了一跤，手腕马上肿起来了，不让碰，不肯用这只手拿东西")
    routine = net.score("膝盖上下楼有点酸，好几年了，不肿")
    assert urgent.probability > routine.probability


def test_training_learns_the_direction_and_sets_the_threshold_by_cross_validation() -> None:
    urgent = [f"摔了一跤，手腕马上肿起来，不敢动{i}" for i in range(20)] + [
        f"knee swelled up within an hour after a twist {i}" for i in range(20)]
    routine = [f"腰酸好几年了，阴天更明显{i}" for i in range(30)] + [
        f"stiff neck in the mornings for years {i}" for i in range(30)]
    cases = [{"text": t, "urgency": "urgent"} for t in urgent] + [{"text": t, "urgency": "routine"} for t in routine]
    cases.append({"text": "尿不出来", "urgency": "emergency"})  # emergencies are not the urgency model's to learn
    doc = train(cases, ["synthetic"])
    assert doc["meta"]["cases"] == 100 and doc["meta"]["urgent"] == 40
    model = DepartmentNet.from_document(doc)
    assert model.logits("手腕肿起来")[0] > model.logits("腰酸阴天")[0]


def test_retraining_on_the_shipped_sets_gives_the_shipped_model() -> None:
    """The model file is what `python -m osteon.triage.urgency_net` makes from the sets in the repo (no hidden data)."""
    import numpy as np

    from osteon.triage.safety_net import read_document, training_cases
    from osteon.triage.urgency_net import MODEL_PATH

    cases, sources = training_cases()
    fresh, shipped = train(cases, sources), read_document(MODEL_PATH)
    assert fresh["grams"] == shipped["grams"]
    assert fresh["meta"]["threshold"] == shipped["meta"]["threshold"]
    assert np.allclose(fresh["coef"], shipped["coef"], atol=1e-6)
