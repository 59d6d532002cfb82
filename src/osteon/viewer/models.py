"""Viewer tables: the measurements and annotations saved on a study (one shared, versioned set per study)
and each user's window/level presets."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin


class StudyAnnotations(IdMixin, TimestampMixin, Base):
    """The annotation set of one imaging study (Cornerstone annotations as JSON), shown to the next viewer.

    One row per study; ``version`` guards concurrent edits (409 when stale)."""

    __tablename__ = "viewer_study_annotations"

    study_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    annotations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    updated_by_name: Mapped[str] = mapped_column(String(100), default="")


class ViewerPresets(IdMixin, TimestampMixin, Base):
    """A user's own window/level presets (beside the built-in bone and soft tissue ones)."""

    __tablename__ = "viewer_presets"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), unique=True)
    presets: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
