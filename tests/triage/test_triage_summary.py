"""Summary: 主诉 format and length, and every sentence traces to patient utterances."""

import json
from pathlib import Path

import pytest

from osteon.triage.interview import Interview


def _interview(opening: str, replies: list[str]) -> Interview:
    """Run an interview with scripted replies (then 没有 for the rest)."""
    iv = Interview.start(opening)
    for r in replies:
        if iv.done:
            break
        iv.answer(r)
    while not iv.done:
        iv.answer("没有")
    return iv


def test_chief_complaint_is_symptom_site_duration() -> None:
    """腰痛伴右下肢放射痛2月 style, <= 20 characters."""
    s = _interview("腰疼了两个多月，右边腿后面一直窜着疼到脚后跟", []).summary()
    assert s.chief_complaint.text == "腰痛伴右下肢放射痛2月"
    assert len(s.chief_complaint.text) <= 20


def _check_trace(iv: Interview) -> None:
    """Every sentence has refs to existing patient utterances and quotes their words."""
    s = iv.summary()
    n = len(iv.state["utterances"])
    assert s.sentences()
    for sent in s.sentences():
        assert sent.refs, sent.text
        assert all(0 <= r < n for r in sent.refs), sent
        assert sent.quotes == [iv.state["utterances"][r]["text"] for r in sent.refs]


def test_every_sentence_traces_to_utterances() -> None:
    """Traceability on a full interview with answers, a correction and 不知道."""
    iv = _interview(
        "右边膝盖疼，上下楼梯疼",
        [
            "不对，是左边",
            "没有",
            "不知道",
            "三个月",
            "慢慢出现的",
            "5分",
            "活动后加重",
            "吃过布洛芬",
            "青霉素过敏",
            "高血压",
        ],
    )
    _check_trace(iv)
    s = iv.summary()
    assert any("青霉素" in x.text for x in s.hpi)
    assert any("否认" in x.text for x in s.hpi)


@pytest.mark.parametrize("idx", range(0, 300, 15))
def test_traceability_over_vignettes(idx: int) -> None:
    """Summaries of many different complaints are fully traced."""
    lines = (Path(__file__).parent / "vignettes.jsonl").read_text(encoding="utf-8").splitlines()
    iv = _interview(json.loads(lines[idx])["text"], [])
    _check_trace(iv)
    assert len(iv.summary().chief_complaint.text) <= 20


def test_summary_lists_red_flags_asked_and_answers() -> None:
    """Red-flag questions and their answers are in the summary."""
    s = _interview("腰疼三个月", ["没有", "不知道"]).summary()
    answers = [x.text for x in s.red_flags_screened]
    assert any("无" in a for a in answers) and any("不确定" in a for a in answers)


def test_summary_json_round_trip() -> None:
    """The summary is JSON-serialisable for the appointment record."""
    s = _interview("脚后跟疼，早上下地第一脚疼", [])
    json.dumps(s.summary().to_dict(), ensure_ascii=False)
    assert s.summary().department == "foot_ankle"


def test_the_summary_says_when_the_urgency_model_not_a_rule_set_the_urgency(monkeypatch: pytest.MonkeyPatch) -> None:
    """A doctor reading 紧急程度：尽快 sees whether a rule or the statistical urgency model (urgency_net.py) set it."""
    from dataclasses import replace

    from osteon.triage import engine
    from osteon.triage.urgency_net import load_urgency_net

    for threshold, said in ((0.0, True), (2.0, False)):
        net = replace(load_urgency_net(), threshold=threshold)
        monkeypatch.setattr(engine, "load_urgency_net", lambda net=net: net)
        iv = _interview("膝盖疼了好几年，上下楼梯疼", [])
        line = iv.summary().triage[0].text
        assert ("统计模型提示" in line) is said, line
        assert ("尽快(24–48小时内)" in line) is said, line
        _check_trace(iv)
