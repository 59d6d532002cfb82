"""Patients (FHIR Patient) and their identifiers in other systems."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin


class Patient(IdMixin, TimestampMixin, Base):
    """One person in the master patient index; protected fields are stored encrypted."""

    __tablename__ = "patients"
    __table_args__ = (
        # varchar_pattern_ops: PostgreSQL uses these indexes for prefix LIKE under any collation.
        Index("ix_patients_name", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        Index("ix_patients_pinyin_initials", "pinyin_initials", postgresql_ops={"pinyin_initials": "varchar_pattern_ops"}),
        Index("ix_patients_pinyin", "pinyin", postgresql_ops={"pinyin": "varchar_pattern_ops"}),
        Index("ix_patients_mrn_pattern", "mrn", postgresql_ops={"mrn": "varchar_pattern_ops"}),
        # One record per ID number per hospital; a race between two registrations ends in one 409.
        UniqueConstraint("institution_id", "id_number_bidx"),
        Index("ix_patients_institution_department", "institution_id", "department_id"),
    )

    mrn: Mapped[str] = mapped_column(String(32), unique=True)  # 病历号: DICOM PatientID, HL7 PID-3
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), default=None)
    name: Mapped[str] = mapped_column(String(50))
    pinyin: Mapped[str] = mapped_column(String(200), default="")
    pinyin_initials: Mapped[str] = mapped_column(String(50), default="")
    sex: Mapped[str] = mapped_column(String(10), default="unknown")  # male | female | unknown (FHIR gender)
    birth_date: Mapped[date | None] = mapped_column(default=None)
    # Encrypted with AES-GCM (SECURITY 15); *_bidx are keyed hashes for exact lookup.
    id_number_enc: Mapped[str | None] = mapped_column(String(200), default=None)
    id_number_bidx: Mapped[str | None] = mapped_column(String(40), default=None)
    phone_enc: Mapped[str | None] = mapped_column(String(200), default=None)
    phone_bidx: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    phone_tail_bidx: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    address_enc: Mapped[str | None] = mapped_column(String(1000), default=None)
    emergency_contact_enc: Mapped[str | None] = mapped_column(String(1000), default=None)
    # Masks are computed at write time so lists never decrypt.
    id_number_masked: Mapped[str | None] = mapped_column(String(32), default=None)
    phone_masked: Mapped[str | None] = mapped_column(String(32), default=None)
    insurance_type: Mapped[str] = mapped_column(String(20), default="self_pay")
    allergies: Mapped[list[str]] = mapped_column(JSON, default=list)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class PatientIdentifier(IdMixin, Base):
    """An identifier of the patient in another system (an institution's HIS patient ID …)."""

    __tablename__ = "patient_identifiers"
    __table_args__ = (UniqueConstraint("system", "value"),)

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    system: Mapped[str] = mapped_column(String(64))  # e.g. "his:GZ-PROV"
    value: Mapped[str] = mapped_column(String(64))
