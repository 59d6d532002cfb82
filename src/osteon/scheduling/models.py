"""Clinic sessions (FHIR Schedule), slots (Slot), appointments and registrations (Appointment) and the queue."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin

# Appointment statuses (FHIR Appointment.status in brackets): booked (booked), checked_in (arrived),
# called (arrived, being seen), completed (fulfilled), cancelled (cancelled), no_show (noshow).
ACTIVE_STATUSES = ("booked", "checked_in", "called")


class ClinicSession(IdMixin, TimestampMixin, Base):
    """One doctor's half-day clinic in a subspecialty department (出诊): FHIR Schedule for one period."""

    __tablename__ = "clinic_sessions"
    __table_args__ = (
        UniqueConstraint("doctor_id", "session_date", "period"),
        Index("ix_clinic_sessions_department_date", "department_id", "session_date"),
    )

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    session_date: Mapped[date]
    period: Mapped[str] = mapped_column(String(16))  # morning | afternoon | evening
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    slot_minutes: Mapped[int]
    capacity: Mapped[int]
    fee_category: Mapped[str] = mapped_column(String(32))
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    room: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | cancelled
    # Queue state: call-next count (drives the skip rule), next queue number, and a version bumped (under
    # the row lock) by every change, so clients keep the newest state whatever order events arrive in.
    queue_calls: Mapped[int] = mapped_column(default=0)
    next_queue_no: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)


class Slot(IdMixin, Base):
    """A bookable time window of a session; ``booked`` never exceeds ``capacity`` (checked by the database too)."""

    __tablename__ = "clinic_slots"
    __table_args__ = (CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_sessions.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)


class Appointment(IdMixin, TimestampMixin, Base):
    """A booking (预约) or walk-in registration (挂号) and its way through the queue (FHIR Appointment)."""

    __tablename__ = "appointments"
    __table_args__ = (
        # One active appointment per patient per session, enforced by the database (races end in one 409).
        Index("uq_appointments_session_patient_active", "session_id", "patient_id", unique=True,
              sqlite_where=text("status IN ('booked', 'checked_in', 'called')"),
              postgresql_where=text("status IN ('booked', 'checked_in', 'called')")),
        Index("ix_appointments_patient_date", "patient_id", "session_date"),
    )

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_sessions.id"), index=True)
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clinic_slots.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    session_date: Mapped[date]
    source: Mapped[str] = mapped_column(String(16))  # staff | portal | walk_in
    status: Mapped[str] = mapped_column(String(16), default="booked")
    visit_no: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)  # 门诊流水号
    queue_no: Mapped[int | None] = mapped_column(default=None)
    priority: Mapped[int] = mapped_column(default=2)  # rank from queue_rules.yaml: 0 emergency, 1 priority, 2 normal
    priority_reason: Mapped[str] = mapped_column(String(32), default="")
    fee_category: Mapped[str] = mapped_column(String(32))
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    booked_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)
    called_at: Mapped[datetime | None] = mapped_column(default=None)
    call_count: Mapped[int] = mapped_column(default=0)
    skip_count: Mapped[int] = mapped_column(default=0)
    skipped_at_call: Mapped[int | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    refunded: Mapped[bool] = mapped_column(default=False)
    no_show_at: Mapped[datetime | None] = mapped_column(default=None)
    near_notified: Mapped[bool] = mapped_column(default=False)


class VisitCounter(Base):
    """Per-institution, per-day counter behind visit numbers (Q-20261125-0001)."""

    __tablename__ = "visit_counters"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
