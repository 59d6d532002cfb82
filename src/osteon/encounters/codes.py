"""Orthopedic code sets as data: ICD-10 diagnoses, ICD-9-CM-3 procedures and fracture classifications.

The files in ``data/`` carry their own source notes; they are loaded and validated once. Search
matches a code prefix, a Chinese substring, pinyin initials or full pinyin, and English words.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pypinyin import Style, lazy_pinyin

DATA_DIR = Path(__file__).parent / "data"
ICD10_FILE = DATA_DIR / "icd10_ortho.csv"
PROCEDURES_FILE = DATA_DIR / "icd9cm3_ortho.csv"
FRACTURE_FILE = DATA_DIR / "fracture_classifications.yaml"

T = TypeVar("T", bound=BaseModel)

ICD10_CODE = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"
ICD9CM3_CODE = r"^[0-9]{2}(\.[0-9]{1,2})?$"

__all__ = [
    "ClassificationEntry",
    "CodeDataError",
    "FractureClassification",
    "Icd10Entry",
    "ProcedureEntry",
    "UnknownClassificationError",
    "fracture_classification",
    "get_icd10",
    "get_procedure",
    "list_fracture_classifications",
    "load_icd10",
    "load_procedures",
    "search_icd10",
    "search_procedures",
]


class CodeDataError(Exception):
    """A code data file is malformed; the message names the file and the line or code."""

    def __init__(self, file: str, message: str) -> None:
        """Build the error from the file name and the problem."""
        self.file = file
        super().__init__(f"{file}: {message}")


class UnknownClassificationError(LookupError):
    """No fracture classification system has this name."""

    code = "fracture_classification_unknown"

    def __init__(self, system: str) -> None:
        """Keep the system name and messages in zh-CN and en."""
        self.message_zh = f"未知骨折分型：{system}"
        self.message_en = f"Unknown fracture classification: {system}"
        super().__init__(f"{self.message_en} / {self.message_zh}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Frozen):
    """A label in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Icd10Entry(_Frozen):
    """One ICD-10 diagnosis code with Chinese and English names."""

    code: str = Field(pattern=ICD10_CODE)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    chapter: str = Field(pattern=r"^[IVX]+$")
    # Colloquial/clinical synonyms (';'-separated in the file) used only to find the code.
    aliases_zh: tuple[str, ...] = ()

    @field_validator("aliases_zh", mode="before")
    @classmethod
    def _split_aliases(cls, value: object) -> object:
        """Split the ';'-separated alias cell from the CSV."""
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(a.strip() for a in value.split(";") if a.strip())
        return value


class ProcedureEntry(_Frozen):
    """One ICD-9-CM-3 procedure code with names and a default surgical grade (may be unset)."""

    code: str = Field(pattern=ICD9CM3_CODE)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    default_grade: Literal["一级", "二级", "三级", "四级"] | None = None


class Source(_Frozen):
    """A bibliographic source for a classification."""

    authors: str
    title: str
    journal: str | None = None
    year: int
    citation: str | None = None
    doi: str | None = None


class ClassificationEntry(_Frozen):
    """A class in a fracture classification, possibly with sub-classes."""

    code: str = Field(min_length=1)
    name: Text
    description: Text | None = None
    children: list[ClassificationEntry] = []


class FractureClassification(_Frozen):
    """A fracture classification system with its source and class tree."""

    system: str
    name: Text
    version: str
    applies_to: list[str]
    sources: list[Source] = Field(min_length=1)
    notes: Text | None = None
    classes: list[ClassificationEntry] = Field(min_length=1)

    def find(self, code: str) -> ClassificationEntry | None:
        """The class with this (fully qualified) code anywhere in the tree, or None."""
        stack = list(self.classes)
        while stack:
            entry = stack.pop()
            if entry.code.casefold() == code.strip().casefold():
                return entry
            stack.extend(entry.children)
        return None


# --------------------------------------------------------------------------- loading


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file whose leading ``#`` lines are a comment header, with line numbers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body_start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    reader = csv.DictReader(io.StringIO("\n".join(lines[body_start:])))
    return [(body_start + n + 2, row) for n, row in enumerate(reader)]


def _load_rows(path: Path, model: type[T]) -> tuple[T, ...]:
    """Validate every CSV row into ``model``; duplicates and bad rows raise CodeDataError."""
    entries: list[T] = []
    seen: set[str] = set()
    for line, row in _read_csv(path):
        cleaned = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in row.items()}
        try:
            entry = model.model_validate(cleaned)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise CodeDataError(
                path.name, f"line {line} ({row.get('code')}): {'.'.join(map(str, err['loc']))}: {err['msg']}"
            ) from exc
        code = entry.code  # type: ignore[attr-defined]
        if code in seen:
            raise CodeDataError(path.name, f"line {line}: duplicate code {code}")
        seen.add(code)
        entries.append(entry)
    return tuple(entries)


@cache
def load_icd10() -> tuple[Icd10Entry, ...]:
    """All rows of the orthopedic ICD-10 subset, validated, in file order."""
    return _load_rows(ICD10_FILE, Icd10Entry)


@cache
def load_procedures() -> tuple[ProcedureEntry, ...]:
    """All rows of the orthopedic ICD-9-CM-3 subset, validated, in file order."""
    return _load_rows(PROCEDURES_FILE, ProcedureEntry)


def _qualify(raw: dict, parent: str | None) -> dict:
    """Prefix a child's short code with its parent's (AO/OTA: segment 12 + type A → 12A)."""
    code = str(raw["code"])
    if parent and not code.startswith(parent):
        code = parent + code
    return {**raw, "code": code, "children": [_qualify(c, code) for c in raw.get("children") or []]}


@cache
def _fracture_systems() -> dict[str, FractureClassification]:
    """All fracture classification systems from the YAML file, validated."""
    raw = yaml.safe_load(FRACTURE_FILE.read_text(encoding="utf-8"))
    systems: dict[str, FractureClassification] = {}
    for name, spec in (raw.get("systems") or {}).items():
        spec = {**spec, "system": name, "classes": [_qualify(c, None) for c in spec.get("classes") or []]}
        try:
            systems[name] = FractureClassification.model_validate(spec)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise CodeDataError(
                FRACTURE_FILE.name, f"{name}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
            ) from exc
        codes: list[str] = []
        stack = list(systems[name].classes)
        while stack:
            entry = stack.pop()
            codes.append(entry.code)
            stack.extend(entry.children)
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise CodeDataError(FRACTURE_FILE.name, f"{name}: duplicate class codes {dupes}")
    return systems


# --------------------------------------------------------------------------- search


def _normalize(text: str) -> str:
    """NFKC (full-width → half-width), trimmed and case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _compact_code(code: str) -> str:
    """A code without its dot, upper-case, so 'm171' and 'M17.1' compare equal."""
    return _normalize(code).replace(".", "").upper()


class _Indexed(BaseModel):
    """Precomputed search keys for one row."""

    code: str
    compact: str
    zh: str
    en: str
    initials: str
    pinyin: str


def _index(entries: tuple[Icd10Entry, ...] | tuple[ProcedureEntry, ...]) -> list[_Indexed]:
    """Search keys for every row: compact code, names, pinyin initials and full pinyin."""
    out = []
    for e in entries:
        # Name and aliases are joined with '|' so a match never spans two terms.
        terms = [e.name_zh, *getattr(e, "aliases_zh", ())]
        hanzi = ["".join(ch for ch in t if "\u4e00" <= ch <= "\u9fff") for t in terms]
        out.append(
            _Indexed(
                code=e.code,
                compact=_compact_code(e.code),
                zh=_normalize("|".join(terms)),
                en=_normalize(e.name_en),
                initials="|".join(
                    "".join(lazy_pinyin(h, style=Style.FIRST_LETTER)) for h in hanzi
                ).casefold(),
                pinyin="|".join("".join(lazy_pinyin(h)) for h in hanzi).casefold(),
            )
        )
    return out


@cache
def _icd10_index() -> list[_Indexed]:
    """Search index for the ICD-10 subset."""
    return _index(load_icd10())


@cache
def _procedure_index() -> list[_Indexed]:
    """Search index for the procedure subset."""
    return _index(load_procedures())


def _rank(row: _Indexed, q: str) -> int | None:
    """Rank of a row for a normalized query (lower is better), or None when it does not match."""
    q_code = q.replace(".", "").upper()
    if q_code and row.compact == q_code:
        return 0
    if q_code and re.fullmatch(r"[A-Z]?[0-9][0-9.]*|[A-Z]", q_code) and row.compact.startswith(q_code):
        return 1
    if row.zh.startswith(q) or f"|{q}" in row.zh:
        return 2
    if q in row.zh:
        return 3
    if q.isascii() and q.isalpha():
        if row.initials.startswith(q) or f"|{q}" in row.initials:
            return 4
        if q in row.initials:
            return 5
        if len(q) >= 3 and q in row.pinyin:
            return 6
    words = q.split()
    if words and all(w in row.en for w in words):
        return 7
    return None


def _search(index: list[_Indexed], entries: dict, query: str, limit: int) -> list:
    """Rank all rows against the query and return the best ``limit`` entries."""
    q = _normalize(query)
    if not q or limit <= 0:
        return []
    hits = []
    for pos, row in enumerate(index):
        rank = _rank(row, q)
        if rank is not None:
            # Code hits keep file (code) order; text hits prefer the shortest, most specific name.
            hits.append((rank, len(row.zh) if rank >= 2 else 0, pos, row.code))
    hits.sort()
    return [entries[code] for *_, code in hits[:limit]]


def search_icd10(query: str, limit: int = 20) -> list[Icd10Entry]:
    """Find diagnoses by code prefix, Chinese text, pinyin initials/full pinyin or English words."""
    return _search(_icd10_index(), {e.code: e for e in load_icd10()}, query, limit)


def search_procedures(query: str, limit: int = 20) -> list[ProcedureEntry]:
    """Find procedures by code prefix, Chinese text, pinyin initials/full pinyin or English words."""
    return _search(_procedure_index(), {e.code: e for e in load_procedures()}, query, limit)


def _lookup(entries: tuple[T, ...], code: str) -> T | None:
    """The entry whose code equals ``code`` (dot and case insensitive), or None."""
    wanted = _compact_code(code)
    return next((e for e in entries if _compact_code(e.code) == wanted), None)  # type: ignore[attr-defined]


def get_icd10(code: str) -> Icd10Entry | None:
    """The ICD-10 entry for a code ('M17.1', 'm171'), or None if it is not in the subset."""
    return _lookup(load_icd10(), code)


def get_procedure(code: str) -> ProcedureEntry | None:
    """The ICD-9-CM-3 entry for a code ('81.54', '8154'), or None if it is not in the subset."""
    return _lookup(load_procedures(), code)


def list_fracture_classifications() -> list[str]:
    """Names of the available fracture classification systems."""
    return sorted(_fracture_systems())


def fracture_classification(system: str) -> FractureClassification:
    """A fracture classification system by name ('ao_ota', 'garden', 'neer', 'schatzker')."""
    try:
        return _fracture_systems()[_normalize(system).replace("/", "_").replace("-", "_")]
    except KeyError:
        raise UnknownClassificationError(system) from None
