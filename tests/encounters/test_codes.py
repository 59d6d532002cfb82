"""ICD-10 / ICD-9-CM-3 orthopedic subsets and fracture classifications: data integrity and search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from osteon.encounters import codes
from osteon.encounters.codes import (
    ICD9CM3_CODE,
    ICD10_CODE,
    CodeDataError,
    Icd10Entry,
    UnknownClassificationError,
    fracture_classification,
    get_icd10,
    get_procedure,
    list_fracture_classifications,
    load_icd10,
    load_procedures,
    search_icd10,
    search_procedures,
)

# --------------------------------------------------------------------------- ICD-10 data


def test_icd10_subset_is_large_enough():
    """The orthopedic subset has at least ~400 rows."""
    assert len(load_icd10()) >= 400


def test_icd10_codes_are_unique_well_formed_and_named_in_both_languages():
    """Every row: WHO ICD-10 code format, unique, Chinese and English names present."""
    rows = load_icd10()
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(ICD10_CODE, r.code), r.code
        assert r.name_zh.strip() and r.name_en.strip()
        assert re.search(r"[\u4e00-\u9fff]", r.name_zh), r.code
        assert r.name_en.isascii() or "é" in r.name_en, r.code


def test_icd10_chapters_match_code_letters():
    """Chapter column agrees with the code letter (M → XIII, S/T → XIX, Q → XVII, G → VI …)."""
    expected = {
        "M": "XIII",
        "S": "XIX",
        "T": "XIX",
        "Q": "XVII",
        "G": "VI",
        "C": "II",
        "D": "II",
        "A": "I",
        "Z": "XXI",
    }
    for r in load_icd10():
        assert r.chapter == expected[r.code[0]], r.code


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("M40", "M54"),
        ("M15", "M25"),
        ("M60", "M79"),
        ("M80", "M89"),
        ("S12", "S99"),
        ("T84", "T84"),
        ("C40", "C41"),
        ("D16", "D16"),
        ("Q65", "Q68"),
        ("G56", "G57"),
    ],
)
def test_icd10_required_ranges_are_covered(first, last):
    """Each requested block is present (spine, joints, soft tissue, bone, injuries, implants …)."""
    stems = {r.code[:3] for r in load_icd10()}
    assert any(first <= s <= last for s in stems)


@pytest.mark.parametrize(
    "stem",
    [
        "M16",
        "M17",
        "M48",
        "M51",
        "M75",
        "M81",
        "M87",
        "S42",
        "S52",
        "S72",
        "S82",
        "S83",
        "T84",
        "Q65",
        "Q66",
        "G56",
    ],
)
def test_common_orthopedic_categories_are_present(stem):
    """Everyday orthopedic categories (OA hip/knee, stenosis, disc, shoulder, fractures …) exist."""
    assert any(r.code.startswith(stem) for r in load_icd10())


@pytest.mark.parametrize(
    ("code", "name_en", "name_zh"),
    [
        ("S72.0", "Fracture of neck of femur", "股骨颈骨折"),
        ("S72.1", "Pertrochanteric fracture", "股骨转子间骨折"),
        ("S52.5", "Fracture of lower end of radius", "桡骨远端骨折"),
        ("G56.0", "Carpal tunnel syndrome", "腕管综合征"),
        ("M17.1", "Other primary gonarthrosis", "原发性膝关节病"),
        ("Q66.0", "Talipes equinovarus", "马蹄内翻足"),
        ("T84.0", "Mechanical complication of internal joint prosthesis", "体内关节假体机械性并发症"),
        ("M48.0", "Spinal stenosis", "椎管狭窄"),
    ],
)
def test_anchor_codes_have_the_who_meaning(code, name_en, name_zh):
    """Spot checks against the WHO ICD-10 titles."""
    entry = get_icd10(code)
    assert entry is not None
    assert entry.name_en == name_en
    assert entry.name_zh.startswith(name_zh)


def test_icd10_file_header_states_the_source_and_the_extension_caveat():
    """The CSV header says codes are WHO 4-character stems, not 国家临床版2.0 extension codes."""
    header = codes.ICD10_FILE.read_text(encoding="utf-8").split("\ncode,")[0]
    assert "WHO ICD-10" in header and "国家临床版2.0" in header and "NOT included" in header


# --------------------------------------------------------------------------- ICD-10 search


def test_search_by_code_prefix_returns_codes_in_order():
    """'M17' lists the gonarthrosis codes in code order."""
    hits = [e.code for e in search_icd10("M17")]
    assert hits == sorted(hits)
    assert hits[0] == "M17.0" and all(c.startswith("M17") for c in hits)


@pytest.mark.parametrize("query", ["M17.1", "m17.1", "M171", "ｍ１７．１"])
def test_search_by_exact_code_ignores_case_dot_and_full_width(query):
    """Exact code first, however the code is typed."""
    assert search_icd10(query)[0].code == "M17.1"


def test_search_by_chinese_substring():
    """'腕管' finds carpal tunnel syndrome; '股骨颈' finds the femoral neck fracture first."""
    assert search_icd10("腕管")[0].code == "G56.0"
    assert search_icd10("股骨颈")[0].code == "S72.0"


def test_search_by_pinyin_initials():
    """'wgzhz' (腕管综合征) and 'ggjgz' (股骨颈骨折) work like the HIS input boxes do."""
    assert search_icd10("wgzhz")[0].code == "G56.0"
    assert search_icd10("ggjgz")[0].code == "S72.0"


def test_search_by_full_pinyin():
    """Full pinyin 'wanguan' finds 腕管综合征."""
    assert "G56.0" in [e.code for e in search_icd10("wanguan")]


def test_search_by_english_words():
    """All English words must appear: 'carpal tunnel', 'fracture femur neck'."""
    assert search_icd10("carpal tunnel")[0].code == "G56.0"
    assert "S72.0" in [e.code for e in search_icd10("neck of femur")]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("颈椎病", "M47.8"),
        ("股骨头坏死", "M87.0"),
        ("鼠标手", "G56.0"),
        ("肩周炎", "M75.0"),
        ("DDH", "Q65.9"),
        ("骨筋膜室综合征", "T79.6"),
    ],
)
def test_search_finds_colloquial_aliases(query, code):
    """Common clinical/colloquial names reach the right code via aliases_zh."""
    assert code in [e.code for e in search_icd10(query)]


def test_search_respects_limit_and_empty_queries():
    """limit caps results; blank queries and no matches return an empty list."""
    assert len(search_icd10("骨折", limit=5)) == 5
    assert len(search_icd10("骨折", limit=200)) > 20
    assert search_icd10("   ") == []
    assert search_icd10("zzzzqqq") == []
    assert search_icd10("骨折", limit=0) == []


def test_get_icd10_unknown_returns_none():
    """A code outside the subset is None, not an exception."""
    assert get_icd10("J18.9") is None


def test_bad_or_duplicate_rows_raise_code_data_error(tmp_path: Path):
    """Duplicate codes and malformed codes are reported with file and line."""
    dup = tmp_path / "dup.csv"
    dup.write_text(
        "# header\ncode,name_zh,name_en,chapter\nM17.1,a,b,XIII\nM17.1,c,d,XIII\n", encoding="utf-8"
    )
    with pytest.raises(CodeDataError, match="dup.csv: line 4: duplicate code M17.1"):
        codes._load_rows(dup, Icd10Entry)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name_zh,name_en,chapter\nM171,a,b,XIII\n", encoding="utf-8")
    with pytest.raises(CodeDataError, match="bad.csv: line 2"):
        codes._load_rows(bad, Icd10Entry)
    empty_name = tmp_path / "empty.csv"
    empty_name.write_text("code,name_zh,name_en,chapter\nM17.1,,b,XIII\n", encoding="utf-8")
    with pytest.raises(CodeDataError, match="name_zh"):
        codes._load_rows(empty_name, Icd10Entry)


# --------------------------------------------------------------------------- procedures


def test_procedure_codes_are_unique_well_formed_and_named():
    """Every procedure row: ICD-9-CM-3 format, unique, both names, grade blank or 一–四级."""
    rows = load_procedures()
    assert len(rows) >= 80
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(ICD9CM3_CODE, r.code), r.code
        assert r.name_zh and r.name_en
        assert r.default_grade in (None, "一级", "二级", "三级", "四级")


@pytest.mark.parametrize(
    ("code", "zh", "grade"),
    [
        ("81.51", "全髋关节置换", "四级"),
        ("81.54", "全膝关节置换", "四级"),
        ("81.08", "腰椎", "四级"),
        ("79.35", "股骨骨折切开复位内固定", None),
        ("80.6", "半月板切除", None),
        ("81.45", "交叉韧带", None),
    ],
)
def test_anchor_procedures(code, zh, grade):
    """Key procedures exist with the expected names and default grades."""
    entry = get_procedure(code)
    assert entry is not None and zh in entry.name_zh
    assert entry.default_grade == grade


def test_procedure_search_by_code_chinese_and_pinyin():
    """'79.3' lists the ORIF codes; '全髋' and 'qkgjzh' find total hip replacement; '8154' is exact."""
    orif = [e.code for e in search_procedures("79.3")]
    assert orif and all(c.startswith("79.3") for c in orif)
    assert search_procedures("全髋")[0].code == "81.51"
    assert search_procedures("qkgjzh")[0].code == "81.51"
    assert search_procedures("8154")[0].code == "81.54"
    assert get_procedure("8154").code == "81.54"
    assert get_procedure("99.99") is None


def test_procedure_search_in_english():
    """English words match procedure titles."""
    assert search_procedures("total knee")[0].code == "81.54"


# --------------------------------------------------------------------------- fracture classifications


def test_fracture_systems_available():
    """AO/OTA, Garden, Neer and Schatzker are shipped."""
    assert list_fracture_classifications() == ["ao_ota", "garden", "neer", "schatzker"]


@pytest.mark.parametrize(
    ("system", "codes_expected"),
    [
        ("garden", ["I", "II", "III", "IV"]),
        ("schatzker", ["I", "II", "III", "IV", "V", "VI"]),
        ("neer", ["1", "2", "3", "4", "FD", "AS"]),
    ],
)
def test_named_classifications_have_their_classes(system, codes_expected):
    """Garden I–IV, Schatzker I–VI, Neer 1–4 part (+ fracture-dislocation, articular surface)."""
    fc = fracture_classification(system)
    assert [c.code for c in fc.classes] == codes_expected
    for c in fc.classes:
        assert c.name.zh and c.name.en and c.description.zh and c.description.en
    assert fc.sources[0].year < 1980


def test_ao_ota_tree_qualifies_codes():
    """AO/OTA 2018: bone → segment → type; 31B is the femoral neck, 44B transsyndesmotic."""
    ao = fracture_classification("AO/OTA")
    assert ao.version == "2018 Compendium"
    assert ao.sources[0].doi == "10.1097/BOT.0000000000001063"
    assert ao.find("31B").name.en == "Femoral neck"
    assert ao.find("44b").name.en == "Transsyndesmotic"
    assert ao.find("32C").name.en == "Multifragmentary"
    assert ao.find("61C").name.en == "Complete disruption of posterior arch"
    assert ao.find("99Z") is None
    bones = [c.code for c in ao.classes]
    assert {"1", "2", "3", "4", "6"} <= set(bones)


def test_classifications_point_to_their_icd10_codes():
    """Garden applies to S72.0, Schatzker to S82.1, Neer to S42.2, and those codes exist."""
    for system, code in (("garden", "S72.0"), ("schatzker", "S82.1"), ("neer", "S42.2")):
        assert code in fracture_classification(system).applies_to
        assert get_icd10(code) is not None


def test_unknown_classification():
    """An unknown system raises UnknownClassificationError with zh and en messages."""
    with pytest.raises(UnknownClassificationError) as err:
        fracture_classification("lauge_hansen")
    assert "lauge_hansen" in err.value.message_en and err.value.message_zh
