"""A de-identified dataset: coded facts only, patients as random study codes, dates reduced to the year."""

from __future__ import annotations

from pydantic import Field

from osteon.kit.schemas import Schema


class ExportRequest(Schema):
    """Which years of activity to export (inclusive)."""

    from_year: int = Field(ge=1900, le=2200)
    to_year: int = Field(ge=1900, le=2200)


class ResearchPatient(Schema):
    """A study subject: no name, number, address or contact; birth year only below 90 (Safe Harbor)."""

    code: str
    sex: str
    birth_year: int | None
    age_band: str
    insurance_type: str


class ResearchDiagnosis(Schema):
    """A coded diagnosis (ICD-10), its side and fracture classification; no free text."""

    icd10: str
    rank: int
    laterality: str
    fracture_system: str | None
    fracture_code: str | None


class ResearchScore(Schema):
    """A score's code, definition version and total."""

    code: str
    definition_version: str
    total: float | None


class ResearchEncounter(Schema):
    """A visit: year, class and subspecialty, diagnoses and scores."""

    patient: str
    year: int
    encounter_class: str
    subspecialty: str | None
    diagnoses: list[ResearchDiagnosis]
    scores: list[ResearchScore]


class ResearchSurgery(Schema):
    """An operation: codes, grade, ASA, duration and blood loss; no notes, no dates."""

    patient: str
    year: int | None
    procedure_code: str
    grade: int | None
    asa_class: str | None
    duration_minutes: int | None
    blood_loss_ml: int | None
    unplanned_return: bool


class ResearchAdmission(Schema):
    """A stay: year, source, length of stay in days."""

    patient: str
    year: int
    source: str
    los_days: int | None


class ResearchExport(Schema):
    """The dataset and how it was de-identified."""

    method: str
    from_year: int
    to_year: int
    patients: list[ResearchPatient]
    encounters: list[ResearchEncounter]
    surgeries: list[ResearchSurgery]
    admissions: list[ResearchAdmission]
