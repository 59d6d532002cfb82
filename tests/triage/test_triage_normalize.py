"""Normalisation: traditional->simplified, width, numerals, typos."""

import pytest

from osteon.triage.normalize import chinese_number, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("腰桿痛", "腰杆痛"),
        ("膊頭痛", "膊头痛"),
        ("ＡＢＣ１２３", "abc123"),
        ("腰疼，腿麻！", "腰疼,腿麻!"),
    ],
)
def test_traditional_and_width_are_folded(raw: str, expected: str) -> None:
    """Traditional characters become simplified and full-width becomes half-width."""
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我今年六十八", "我今年68"),
        ("七十多岁", "70多岁"),
        ("三个多月", "3个多月"),
        ("两三天", "3天"),
        ("从二楼摔下来", "从2楼摔下来"),
        ("坐了十几个小时", "坐了10几个小时"),
    ],
)
def test_chinese_numerals_become_digits(raw: str, expected: str) -> None:
    """Numerals denoting quantities are converted."""
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["一瘸一拐", "一边手脚", "一直疼"])
def test_numeral_words_that_are_not_numbers_are_kept(raw: str) -> None:
    """一 in idioms is not a number."""
    assert normalize(raw) == raw


def test_shi_fen_meaning_very_is_not_a_score() -> None:
    """十分疼 means very painful, not 10 points."""
    assert "10分" not in normalize("十分疼")


@pytest.mark.parametrize(
    ("raw", "expected"), [("腰锥间盘托出", "腰椎间盘突出"), ("骨拆了", "骨折了"), ("疼的很", "疼得很")]
)
def test_typos_and_homophones_are_fixed(raw: str, expected: str) -> None:
    """Common input-method slips are corrected from typos.yaml."""
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "value"), [("三十五", 35), ("十二", 12), ("两", 2), ("一百二十", 120), ("十", 10)]
)
def test_chinese_number(text: str, value: int) -> None:
    """Chinese numeral parsing."""
    assert chinese_number(text) == value
