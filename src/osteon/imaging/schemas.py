"""Imaging API shapes (FHIR ImagingStudy / ServiceRequest / Device / Endpoint where they fit)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from osteon.kit.schemas import Schema

AE_PATTERN = r"^[ -\[\]-~]{1,16}$"  # PS3.5 AE: 16 chars of the default repertoire, no backslash


def _ae(value: str) -> str:
    """AE titles are compared trimmed and may not be blank."""
    value = value.strip()
    if not value:
        raise ValueError("AE title is blank")
    return value


class DeviceCreate(Schema):
    """A modality or workstation allowed to call Osteon's SCP."""

    ae_title: str = Field(pattern=AE_PATTERN)
    name: str = Field("", max_length=100)
    host: str = Field("", max_length=255)
    port: int = Field(0, ge=0, le=65535)
    modality: str = Field("", max_length=16)
    may_echo: bool = True
    may_store: bool = True
    may_query: bool = False
    may_retrieve: bool = False
    enabled: bool = True
    institution_id: uuid.UUID | None = None

    _trim = field_validator("ae_title")(_ae)


class DeviceUpdate(Schema):
    """Change a device (send only what changes)."""

    name: str | None = Field(None, max_length=100)
    host: str | None = Field(None, max_length=255)
    port: int | None = Field(None, ge=0, le=65535)
    modality: str | None = Field(None, max_length=16)
    may_echo: bool | None = None
    may_store: bool | None = None
    may_query: bool | None = None
    may_retrieve: bool | None = None
    enabled: bool | None = None


class DeviceRead(Schema):
    """A configured device."""

    id: uuid.UUID
    institution_id: uuid.UUID
    ae_title: str
    name: str
    host: str
    port: int
    modality: str
    may_echo: bool
    may_store: bool
    may_query: bool
    may_retrieve: bool
    enabled: bool


class NodeCreate(Schema):
    """A remote PACS: DIMSE (AE/host/port) and/or DICOMweb (base URL)."""

    name: str = Field(max_length=100)
    ae_title: str = Field("", max_length=16)
    host: str = Field("", max_length=255)
    port: int = Field(0, ge=0, le=65535)
    dicomweb_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    retrieve_method: Literal["c-move", "c-get", "wado-rs"] = "c-move"
    enabled: bool = True
    institution_id: uuid.UUID | None = None


class NodeRead(Schema):
    """A configured PACS node."""

    id: uuid.UUID
    institution_id: uuid.UUID
    name: str
    ae_title: str
    host: str
    port: int
    dicomweb_url: str
    retrieve_method: str
    enabled: bool


class ImagingRequestCreate(Schema):
    """An imaging order: it appears on the Modality Worklist and matches incoming images by accession number."""

    patient_id: uuid.UUID
    accession_number: str | None = Field(None, pattern=r"^[A-Za-z0-9.\-_]{1,16}$")
    requested_procedure: str = Field("", max_length=64)
    requested_procedure_id: str = Field("", max_length=16)
    modality: str = Field(max_length=16, pattern=r"^[A-Z]{2,8}$")
    body_part: str = Field("", max_length=64)
    laterality: Literal["", "R", "L", "B"] = ""
    scheduled_at: datetime | None = None
    scheduled_station_ae: str = Field("", max_length=16)
    reason: str = Field("", max_length=200)


class ImagingRequestRead(Schema):
    """An imaging order."""

    id: uuid.UUID
    institution_id: uuid.UUID
    patient_id: uuid.UUID
    accession_number: str
    requested_procedure: str
    requested_procedure_id: str
    modality: str
    body_part: str
    laterality: str
    scheduled_at: datetime
    scheduled_station_ae: str
    reason: str
    status: str
    study_instance_uid: str


class StudyRead(Schema):
    """A study as the patient page and the viewer's study browser show it."""

    id: uuid.UUID
    study_instance_uid: str
    patient_id: uuid.UUID | None
    request_id: uuid.UUID | None
    dicom_patient_id: str
    patient_name: str
    study_date: str
    study_time: str
    accession_number: str
    study_description: str
    modalities: str
    num_series: int
    num_instances: int
    match_status: str
    source: str
    wado_rs_url: str
    qido_series_url: str


class ReconciliationRead(Schema):
    """An unmatched study waiting for staff."""

    id: uuid.UUID
    reason: str
    status: str
    created_at: datetime
    note: str
    study: StudyRead


class ReconcileLink(Schema):
    """Link an unmatched study to a patient (and optionally an order), or fix it."""

    patient_id: uuid.UUID
    accession_number: str | None = Field(None, max_length=16)
    note: str = Field("", max_length=500)


class RemoteStudy(Schema):
    """A study found on a remote PACS."""

    study_instance_uid: str
    patient_id: str
    patient_name: str
    study_date: str
    accession_number: str
    study_description: str
    modalities: str
    num_instances: int | None = None
    already_here: bool = False


class RetrieveRequest(Schema):
    """Bring a study from a PACS node into Osteon."""

    study_instance_uid: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$", max_length=64)
    patient_id: uuid.UUID
    method: Literal["c-move", "c-get", "wado-rs"] | None = None


class ForwardRequest(Schema):
    """Send a study Osteon holds to a PACS node."""

    study_instance_uid: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$", max_length=64)
    method: Literal["c-store", "stow-rs"] | None = None


class TransferRead(Schema):
    """A retrieval or forwarding job and its progress."""

    id: uuid.UUID
    node_id: uuid.UUID
    direction: str
    method: str
    study_instance_uid: str
    patient_id: uuid.UUID | None
    status: str
    total: int
    completed: int
    failed: int
    error: str
    created_at: datetime
    updated_at: datetime
