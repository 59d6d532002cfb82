"""Consultation tables (FHIR R4: ServiceRequest for the request, Consent, Communication for chat,
DiagnosticReport-like signed opinion). Every status change is an explicit timestamped event row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class Consultation(IdMixin, TimestampMixin, Base):
    """A request from one institution's doctor to another institution's expert about one patient."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_target_status", "target_institution_id", "status"),
        Index("ix_consultations_requesting_status", "requesting_institution_id", "status"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    requester_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    requesting_institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    target_institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    target_department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), default=None)
    subspecialty: Mapped[str] = mapped_column(String(32), default="")  # department code at the target (SPINE …)
    preferred_expert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    expert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    type: Mapped[str] = mapped_column(String(32))  # difficult_case | preop_assessment | surgical_guidance | imaging
    urgency: Mapped[str] = mapped_column(String(16))  # urgent | routine
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None)
    proposed_times: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO-8601 UTC instants
    proposal_note: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    sla_due_at: Mapped[datetime]
    responded_at: Mapped[datetime | None] = mapped_column(default=None)  # first accept/decline/propose
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    reported_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)  # bumped on every transition (clients may show staleness)


class ConsultationConsent(IdMixin, Base):
    """The patient's consent to share the listed data with the consultant (FHIR Consent); recorded first."""

    __tablename__ = "consultation_consents"

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    given_by: Mapped[str] = mapped_column(String(16))  # patient | guardian
    method: Mapped[str] = mapped_column(String(16))  # written | verbal | electronic
    note: Mapped[str] = mapped_column(Text, default="")
    recording: Mapped[bool] = mapped_column(default=False)  # may the video session be recorded
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class SharedItem(IdMixin, Base):
    """One piece of the patient's record shared with the consultant (becomes a grant scope ref)."""

    __tablename__ = "consultation_shared_items"
    __table_args__ = (UniqueConstraint("consultation_id", "kind", "ref"),)

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # study | encounter | order | result
    ref: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200), default="")


class Participant(IdMixin, Base):
    """Someone in the consultation's room: requester, expert, invited colleague or the patient."""

    __tablename__ = "consultation_participants"
    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # requester | expert | colleague | patient
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsultationEvent(IdMixin, Base):
    """One step of the status history both sides see: who, when, from → to, and a note."""

    __tablename__ = "consultation_events"
    __table_args__ = (UniqueConstraint("consultation_id", "seq"),)

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"))
    seq: Mapped[int] = mapped_column(default=0)  # order within the consultation
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ConsultationReport(IdMixin, TimestampMixin, Base):
    """The expert's structured opinion; a signed report never changes (an amendment is a new row)."""

    __tablename__ = "consultation_reports"

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"), index=True)
    amends_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consultation_reports.id"), default=None)
    is_current: Mapped[bool] = mapped_column(default=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    assessment: Mapped[str] = mapped_column(Text, default="")
    diagnosis_text: Mapped[str] = mapped_column(Text, default="")
    icd10_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    recommendation: Mapped[str] = mapped_column(Text, default="")
    transfer_advised: Mapped[bool] = mapped_column(default=False)
    surgery_advised: Mapped[bool] = mapped_column(default=False)
    preop_plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | signed
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_by_name: Mapped[str] = mapped_column(String(100), default="")
    version: Mapped[int] = mapped_column(default=1)


class Attachment(IdMixin, Base):
    """A chat attachment; the bytes live under ``<data_dir>/consultations/<sha256[:2]>/<sha256>``."""

    __tablename__ = "consultation_attachments"

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"), index=True)
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(IdMixin, Base):
    """A chat message in the room (FHIR Communication)."""

    __tablename__ = "consultation_messages"
    __table_args__ = (Index("ix_consultation_messages_consultation_at", "consultation_id", "created_at"),)

    consultation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consultations.id"))
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    sender_name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consultation_attachments.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
