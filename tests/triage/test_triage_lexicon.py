"""Lexicon: character-level longest match over dialect expressions, and data validation."""

import pytest

from osteon.triage.knowledge import load_knowledge
from osteon.triage.lexicon import get_lexicon
from osteon.triage.normalize import normalize


def _concepts(text: str) -> list[str]:
    """Concept ids matched in text."""
    return [m.concept.id for m in get_lexicon().match(normalize(text))]


@pytest.mark.parametrize(
    ("text", "concept", "dialect"),
    [
        ("腰杆疼", "site.low_back", "川渝"),
        ("波棱盖疼", "site.knee", "东北"),
        ("膝头哥痛", "site.knee", "粤"),
        ("脚馒头痛", "site.knee", "吴"),
        ("克膝头痛", "site.knee", "川渝"),
        ("螺丝拐拐了", "cond.ankle_sprain", "川渝"),
        ("倒拐子痛", "site.elbow", "川渝"),
        ("膊头痛", "site.shoulder", "粤"),
        ("条腰痛", "site.low_back", "粤"),
        ("脖梗子僵", "site.neck", "东北"),
        ("胯骨轴子疼", "site.hip", "东北"),
        ("头颈痛", "site.neck", "吴"),
    ],
)
def test_dialect_body_sites(text: str, concept: str, dialect: str) -> None:
    """Dialect body-part words map to the standard site and carry their dialect tag."""
    m = get_lexicon().match(normalize(text))[0]
    assert m.concept.id == concept
    assert m.dialect == dialect


def test_longest_match_beats_segmenter_fragments() -> None:
    """腿杆使不上力 stays whole: leg + weakness (jieba splits it into fragments)."""
    assert _concepts("腿杆使不上力") == ["site.leg", "sym.weakness"]


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("止疼药", "ctx.analgesic"),
        ("妈妈手", "cond.de_quervain"),
        ("睡不着", "sev.severe"),
        ("没感觉", "sym.anaesthesia"),
    ],
)
def test_longer_form_wins_over_embedded_word(text: str, concept: str) -> None:
    """止疼药 is not pain; 妈妈手 is not a mother; 没感觉 is a symptom, not a negation."""
    assert _concepts(text) == [concept]


def test_english_forms_respect_word_boundaries() -> None:
    """'arm' must not match inside 'harm'."""
    assert "site.arm" not in _concepts("no harm done")
    assert "site.arm" in _concepts("my arm hurts")


def test_lexicon_has_several_hundred_entries_in_required_dialects() -> None:
    """Several hundred forms, covering Mandarin regional, 川渝, 东北, 粤 and 吴."""
    kn = load_knowledge()
    forms = [(f, d) for c in kn.concepts.values() for f, d in c.forms]
    assert len(forms) >= 500
    dialects = {d for _, d in forms}
    assert {"普通话", "北方", "川渝", "东北", "粤", "吴", "英语"} <= dialects
    for d in ("川渝", "东北", "粤", "吴"):
        assert sum(1 for _, x in forms if x == d) >= 30, d


def test_every_site_concept_has_a_standard_term() -> None:
    """Each entry maps to a standard term."""
    for c in load_knowledge().concepts.values():
        assert c.std


@pytest.mark.parametrize(("text", "is_back"), [
    ("a small knot at the back of my wrist", False),
    ("can't reach behind his back to tuck his shirt in", False),
    ("the pain came back last night", False),
    ("my GP back home said arthritis", False),
    ("my back hurts when I bend", True),
    ("lower back pain since monday", True),
])
def test_english_back_is_the_back_only_when_it_means_the_back(text: str, is_back: bool) -> None:
    """Round 18: "back" in "back of my wrist", "behind my back", "came back", "back home" is not the low back."""
    assert ("site.low_back" in _concepts(text)) is is_back


def test_the_back_of_a_joint_is_that_joint() -> None:
    assert "site.neck" in _concepts("a lump on the back of my neck") or "site.cervical" in _concepts(
        "a lump on the back of my neck")


@pytest.mark.parametrize("text", ["ran my first half marathon, thighs sore", "did legs day, quads sore", "crossfit yesterday"])
def test_english_exercise_words_are_sport(text: str) -> None:
    assert "mech.sport" in _concepts(text)
