"""Notifications (FHIR CommunicationRequest/Communication), deliveries, attempts, preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class Notification(IdMixin, Base):
    """One message to one person (in-app inbox row); SMS/e-mail copies are deliveries of it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_ref", "ref"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), default=None, index=True)
    event_code: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    ref: Mapped[str] = mapped_column(String(200), default="")  # what it is about, e.g. appointment:<id>; dedupe key
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(IdMixin, TimestampMixin, Base):
    """Sending one notification over one external channel (sms | email)."""

    __tablename__ = "notification_deliveries"

    notification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    destination_masked: Mapped[str] = mapped_column(String(100), default="")  # never the full number/address
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|deferred|retrying|sent|dead|skipped
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None] = mapped_column(default=None)  # quiet hours
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class DeliveryAttempt(IdMixin, Base):
    """The delivery log: one row per attempt."""

    __tablename__ = "notification_delivery_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notification_deliveries.id"), index=True)
    attempt: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | retry | dead
    http_status: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)


class Preference(IdMixin, TimestampMixin, Base):
    """A user's channels, muted events, quiet hours, language and (encrypted) e-mail address."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    sms: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
    muted_events: Mapped[list[str]] = mapped_column(JSON, default=list)  # no SMS/e-mail for these (in-app stays)
    quiet_start: Mapped[str | None] = mapped_column(String(5), default=None)  # None: the deployment default
    quiet_end: Mapped[str | None] = mapped_column(String(5), default=None)
    quiet_enabled: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(10), default="zh-CN")
    email_enc: Mapped[str | None] = mapped_column(String(500), default=None)
    email_masked: Mapped[str | None] = mapped_column(String(100), default=None)
    version: Mapped[int] = mapped_column(default=1)
