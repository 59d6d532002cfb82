"""Surgeries (FHIR Procedure) with checklist, OR bookings (room and staff time blocks under unique
constraints, so overlaps are impossible even under races), coded procedures, implants and complications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class OperatingRoom(IdMixin, TimestampMixin, Base):
    """An operating room (手术间)."""

    __tablename__ = "or_rooms"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class Surgery(IdMixin, TimestampMixin, Base):
    """A surgery from request to record (FHIR Procedure + its ServiceRequest)."""

    __tablename__ = "surgeries"
    __table_args__ = (Index("ix_surgeries_institution_status", "institution_id", "status"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounters.id"), default=None)
    admission_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    requested_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    planned_procedure: Mapped[str] = mapped_column(String(200))
    planned_code: Mapped[str] = mapped_column(String(16), default="")  # ICD-9-CM-3
    laterality: Mapped[str] = mapped_column(String(8), default="")
    grade: Mapped[int | None] = mapped_column(default=None)  # 手术分级 1–4 (一级 … 四级)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested|scheduled|in_progress|completed|cancelled
    # Pre-op checklist (术前核查)
    consent_signed: Mapped[bool] = mapped_column(default=False)
    asa_class: Mapped[str | None] = mapped_column(String(4), default=None)  # I … VI
    anaesthesia_assessed: Mapped[bool] = mapped_column(default=False)
    site_marked: Mapped[bool] = mapped_column(default=False)
    implants_required: Mapped[bool] = mapped_column(default=False)
    implants_prepared: Mapped[bool] = mapped_column(default=False)
    blood_required: Mapped[bool] = mapped_column(default=False)
    blood_prepared: Mapped[bool] = mapped_column(default=False)
    vte_assessed: Mapped[bool] = mapped_column(default=False)
    caprini_score: Mapped[int | None] = mapped_column(default=None)
    # Record (手术记录)
    surgeon_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    anaesthetist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    actual_start_at: Mapped[datetime | None] = mapped_column(default=None)
    actual_end_at: Mapped[datetime | None] = mapped_column(default=None)
    blood_loss_ml: Mapped[int | None] = mapped_column(default=None)
    operative_note: Mapped[str] = mapped_column(Text, default="")
    # Unplanned return to theatre (非计划重返手术室): counted at 48 h and 31 d after the index operation.
    unplanned_return: Mapped[bool] = mapped_column(default=False)
    index_surgery_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("surgeries.id"), default=None)
    return_interval_minutes: Mapped[int | None] = mapped_column(default=None)
    return_within_48h: Mapped[bool | None] = mapped_column(default=None)
    return_within_31d: Mapped[bool | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class OrBooking(IdMixin, TimestampMixin, Base):
    """The OR slot of a surgery: room, team and planned start/end."""

    __tablename__ = "or_bookings"
    __table_args__ = (Index("ix_or_bookings_room_start", "room_id", "start_at"),)

    surgery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surgeries.id"), unique=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("or_rooms.id"))
    surgeon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    anaesthetist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    booked_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class OrTimeBlock(IdMixin, Base):
    """One 15-minute block held by a booking for a room or a person; the unique keys make overlapping
    bookings impossible on any database, also when two requests race."""

    __tablename__ = "or_time_blocks"
    __table_args__ = (UniqueConstraint("resource", "block_start"),)

    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("or_bookings.id", ondelete="CASCADE"), index=True)
    resource: Mapped[str] = mapped_column(String(48))  # "room:<uuid>" | "staff:<uuid>"
    block_start: Mapped[datetime] = mapped_column()


class SurgeryProcedure(IdMixin, Base):
    """A performed procedure code (ICD-9-CM-3) of a surgery; rank 1 is the principal operation."""

    __tablename__ = "surgery_procedures"

    surgery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surgeries.id"), index=True)
    rank: Mapped[int] = mapped_column(default=1)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    grade: Mapped[int | None] = mapped_column(default=None)


class Implant(IdMixin, Base):
    """An implanted device (植入物登记): searchable by lot and UDI for recalls."""

    __tablename__ = "implants"

    surgery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surgeries.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    manufacturer: Mapped[str] = mapped_column(String(100))
    product: Mapped[str] = mapped_column(String(200))
    lot: Mapped[str] = mapped_column(String(64), index=True)
    udi: Mapped[str] = mapped_column(String(120), default="", index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    implanted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Complication(IdMixin, Base):
    """A coded complication after a surgery, with when it happened."""

    __tablename__ = "surgery_complications"

    surgery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surgeries.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    code: Mapped[str] = mapped_column(String(16))  # ICD-10, e.g. T81.4 infection following a procedure
    description: Mapped[str] = mapped_column(String(300), default="")
    occurred_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
