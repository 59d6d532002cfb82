"""Text normalisation for triage: traditional->simplified, width, case, typos, Chinese numerals."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

from osteon.triage.knowledge import load_typos

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM_CHARS = "零〇一二两三四五六七八九十百千"
# A run of numeral characters is converted when it contains 十/百 (almost always a number: 三十五, 七十) or is
# followed by a unit word; a lone 一 in 一瘸一拐 / 一边 must stay text.
_UNIT_WORDS = "个|岁|周岁|个月|个多月|只月|月|天|日|周|星期|礼拜|年|楼|层|米|分|斤|公斤|度|小时|个小时|钟头|次|多|几|来|号|个礼拜|个星期|半"
_NUM_RUN = re.compile(rf"[{_NUM_CHARS}]+(?=(?:{_UNIT_WORDS}))|[{_NUM_CHARS}]*[十百][{_NUM_CHARS}]*")


@lru_cache(maxsize=1)
def _converter() -> OpenCC:
    """Return the shared OpenCC traditional->simplified converter (loading it costs ~20 ms)."""
    return OpenCC("t2s")


def chinese_number(text: str) -> int | None:
    """Convert a Chinese numeral string (三十五, 两, 十二, 两三) to an int; None if it is not one."""
    if not text or any(c not in _NUM_CHARS for c in text):
        return None
    # "两三天" / "七八十岁" style ranges: take the upper bound (clinically safer for duration and age)
    if len(text) == 2 and all(c in _DIGITS for c in text) and _DIGITS[text[0]] + 1 == _DIGITS[text[1]]:
        return _DIGITS[text[1]]
    if len(text) == 3 and text[0] in _DIGITS and text[1] in _DIGITS and text[2] == "十":
        return _DIGITS[text[1]] * 10
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            unit = _UNITS[ch]
            total += (current or 1) * unit
            current = 0
    total += current
    if all(c in _DIGITS for c in text) and len(text) > 1:
        # digit-by-digit reading such as 二零二四 (years)
        return int("".join(str(_DIGITS[c]) for c in text))
    return total


def _replace_numerals(text: str) -> str:
    """Replace Chinese numerals that denote quantities with Arabic digits."""

    def repl(m: re.Match[str]) -> str:
        value = chinese_number(m.group(0))
        return m.group(0) if value is None else str(value)

    return _NUM_RUN.sub(repl, text)


@lru_cache(maxsize=1)
def _typo_table() -> tuple[tuple[str, str], ...]:
    """Return typo replacements, longest first so overlapping keys resolve predictably."""
    table = load_typos()
    return tuple(sorted(table.items(), key=lambda kv: -len(kv[0])))


def is_cjk(ch: str) -> bool:
    """A Chinese character (CJK Unified Ideographs and Extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def normalize(text: str, *, numerals: bool = True) -> str:
    """Normalise patient text: NFKC width folding, lower case, t2s, typo fixes, numerals -> digits."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = s.replace("\u3000", " ").lower()
    s = _converter().convert(s)
    # OpenCC maps 痾 (Cantonese 屙) inconsistently; keep the lexicon's spelling
    s = s.replace("痾", "屙").replace("’", "'")
    # 廿 (20) and 卅 (30), common in 粤/吴 ages and durations (廿五岁, 廿几年): spelled out for the numeral parser
    s = s.replace("廿", "二十").replace("卅", "三十")
    # one spelling of the English negated modal, so lexicon forms need not list cannot / unable to / can't
    s = re.sub(r"\b(can ?not|not able to|unable to|cannae|canna|cannit)\b", "can't", s)  # cannit: Geordie
    # typed without the apostrophe ("i cant feel", "dont know", "hes got"): one spelling for the lexicon
    s = re.sub(r"\b(can|couldn|don|doesn|didn|isn|wasn|won|haven|hasn|aren|weren|wouldn|shouldn)t\b", r"\1't", s)
    s = re.sub(r"\b(he|she)s\b", r"\1's", s)
    s = re.sub(r"\bim\b", "i'm", s)
    # Scots and dropped g's, as typed (round 19): "ma back", "wet masel", "didnae", "liftin", "givin out"
    s = re.sub(r"\b(did|does|was|is|would|could|should|have|has|do|din)nae\b", lambda m: {"din": "don"}.get(
        m.group(1), m.group(1)) + "n't", s)
    s = re.sub(r"\bma\b", "my", s)
    # Jamaican and Caribbean English (round 20): "mi chest tight, cyaan catch mi breath", "di bone"
    s = re.sub(r"\b(?:cyaan|kyaan|cyan't|cain't|caint)\b", "can't", s)
    s = re.sub(r"\bmi\b", "my", s)
    s = re.sub(r"\bdi\b", "the", s)
    s = re.sub(r"\bnuh\b", "not", s)
    s = re.sub(r"(?<=[a-z]) n (?=[a-z])", " and ", s)  # texting: "swollen n tight" (round 21)
    s = re.sub(r"\b(?:masel|mysel)\b", "myself", s)
    s = re.sub(r"\b(giv|gett|walk|lift|com|go|hav|do|noth|someth|feel|work|hurt|ach|even|morn|try|sitt|stand|"
               r"bleed|swell|throbb|kill|pee|runn|limp|fall|slipp|wett|leak|shak|shiver|sweat|burn|tingl|dragg|"
               r"bend|push|pull|carry|play|lyin|sleep|wak|mov|turn|twist|talk|say|act|droop|slurr|typ|drag|throw|bruis|pok|stick|hang)in'?(?=\W|$)", r"\1ing", s)
    # a carer writes about someone else ("he wet himself", "her hip"): reflexive and possessive pronouns are
    # folded to the first person, so the lexicon's English forms need not be written three times
    s = re.sub(r"\b(?:him|her|them|your)sel(?:f|ves)\b", "myself", s)
    s = re.sub(r"\b(?:his|her|their)\b", "my", s)
    for wrong, right in _typo_table():
        if wrong in s:
            s = s.replace(wrong, right)
    if numerals:
        # 十分 before an adjective means "very" (十分疼), not "10 points"
        s = re.sub(r"十分(?=[^\d零〇一二两三四五六七八九十钟之])", "非常", s)
        s = _replace_numerals(s)
    s = re.sub(r"[ \t]+", " ", s).strip(" \t")
    return s
