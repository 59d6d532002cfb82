"""Triage tables: a pre-visit interview session, resumable before login by its secret token."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin


class TriageInterview(IdMixin, TimestampMixin, Base):
    """One pre-visit interview (预问诊): engine state, chat transcript and, once done, the doctor's summary.

    Close to FHIR QuestionnaireResponse (subject = patient, basedOn = appointment). The resume token is
    stored only as its SHA-256: whoever holds the token (the browser that started it) may continue it.
    """

    __tablename__ = "triage_interviews"
    __table_args__ = (Index("ix_triage_interviews_patient_created", "patient_id", "created_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), default=None)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    # No foreign key: appointments live in the scheduling branch of the migrations (verified via its service).
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    department: Mapped[str] = mapped_column(String(32), default="other")
    urgency: Mapped[str] = mapped_column(String(16), default="routine")
    red_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    done: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)
