"""Notification API shapes."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import field_error

_HM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")


class NotificationRead(Schema):
    """An in-app message."""

    id: uuid.UUID
    event_code: str
    title: str
    body: str
    urgent: bool
    ref: str
    data: dict[str, Any]
    language: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    """A page of my notifications with the unread count."""

    items: list[NotificationRead]
    total: int
    unread: int
    limit: int
    offset: int


class PreferenceRead(Schema):
    """My channel preferences and quiet hours."""

    sms: bool
    email: bool
    email_masked: str | None
    muted_events: list[str]
    quiet_enabled: bool
    quiet_start: str | None
    quiet_end: str | None
    language: str
    version: int


class PreferenceUpdate(Schema):
    """Change my preferences; ``version`` is the one you read (0 before the first save)."""

    sms: StrictBool = True
    email: StrictBool = False
    email_address: str | None = Field(None, max_length=254, description="empty string removes it; omitted keeps it")
    muted_events: list[str] = Field(default_factory=list, max_length=20)
    quiet_enabled: StrictBool = True
    quiet_start: str | None = Field(None, description="HH:MM local time; null = hospital default 22:00")
    quiet_end: str | None = Field(None, description="HH:MM local time; null = hospital default 07:00")
    language: Literal["zh-CN", "en"] = "zh-CN"
    version: StrictInt | None = Field(None, ge=0)

    @field_validator("quiet_start", "quiet_end")
    @classmethod
    def _hm(cls, v: str | None) -> str | None:
        """HH:MM."""
        if v is not None and not _HM.match(v):
            raise field_error("time_invalid", "时间格式应为 HH:MM", "Use HH:MM")
        return v

    @field_validator("email_address")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        """A plausible address."""
        if v and not _EMAIL.match(v):
            raise field_error("email_invalid", "邮箱地址格式不正确", "Not a valid e-mail address")
        return v

    @field_validator("muted_events")
    @classmethod
    def _events(cls, v: list[str]) -> list[str]:
        """Known event codes only."""
        from osteon.notifications.templates import events

        unknown = [e for e in v if e not in events()]
        if unknown:
            raise field_error("event_unknown", "包含未知的消息类型", "Unknown event code")
        return v


class AttemptRead(Schema):
    """One delivery attempt."""

    attempt: int
    at: datetime
    outcome: str
    http_status: int | None
    error: str
    duration_ms: int


class DeliveryRead(Schema):
    """A delivery over one channel with its attempts."""

    id: uuid.UUID
    channel: str
    destination_masked: str
    status: str
    attempts: int
    not_before: datetime | None
    sent_at: datetime | None
    last_error: str
    log: list[AttemptRead]
