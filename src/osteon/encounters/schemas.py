"""Encounter and record schemas; the structured exam is validated against the exam catalogue (data)."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text, field_error

TEMPLATES_DIR = Path(__file__).parent / "templates"
Side = Literal["left", "right", "bilateral", "none"]
CHIEF_COMPLAINT_MAX = 20  # DOMAIN.md: 主诉 = symptom + site + duration, about 20 characters at most


@functools.cache
def exam_catalogue() -> dict[str, Any]:
    """The ROM and special-test catalogue (templates/_exam_catalogue.yaml)."""
    return yaml.safe_load((TEMPLATES_DIR / "_exam_catalogue.yaml").read_text(encoding="utf-8"))


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\n\r\t"} | {"\x7f"}


def _has_control(value: Any, depth: int = 0) -> bool:
    """True when a string anywhere in ``value`` (nested lists/dicts too) holds a control character such as NUL."""
    if isinstance(value, str):
        return any(ch in _CONTROL for ch in value)
    if depth > 20:
        return False
    if isinstance(value, dict):
        return any(_has_control(k, depth + 1) or _has_control(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_control(v, depth + 1) for v in value)
    return False


class Clean(Schema):
    """Input base of the clinical domains: no control characters (NUL breaks PostgreSQL text and JSON) in any string."""

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:
        """Refuse control characters anywhere in the payload with a bilingual message."""
        if isinstance(data, dict) and _has_control(data):
            raise field_error("control_characters", "内容包含不可见的控制字符", "The text contains invisible control characters")
        return data


def _text(value: str, max_len: int, zh: str, en: str) -> str:
    """Clean free text that may be empty."""
    return clean_text(value, max_len=max_len, label_zh=zh, label_en=en, allow_newlines=True) if value.strip() else ""


class RomEntry(Clean):
    """Range of motion of one joint movement, in degrees (goniometer)."""

    joint: str = Field(max_length=32)
    movement: str = Field(max_length=32)
    side: Literal["left", "right", "none"] = "none"
    mode: Literal["active", "passive"] = "active"
    degrees: int = Field(ge=-180, le=360)

    @model_validator(mode="after")
    def _plausible(self) -> RomEntry:
        """The joint/movement must be known and the angle plausible."""
        joints = exam_catalogue()["rom"]
        if self.joint not in joints:
            raise field_error("rom_joint_unknown", f"未知关节:{self.joint}", f"Unknown joint: {self.joint}")
        movements = joints[self.joint]["movements"]
        if self.movement not in movements:
            raise field_error("rom_movement_unknown", f"{joints[self.joint]['name']['zh']}没有{self.movement}活动方向",
                              f"{joints[self.joint]['name']['en']} has no movement '{self.movement}'")
        rng = movements[self.movement]
        if not rng["min"] <= self.degrees <= rng["max"]:
            raise field_error("rom_implausible",
                              f"{joints[self.joint]['name']['zh']}{self.movement}活动度{self.degrees}°不合理(应在{rng['min']}°~{rng['max']}°之间)",
                              f"{joints[self.joint]['name']['en']} {self.movement} of {self.degrees}° is implausible (expected {rng['min']}° to {rng['max']}°)")
        return self


class SpecialTest(Clean):
    """A special test (Lachman, McMurray, SLR …): positive/negative/not done, side, optional angle."""

    test: str = Field(max_length=40)
    result: Literal["positive", "negative", "not_done"]
    side: Side = "none"
    angle: int | None = Field(None, ge=0, le=180)
    note: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _known(self) -> SpecialTest:
        """The test must be in the catalogue; an angle only where the test takes one, within range."""
        tests = exam_catalogue()["special_tests"]
        spec = tests.get(self.test)
        if spec is None:
            raise field_error("special_test_unknown", f"未知的特殊检查:{self.test}", f"Unknown special test: {self.test}")
        if self.angle is not None:
            rng = spec.get("angle")
            if rng is None:
                raise field_error("special_test_no_angle", f"{spec['zh']}不记录角度", f"{spec['en']} takes no angle")
            if not rng["min"] <= self.angle <= rng["max"]:
                raise field_error("special_test_angle", f"{spec['zh']}角度应在{rng['min']}°~{rng['max']}°之间",
                                  f"{spec['en']} angle must be {rng['min']}° to {rng['max']}°")
        return self


class RegionExam(Clean):
    """Examination of one body region (专科检查)."""

    region: str = Field(max_length=32)
    inspection: str = Field("", max_length=1000)
    palpation: str = Field("", max_length=1000)
    neurovascular: str = Field("", max_length=1000)
    rom: list[RomEntry] = Field(default_factory=list, max_length=60)
    special_tests: list[SpecialTest] = Field(default_factory=list, max_length=60)


class DiagnosisIn(Clean):
    """A diagnosis with its ICD-10 code and optional fracture classification."""

    icd10_code: str = Field(max_length=16)
    laterality: Literal["left", "right", "bilateral", ""] = ""
    fracture_system: str | None = Field(None, max_length=32)
    fracture_code: str | None = Field(None, max_length=32)
    note: str = Field("", max_length=200)

    @field_validator("icd10_code")
    @classmethod
    def _upper(cls, v: str) -> str:
        """Codes are upper-case without spaces."""
        return re.sub(r"\s", "", v).upper()


class RecordContent(Clean):
    """The structured orthopedic record (门诊病历)."""

    chief_complaint: str = Field("", max_length=200)
    hpi: str = Field("", max_length=5000)  # 现病史
    past_history: str = Field("", max_length=3000)
    personal_history: str = Field("", max_length=2000)
    family_history: str = Field("", max_length=2000)
    allergies: str = Field("", max_length=500)
    exam: list[RegionExam] = Field(default_factory=list, max_length=20)
    imaging_summary: str = Field("", max_length=3000)
    diagnoses: list[DiagnosisIn] = Field(default_factory=list, max_length=20)
    plan: str = Field("", max_length=3000)

    @field_validator("chief_complaint")
    @classmethod
    def _chief_complaint(cls, v: str) -> str:
        """主诉 at most 20 characters."""
        if not v.strip():
            return ""
        return clean_text(v, max_len=CHIEF_COMPLAINT_MAX, label_zh="主诉", label_en="Chief complaint")

    @field_validator("hpi", "past_history", "personal_history", "family_history", "allergies", "imaging_summary", "plan")
    @classmethod
    def _free_text(cls, v: str) -> str:
        """No control characters in free text."""
        return _text(v, 5000, "内容", "Text")


class EncounterCreate(Clean):
    """Open a visit."""

    patient_id: uuid.UUID
    encounter_class: Literal["outpatient", "emergency", "inpatient"] = "outpatient"
    department_id: uuid.UUID | None = None
    subspecialty: Literal["spine", "joint", "sports", "trauma", "hand", "foot_ankle", "pediatric"] | None = None
    appointment_id: uuid.UUID | None = None
    triage_summary: dict[str, Any] | None = None


class RecordUpdate(Clean):
    """Save the draft; ``version`` is the one the editor loaded."""

    version: int = Field(ge=1)
    template: str | None = Field(None, max_length=32)
    content: RecordContent


class RecordSign(Clean):
    """Sign the draft as loaded."""

    version: int = Field(ge=1)


class RecordAmend(Clean):
    """Amend a signed record: new content and why."""

    version: int = Field(ge=1)
    content: RecordContent
    reason: str = Field(min_length=2, max_length=500)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        """A readable reason."""
        return clean_text(v, max_len=500, label_zh="修订原因", label_en="Reason")


class ScoreCreate(Clean):
    """Answers for one score definition."""

    code: str = Field(max_length=32)
    answers: dict[str, Any] = Field(max_length=200)


class DiagnosisRead(Schema):
    """A coded diagnosis."""

    id: uuid.UUID
    rank: int
    icd10_code: str
    name: str
    laterality: str
    fracture_system: str | None
    fracture_code: str | None
    recorded_at: datetime


class ScoreRead(Schema):
    """A stored score result."""

    id: uuid.UUID
    code: str
    definition_version: str
    answers: dict[str, Any]
    result: dict[str, Any]
    total: float | None
    recorded_by_id: uuid.UUID
    recorded_at: datetime


class RecordRead(Schema):
    """The record as it stands."""

    id: uuid.UUID
    template: str
    status: str
    content: dict[str, Any]
    revision: int
    signed_by_id: uuid.UUID | None
    signed_at: datetime | None
    version: int
    updated_at: datetime


class RecordVersionRead(Schema):
    """One signed or amended version."""

    revision: int
    kind: str
    content: dict[str, Any]
    reason: str
    author_id: uuid.UUID
    created_at: datetime


class EncounterRead(Schema):
    """An encounter with its record, diagnoses and scores."""

    id: uuid.UUID
    visit_no: str
    patient_id: uuid.UUID
    institution_id: uuid.UUID
    department_id: uuid.UUID
    encounter_class: str
    status: str
    subspecialty: str | None
    attending_id: uuid.UUID | None
    appointment_id: uuid.UUID | None = None
    started_at: datetime
    ended_at: datetime | None
    triage_summary: dict[str, Any] | None
    record: RecordRead | None = None
    diagnoses: list[DiagnosisRead] = []
    scores: list[ScoreRead] = []


class EncounterSummary(Schema):
    """List row."""

    id: uuid.UUID
    visit_no: str
    patient_id: uuid.UUID
    encounter_class: str
    status: str
    subspecialty: str | None
    started_at: datetime
    chief_complaint: str = ""
    appointment_id: uuid.UUID | None = None
    record_status: str | None = None


class TemplateRead(Schema):
    """A subspecialty template (data)."""

    code: str
    name: dict[str, str]
    chief_complaint_example: str
    regions: list[str]
    rom: dict[str, list[str]]
    special_tests: list[str]
    scores: list[str]
    hpi_prompts: dict[str, list[str]]


class TriageSummaryIn(Clean):
    """What triage learned, to pre-fill the record."""

    summary: dict[str, Any]


# --------------------------------------------------------------------------- score definitions (read-only)


class ScoreText(Schema):
    """A label in Chinese and English."""

    zh: str
    en: str


class ScoreSourceRead(Schema):
    """A bibliographic source of a score, its bands or its translation."""

    authors: str
    title: str
    journal: str | None = None
    year: int
    citation: str | None = None
    doi: str | None = None
    url: str | None = None
    role: str
    note: str | None = None


class ScoreOptionRead(Schema):
    """One answer option: the scored value and its label."""

    value: float
    label: ScoreText


class ScoreRangeRead(Schema):
    """A closed numeric interval."""

    min: float
    max: float


class ScoreItemRead(Schema):
    """An item: discrete options (radio) or a numeric range (number input)."""

    id: str
    text: ScoreText
    subscale: str | None = None
    options: list[ScoreOptionRead] | None = None
    range: ScoreRangeRead | None = None
    note: ScoreText | None = None


class ScoreMissingRuleRead(Schema):
    """How many items may be missing and how they are handled (the published rule)."""

    max_missing: int | None = None
    min_answered_fraction: float | None = None
    min_answered_fraction_exclusive: float | None = None
    impute: Literal["none", "mean"]


class ScoreSubscaleRead(Schema):
    """A named group of items scored separately."""

    id: str
    name: ScoreText
    range: ScoreRangeRead
    missing: ScoreMissingRuleRead | None = None


class ScoreBandRead(Schema):
    """An interpretation band [min, max]."""

    min: float
    max: float
    label: ScoreText


class ScoringRead(Schema):
    """The scoring method, its missing-item rule and the clinician-readable statement of both."""

    method: Literal["sum", "percent_of_answered_max", "subscale_transformed_100", "subscale_sum"]
    missing: ScoreMissingRuleRead
    rule: ScoreText
    band_rounding: int
    total_from_subscales: bool


class ScoreDefinitionRead(Schema):
    """A score definition as data (``encounters/data/scores/<code>.yaml``): items, rule, bands, sources, licence."""

    code: str
    abbreviation: str
    name: ScoreText
    version: str
    kind: Literal["patient_reported", "clinician_reported"]
    direction: Literal["higher_better", "higher_worse"]
    unit: Literal["points", "percent"]
    range: ScoreRangeRead
    sources: list[ScoreSourceRead]
    licence: ScoreText
    item_text_paraphrased: bool
    items: list[ScoreItemRead]
    subscales: list[ScoreSubscaleRead]
    scoring: ScoringRead
    bands: list[ScoreBandRead]


class PatientScoreRead(ScoreRead):
    """A stored score with the visit it was recorded in (for trends across visits)."""

    encounter_id: uuid.UUID
