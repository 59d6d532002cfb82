"""Scheduling API shapes."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, field_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text, field_error

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """Only a real date or 'YYYY-MM-DD' (no Unix timestamps, no '0')."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise field_error("date_invalid", "日期格式应为 YYYY-MM-DD", "Use a date like 2026-11-25")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

Period = Literal["morning", "afternoon", "evening"]


class SessionCreate(Schema):
    """A doctor's half-day clinic (出诊)."""

    doctor_id: uuid.UUID
    department_id: uuid.UUID
    session_date: IsoDate
    period: Period
    slot_minutes: StrictInt = Field(15, ge=5, le=120)
    capacity: StrictInt = Field(20, ge=1, le=200)
    fee_category: str = Field("general", max_length=32)
    room: str = Field("", max_length=50)


class SessionRead(Schema):
    """A clinic session with its remaining capacity."""

    id: uuid.UUID
    institution_id: uuid.UUID
    department_id: uuid.UUID
    department_name: str = ""
    doctor_id: uuid.UUID
    doctor_name: str = ""
    doctor_title: str = ""
    session_date: date
    period: str
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    capacity: int
    booked: int = 0
    available: int = 0
    fee_category: str
    fee_amount: Decimal
    room: str
    status: str


class SlotRead(Schema):
    """A bookable time window."""

    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    available: int


class AppointmentCreate(Schema):
    """Book a session (optionally a given slot); staff name the patient, a patient books for themself."""

    session_id: uuid.UUID
    slot_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None


class RegistrationCreate(Schema):
    """Walk-in registration (现场挂号) into today's session; the patient is checked in at once."""

    session_id: uuid.UUID
    patient_id: uuid.UUID
    emergency: StrictBool = False


class CheckIn(Schema):
    """签到; staff may mark an emergency or a return with results."""

    emergency: StrictBool = False
    returning_with_results: StrictBool = False


class Cancel(Schema):
    """退号 with a reason."""

    reason: str = Field("", max_length=200)

    @field_validator("reason")
    @classmethod
    def _clean(cls, v: str) -> str:
        """No control characters."""
        return clean_text(v, max_len=200, label_zh="原因", label_en="Reason") if v.strip() else ""


class AppointmentRead(Schema):
    """An appointment as staff and its patient see it."""

    id: uuid.UUID
    session_id: uuid.UUID
    slot_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str = ""
    patient_mrn: str = ""
    department_id: uuid.UUID
    department_name: str = ""
    doctor_id: uuid.UUID
    doctor_name: str = ""
    session_date: date
    period: str = ""
    slot_starts_at: datetime | None = None
    slot_ends_at: datetime | None = None
    room: str = ""
    source: str
    status: str
    visit_no: str | None
    queue_no: int | None
    priority: int
    priority_reason: str
    fee_category: str
    fee_amount: Decimal
    checked_in_at: datetime | None
    called_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    refunded: bool
    no_show_at: datetime | None


class FeeCategoryRead(Schema):
    """A registration fee category."""

    code: str
    label_zh: str
    label_en: str
    amount: Decimal


class BookingStatus(Schema):
    """Whether the patient portal may book now."""

    blocked_until: date | None
    no_shows_in_window: int
