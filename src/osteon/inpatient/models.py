"""Wards' rooms and beds, admissions, bed assignments, notes, nursing observations, discharge
summaries and bed-days (one row per census day, for 平均住院日 and 床位使用率)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class WardRoom(IdMixin, Base):
    """A room (病室) of a ward."""

    __tablename__ = "ward_rooms"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)

    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50), default="")


class Bed(IdMixin, Base):
    """A bed; ``state`` changes only through conditional updates (see repository)."""

    __tablename__ = "beds"
    __table_args__ = (UniqueConstraint("ward_id", "code"), Index("ix_beds_institution_state", "institution_id", "state"))

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id"))
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ward_rooms.id"), default=None)
    code: Mapped[str] = mapped_column(String(16))  # 床号
    state: Mapped[str] = mapped_column(String(16), default="free")  # free|occupied|reserved|cleaning|closed
    admission_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # current occupant or reservation
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Admission(IdMixin, TimestampMixin, Base):
    """An inpatient stay (FHIR Encounter class IMP)."""

    __tablename__ = "admissions"
    __table_args__ = (Index("ix_admissions_ward_status", "ward_id", "status"),
                      Index("ix_admissions_discharged", "institution_id", "discharged_at"))

    admission_no: Mapped[str] = mapped_column(String(24), unique=True)  # 住院号
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id"))
    bed_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("beds.id"), default=None)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    source_encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounters.id"), default=None)
    source: Mapped[str] = mapped_column(String(16), default="outpatient")  # outpatient|emergency|transfer
    status: Mapped[str] = mapped_column(String(16), default="admitted")  # admitted|discharged
    admitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    discharged_at: Mapped[datetime | None] = mapped_column(default=None)
    attending_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    admission_diagnosis_code: Mapped[str] = mapped_column(String(16), default="")
    admission_diagnosis: Mapped[str] = mapped_column(String(200), default="")
    los_days: Mapped[int | None] = mapped_column(default=None)
    discharge_disposition: Mapped[str] = mapped_column(String(32), default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class BedAssignment(IdMixin, Base):
    """Which bed an admission held from when to when (admission and every transfer)."""

    __tablename__ = "bed_assignments"

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"), index=True)
    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beds.id"), index=True)
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id"))
    start_at: Mapped[datetime] = mapped_column(default=utcnow)
    end_at: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(String(200), default="")
    by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class ProgressNote(IdMixin, Base):
    """A daily progress note (病程记录)."""

    __tablename__ = "progress_notes"

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), default="daily")  # daily|ward_round|post_op|handover
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class NursingObservation(IdMixin, Base):
    """One set of vital signs and pain score (FHIR Observation vital-signs)."""

    __tablename__ = "nursing_observations"
    __table_args__ = (Index("ix_nursing_observations_admission_at", "admission_id", "observed_at"),)

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
    temperature_c: Mapped[float | None] = mapped_column(default=None)
    pulse: Mapped[int | None] = mapped_column(default=None)
    systolic: Mapped[int | None] = mapped_column(default=None)
    diastolic: Mapped[int | None] = mapped_column(default=None)
    spo2: Mapped[int | None] = mapped_column(default=None)
    resp_rate: Mapped[int | None] = mapped_column(default=None)
    pain_nrs: Mapped[int | None] = mapped_column(default=None)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class DischargeSummary(IdMixin, TimestampMixin, Base):
    """出院小结."""

    __tablename__ = "discharge_summaries"

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"), unique=True)
    admission_diagnosis: Mapped[str] = mapped_column(String(500))
    discharge_diagnosis: Mapped[str] = mapped_column(String(500))
    discharge_diagnosis_code: Mapped[str] = mapped_column(String(16), default="")
    hospital_course: Mapped[str] = mapped_column(Text)
    procedures: Mapped[str] = mapped_column(Text, default="")
    condition_at_discharge: Mapped[str] = mapped_column(String(500))
    instructions: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class BedDay(IdMixin, Base):
    """One occupied bed-day (占用床日) of an admission, by the census-day rule; written at discharge."""

    __tablename__ = "bed_days"
    __table_args__ = (UniqueConstraint("admission_id", "day"), Index("ix_bed_days_dept_day", "department_id", "day"))

    admission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("admissions.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("wards.id"))
    day: Mapped[date] = mapped_column()
