"""Inpatient schemas: beds and the bed board, admissions, notes, vitals (with plausibility ranges), discharge."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from osteon.encounters.schemas import Clean
from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text, field_error

BedState = Literal["free", "occupied", "reserved", "cleaning", "closed"]


def _txt(v: str, n: int, zh: str, en: str) -> str:
    """Required readable text."""
    return clean_text(v, max_len=n, label_zh=zh, label_en=en, allow_newlines=True)


class BedsCreate(Clean):
    """Add a room with beds to a ward."""

    room_code: str = Field(min_length=1, max_length=16)
    bed_codes: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(min_length=1, max_length=20)


class BedStateIn(Clean):
    """Change a bed's housekeeping state (cleaning → free, close, reopen, reserve, release)."""

    state: Literal["free", "reserved", "cleaning", "closed"]


class BedCell(Schema):
    """One bed on the bed board."""

    bed_id: uuid.UUID
    code: str
    room: str
    ward_id: uuid.UUID
    state: str
    admission_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    patient_name: str | None = None
    mrn: str | None = None
    sex: str | None = None
    age: int | None = None
    admitted_at: datetime | None = None
    diagnosis: str | None = None
    attending_id: uuid.UUID | None = None
    updated_at: datetime


class BedBoard(Schema):
    """A ward's beds with counts (a snapshot; changes follow on topic beds:<ward_id>)."""

    ward_ids: list[uuid.UUID]
    counts: dict[str, int]
    beds: list[BedCell]
    at: datetime


class AdmissionCreate(Clean):
    """Admit a patient from an outpatient or emergency encounter, with a bed (or without, bed later)."""

    patient_id: uuid.UUID
    ward_id: uuid.UUID
    bed_id: uuid.UUID | None = None
    source_encounter_id: uuid.UUID | None = None
    attending_id: uuid.UUID | None = None
    admission_diagnosis_code: str = Field("", max_length=16)
    admission_diagnosis: str = Field("", max_length=200)


class BedAssignIn(Clean):
    """Assign a bed to an admission without one."""

    bed_id: uuid.UUID


class TransferIn(Clean):
    """Move the patient to another bed (same or another ward)."""

    bed_id: uuid.UUID
    reason: str = Field("", max_length=200)


class AdmissionRead(Schema):
    """An admission."""

    id: uuid.UUID
    admission_no: str
    patient_id: uuid.UUID
    institution_id: uuid.UUID
    department_id: uuid.UUID
    ward_id: uuid.UUID
    bed_id: uuid.UUID | None
    source_encounter_id: uuid.UUID | None
    source: str
    status: str
    admitted_at: datetime
    discharged_at: datetime | None
    attending_id: uuid.UUID | None
    admission_diagnosis_code: str
    admission_diagnosis: str
    los_days: int | None
    discharge_disposition: str
    version: int


class ProgressNoteIn(Clean):
    """A progress note."""

    kind: Literal["daily", "ward_round", "post_op", "handover"] = "daily"
    text: str = Field(min_length=1, max_length=10_000)

    @field_validator("text")
    @classmethod
    def _t(cls, v: str) -> str:
        """Readable text."""
        return _txt(v, 10_000, "病程记录", "Progress note")


class ProgressNoteRead(Schema):
    """A progress note."""

    id: uuid.UUID
    kind: str
    text: str
    author_id: uuid.UUID
    written_at: datetime


class ObservationIn(Clean):
    """Vital signs with plausibility limits (values outside are typing errors, not patients)."""

    observed_at: datetime | None = None
    temperature_c: float | None = Field(None, ge=34.0, le=43.0)
    pulse: int | None = Field(None, ge=20, le=250)
    systolic: int | None = Field(None, ge=50, le=260)
    diastolic: int | None = Field(None, ge=20, le=160)
    spo2: int | None = Field(None, ge=50, le=100)
    resp_rate: int | None = Field(None, ge=4, le=60)
    pain_nrs: int | None = Field(None, ge=0, le=10)

    @model_validator(mode="after")
    def _consistent(self) -> ObservationIn:
        """At least one value; diastolic below systolic; no naive or future times."""
        values = [self.temperature_c, self.pulse, self.systolic, self.diastolic, self.spo2, self.resp_rate, self.pain_nrs]
        if all(v is None for v in values):
            raise field_error("observation_empty", "请至少填写一项生命体征", "Enter at least one vital sign")
        if (self.systolic is None) != (self.diastolic is None):
            raise field_error("bp_incomplete", "血压需同时填写收缩压和舒张压", "Blood pressure needs systolic and diastolic")
        if self.systolic is not None and self.diastolic is not None and self.diastolic >= self.systolic:
            raise field_error("bp_implausible", "舒张压应低于收缩压", "Diastolic must be lower than systolic")
        if self.observed_at is not None and self.observed_at.tzinfo is None:
            raise field_error("naive_time", "时间需带时区", "The time needs a time zone")
        return self


class ObservationRead(Schema):
    """Stored vital signs."""

    id: uuid.UUID
    observed_at: datetime
    temperature_c: float | None
    pulse: int | None
    systolic: int | None
    diastolic: int | None
    spo2: int | None
    resp_rate: int | None
    pain_nrs: int | None
    recorded_by_id: uuid.UUID


class DischargeSummaryIn(Clean):
    """出院小结: every part is required."""

    admission_diagnosis: str = Field(min_length=1, max_length=500)
    discharge_diagnosis: str = Field(min_length=1, max_length=500)
    discharge_diagnosis_code: str = Field("", max_length=16)
    hospital_course: str = Field(min_length=1, max_length=10_000)
    procedures: str = Field("", max_length=5_000)
    condition_at_discharge: str = Field(min_length=1, max_length=500)
    instructions: str = Field(min_length=1, max_length=5_000)
    follow_up: str = Field(min_length=1, max_length=500)

    @field_validator("admission_diagnosis", "discharge_diagnosis", "hospital_course", "condition_at_discharge", "instructions", "follow_up")
    @classmethod
    def _t(cls, v: str) -> str:
        """Readable text."""
        return _txt(v, 10_000, "出院小结内容", "Discharge summary text")


class DischargeSummaryRead(DischargeSummaryIn):
    """The stored summary."""

    id: uuid.UUID
    author_id: uuid.UUID
    updated_at: datetime


class DischargeIn(Clean):
    """Discharge; the time defaults to now."""

    discharged_at: datetime | None = None
    disposition: Literal["home", "transfer_hospital", "community", "against_advice", "death", "other"] = "home"


class LosRead(Schema):
    """Length of stay by the national rule."""

    admission_date: date
    discharge_date: date
    los_days: int
