"""Talking to existing PACS nodes: C-ECHO, C-FIND, C-MOVE, C-GET, C-STORE (pynetdicom SCU, blocking —
run in a thread) and QIDO-RS / WADO-RS / STOW-RS (httpx, async)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, StoragePresentationContexts, build_context, build_role, evt
from pynetdicom.sop_class import (
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from osteon.imaging import multipart
from osteon.imaging.charset import text_of
from osteon.imaging.exceptions import PacsUnavailable
from osteon.imaging.models import PacsNode
from osteon.imaging.scp import ACCEPTED_SYNTAXES

log = logging.getLogger("osteon.imaging.pacs")
Progress = Callable[[int, int, int], None]  # (completed, failed, total)
TIMEOUT = 30


def has_dimse(node: PacsNode) -> bool:
    """True when the node has an AE title, host and port."""
    return bool(node.ae_title and node.host and node.port)


def _ae(our_ae: str) -> AE:
    """An SCU AE with short timeouts."""
    ae = AE(our_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = TIMEOUT
    return ae


def _associate(ae: AE, node: PacsNode, **kwargs: Any) -> Any:
    """Open an association or raise PacsUnavailable."""
    assoc = ae.associate(node.host, node.port, ae_title=node.ae_title, **kwargs)
    if not assoc.is_established:
        raise PacsUnavailable(en=f"Association with {node.ae_title}@{node.host}:{node.port} was not established")
    return assoc


def echo_dimse(node: PacsNode, our_ae: str) -> bool:
    """C-ECHO the node."""
    ae = _ae(our_ae)
    ae.add_requested_context(Verification)
    try:
        assoc = _associate(ae, node)
    except PacsUnavailable:
        return False
    try:
        status = assoc.send_c_echo()
        return bool(status) and status.Status == 0
    finally:
        assoc.release()


async def echo(node: PacsNode, our_ae: str) -> dict[str, Any]:
    """Connection test: C-ECHO and/or a QIDO-RS request."""
    import asyncio

    result: dict[str, Any] = {"dimse": None, "dicomweb": None}
    if has_dimse(node):
        result["dimse"] = await asyncio.to_thread(echo_dimse, node, our_ae)
    if node.dicomweb_url:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                r = await client.get(f"{node.dicomweb_url}/studies", params={"limit": "1"},
                                     headers={"Accept": "application/dicom+json"})
            result["dicomweb"] = r.status_code in (200, 204)
        except httpx.HTTPError:
            result["dicomweb"] = False
    return result


def _study_row(values: dict[str, Any]) -> dict[str, Any]:
    """A remote study summary."""
    return {
        "study_instance_uid": values.get("StudyInstanceUID", ""), "patient_id": values.get("PatientID", ""),
        "patient_name": values.get("PatientName", ""), "study_date": values.get("StudyDate", ""),
        "accession_number": values.get("AccessionNumber", ""), "study_description": values.get("StudyDescription", ""),
        "modalities": values.get("ModalitiesInStudy", ""), "num_instances": values.get("NumberOfStudyRelatedInstances"),
    }


def find_studies_dimse(node: PacsNode, our_ae: str, patient_id: str) -> list[dict[str, Any]]:
    """Study-root C-FIND for a PatientID."""
    ae = _ae(our_ae)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    query = Dataset()
    query.SpecificCharacterSet = "ISO_IR 192"
    query.QueryRetrieveLevel = "STUDY"
    query.PatientID = patient_id
    for kw in ("StudyInstanceUID", "PatientName", "StudyDate", "AccessionNumber", "StudyDescription",
               "ModalitiesInStudy", "NumberOfStudyRelatedInstances"):
        setattr(query, kw, "")
    assoc = _associate(ae, node)
    rows = []
    try:
        for status, ident in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind):
            if status and status.Status in (0xFF00, 0xFF01) and ident is not None:
                values = {e.keyword: text_of(e.value) for e in ident if e.VR != "SQ"}
                try:
                    values["NumberOfStudyRelatedInstances"] = int(values.get("NumberOfStudyRelatedInstances") or 0) or None
                except ValueError:
                    values["NumberOfStudyRelatedInstances"] = None
                rows.append(_study_row(values))
    finally:
        assoc.release()
    return rows


def _json_value(item: dict[str, Any], tag: str) -> Any:
    """First value of a DICOM JSON attribute (PN → Alphabetic or Ideographic)."""
    values = item.get(tag, {}).get("Value") or []
    if not values:
        return ""
    v = values[0]
    if isinstance(v, dict):
        return "=".join(x for x in (v.get("Alphabetic", ""), v.get("Ideographic", "")) if x)
    if tag == "00080061":
        return "\\".join(str(x) for x in values)
    return v


async def find_studies_web(node: PacsNode, patient_id: str) -> list[dict[str, Any]]:
    """QIDO-RS studies for a PatientID (plain characters: Orthanc 1.10 does not decode %-escapes)."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            r = await client.get(f"{node.dicomweb_url}/studies",
                                 params={"PatientID": patient_id, "includefield": "00201208"},
                                 headers={"Accept": "application/dicom+json"})
    except httpx.HTTPError as exc:
        raise PacsUnavailable(en=f"QIDO-RS failed: {exc}") from None
    if r.status_code == 204:
        return []
    if r.status_code != 200:
        raise PacsUnavailable(en=f"QIDO-RS answered {r.status_code}")
    rows = []
    for item in r.json():
        n = _json_value(item, "00201208")
        rows.append(_study_row({
            "StudyInstanceUID": _json_value(item, "0020000D"), "PatientID": _json_value(item, "00100020"),
            "PatientName": _json_value(item, "00100010"), "StudyDate": _json_value(item, "00080020"),
            "AccessionNumber": _json_value(item, "00080050"), "StudyDescription": _json_value(item, "00081030"),
            "ModalitiesInStudy": _json_value(item, "00080061"),
            "NumberOfStudyRelatedInstances": int(n) if str(n).isdigit() else None,
        }))
    return rows


def move_study(node: PacsNode, our_ae: str, study_uid: str, progress: Progress) -> tuple[int, int]:
    """C-MOVE a study from the node to Osteon's own SCP; returns (completed, failed)."""
    ae = _ae(our_ae)
    ae.dimse_timeout = 600
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study_uid
    assoc = _associate(ae, node)
    completed = failed = 0
    final = None
    try:
        for status, _ident in assoc.send_c_move(query, our_ae, StudyRootQueryRetrieveInformationModelMove):
            if not status:
                raise PacsUnavailable(en="C-MOVE: no response (timeout or abort)")
            completed = int(status.get("NumberOfCompletedSuboperations", completed) or 0)
            failed = int(status.get("NumberOfFailedSuboperations", failed) or 0)
            remaining = int(status.get("NumberOfRemainingSuboperations", 0) or 0)
            warning = int(status.get("NumberOfWarningSuboperations", 0) or 0)
            completed += warning
            progress(completed, failed, completed + failed + remaining)
            final = status.Status
    finally:
        assoc.release()
    if final not in (0x0000, 0xB000):
        raise PacsUnavailable(en=f"C-MOVE ended with status 0x{(final or 0):04X}")
    return completed, failed


def get_study(node: PacsNode, our_ae: str, study_uid: str, on_data: Callable[[bytes], bool],
              progress: Progress) -> tuple[int, int]:
    """C-GET a study: instances come back on this association; ``on_data`` stores each one."""
    ae = _ae(our_ae)
    ae.dimse_timeout = 600
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
    roles = []
    for cx in StoragePresentationContexts[:120]:
        # Offer the compressed syntaxes too, so the PACS can send what it stores without transcoding.
        ae.add_requested_context(cx.abstract_syntax, ACCEPTED_SYNTAXES)
        roles.append(build_role(cx.abstract_syntax, scp_role=True))

    def handle_store(event: Any) -> int:
        """A C-STORE sub-operation of our C-GET: hand the bytes over as received."""
        return 0x0000 if on_data(event.encoded_dataset(include_meta=True)) else 0xA700

    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study_uid
    assoc = _associate(ae, node, ext_neg=roles, evt_handlers=[(evt.EVT_C_STORE, handle_store)])
    completed = failed = 0
    try:
        for status, _ident in assoc.send_c_get(query, StudyRootQueryRetrieveInformationModelGet):
            if not status:
                raise PacsUnavailable(en="C-GET: no response (timeout or abort)")
            completed = int(status.get("NumberOfCompletedSuboperations", completed) or 0)
            failed = int(status.get("NumberOfFailedSuboperations", failed) or 0)
            remaining = int(status.get("NumberOfRemainingSuboperations", 0) or 0)
            progress(completed, failed, completed + failed + remaining)
    finally:
        assoc.release()
    return completed, failed


async def wado_study(node: PacsNode, study_uid: str) -> list[bytes]:
    """WADO-RS retrieve of a study as stored on the node (multipart/related; application/dicom)."""
    url = f"{node.dicomweb_url}/studies/{study_uid}"
    try:
        async with httpx.AsyncClient(timeout=600) as client:
            r = await client.get(url, headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
            if r.status_code in (400, 406):
                r = await client.get(url, headers={"Accept": 'multipart/related; type="application/dicom"'})
    except httpx.HTTPError as exc:
        raise PacsUnavailable(en=f"WADO-RS failed: {exc}") from None
    if r.status_code != 200:
        raise PacsUnavailable(en=f"WADO-RS answered {r.status_code}")
    boundary = multipart.boundary_of(r.headers.get("content-type", ""))
    if not boundary:
        raise PacsUnavailable(en="WADO-RS answer is not multipart")
    return [content for _h, content in multipart.split(r.content, boundary)]


def store_to_node(node: PacsNode, our_ae: str, files: list[tuple[Path, str, str]], progress: Progress
                  ) -> tuple[int, int]:
    """C-STORE files (path, SOP class, transfer syntax) to the node, as stored."""
    ae = _ae(our_ae)
    pairs = list(dict.fromkeys((sop, ts) for _p, sop, ts in files))[:128]
    contexts = []
    for sop, ts in pairs:
        native = UID(ts) in (ExplicitVRLittleEndian, ImplicitVRLittleEndian)
        contexts.append(build_context(sop, [ts, ImplicitVRLittleEndian] if native and ts != ImplicitVRLittleEndian else [ts]))
    assoc = _associate(ae, node, contexts=contexts)
    ok = failed = 0
    try:
        for path, _sop, _ts in files:
            try:
                status = assoc.send_c_store(path)
                if status and status.Status in (0x0000, 0xB000, 0xB006, 0xB007):
                    ok += 1
                else:
                    failed += 1
            except (ValueError, RuntimeError) as exc:
                log.warning("C-STORE of %s failed: %s", path.name, exc)
                failed += 1
            progress(ok, failed, len(files))
    finally:
        assoc.release()
    return ok, failed


async def stow_to_node(node: PacsNode, datas: list[bytes]) -> tuple[int, int]:
    """STOW-RS instances to the node in one request."""
    boundary = multipart.new_boundary()
    body = b"".join(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + d + b"\r\n" for d in datas)
    body += f"--{boundary}--\r\n".encode()
    try:
        async with httpx.AsyncClient(timeout=600) as client:
            r = await client.post(f"{node.dicomweb_url}/studies", content=body, headers={
                "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
                "Accept": "application/dicom+json"})
    except httpx.HTTPError as exc:
        raise PacsUnavailable(en=f"STOW-RS failed: {exc}") from None
    if r.status_code not in (200, 202):
        raise PacsUnavailable(en=f"STOW-RS answered {r.status_code}")
    failed = len((r.json().get("00081198") or {}).get("Value") or []) if r.content else 0
    return len(datas) - failed, failed
