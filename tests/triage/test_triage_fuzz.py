"""Property tests: no input string crashes the engine, the interview or the summary."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteon.triage.engine import assess
from osteon.triage.interview import Interview
from osteon.triage.knowledge import DEPARTMENTS, URGENCIES

_ZH = st.text(
    alphabet=st.sampled_from(
        list("腰杆疼痛麻不没有左右两边膝盖发烧尿出来车祸摔了三个月岁孩子，。!? abcno1234567890")
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_a_valid_result(text: str) -> None:
    """Arbitrary unicode never crashes and always yields valid codes."""
    r = assess(text)
    assert r.department in DEPARTMENTS and r.urgency in URGENCIES
    assert 0.0 <= r.confidence <= 1.0
    r.to_dict()


@settings(max_examples=150, deadline=None)
@given(_ZH)
def test_clinical_alphabet_soup(text: str) -> None:
    """Dense clinical characters (negations, numerals, sites) never crash."""
    r = assess(text)
    assert r.department in DEPARTMENTS


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_interview_survives_any_replies(replies: list[str]) -> None:
    """Any sequence of replies keeps the interview consistent and summarisable."""
    iv = Interview.start(replies[0])
    for r in replies[1:]:
        if iv.done:
            break
        iv.answer(r)
    s = iv.summary()
    assert len(s.chief_complaint.text) <= 20
    Interview.from_state(iv.to_state())
