"""DICOMweb with dicomweb-client over real HTTP, plus the edge cases: access, traversal, 413, bad bodies."""

from __future__ import annotations

import asyncio
import io

import numpy as np
from dicomweb_client.api import DICOMwebClient
from PIL import Image
from pydicom.uid import generate_uid
from sqlalchemy import func, select

from osteon.imaging.models import Instance, ReconciliationItem, Study
from tests.conftest import login
from tests.factories import make_user, make_world
from tests.imaging.dicomgen import ct_slice, dx_image, jpeg2000, rle, to_bytes


def web(base: str, headers: dict[str, str]) -> DICOMwebClient:
    """A dicomweb-client for Osteon with a bearer token."""
    return DICOMwebClient(url=f"{base}/dicomweb", headers=headers)


async def test_stow_qido_wado_round_trip_with_dicomweb_client(http_base, site):
    """STOW-RS a CT series (native, RLE, JPEG 2000 when an encoder exists) and a DX with a GB18030 name; find
    them with QIDO-RS; retrieve instances, metadata and frames byte-identical."""
    client = web(http_base, site.headers)
    study, series = generate_uid(), generate_uid()
    sent = [ct_slice(patient_id=site.patient.mrn, patient_name="王^建国", charset="GB18030", study_uid=study,
                     series_uid=series, index=i, size=128) for i in range(1, 4)]
    sent[1] = rle(sent[1])
    j2k = jpeg2000(ct_slice(patient_id=site.patient.mrn, patient_name="王^建国", charset="GB18030", study_uid=study,
                            series_uid=series, index=4, size=128))
    if j2k is not None:  # pylibjpeg-openjpeg's encoder is installed here; if not, the variant is skipped
        sent.append(j2k)
    dx = dx_image(patient_id=site.patient.mrn, patient_name="王^建国", charset="GBK", study_uid=study, rows=300, cols=200)
    sent.append(dx)
    result = await asyncio.to_thread(client.store_instances, sent)
    assert len(result.ReferencedSOPSequence) == len(sent)
    assert "FailedSOPSequence" not in result

    studies = await asyncio.to_thread(client.search_for_studies, search_filters={"PatientID": site.patient.mrn})
    mine = [s for s in studies if s["0020000D"]["Value"][0] == study]
    assert len(mine) == 1
    assert mine[0]["00100010"]["Value"][0]["Alphabetic"] == "王^建国"
    assert mine[0]["00201208"]["Value"][0] == len(sent)
    by_name = await asyncio.to_thread(client.search_for_studies, search_filters={"PatientName": "王*"})
    assert study in {s["0020000D"]["Value"][0] for s in by_name}
    series_found = await asyncio.to_thread(client.search_for_series, study, search_filters={"Modality": "CT"})
    assert [s["0020000E"]["Value"][0] for s in series_found] == [series]
    instances = await asyncio.to_thread(client.search_for_instances, study, series)
    assert len(instances) == len(sent) - 1

    for ds in sent:
        got = await asyncio.to_thread(client.retrieve_instance, study, ds.SeriesInstanceUID, ds.SOPInstanceUID)
        assert got.file_meta.TransferSyntaxUID == ds.file_meta.TransferSyntaxUID  # stored as received
        assert bytes(got.PixelData) == bytes(ds.PixelData)
        assert str(got.PatientName) == "王^建国"

    meta = await asyncio.to_thread(client.retrieve_series_metadata, study, series)
    assert len(meta) == len(sent) - 1 and all("7FE00010" not in m for m in meta)
    native = sent[0]
    frames = await asyncio.to_thread(client.retrieve_instance_frames, study, series, native.SOPInstanceUID, [1],
                                     media_types=("application/octet-stream",))
    assert frames[0] == bytes(native.PixelData)
    # Frames of a compressed instance, decoded to native pixels on request.
    frames = await asyncio.to_thread(client.retrieve_instance_frames, study, series, sent[1].SOPInstanceUID, [1],
                                     media_types=("application/octet-stream",))
    assert np.array_equal(np.frombuffer(frames[0], dtype=np.int16).reshape(128, 128), sent[1].pixel_array)


async def test_rendered_jpeg_and_png_honour_window(client, site):
    """Rendered images: JPEG by default, PNG on request; window=center,width changes the picture."""
    ds = ct_slice(patient_id=site.patient.mrn, size=64)
    body, ctype = _multipart([to_bytes(ds)])
    r = await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})
    assert r.status_code == 200, r.text
    url = (f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
           f"{ds.SOPInstanceUID}/rendered")
    r = await client.get(url, headers=site.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(r.content)).size == (64, 64)
    narrow = await client.get(url + "?window=10,20", headers={**site.headers, "Accept": "image/png"})
    wide = await client.get(url + "?window=0,8000", headers={**site.headers, "Accept": "image/png"})
    assert narrow.headers["content-type"] == "image/png"
    a = np.asarray(Image.open(io.BytesIO(narrow.content)))
    b = np.asarray(Image.open(io.BytesIO(wide.content)))
    assert a.std() > b.std()  # a narrow window saturates to black/white


def _multipart(parts: list[bytes]) -> tuple[bytes, str]:
    """A STOW-RS body."""
    boundary = "testboundary42"
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary.encode() + b"--\r\n", f'multipart/related; type="application/dicom"; boundary={boundary}'


async def test_other_users_get_404_identical_to_missing(app, db, settings, client, site):
    """A doctor of another hospital sees nothing: QIDO empty, WADO 404 like a study that does not exist."""
    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    body, ctype = _multipart([to_bytes(ds)])
    assert (await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})).status_code == 200
    other = await make_world(db)
    user, pw = await make_user(db, settings, app.state.cipher, other, "doctor")
    headers = await login(client, user, pw)
    r = await client.get("/dicomweb/studies", params={"StudyInstanceUID": ds.StudyInstanceUID}, headers=headers)
    assert r.status_code == 200 and r.json() == []
    theirs = await client.get(f"/dicomweb/studies/{ds.StudyInstanceUID}/metadata", headers=headers)
    missing = await client.get(f"/dicomweb/studies/{generate_uid()}/metadata", headers=headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"]
    client.cookies.clear()
    assert (await client.get(f"/dicomweb/studies/{ds.StudyInstanceUID}/metadata")).status_code == 401


async def test_path_traversal_attempts_are_404(client, site, app):
    """No path on retrieval can reach a file outside the store."""
    for path in ["/dicomweb/studies/..%2F..%2Fetc%2Fpasswd", "/dicomweb/studies/1.2/series/..%2F..%2F/instances/1",
                 "/dicomweb/studies/1.2.3/series/1.2/instances/..%2F..%2Fosteon.db/frames/1",
                 "/dicomweb/studies/1.2.3/series/1.2/instances/%2Fetc%2Fpasswd/rendered"]:
        r = await client.get(path, headers=site.headers)
        assert r.status_code == 404, path
    store = app.state.dicom_store
    for bad in ["../../etc/passwd", "/etc/passwd", "a" * 63 + "/", "A" * 64]:
        try:
            store.path_for(bad)
        except ValueError:
            continue
        raise AssertionError(f"path_for accepted {bad!r}")


async def test_two_gigabyte_upload_is_refused_with_413(app, site):
    """A declared 2 GB STOW body is refused before a byte is read."""
    sent: list[dict] = []
    headers = [(b"content-type", b"multipart/related; type=application/dicom; boundary=x"),
               (b"content-length", str(2 * 1024**3).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in site.headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/dicomweb/studies", "raw_path": b"/dicomweb/studies", "query_string": b"",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}

    async def receive() -> dict:
        """The body must never be read."""
        raise AssertionError("body must not be read")

    async def send(message: dict) -> None:
        """Collect the response."""
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 413


async def test_malformed_stow_parts_fail_alone_and_leave_nothing(client, site, db):
    """A truncated part and a part without Study UID fail; the good part is stored; 202 with reasons."""
    good = ct_slice(patient_id=site.patient.mrn, size=32)
    truncated = to_bytes(ct_slice(patient_id=site.patient.mrn, size=64))[:-500]
    missing = ct_slice(patient_id=site.patient.mrn, size=32)
    del missing.StudyInstanceUID
    body, ctype = _multipart([to_bytes(good), truncated, to_bytes(missing), b"not dicom at all"])
    r = await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})
    assert r.status_code == 202, r.text
    payload = r.json()
    assert len(payload["00081199"]["Value"]) == 1 and len(payload["00081198"]["Value"]) == 3
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(Instance)
                             .where(Instance.sop_instance_uid == missing.SOPInstanceUID))).scalar_one()
    assert n == 0
    r = await client.post("/dicomweb/studies", content=b"x", headers={**site.headers, "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.headers["content-type"].startswith("application/problem+json")
    body, ctype = _multipart([truncated])
    r = await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})
    assert r.status_code == 409


async def test_reconciliation_list_and_link_is_audited(client, site, db, app):
    """An unmatched STOW study is listed for reconciliation; linking it gives it to the patient, audited."""
    from osteon.security.models import AuditEvent

    ds = ct_slice(patient_id="EXT-999", patient_name="Unknown^Person", size=32)
    body, ctype = _multipart([to_bytes(ds)])
    assert (await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})).status_code == 200
    r = await client.get("/api/v1/imaging/reconciliation", headers=site.headers)
    assert r.status_code == 200
    items = [i for i in r.json()["items"] if i["study"]["study_instance_uid"] == ds.StudyInstanceUID]
    assert len(items) == 1 and items[0]["reason"] == "unknown_patient"
    r = await client.post(f"/api/v1/imaging/reconciliation/{items[0]['id']}/link",
                          json={"patient_id": str(site.patient.id), "note": "姓名核对无误"}, headers=site.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["study"]["dicom_patient_id"] == site.patient.mrn
    r = await client.get(f"/api/v1/imaging/patients/{site.patient.id}/studies", headers=site.headers)
    assert ds.StudyInstanceUID in {s["study_instance_uid"] for s in r.json()}
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "imaging.reconcile.link", AuditEvent.patient_id == site.patient.id))).scalar_one()
        item = (await s.execute(select(ReconciliationItem).join(Study, Study.id == ReconciliationItem.study_id)
                                .where(Study.study_instance_uid == ds.StudyInstanceUID))).scalar_one()
    assert n == 1 and item.status == "resolved"
    r = await client.post(f"/api/v1/imaging/reconciliation/{items[0]['id']}/link",
                          json={"patient_id": str(site.patient.id)}, headers=site.headers)
    assert r.status_code == 409


async def test_imaging_request_rest_and_device_admin(client, site, app, db):
    """A doctor orders an exam over REST; a doctor may not configure devices (403)."""
    r = await client.post("/api/v1/imaging/requests", json={
        "patient_id": str(site.patient.id), "modality": "CT", "requested_procedure": "腰椎 CT 平扫",
        "body_part": "LSPINE", "laterality": ""}, headers=site.headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "scheduled" and r.json()["study_instance_uid"].startswith("2.25.")
    r = await client.get(f"/api/v1/imaging/patients/{site.patient.id}/requests", headers=site.headers)
    assert len(r.json()) == 1
    r = await client.post("/api/v1/imaging/devices", json={"ae_title": "NEWCT"}, headers=site.headers)
    assert r.status_code == 403


async def test_device_crud_by_administrator(db, site):
    """config:write holders register, change and remove devices; AE titles are unique."""
    from osteon.imaging import service
    from osteon.imaging.exceptions import DuplicateAeTitle
    from osteon.imaging.schemas import DeviceCreate, DeviceUpdate
    from tests.factories import system_actor

    admin = system_actor(site.world, role="system_admin")
    async with db.transaction() as s:
        s.info["actor"] = admin
        dev = await service.create_device(s, admin, DeviceCreate(ae_title="CR_ROOM2" + site.device_ae[-6:], may_query=True))
        await service.update_device(s, admin, dev.id, DeviceUpdate(port=104, host="10.0.0.5"))
        assert [d.ae_title for d in await service.list_devices(s, admin)].count(dev.ae_title) == 1
        try:
            await service.create_device(s, admin, DeviceCreate(ae_title=site.device_ae))
            raise AssertionError("duplicate AE accepted")
        except DuplicateAeTitle:
            pass
        await service.delete_device(s, admin, dev.id)
