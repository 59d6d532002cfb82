"""Surgery schemas: request, checklist, OR booking, record, implants, complications."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator, model_validator

from osteon.encounters.schemas import Clean
from osteon.kit.schemas import Schema
from osteon.kit.validation import field_error

AsaClass = Literal["I", "II", "III", "IV", "V", "VI"]


def _aware(v: datetime | None) -> datetime | None:
    """Refuse naive times."""
    if v is not None and v.tzinfo is None:
        raise field_error("naive_time", "时间需带时区(例如 2026-11-25T08:00:00+08:00)", "Times need a zone (e.g. 2026-11-25T08:00:00+08:00)")
    return v


class RoomCreate(Clean):
    """An operating room."""

    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=100)


class RoomRead(Schema):
    """An operating room."""

    id: uuid.UUID
    code: str
    name: str
    active: bool


class SurgeryCreate(Clean):
    """A surgery request from an encounter or an admission."""

    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    admission_id: uuid.UUID | None = None
    planned_procedure: str = Field(min_length=2, max_length=200)
    planned_code: str = Field("", max_length=16)
    laterality: Literal["left", "right", "bilateral", "none"] = "none"
    grade: int | None = Field(None, ge=1, le=4)
    implants_required: bool = False
    blood_required: bool = False
    unplanned_return: bool = False
    index_surgery_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _context(self) -> SurgeryCreate:
        """From an encounter or a ward; an unplanned return names the index operation."""
        if self.encounter_id is None and self.admission_id is None:
            raise field_error("surgery_context", "手术申请需关联门诊就诊或住院", "A surgery request needs an encounter or an admission")
        if self.unplanned_return and self.index_surgery_id is None:
            raise field_error("index_required", "非计划重返手术室需指明首次手术", "An unplanned return needs the index operation")
        return self


class ChecklistUpdate(Clean):
    """Pre-op checklist items (only the ones sent change); ``version`` as loaded."""

    version: int = Field(ge=1)
    consent_signed: bool | None = None
    asa_class: AsaClass | None = None
    anaesthesia_assessed: bool | None = None
    site_marked: bool | None = None
    implants_required: bool | None = None
    implants_prepared: bool | None = None
    blood_required: bool | None = None
    blood_prepared: bool | None = None
    vte_assessed: bool | None = None
    caprini_score: int | None = Field(None, ge=0, le=60)


class BookingCreate(Clean):
    """Book a room and team for a time."""

    room_id: uuid.UUID
    surgeon_id: uuid.UUID
    anaesthetist_id: uuid.UUID | None = None
    start_at: datetime
    end_at: datetime

    @field_validator("start_at", "end_at")
    @classmethod
    def _zones(cls, v: datetime) -> datetime:
        """Times must carry a zone."""
        return _aware(v)

    @model_validator(mode="after")
    def _order(self) -> BookingCreate:
        """End after start, at most 24 h."""
        if self.end_at <= self.start_at:
            raise field_error("end_before_start", "结束时间应晚于开始时间", "End must be after start")
        if (self.end_at - self.start_at).total_seconds() > 24 * 3600:
            raise field_error("too_long", "单台手术预约不能超过24小时", "A booking cannot exceed 24 hours")
        if self.anaesthetist_id == self.surgeon_id:
            raise field_error("same_person", "主刀与麻醉医生不能为同一人", "Surgeon and anaesthetist must differ")
        return self


class ImplantIn(Clean):
    """An implanted device."""

    manufacturer: str = Field(min_length=1, max_length=100)
    product: str = Field(min_length=1, max_length=200)
    lot: str = Field(min_length=1, max_length=64)
    udi: str = Field("", max_length=120)
    quantity: int = Field(1, ge=1, le=50)
    item_code: str | None = Field(None, max_length=32)  # price-list item → a material charge

    @field_validator("lot", "udi")
    @classmethod
    def _code(cls, v: str) -> str:
        """Printable, no spaces."""
        v = v.strip()
        if v and not re.fullmatch(r"[\x21-\x7e]+", v):
            raise field_error("code_chars", "批号/UDI只能包含字母、数字和符号", "Lot/UDI may contain only letters, digits and symbols")
        return v


class ProcedureCodeIn(Clean):
    """A performed ICD-9-CM-3 code."""

    code: str = Field(min_length=2, max_length=16)
    grade: int | None = Field(None, ge=1, le=4)


class SurgeryRecordIn(Clean):
    """The surgical record (手术记录) completing the surgery."""

    actual_start_at: datetime
    actual_end_at: datetime
    procedures: list[ProcedureCodeIn] = Field(min_length=1, max_length=10)
    grade: int | None = Field(None, ge=1, le=4)
    blood_loss_ml: int = Field(ge=0, le=20_000)
    implants: list[ImplantIn] = Field(default_factory=list, max_length=50)
    operative_note: str = Field("", max_length=20_000)
    charge_item_code: str | None = Field(None, max_length=32)

    @field_validator("actual_start_at", "actual_end_at")
    @classmethod
    def _zones(cls, v: datetime) -> datetime:
        """Times must carry a zone."""
        return _aware(v)

    @model_validator(mode="after")
    def _order(self) -> SurgeryRecordIn:
        """End after start."""
        if self.actual_end_at <= self.actual_start_at:
            raise field_error("end_before_start", "手术结束时间应晚于开始时间", "End must be after start")
        return self


class ComplicationIn(Clean):
    """A complication."""

    code: str = Field(min_length=3, max_length=16)
    description: str = Field("", max_length=300)
    occurred_at: datetime

    @field_validator("occurred_at")
    @classmethod
    def _zones(cls, v: datetime) -> datetime:
        """Times must carry a zone."""
        return _aware(v)


class BookingRead(Schema):
    """An OR booking."""

    id: uuid.UUID
    room_id: uuid.UUID
    surgeon_id: uuid.UUID
    anaesthetist_id: uuid.UUID | None
    start_at: datetime
    end_at: datetime


class ImplantRead(Schema):
    """A registered implant."""

    id: uuid.UUID
    surgery_id: uuid.UUID
    patient_id: uuid.UUID
    manufacturer: str
    product: str
    lot: str
    udi: str
    quantity: int
    implanted_at: datetime


class ProcedureRead(Schema):
    """A performed code."""

    rank: int
    code: str
    name: str
    grade: int | None


class ComplicationRead(Schema):
    """A complication."""

    id: uuid.UUID
    code: str
    description: str
    occurred_at: datetime


class SurgeryRead(Schema):
    """A surgery with checklist, booking and record."""

    id: uuid.UUID
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None
    admission_id: uuid.UUID | None
    planned_procedure: str
    planned_code: str
    laterality: str
    grade: int | None
    status: str
    consent_signed: bool
    asa_class: str | None
    anaesthesia_assessed: bool
    site_marked: bool
    implants_required: bool
    implants_prepared: bool
    blood_required: bool
    blood_prepared: bool
    vte_assessed: bool
    caprini_score: int | None
    checklist_missing: list[str] = []
    surgeon_id: uuid.UUID | None
    anaesthetist_id: uuid.UUID | None
    actual_start_at: datetime | None
    actual_end_at: datetime | None
    blood_loss_ml: int | None
    unplanned_return: bool
    index_surgery_id: uuid.UUID | None
    return_interval_minutes: int | None
    return_within_48h: bool | None
    return_within_31d: bool | None
    version: int
    booking: BookingRead | None = None
    procedures: list[ProcedureRead] = []
    implants: list[ImplantRead] = []
    complications: list[ComplicationRead] = []


class ScheduleRow(Schema):
    """One line of the OR day board."""

    booking: BookingRead
    room_code: str
    surgery_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    planned_procedure: str
    status: str
