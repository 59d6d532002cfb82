"""Pre-visit interview: red flags first, corrections, 不知道, interruption and resume, stop criteria."""

import json
import statistics
from pathlib import Path

from osteon.triage.interview import Interview, classify_answer


def _run(iv: Interview, reply: str = "没有", limit: int = 30) -> Interview:
    """Answer every question with the same reply until the interview stops."""
    for _ in range(limit):
        if iv.done:
            break
        iv.answer(reply)
    return iv


def test_red_flag_questions_come_first_for_back_pain() -> None:
    """Back pain: cauda equina screening is the first question (Dionne 2019: ask explicitly)."""
    iv = Interview.start("腰杆疼了两个月")
    assert iv.next_question()["id"] == "rf_cauda"
    assert iv.next_question()["red_flag"] is True


def test_yes_to_red_flag_question_stops_with_emergency() -> None:
    """A 'yes' to the CES question escalates at once and stops the interview."""
    iv = Interview.start("腰疼两个月")
    r = iv.answer("有")
    assert r.urgency == "emergency" and r.done
    assert "cauda_equina" in r.red_flags
    assert "急诊" in r.message["zh"]


def test_quick_reply_options_for_elderly_users() -> None:
    """Yes/no questions offer 有/没有/不知道 buttons; choice questions offer their options plus 不知道."""
    iv = Interview.start("膝盖疼")
    q = iv.next_question()
    assert [o["value"] for o in q["options"]] == ["有", "没有", "不知道"]
    iv = _until(iv, "duration")
    assert any("3个月以上" == o["value"] for o in iv.next_question()["options"])


def _until(iv: Interview, qid: str) -> Interview:
    """Answer 没有 until the pending question is qid."""
    for _ in range(20):
        q = iv.next_question()
        if q is None or q["id"] == qid:
            return iv
        iv.answer("没有")
    return iv


def test_correction_changes_laterality() -> None:
    """不对,是左边 overwrites the side everywhere."""
    iv = Interview.start("右边膝盖疼")
    iv.answer("不对，是左边")
    sites = [f for f in iv.findings() if f.concept == "site.knee"]
    assert sites and all(f.laterality == "left" for f in sites)
    assert iv.state["utterances"][-1]["kind"] == "correction"
    assert iv.summary().chief_complaint.text.startswith("左膝")


def test_correction_replaces_site() -> None:
    """不对,是膝盖不是脚踝 retracts the ankle."""
    iv = Interview.start("脚踝疼三天")
    iv.answer("说错了，是膝盖，不是脚踝")
    concepts = {f.concept for f in iv.findings() if f.kind == "site" and not f.negated}
    assert "site.knee" in concepts and "site.ankle" not in concepts


def test_correction_keeps_pending_question() -> None:
    """After a correction the same question is asked again."""
    iv = Interview.start("右边膝盖疼")
    before = iv.next_question()["id"]
    iv.answer("不对，是左边")
    assert iv.next_question()["id"] == before


def test_dont_know_is_recorded_and_moves_on() -> None:
    """不知道 / 唔知 / 晓不得 are 'unknown', not yes or no."""
    for reply in ("不知道", "唔知", "晓不得", "not sure"):
        assert classify_answer(reply) == "unknown"
    iv = Interview.start("腰疼")
    q = iv.next_question()["id"]
    iv.answer("不知道")
    assert iv.state["answers"][q]["value"] == "unknown"
    assert iv.next_question()["id"] != q


def test_yes_no_classification() -> None:
    """Dialect yes/no replies."""
    assert classify_answer("有") == "yes"
    assert classify_answer("有点") == "yes"
    assert classify_answer("没得") == "no"
    assert classify_answer("冇") == "no"
    assert classify_answer("没有发烧") == "no"
    assert classify_answer("yes") == "yes"


def test_interruption_keeps_question_and_absorbs_new_information() -> None:
    """An off-question reply is kept and the question is asked again; new red flags still count."""
    iv = Interview.start("腰疼两个月")
    q = iv.next_question()["id"]
    r = iv.answer("我想问一下要挂哪个科")
    assert iv.next_question()["id"] == q and not r.done
    r = iv.answer("对了，我这两天还发烧")
    assert "spinal_infection" in r.red_flags and r.done


def test_resume_from_serialised_state() -> None:
    """Interrupted sessions resume from the JSON state with identical behaviour."""
    iv = Interview.start("膝盖疼，上下楼梯疼")
    iv.answer("没有")
    saved = json.loads(json.dumps(iv.to_state(), ensure_ascii=False))
    resumed = Interview.from_state(saved)
    assert resumed.next_question() == iv.next_question()
    a, b = iv.answer("三个月"), resumed.answer("三个月")
    assert a.to_dict() == b.to_dict()
    assert resumed.to_state() == iv.to_state()


def test_start_without_complaint_asks_what_is_wrong() -> None:
    """The first question is the chief complaint when nothing was typed."""
    iv = Interview.start()
    assert iv.next_question()["id"] == "chief"
    iv.answer("波棱盖疼")
    assert any(f.concept == "site.knee" for f in iv.findings())


def test_stops_when_enough_is_known() -> None:
    """A complaint that already answers most slots needs few questions."""
    iv = Interview.start(
        "腰疼三个月，往右腿窜，腿不麻，大小便正常，没发烧，以前没得过肿瘤，慢慢出现的，疼得有6分，"
        "弯腰加重，没吃药，不过敏，没有其他病，没看过医生"
    )
    _run(iv)
    assert iv.done and iv.questions_asked <= 3


def test_gibberish_stops_without_a_long_interview() -> None:
    """Nothing understood twice: hand over to a nurse."""
    iv = Interview.start("asdf qwer")
    iv.answer("zzzz")
    assert iv.done and iv.state["stop_reason"] == "not_understood"


def test_median_questions_at_most_ten_over_vignettes() -> None:
    """Stop criteria: median <= 10 questions across the vignette complaints (answers: 没有)."""
    lines = (Path(__file__).parent / "vignettes.jsonl").read_text(encoding="utf-8").splitlines()
    counts = []
    for line in lines[::6]:
        iv = _run(Interview.start(json.loads(line)["text"]))
        counts.append(iv.questions_asked)
    assert statistics.median(counts) <= 10
    assert max(counts) <= 10


def test_english_session() -> None:
    """lang='en' renders English questions."""
    iv = Interview.start("my knee hurts", lang="en")
    assert iv.next_question()["text"].isascii()
