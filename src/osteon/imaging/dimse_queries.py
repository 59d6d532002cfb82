"""Database work for the SCP's DIMSE services; each function is one unit of work on the app's loop."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from sqlalchemy import ColumnElement, func

from osteon.db import Database
from osteon.imaging import orders_link, repository, service
from osteon.imaging.charset import response_charset, text_of
from osteon.imaging.models import ImagingRequest, Instance, Series, Study
from osteon.patients.models import Patient
from osteon.security import audit

MAX_MATCHES = 5000
_SEX = {"male": "M", "female": "F"}


class BadIdentifier(Exception):
    """The request identifier cannot be answered (missing level or keys)."""


async def known_ae_titles(db: Database) -> list[str]:
    """Every calling AE title the SCP accepts."""
    async with db.transaction() as session:
        return await repository.known_ae_titles(session)


def _is_ip(value: str) -> bool:
    """True for a literal IP address."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


async def caller_for(db: Database, ae_title: str, address: str) -> Any:
    """The Caller (device or PACS node) behind an association, or None."""
    from osteon.imaging.scp import Caller

    async with db.transaction() as session:
        device = await repository.device_by_ae(session, ae_title)
        if device is not None and device.enabled:
            if device.host and _is_ip(device.host) and device.host != address:
                return None  # a known AE title from the wrong address
            return Caller(device.ae_title, device.institution_id, device.may_echo, device.may_store,
                          device.may_query, device.may_retrieve)
        node = await repository.node_by_ae(session, ae_title)
        if node is not None and node.enabled:
            return Caller(node.ae_title, node.institution_id, True, True, False, False)
    return None


async def move_destination(db: Database, ae_title: str) -> tuple[str, int] | None:
    """(host, port) of a known C-MOVE destination."""
    async with db.transaction() as session:
        device = await repository.device_by_ae(session, ae_title.strip())
        if device is not None and device.enabled and device.host and device.port:
            return device.host, device.port
        node = await repository.node_by_ae(session, ae_title.strip())
        if node is not None and node.enabled and node.host and node.port:
            return node.host, node.port
    return None


def _filters(ident: Dataset) -> dict[str, str]:
    """Matching keys with values from a C-FIND/C-MOVE identifier (decoded with its character set)."""
    out: dict[str, str] = {}
    for elem in ident:
        if elem.VR == "SQ" or elem.keyword in ("QueryRetrieveLevel", "SpecificCharacterSet", ""):
            continue
        value = text_of(elem.value).strip()
        if value and value != "*":
            out[elem.keyword] = value
    return out


def _level(ident: Dataset) -> str:
    """The Query/Retrieve Level."""
    level = str(ident.get("QueryRetrieveLevel", "")).strip().upper()
    if level not in ("PATIENT", "STUDY", "SERIES", "IMAGE"):
        raise BadIdentifier("Query/Retrieve Level missing or invalid")
    return level


def _study_values(s: Study) -> dict[str, Any]:
    """Study-level attribute values."""
    return {
        "PatientID": s.dicom_patient_id, "PatientName": s.patient_name, "PatientBirthDate": s.patient_birth_date,
        "PatientSex": s.patient_sex, "StudyInstanceUID": s.study_instance_uid, "StudyDate": s.study_date,
        "StudyTime": s.study_time, "AccessionNumber": s.accession_number, "StudyID": s.study_id,
        "StudyDescription": s.study_description, "ReferringPhysicianName": s.referring_physician,
        "ModalitiesInStudy": [m for m in s.modalities.split("\\") if m],
        "NumberOfStudyRelatedSeries": s.num_series, "NumberOfStudyRelatedInstances": s.num_instances,
    }


def _series_values(se: Series) -> dict[str, Any]:
    """Series-level attribute values."""
    return {
        "SeriesInstanceUID": se.series_instance_uid, "Modality": se.modality, "SeriesNumber": se.series_number,
        "SeriesDescription": se.series_description, "BodyPartExamined": se.body_part,
        "NumberOfSeriesRelatedInstances": se.num_instances,
    }


def _instance_values(i: Instance) -> dict[str, Any]:
    """Instance-level attribute values."""
    return {
        "SOPInstanceUID": i.sop_instance_uid, "SOPClassUID": i.sop_class_uid, "InstanceNumber": i.instance_number,
        "Rows": i.rows, "Columns": i.columns, "NumberOfFrames": i.number_of_frames,
    }


def _response(ident: Dataset, values: dict[str, Any], level: str, our_ae: str) -> Dataset:
    """The requested keys filled from ``values`` (unknown keys returned empty), in a fitting charset."""
    ds = Dataset()
    texts = [v for v in values.values() if isinstance(v, str)]
    charset = response_charset(ident.get("SpecificCharacterSet"), texts)
    if charset:
        ds.SpecificCharacterSet = charset
    for elem in ident:
        kw = elem.keyword
        if kw in ("SpecificCharacterSet", "QueryRetrieveLevel") or not kw:
            continue
        value = values.get(kw)
        if value is None or value == "" or value == []:
            if elem.VR != "SQ":
                ds.add_new(elem.tag, elem.VR, None)
            continue
        setattr(ds, kw, value)
    ds.QueryRetrieveLevel = level
    ds.RetrieveAETitle = our_ae
    return ds


async def find(db: Database, caller: Any, ident: Dataset, our_ae: str) -> list[Dataset]:
    """C-FIND (patient and study root) within the caller's institution; audited."""
    level = _level(ident)
    filters = _filters(ident)
    scope = repository.visible_to_device(caller.institution_id)
    out: list[Dataset] = []
    async with db.transaction() as session:
        patient_ids: set[str] = set()
        if level in ("PATIENT", "STUDY"):
            studies = await repository.find_studies(session, scope, service.conditions_for(filters, "study"),
                                                    MAX_MATCHES, 0)
            if level == "PATIENT":
                by_pid: dict[str, list[Study]] = {}
                for s in studies:
                    by_pid.setdefault(s.dicom_patient_id, []).append(s)
                for group in by_pid.values():
                    values = _study_values(group[0])
                    values["NumberOfPatientRelatedStudies"] = len(group)
                    out.append(_response(ident, values, level, our_ae))
            else:
                out = [_response(ident, _study_values(s), level, our_ae) for s in studies]
            patient_ids = {str(s.patient_id) for s in studies if s.patient_id}
        elif level == "SERIES":
            rows = await repository.find_series(session, scope, service.conditions_for(filters, "series"),
                                                MAX_MATCHES, 0)
            out = [_response(ident, {**_study_values(st), **_series_values(se)}, level, our_ae) for se, st in rows]
            patient_ids = {str(st.patient_id) for _, st in rows if st.patient_id}
        else:
            rows3 = await repository.find_instances(session, scope, service.conditions_for(filters, "instance"),
                                                    MAX_MATCHES, 0)
            out = [_response(ident, {**_study_values(st), **_series_values(se), **_instance_values(i)}, level, our_ae)
                   for i, se, st in rows3]
            patient_ids = {str(st.patient_id) for _, _, st in rows3 if st.patient_id}
        audit.record(session, "imaging.query", username=f"AE:{caller.ae_title}", resource_type="ImagingStudy",
                     detail={"level": level, "matches": len(out), "patients": sorted(patient_ids)[:200]})
    return out


async def files_for_retrieve(db: Database, caller: Any, ident: Dataset) -> list[tuple[str, str, str]]:
    """(hash, SOP class, transfer syntax) of the instances a C-MOVE/C-GET asks for; audited."""
    _level(ident)
    filters = _filters(ident)
    if not any(k in filters for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "PatientID")):
        raise BadIdentifier("No unique key in the retrieve identifier")
    scope = repository.visible_to_device(caller.institution_id)
    async with db.transaction() as session:
        rows = await repository.find_instances(session, scope, service.conditions_for(filters, "instance"), 65535, 0)
        patient_ids = sorted({str(st.patient_id) for _, _, st in rows if st.patient_id})
        audit.record(session, "imaging.retrieve", username=f"AE:{caller.ae_title}", resource_type="ImagingStudy",
                     detail={"instances": len(rows), "patients": patient_ids[:200],
                             "studies": sorted({st.study_instance_uid for _, _, st in rows})[:50]})
    return [(i.file_hash, i.sop_class_uid, i.transfer_syntax_uid) for i, _, _ in rows]


def _date_range(value: str, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """A DICOM DA value or range (local dates) → UTC bounds."""
    lo_s, _, hi_s = value.partition("-") if "-" in value else (value, "", value)
    lo = datetime.combine(datetime.strptime(lo_s, "%Y%m%d").date(), time.min, tz) if lo_s else None
    hi = (datetime.combine(datetime.strptime(hi_s, "%Y%m%d").date(), time.min, tz) + timedelta(days=1)) if hi_s else None
    return lo, hi


async def worklist(db: Database, caller: Any, ident: Dataset, timezone: str) -> list[Dataset]:
    """Modality Worklist C-FIND generated from imaging requests of the caller's institution; audited."""
    tz = ZoneInfo(timezone)
    conditions: list[ColumnElement[bool]] = []
    sps_query = ident.get("ScheduledProcedureStepSequence")
    sps_item = sps_query[0] if sps_query else Dataset()
    try:
        modality = text_of(sps_item.get("Modality", "")).strip()
        station = text_of(sps_item.get("ScheduledStationAETitle", "")).strip()
        date_value = text_of(sps_item.get("ScheduledProcedureStepStartDate", "")).strip()
        if modality and modality != "*":
            conditions.append(ImagingRequest.modality == modality)
        if station and station != "*":
            conditions.append(ImagingRequest.scheduled_station_ae.in_((station, "")))
        if date_value and date_value != "*":
            lo, hi = _date_range(date_value, tz)
            if lo:
                conditions.append(ImagingRequest.scheduled_at >= lo)
            if hi:
                conditions.append(ImagingRequest.scheduled_at < hi)
    except ValueError as exc:
        raise BadIdentifier(f"Bad worklist key: {exc}") from None
    top = _filters(ident)
    if top.get("PatientID"):
        conditions.append(Patient.mrn == top["PatientID"])
    if top.get("AccessionNumber"):
        conditions.append(ImagingRequest.accession_number == top["AccessionNumber"])
    if top.get("PatientName"):
        conditions.append(func.lower(Patient.name).like(service._like(top["PatientName"]).lower(), escape="\\"))
    out: list[Dataset] = []
    async with db.transaction() as session:
        # Imaging orders committed but not linked yet (event lost, sweep not run) are on the worklist too.
        await orders_link.sync(session, institution_id=caller.institution_id)
        rows = await repository.worklist(session, caller.institution_id, conditions)
        for req, patient in rows:
            local = req.scheduled_at.astimezone(tz)
            values: dict[str, Any] = {
                "PatientName": patient.name, "PatientID": patient.mrn,
                "PatientBirthDate": patient.birth_date.strftime("%Y%m%d") if patient.birth_date else "",
                "PatientSex": _SEX.get(patient.sex, "O"), "AccessionNumber": req.accession_number,
                "RequestedProcedureID": req.requested_procedure_id,
                "RequestedProcedureDescription": req.requested_procedure,
                "StudyInstanceUID": service.request_study_uid(req.id), "ReferringPhysicianName": "",
            }
            sps = {
                "Modality": req.modality, "ScheduledStationAETitle": req.scheduled_station_ae or caller.ae_title,
                "ScheduledProcedureStepStartDate": local.strftime("%Y%m%d"),
                "ScheduledProcedureStepStartTime": local.strftime("%H%M%S"),
                "ScheduledProcedureStepDescription": req.requested_procedure,
                "ScheduledProcedureStepID": req.requested_procedure_id, "ScheduledPerformingPhysicianName": "",
            }
            ds = Dataset()
            charset = response_charset(ident.get("SpecificCharacterSet"), [patient.name, req.requested_procedure])
            if charset:
                ds.SpecificCharacterSet = charset
            for kw in ("PatientName", "PatientID", "AccessionNumber", "StudyInstanceUID"):
                setattr(ds, kw, values[kw])
            for elem in ident:
                kw = elem.keyword
                if kw in values and kw not in ds:
                    if values[kw] in ("", None):
                        ds.add_new(elem.tag, elem.VR, None)
                    else:
                        setattr(ds, kw, values[kw])
            item = Dataset()
            wanted = [e.keyword for e in sps_item] or list(sps)
            for kw in wanted:
                if sps.get(kw):
                    setattr(item, kw, sps[kw])
            ds.ScheduledProcedureStepSequence = DicomSequence([item])
            out.append(ds)
        audit.record(session, "imaging.worklist.query", username=f"AE:{caller.ae_title}", resource_type="ServiceRequest",
                     detail={"matches": len(out), "patients": sorted({str(p.id) for _, p in rows})[:200]})
    return out


__all__ = [
    "BadIdentifier",
    "caller_for",
    "files_for_retrieve",
    "find",
    "known_ae_titles",
    "move_destination",
    "uuid",
    "worklist",
]
