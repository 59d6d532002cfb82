"""Imaging tables: the study/series/instance index (FHIR ImagingStudy), devices, PACS nodes, imaging
requests (FHIR ServiceRequest), reconciliation worklist, duplicate conflicts and transfer jobs."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class DicomDevice(IdMixin, TimestampMixin, Base):
    """A modality or workstation allowed to talk to Osteon's SCP (identified by its calling AE title)."""

    __tablename__ = "imaging_devices"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    ae_title: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    host: Mapped[str] = mapped_column(String(255), default="")  # "" = any address; needed as C-MOVE destination
    port: Mapped[int] = mapped_column(default=0)
    modality: Mapped[str] = mapped_column(String(16), default="")
    may_echo: Mapped[bool] = mapped_column(default=True)
    may_store: Mapped[bool] = mapped_column(default=True)
    may_query: Mapped[bool] = mapped_column(default=False)
    may_retrieve: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)


class PacsNode(IdMixin, TimestampMixin, Base):
    """An existing PACS Osteon queries, retrieves from and forwards to (DIMSE and/or DICOMweb)."""

    __tablename__ = "imaging_pacs_nodes"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    ae_title: Mapped[str] = mapped_column(String(16), default="")
    host: Mapped[str] = mapped_column(String(255), default="")
    port: Mapped[int] = mapped_column(default=0)
    dicomweb_url: Mapped[str] = mapped_column(String(500), default="")
    retrieve_method: Mapped[str] = mapped_column(String(16), default="c-move")  # c-move | c-get | wado-rs
    enabled: Mapped[bool] = mapped_column(default=True)


class ImagingRequest(IdMixin, TimestampMixin, Base):
    """An imaging order (FHIR ServiceRequest) keyed by accession number; feeds the Modality Worklist."""

    __tablename__ = "imaging_requests"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    accession_number: Mapped[str] = mapped_column(String(16), unique=True)
    requested_procedure_id: Mapped[str] = mapped_column(String(16), default="")
    requested_procedure: Mapped[str] = mapped_column(String(64), default="")
    modality: Mapped[str] = mapped_column(String(16), default="")
    body_part: Mapped[str] = mapped_column(String(64), default="")
    laterality: Mapped[str] = mapped_column(String(1), default="")  # R | L | B | ""
    scheduled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    scheduled_station_ae: Mapped[str] = mapped_column(String(16), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled|in_progress|completed|cancelled
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class Study(IdMixin, TimestampMixin, Base):
    """One DICOM study, with the attributes QIDO and C-FIND match on indexed."""

    __tablename__ = "imaging_studies"
    __table_args__ = (
        Index("ix_imaging_studies_patient_date", "patient_id", "study_date"),
        Index("ix_imaging_studies_inst_date", "institution_id", "study_date"),
    )

    study_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), default=None)
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("imaging_requests.id"), default=None, index=True)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.id"), default=None)
    dicom_patient_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    patient_name: Mapped[str] = mapped_column(String(400), default="", index=True)  # decoded PN, all groups
    patient_birth_date: Mapped[str] = mapped_column(String(8), default="")
    patient_sex: Mapped[str] = mapped_column(String(16), default="")
    study_date: Mapped[str] = mapped_column(String(8), default="", index=True)
    study_time: Mapped[str] = mapped_column(String(16), default="")
    accession_number: Mapped[str] = mapped_column(String(16), default="", index=True)
    study_id: Mapped[str] = mapped_column(String(16), default="")
    study_description: Mapped[str] = mapped_column(String(200), default="")
    referring_physician: Mapped[str] = mapped_column(String(200), default="")
    modalities: Mapped[str] = mapped_column(String(100), default="")  # backslash-separated, as DICOM CS
    num_series: Mapped[int] = mapped_column(default=0)
    num_instances: Mapped[int] = mapped_column(default=0)
    match_status: Mapped[str] = mapped_column(String(16), default="matched")  # matched | unmatched
    source: Mapped[str] = mapped_column(String(80), default="")
    last_received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Series(IdMixin, TimestampMixin, Base):
    """One DICOM series."""

    __tablename__ = "imaging_series"

    study_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imaging_studies.id", ondelete="CASCADE"), index=True)
    series_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    modality: Mapped[str] = mapped_column(String(16), default="", index=True)
    series_number: Mapped[int | None] = mapped_column(default=None)
    series_description: Mapped[str] = mapped_column(String(200), default="")
    body_part: Mapped[str] = mapped_column(String(64), default="")
    laterality: Mapped[str] = mapped_column(String(16), default="")
    num_instances: Mapped[int] = mapped_column(default=0)


class Instance(IdMixin, Base):
    """One stored SOP instance: index row of a content-addressed file."""

    __tablename__ = "imaging_instances"

    study_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imaging_studies.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imaging_series.id", ondelete="CASCADE"), index=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    sop_class_uid: Mapped[str] = mapped_column(String(64), index=True)
    transfer_syntax_uid: Mapped[str] = mapped_column(String(64))
    instance_number: Mapped[int | None] = mapped_column(default=None)
    rows: Mapped[int | None] = mapped_column(default=None)
    columns: Mapped[int | None] = mapped_column(default=None)
    number_of_frames: Mapped[int] = mapped_column(default=1)
    file_hash: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the stored file = its address
    file_size: Mapped[int] = mapped_column(BigInteger)
    meta_json: Mapped[str] = mapped_column(Text, default="{}")  # DICOM JSON without bulk data, for WADO-RS metadata
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InstanceConflict(IdMixin, Base):
    """A second, different object under an already stored SOP Instance UID (the first is kept)."""

    __tablename__ = "imaging_conflicts"

    sop_instance_uid: Mapped[str] = mapped_column(String(64), index=True)
    kept_hash: Mapped[str] = mapped_column(String(64))
    rejected_hash: Mapped[str] = mapped_column(String(64))
    rejected_size: Mapped[int] = mapped_column(BigInteger, default=0)
    source: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReconciliationItem(IdMixin, TimestampMixin, Base):
    """A study that arrived without a matching patient (or with a conflicting order): staff link or fix it."""

    __tablename__ = "imaging_reconciliation"

    study_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imaging_studies.id", ondelete="CASCADE"), unique=True)
    institution_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("institutions.id"), default=None, index=True)
    reason: Mapped[str] = mapped_column(String(32))  # unknown_patient | patient_mismatch
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | resolved
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(String(500), default="")


class Transfer(IdMixin, TimestampMixin, Base):
    """Retrieval from, or forwarding to, a PACS node: a durable job whose progress is shown to the user."""

    __tablename__ = "imaging_transfers"

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("imaging_pacs_nodes.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))  # retrieve | forward
    method: Mapped[str] = mapped_column(String(16))  # c-move | c-get | wado-rs | c-store | stow-rs
    study_instance_uid: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    total: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
