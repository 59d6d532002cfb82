"""Encounters (FHIR Encounter), the orthopedic record with its signed versions, diagnoses (Condition)
and score results (Observation), and the counters that hand out human numbers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class ClinicalCounter(Base):
    """A named sequence (visit numbers per day, accession numbers per day …) incremented under a row lock."""

    __tablename__ = "clinical_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class Encounter(IdMixin, TimestampMixin, Base):
    """One visit: outpatient, emergency or inpatient (FHIR Encounter.class AMB/EMER/IMP)."""

    __tablename__ = "encounters"
    __table_args__ = (Index("ix_encounters_patient_started", "patient_id", "started_at"),)

    visit_no: Mapped[str] = mapped_column(String(24), unique=True)  # 就诊号
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    encounter_class: Mapped[str] = mapped_column(String(16), default="outpatient")  # outpatient|emergency|inpatient
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress|finished|cancelled
    subspecialty: Mapped[str | None] = mapped_column(String(32), default=None)
    attending_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(default=None)  # scheduling's appointment, no FK
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    # Filled by the triage module (chief complaint / HPI / red flags) to pre-fill the record.
    triage_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class EncounterRecord(IdMixin, TimestampMixin, Base):
    """The orthopedic record of an encounter (门诊病历): a draft edited with optimistic versioning,
    then signed; after signing it changes only through amendments that keep every version."""

    __tablename__ = "encounter_records"

    encounter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounters.id"), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    template: Mapped[str] = mapped_column(String(32), default="general")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|signed|amended
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    chief_complaint: Mapped[str] = mapped_column(String(40), default="")
    revision: Mapped[int] = mapped_column(default=0)  # number of the last signed/amended version row
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class EncounterRecordVersion(IdMixin, Base):
    """An immutable snapshot: revision 1 is the signed text, later ones are amendments with a reason."""

    __tablename__ = "encounter_record_versions"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounter_records.id"))
    revision: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))  # signed | amendment
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500), default="")
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Diagnosis(IdMixin, Base):
    """A coded diagnosis of an encounter (FHIR Condition), kept as rows so analytics can count it."""

    __tablename__ = "encounter_diagnoses"

    encounter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounters.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    rank: Mapped[int] = mapped_column(default=1)  # 1 = primary (主要诊断)
    icd10_code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    laterality: Mapped[str] = mapped_column(String(8), default="")  # left|right|bilateral|""
    fracture_system: Mapped[str | None] = mapped_column(String(32), default=None)
    fracture_code: Mapped[str | None] = mapped_column(String(32), default=None)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreObservation(IdMixin, Base):
    """A score result (FHIR Observation/QuestionnaireResponse): answers, result and definition version."""

    __tablename__ = "encounter_scores"
    __table_args__ = (Index("ix_encounter_scores_patient_code", "patient_id", "code"),)

    encounter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("encounters.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    code: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[float | None] = mapped_column(default=None)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
