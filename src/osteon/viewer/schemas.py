"""Viewer API shapes: a study's annotation set (measurements drawn in the viewer) and window/level presets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from osteon.kit.schemas import Schema

UID = r"^[0-9.]{1,64}$"


class Annotation(Schema):
    """One measurement or annotation as the viewer stores it (Cornerstone3D's annotation JSON in ``data``)."""

    uid: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    tool: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9]+$")
    series_instance_uid: str = Field("", max_length=64, pattern=r"^[0-9.]{0,64}$")
    sop_instance_uid: str = Field("", max_length=64, pattern=r"^[0-9.]{0,64}$")
    frame: int = Field(1, ge=1, le=100_000, strict=True)
    label: str = Field("", max_length=200)
    author: str = Field("", max_length=100)
    created_at: str = Field("", max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)


class AnnotationSetWrite(Schema):
    """Replace a study's annotation set; ``version`` is the one you read (0 when there was none)."""

    annotations: list[Annotation] = Field(max_length=500)
    version: int = Field(ge=0, strict=True)


class ImportedAnnotation(Annotation):
    """A measurement read from a DICOM SR another workstation sent: drawn by the viewer, never edited or
    deleted (``read_only``); ``values``/``units`` are what the SR reports, keyed by the measurement's meaning."""

    imported: bool = True
    read_only: bool = True
    source_sr_instance_uid: str
    observer_name: str
    content_date: date | None
    values: dict[str, float] = Field(default_factory=dict)
    units: dict[str, str] = Field(default_factory=dict)


class SrSourceRead(Schema):
    """One SR of the study read for measurements: ``imported`` (some shown), ``empty`` (nothing the viewer can
    show) or ``invalid`` (not a readable Measurement Report). Osteon's own exports are not listed."""

    sr_instance_uid: str
    status: str
    observer_name: str
    content_date: date | None
    measurements: int
    skipped: int


class AnnotationSetRead(Schema):
    """A study's saved annotations, and the read-only measurements imported from SRs it received."""

    study_instance_uid: str
    annotations: list[Annotation]
    version: int
    updated_at: datetime | None
    updated_by_name: str
    can_edit: bool
    imported: list[ImportedAnnotation] = Field(default_factory=list)
    sr_sources: list[SrSourceRead] = Field(default_factory=list)


class WindowPreset(Schema):
    """A named window/level."""

    name: str = Field(min_length=1, max_length=40)
    window_width: float = Field(gt=0, le=100_000, strict=True)
    window_center: float = Field(ge=-100_000, le=100_000, strict=True)


class PresetsWrite(Schema):
    """Replace your presets."""

    presets: list[WindowPreset] = Field(max_length=30)
    version: int = Field(ge=0, strict=True)


class PresetsRead(Schema):
    """Your presets."""

    presets: list[WindowPreset]
    version: int


class SrMeasurement(Schema):
    """One measurement written into the SR (values recomputed from the stored geometry)."""

    uid: str
    tool: str
    sop_instance_uid: str
    frame: int
    values: dict[str, float]
    unit: str


class SrExportRead(Schema):
    """The DICOM SR (TID 1500 Measurement Report, Comprehensive 3D SR) made from a study's annotation set."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    annotations_version: int
    created: bool  # False when this version had already been exported (the stored SR is returned)
    measurements: list[SrMeasurement]
    skipped: list[str]  # uids of annotations that are not measurements or reference no image of the study
    wado_rs_url: str
