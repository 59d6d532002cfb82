"""Viewer tables: the measurements and annotations saved on a study (one shared, versioned set per study)
and each user's window/level presets."""

from __future__ import annotations

import uuid
from datetime import date
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


class SrImport(IdMixin, TimestampMixin, Base):
    """One DICOM SR of a study, read once for measurements to show (or found to hold none).

    ``status``: ``imported`` (``annotations`` holds what the viewer draws, read-only), ``empty`` (a readable SR
    with nothing the viewer can show), ``invalid`` (not readable as a Measurement Report), ``own`` (made by this
    Osteon's export: its measurements are the study's own annotation set, never imported twice)."""

    __tablename__ = "viewer_sr_imports"

    sr_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    study_instance_uid: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    observer_name: Mapped[str] = mapped_column(String(100), default="")
    content_date: Mapped[date | None] = mapped_column(default=None)
    annotations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    skipped: Mapped[int] = mapped_column(default=0)
    # groups on images the study did not hold yet, and the study's instance count when read: the SR is read
    # again once more instances arrived (a PACS may send the SR before the images it measures)
    waiting: Mapped[int] = mapped_column(default=0)
    study_instances: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(200), default="")


class UidIssuer(IdMixin, TimestampMixin, Base):
    """This installation's identity in the UIDs its SR exports derive (one row, ``repository.UID_ISSUER_ROW``, made at
    the first export and carried by backups).

    The export's series, instance and tracking UIDs are UUID-derived from the study, the annotation version and
    ``issuer``: stable for one installation (exporting a version again finds the stored object), different
    between two Osteons exporting the same study (a county and a provincial hospital in a consultation), so
    neither refuses the other's SR as a conflicting duplicate nor takes it for its own."""

    __tablename__ = "viewer_uid_issuer"

    issuer: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)

