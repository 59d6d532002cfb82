"""Clinical scores (PROMs and clinician scores) as validated data definitions plus a small scoring engine.

Every score lives in ``data/scores/<code>.yaml`` with its source, licence note, items, scoring
method, missing-item rule and bands. The files are loaded and validated once; a bad file raises
``ScoreDefinitionError`` naming the file and the item. ``compute`` applies the published rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from numbers import Real
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SCORES_DIR = Path(__file__).parent / "data" / "scores"

__all__ = [
    "SCORES_DIR",
    "Band",
    "ItemValueError",
    "RecoveryRate",
    "ScoreDefinition",
    "ScoreDefinitionError",
    "ScoreInputError",
    "ScoreResult",
    "SubscaleResult",
    "TooManyMissingError",
    "UnknownItemError",
    "UnknownScoreError",
    "compute",
    "get_definition",
    "harris_rom_points",
    "list_definitions",
    "load_definitions",
    "recovery_rate",
]


# --------------------------------------------------------------------------- errors


class ScoreDefinitionError(Exception):
    """A score data file is malformed; the message names the file and, where known, the item."""

    def __init__(self, file: str, message: str, item_id: str | None = None) -> None:
        """Build the error from the file name, an optional item id and the problem."""
        self.file = file
        self.item_id = item_id
        where = f"{file}: item '{item_id}'" if item_id else file
        super().__init__(f"{where}: {message}")


class ScoreInputError(ValueError):
    """Answers cannot be scored; carries a stable code and a message in zh-CN and en."""

    code = "score_input_invalid"

    def __init__(self, message_zh: str, message_en: str, *, item_id: str | None = None) -> None:
        """Keep both language messages and the offending item id."""
        self.message_zh = message_zh
        self.message_en = message_en
        self.item_id = item_id
        super().__init__(f"{message_en} / {message_zh}")


class UnknownScoreError(ScoreInputError):
    """No score definition has this code."""

    code = "score_unknown"


class UnknownItemError(ScoreInputError):
    """An answer names an item the score does not have."""

    code = "score_item_unknown"


class ItemValueError(ScoreInputError):
    """An answer value is not one of the item's options or is outside its range."""

    code = "score_item_value_invalid"


class TooManyMissingError(ScoreInputError):
    """More items are missing than the score's published missing-item rule allows."""

    code = "score_too_many_missing"


# --------------------------------------------------------------------------- definition models


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A label in Chinese and English."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Source(_Strict):
    """A bibliographic source for a score, its bands or its translation."""

    authors: str
    title: str
    journal: str | None = None
    year: int = Field(ge=1900, le=2100)
    citation: str | None = None
    doi: str | None = None
    url: str | None = None
    role: str = "primary"
    note: str | None = None


class Option(_Strict):
    """One answer option: the scored value and its label."""

    value: int | float
    label: Text


class NumericRange(_Strict):
    """A closed numeric interval [min, max]."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> NumericRange:
        """Reject an interval whose min exceeds its max."""
        if self.min > self.max:
            raise ValueError(f"range min {self.min} > max {self.max}")
        return self


class Item(_Strict):
    """A scored item: either discrete options or a continuous range."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    text: Text
    subscale: str | None = None
    options: list[Option] | None = None
    range: NumericRange | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_answer_kind(self) -> Item:
        """Require exactly one of options/range and unique option values."""
        if (self.options is None) == (self.range is None):
            raise ValueError(f"item '{self.id}' needs exactly one of 'options' or 'range'")
        if self.options is not None:
            if len(self.options) < 2:
                raise ValueError(f"item '{self.id}' needs at least two options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError(f"item '{self.id}' has duplicate option values")
        return self

    @property
    def min_value(self) -> float:
        """Lowest value the item can score."""
        return min(o.value for o in self.options) if self.options else self.range.min  # type: ignore[union-attr]

    @property
    def max_value(self) -> float:
        """Highest value the item can score."""
        return max(o.value for o in self.options) if self.options else self.range.max  # type: ignore[union-attr]


class MissingRule(_Strict):
    """How many items may be missing, and what to do with them."""

    max_missing: int | None = Field(default=0, ge=0)
    # At least this fraction of the block must be answered (KOOS: >= 50 %, i.e. invalid only when
    # more than half of a subscale's items are omitted, per the KOOS User's Guide).
    min_answered_fraction: float | None = Field(default=None, gt=0, le=1)
    # Strict variant: strictly more than this fraction must be answered.
    min_answered_fraction_exclusive: float | None = Field(default=None, ge=0, lt=1)
    impute: Literal["none", "mean"] = "none"

    def allows(self, n_items: int, n_missing: int) -> bool:
        """Whether a block of n_items with n_missing unanswered may still be scored."""
        if n_missing >= n_items:
            return False
        if self.max_missing is not None and n_missing > self.max_missing:
            return False
        answered = (n_items - n_missing) / n_items
        if self.min_answered_fraction is not None and answered < self.min_answered_fraction:
            return False
        frac = self.min_answered_fraction_exclusive
        return not (frac is not None and answered <= frac)


class Subscale(_Strict):
    """A named group of items scored (or reported) separately."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    range: NumericRange
    missing: MissingRule | None = None


class Band(_Strict):
    """An interpretation band [min, max] with its label."""

    min: float
    max: float
    label: Text


class Scoring(_Strict):
    """The scoring method and its missing-item rule, stated for clinicians in ``rule``."""

    method: Literal["sum", "percent_of_answered_max", "subscale_transformed_100", "subscale_sum"]
    missing: MissingRule = MissingRule()
    rule: Text
    # Bands are matched on the score rounded half-up to this many decimals (ODI 20.4 % → "minimal").
    band_rounding: int = Field(default=0, ge=0, le=2)
    total_from_subscales: bool = False


class ScoreDefinition(_Strict):
    """A complete score definition as stored in one YAML file."""

    schema_version: Literal[1]
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    abbreviation: str
    name: Text
    version: str
    kind: Literal["patient_reported", "clinician_reported"]
    direction: Literal["higher_better", "higher_worse"]
    unit: Literal["points", "percent"]
    range: NumericRange
    sources: list[Source] = Field(min_length=1)
    licence: Text
    item_text_paraphrased: bool
    expected_item_count: int = Field(ge=1)
    items: list[Item]
    subscales: list[Subscale] = []
    scoring: Scoring
    bands: list[Band] = []
    extras: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _resolve_option_sets(cls, data: Any) -> Any:
        """Replace ``options: <set name>`` with the shared list from ``option_sets``."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        sets = data.pop("option_sets", None) or {}
        items = []
        for raw in data.get("items") or []:
            if isinstance(raw, dict) and isinstance(raw.get("options"), str):
                name = raw["options"]
                if name not in sets:
                    raise ValueError(f"item '{raw.get('id')}' uses unknown option set '{name}'")
                raw = {**raw, "options": sets[name]}
            items.append(raw)
        data["items"] = items
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ScoreDefinition:
        """Check item count, ids, subscale references, ranges and bands against each other."""
        ids = [i.id for i in self.items]
        if len(ids) != self.expected_item_count:
            raise ValueError(f"expected {self.expected_item_count} items, found {len(ids)}")
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate item ids: {sorted(dupes)}")
        sub_ids = {s.id for s in self.subscales}
        for item in self.items:
            if item.subscale is not None and item.subscale not in sub_ids:
                raise ValueError(f"item '{item.id}' refers to unknown subscale '{item.subscale}'")
        method = self.scoring.method
        if method.startswith("subscale_"):
            if not self.subscales:
                raise ValueError(f"method {method} needs subscales")
            for item in self.items:
                if item.subscale is None:
                    raise ValueError(f"item '{item.id}' has no subscale (method {method})")
            for sub in self.subscales:
                if sub.missing is None:
                    raise ValueError(f"subscale '{sub.id}' needs a missing-item rule")
        # Declared ranges must equal what the items can produce, so a typo in an option is caught.
        if method in ("sum", "subscale_sum"):
            for sub in self.subscales:
                members = [i for i in self.items if i.subscale == sub.id]
                lo, hi = sum(i.min_value for i in members), sum(i.max_value for i in members)
                if not (math.isclose(lo, sub.range.min) and math.isclose(hi, sub.range.max)):
                    raise ValueError(
                        f"subscale '{sub.id}' range {sub.range.min}..{sub.range.max} "
                        f"but items give {lo}..{hi}"
                    )
            lo, hi = sum(i.min_value for i in self.items), sum(i.max_value for i in self.items)
            if not (math.isclose(lo, self.range.min) and math.isclose(hi, self.range.max)):
                raise ValueError(f"range {self.range.min}..{self.range.max} but items give {lo}..{hi}")
        self._check_bands()
        return self

    def _check_bands(self) -> None:
        """Bands must be ordered, contiguous on the rounding grid and cover the score range."""
        if not self.bands:
            return
        step = 10**-self.scoring.band_rounding
        if not math.isclose(self.bands[0].min, self.range.min) or not math.isclose(
            self.bands[-1].max, self.range.max
        ):
            raise ValueError("bands must start at range.min and end at range.max")
        for prev, nxt in zip(self.bands, self.bands[1:], strict=False):
            if not math.isclose(nxt.min, prev.max + step):
                raise ValueError(f"bands not contiguous between {prev.max} and {nxt.min}")
        for band in self.bands:
            if band.min > band.max:
                raise ValueError(f"band {band.min}..{band.max} is reversed")

    def item(self, item_id: str) -> Item | None:
        """Return the item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)


# --------------------------------------------------------------------------- results


class SubscaleResult(BaseModel):
    """The score of one subscale (None when its missing-item rule is not met)."""

    id: str
    name: Text
    score: float | None
    raw_sum: float | None
    answered: int
    item_count: int
    missing_items: list[str]
    imputed_items: list[str]
    valid: bool


class ScoreResult(BaseModel):
    """The outcome of scoring one questionnaire or examination."""

    code: str
    version: str
    unit: str
    direction: str
    total: float | None
    raw_sum: float | None
    percent: float | None
    subscales: dict[str, SubscaleResult]
    band: Text | None
    missing_items: list[str]
    imputed_items: list[str]
    valid: bool
    rule_applied: Text


class RecoveryRate(BaseModel):
    """JOA recovery rate (Hirabayashi) with its conventional grade."""

    code: str
    pre: float
    post: float
    rate: float
    grade: Text | None


# --------------------------------------------------------------------------- loading


def _describe_loc(raw: Any, loc: tuple[Any, ...]) -> tuple[str | None, str]:
    """Turn a pydantic error location into (item id, dotted path)."""
    item_id = None
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        try:
            item_id = str(raw["items"][loc[1]].get("id"))
        except (KeyError, IndexError, TypeError, AttributeError):
            item_id = f"#{loc[1]}"
    return item_id, ".".join(str(p) for p in loc)


def _load_file(path: Path) -> ScoreDefinition:
    """Parse and validate one score file, raising ScoreDefinitionError naming file and item."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScoreDefinitionError(path.name, f"invalid YAML: {exc}") from exc
    try:
        definition = ScoreDefinition.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        item_id, where = _describe_loc(raw, tuple(err["loc"]))
        raise ScoreDefinitionError(path.name, f"{where}: {err['msg']}", item_id) from exc
    if definition.code != path.stem:
        raise ScoreDefinitionError(path.name, f"code '{definition.code}' does not match file name")
    return definition


def load_definitions(directory: Path = SCORES_DIR) -> dict[str, ScoreDefinition]:
    """Load and validate every ``*.yaml`` score definition in a directory."""
    definitions: dict[str, ScoreDefinition] = {}
    for path in sorted(directory.glob("*.yaml")):
        definition = _load_file(path)
        definitions[definition.code] = definition
    if not definitions:
        raise ScoreDefinitionError(str(directory), "no score definitions found")
    return definitions


@cache
def _registry() -> dict[str, ScoreDefinition]:
    """The packaged definitions, loaded once per process."""
    return load_definitions(SCORES_DIR)


def list_definitions() -> list[ScoreDefinition]:
    """All packaged score definitions, sorted by code."""
    return [d for _, d in sorted(_registry().items())]


def get_definition(code: str) -> ScoreDefinition:
    """The definition for a score code, or UnknownScoreError."""
    try:
        return _registry()[code]
    except KeyError:
        raise UnknownScoreError(f"未知评分：{code}", f"Unknown score: {code}") from None


# --------------------------------------------------------------------------- scoring


def _round(value: float, places: int = 2) -> float:
    """Round half-up (not banker's rounding), as clinicians do by hand."""
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _check_value(definition: ScoreDefinition, item: Item, value: Any) -> float:
    """Validate one answer value against its item and return it as a number."""
    bad = ItemValueError(
        f"{definition.abbreviation} 条目 {item.id} 的取值无效：{value!r}",
        f"{definition.abbreviation} item {item.id}: invalid value {value!r}",
        item_id=item.id,
    )
    if isinstance(value, bool) or not isinstance(value, Real):
        raise bad
    number = float(value)
    if not math.isfinite(number):
        raise bad
    if item.options is not None:
        if not any(math.isclose(number, o.value) for o in item.options):
            allowed = ", ".join(str(o.value) for o in item.options)
            raise ItemValueError(
                f"{definition.abbreviation} 条目 {item.id} 的取值 {value!r} 不在选项中（允许：{allowed}）",
                f"{definition.abbreviation} item {item.id}: value {value!r} is not an option (allowed: {allowed})",
                item_id=item.id,
            )
    elif not (item.range.min <= number <= item.range.max):  # type: ignore[union-attr]
        raise ItemValueError(
            f"{definition.abbreviation} 条目 {item.id} 的取值 {value!r} 超出范围 "
            f"{item.range.min:g}–{item.range.max:g}",  # type: ignore[union-attr]
            f"{definition.abbreviation} item {item.id}: value {value!r} outside "
            f"{item.range.min:g}–{item.range.max:g}",  # type: ignore[union-attr]
            item_id=item.id,
        )
    return number


def _too_many_missing(
    definition: ScoreDefinition, missing: list[str], scope: Text | None = None
) -> TooManyMissingError:
    """Build the error for a block whose missing-item rule is not met."""
    where_zh = f"（{scope.zh}）" if scope else ""
    where_en = f" ({scope.en})" if scope else ""
    return TooManyMissingError(
        f"{definition.abbreviation}{where_zh} 缺失条目过多，无法计分：{', '.join(missing)}。规则：{definition.scoring.rule.zh}",
        f"{definition.abbreviation}{where_en}: too many missing items to score: {', '.join(missing)}. "
        f"Rule: {definition.scoring.rule.en}",
    )


def _band(definition: ScoreDefinition, score: float | None) -> Text | None:
    """The band label for a score, matched on the score rounded to the band grid."""
    if score is None or not definition.bands:
        return None
    rounded = _round(score, definition.scoring.band_rounding)
    for band in definition.bands:
        if band.min <= rounded <= band.max:
            return band.label
    return None


def _block(
    definition: ScoreDefinition, items: list[Item], values: dict[str, float], rule: MissingRule
) -> tuple[float, float, list[str], list[str], bool]:
    """Sum a block of items: (raw sum, sum with imputation, missing ids, imputed ids, rule met)."""
    answered = [values[i.id] for i in items if i.id in values]
    missing = [i.id for i in items if i.id not in values]
    ok = rule.allows(len(items), len(missing))
    raw = sum(answered)
    if ok and missing and rule.impute == "mean":
        # Published rule (Oxford 2007, WOMAC 3.1): a missing item takes the mean of the answered ones.
        return raw, raw + (raw / len(answered)) * len(missing), missing, missing, ok
    return raw, raw, missing, [], ok


def compute(code: str, answers: Mapping[str, Any]) -> ScoreResult:
    """Score answers ({item_id: value}; None or absent = missing) with the score's published rule."""
    definition = get_definition(code)
    if not isinstance(answers, Mapping):
        raise ScoreInputError("答案必须是“条目→取值”的映射", "Answers must be a mapping of item id to value")
    values: dict[str, float] = {}
    for item_id, value in answers.items():
        item = definition.item(item_id) if isinstance(item_id, str) else None
        if item is None:
            raise UnknownItemError(
                f"{definition.abbreviation} 没有条目 {item_id!r}",
                f"{definition.abbreviation} has no item {item_id!r}",
                item_id=str(item_id),
            )
        if value is None:
            continue
        values[item.id] = _check_value(definition, item, value)

    method = definition.scoring.method
    if method in ("sum", "percent_of_answered_max"):
        return _score_total(definition, values)
    return _score_subscales(definition, values)


def _score_total(definition: ScoreDefinition, values: dict[str, float]) -> ScoreResult:
    """Scores with one total (sum, or ODI-style percent of the answered maximum)."""
    rule = definition.scoring.missing
    raw, total, missing, imputed, ok = _block(definition, definition.items, values, rule)
    if not ok:
        raise _too_many_missing(definition, missing)
    percent = None
    if definition.scoring.method == "percent_of_answered_max":
        # ODI: % = sum / (max per section × sections answered) × 100, so an omitted section
        # shrinks the denominator instead of counting as zero (Fairbank & Pynsent 2000).
        possible = sum(i.max_value - i.min_value for i in definition.items if i.id in values)
        percent = _round(raw / possible * 100)
        total = percent
    subscales: dict[str, SubscaleResult] = {}
    for sub in definition.subscales:
        members = [i for i in definition.items if i.subscale == sub.id]
        s_missing = [i.id for i in members if i.id not in values]
        s_raw = sum(values[i.id] for i in members if i.id in values)
        subscales[sub.id] = SubscaleResult(
            id=sub.id,
            name=sub.name,
            score=None if s_missing else _round(s_raw),
            raw_sum=_round(s_raw),
            answered=len(members) - len(s_missing),
            item_count=len(members),
            missing_items=s_missing,
            imputed_items=[],
            valid=not s_missing,
        )
    total = _round(total)
    return ScoreResult(
        code=definition.code,
        version=definition.version,
        unit=definition.unit,
        direction=definition.direction,
        total=total,
        raw_sum=_round(raw),
        percent=percent,
        subscales=subscales,
        band=_band(definition, total),
        missing_items=missing,
        imputed_items=imputed,
        valid=True,
        rule_applied=definition.scoring.rule,
    )


def _score_subscales(definition: ScoreDefinition, values: dict[str, float]) -> ScoreResult:
    """Scores reported per subscale (KOOS transformed 0–100, WOMAC sums)."""
    subscales: dict[str, SubscaleResult] = {}
    all_missing: list[str] = []
    all_imputed: list[str] = []
    for sub in definition.subscales:
        members = [i for i in definition.items if i.subscale == sub.id]
        rule = sub.missing or definition.scoring.missing
        raw, summed, missing, imputed, ok = _block(definition, members, values, rule)
        all_missing += missing
        all_imputed += imputed
        score = None
        if ok:
            if definition.scoring.method == "subscale_transformed_100":
                # KOOS: 100 − mean × 100 / 4; using the mean of answered items is the guide's
                # substitution of missing items by the subscale mean.
                n = len(members) - len(missing)
                item_max = max(i.max_value for i in members)
                score = _round(100 - (raw / n) * 100 / item_max)
            else:
                score = _round(summed)
        subscales[sub.id] = SubscaleResult(
            id=sub.id,
            name=sub.name,
            score=score,
            raw_sum=_round(raw),
            answered=len(members) - len(missing),
            item_count=len(members),
            missing_items=missing,
            imputed_items=imputed if ok else [],
            valid=ok,
        )
    if not any(s.valid for s in subscales.values()):
        raise _too_many_missing(definition, all_missing)
    valid = all(s.valid for s in subscales.values())
    total = None
    if definition.scoring.total_from_subscales and valid:
        total = _round(sum(s.score for s in subscales.values() if s.score is not None))
    return ScoreResult(
        code=definition.code,
        version=definition.version,
        unit=definition.unit,
        direction=definition.direction,
        total=total,
        raw_sum=None,
        percent=None,
        subscales=subscales,
        band=_band(definition, total),
        missing_items=all_missing,
        imputed_items=all_imputed,
        valid=valid,
        rule_applied=definition.scoring.rule,
    )


# --------------------------------------------------------------------------- score-specific helpers


def recovery_rate(code: str, pre: float, post: float) -> RecoveryRate:
    """JOA recovery rate (Hirabayashi 1981): (post − pre) / (full score − pre) × 100."""
    definition = get_definition(code)
    spec = definition.extras.get("recovery_rate")
    if not spec:
        raise UnknownScoreError(
            f"{definition.abbreviation} 没有改善率公式", f"{definition.abbreviation} has no recovery rate"
        )
    full = float(spec["full_score"])
    lo = definition.range.min
    for label, value in (("pre", pre), ("post", post)):
        if isinstance(value, bool) or not isinstance(value, Real) or not (lo <= value <= full):
            raise ItemValueError(f"{label} 分值无效：{value!r}", f"invalid {label} score: {value!r}")
    if math.isclose(pre, full):
        raise ScoreInputError(
            "术前已为满分，改善率无定义", "Pre-treatment score is already full: recovery rate undefined"
        )
    rate = _round((post - pre) / (full - pre) * 100, 1)
    grade = next((Text(**g["label"]) for g in spec.get("grades", []) if rate >= g["min"]), None)
    return RecoveryRate(code=code, pre=pre, post=post, rate=rate, grade=grade)


def harris_rom_points(
    flexion: float, abduction: float, adduction: float, external_rotation: float, internal_rotation: float = 0
) -> float:
    """Harris 1969 range-of-motion points (0–5) from degrees, via the weighted index × 0.05."""
    spec = get_definition("harris_hip").extras["rom_index"]
    degrees = {
        "flexion": flexion,
        "abduction": abduction,
        "adduction": adduction,
        "external_rotation": external_rotation,
        "internal_rotation": internal_rotation,
    }
    index = 0.0
    for motion, arcs in spec["arcs"].items():
        deg = degrees[motion]
        if isinstance(deg, bool) or not isinstance(deg, Real) or not (0 <= deg <= 180):
            raise ItemValueError(
                f"{motion} 角度无效：{deg!r}", f"invalid {motion} degrees: {deg!r}", item_id="rom"
            )
        # Each arc of motion counts only for the degrees that fall inside it, times its weight.
        for arc in arcs:
            index += max(0.0, min(deg, arc["to"]) - arc["from"]) * arc["weight"]
    return _round(min(float(spec["max_points"]), index * float(spec["multiplier"])))
