"""GB 11643-1999 ID numbers: published examples and properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from osteon.patients import idcard


def test_published_example_from_gb_11643_annex():
    # GB 11643-1999 Annex A example: 11010519491231002X — Beijing Chaoyang, born 1949-12-31, female.
    parsed = idcard.parse("11010519491231002X")
    assert parsed.birth_date == date(1949, 12, 31) and parsed.sex == "female" and parsed.region == "110105"


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert idcard.parse("11010519491231002x").value == "11010519491231002X"
    assert idcard.parse("１１０１０５１９４９１２３１００２Ｘ").value == "11010519491231002X"


@pytest.mark.parametrize("bad,fragment", [
    ("1101051949123100", "18位"),
    ("110105194912310021", "校验位"),
    ("11010519490230002X", "出生日期"),
    ("99010519491231002X", "地区码"),
    ("A1010519491231002X", "数字"),
])
def test_invalid_numbers_say_why(bad, fragment):
    with pytest.raises(idcard.InvalidIdNumber) as exc:
        idcard.parse(bad)
    assert fragment in exc.value.zh


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)), st.integers(0, 999),
       st.sampled_from(["110105", "510104", "440106", "310101"]))
def test_any_well_formed_number_round_trips(born, seq, region):
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    parsed = idcard.parse(first17 + idcard.check_digit(first17))
    assert parsed.birth_date == born and parsed.sex == ("male" if seq % 2 else "female")


@given(st.text(max_size=40))
def test_any_text_either_parses_or_raises_a_clear_error(text):
    try:
        parsed = idcard.parse(text)
    except idcard.InvalidIdNumber as exc:
        assert exc.zh and exc.en
    else:
        assert len(parsed.value) == 18


@given(st.from_regex(r"[1-6][0-9]{5}(19[0-9]{2}|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
       st.integers(0, 10))
def test_a_single_wrong_check_character_is_always_caught(first17, wrong):
    good = idcard.check_digit(first17)
    bad = "0123456789X"[wrong]
    if bad != good and first17[:2] in idcard._PROVINCES:
        with pytest.raises(idcard.InvalidIdNumber):
            idcard.parse(first17 + bad)
