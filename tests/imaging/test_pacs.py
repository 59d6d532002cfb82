"""Existing PACS: a real Orthanc on loopback — query, retrieve (C-MOVE to Osteon's SCP, C-GET, WADO-RS)
as durable jobs with progress, and forwarding (C-STORE, STOW-RS)."""

from __future__ import annotations

import asyncio
import io

import pydicom
from pydicom.uid import generate_uid
from sqlalchemy import select

from osteon.imaging.models import Instance, Study
from tests.imaging.conftest import add_node
from tests.imaging.dicomgen import ct_slice, rle, to_bytes


def series(mrn: str, n: int, *, patient_name: str = "Wang^Jianguo") -> list:
    """n CT slices of one new study."""
    study, series_uid = generate_uid(), generate_uid()
    return [ct_slice(patient_id=mrn, patient_name=patient_name, study_uid=study, series_uid=series_uid, index=i,
                     size=64) for i in range(1, n + 1)]


async def run_jobs(app) -> None:
    """Drive the durable job worker (tests run it explicitly)."""
    await app.state.worker.run_due()


async def transfer(client, site, transfer_id: str) -> dict:
    """A transfer's progress as the UI polls it."""
    r = await client.get(f"/api/v1/imaging/transfers/{transfer_id}", headers=site.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_query_retrieve_by_cmove_and_cget_and_forward_by_cstore(app, db, client, site, orthanc, scp):
    """Orthanc holds two studies of the patient: both listed; one retrieved by C-MOVE (into Osteon's SCP), one by
    C-GET; pixel data byte-identical; then an Osteon study is forwarded to Orthanc by C-STORE."""
    node_id = await add_node(db, site.world.institution.id, orthanc)
    a = series(site.patient.mrn, 3)
    b = series(site.patient.mrn, 2)
    b[1] = rle(b[1])
    for ds in a + b:
        await asyncio.to_thread(orthanc.upload, to_bytes(ds))

    r = await client.get(f"/api/v1/imaging/nodes/{node_id}/studies", params={"patient_id": str(site.patient.id)},
                         headers=site.headers)
    assert r.status_code == 200, r.text
    found = {s["study_instance_uid"]: s for s in r.json()}
    assert {a[0].StudyInstanceUID, b[0].StudyInstanceUID} <= set(found)
    assert not found[a[0].StudyInstanceUID]["already_here"]

    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/retrieve", headers=site.headers, json={
        "study_instance_uid": a[0].StudyInstanceUID, "patient_id": str(site.patient.id), "method": "c-move"})
    assert r.status_code == 202, r.text
    move_id = r.json()["id"]
    assert r.json()["status"] == "queued"
    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/retrieve", headers=site.headers, json={
        "study_instance_uid": b[0].StudyInstanceUID, "patient_id": str(site.patient.id), "method": "c-get"})
    get_id = r.json()["id"]
    await run_jobs(app)
    t = await transfer(client, site, move_id)
    assert (t["status"], t["completed"], t["failed"], t["total"]) == ("done", 3, 0, 3), t
    t = await transfer(client, site, get_id)
    assert (t["status"], t["completed"], t["failed"]) == ("done", 2, 0), t

    async with db.transaction() as s:
        studies = (await s.execute(select(Study).where(Study.study_instance_uid.in_(
            [a[0].StudyInstanceUID, b[0].StudyInstanceUID])))).scalars().all()
        assert {st.patient_id for st in studies} == {site.patient.id}
        rows = (await s.execute(select(Instance).where(Instance.study_id.in_([st.id for st in studies])))).scalars().all()
    sent = {ds.SOPInstanceUID: ds for ds in a + b}
    assert len(rows) == 5
    for inst in rows:
        stored = pydicom.dcmread(io.BytesIO(app.state.dicom_store.read(inst.file_hash)))
        original = sent[inst.sop_instance_uid]
        if stored.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID:
            assert bytes(stored.PixelData) == bytes(original.PixelData)
        else:  # Orthanc's C-GET chose to send the RLE instance uncompressed: same pixels, other encoding
            assert (stored.pixel_array == original.pixel_array).all()

    # Forward a study that only Osteon has.
    c = series(site.patient.mrn, 2)
    boundary = "fwd"
    body = b"".join(b"--fwd\r\nContent-Type: application/dicom\r\n\r\n" + to_bytes(ds) + b"\r\n" for ds in c) + b"--fwd--\r\n"
    r = await client.post("/dicomweb/studies", content=body, headers={
        **site.headers, "Content-Type": f"multipart/related; type=application/dicom; boundary={boundary}"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/forward", headers=site.headers,
                          json={"study_instance_uid": c[0].StudyInstanceUID})
    assert r.status_code == 202, r.text
    await run_jobs(app)
    t = await transfer(client, site, r.json()["id"])
    assert (t["status"], t["completed"], t["method"]) == ("done", 2, "c-store"), t
    assert await asyncio.to_thread(orthanc.count_instances, c[0].StudyInstanceUID) == 2


async def test_retrieve_by_wado_rs_links_foreign_ids_and_forward_by_stow(app, db, client, site, orthanc):
    """A DICOMweb-only node: a study filed under the other hospital's ID is retrieved by WADO-RS for our patient
    (linked on arrival), and a study is forwarded by STOW-RS."""
    node_id = await add_node(db, site.world.institution.id, orthanc, ae_title="", port=0, retrieve_method="wado-rs")
    foreign = series("OTHER-HOSP-77", 2)
    for ds in foreign:
        await asyncio.to_thread(orthanc.upload, to_bytes(ds))
    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/retrieve", headers=site.headers, json={
        "study_instance_uid": foreign[0].StudyInstanceUID, "patient_id": str(site.patient.id)})
    assert r.status_code == 202, r.text
    assert r.json()["method"] == "wado-rs"
    await run_jobs(app)
    t = await transfer(client, site, r.json()["id"])
    assert (t["status"], t["completed"]) == ("done", 2), t
    r = await client.get(f"/api/v1/imaging/patients/{site.patient.id}/studies", headers=site.headers)
    assert foreign[0].StudyInstanceUID in {s["study_instance_uid"] for s in r.json()}

    mine = series(site.patient.mrn, 3)
    body = b"".join(b"--b\r\nContent-Type: application/dicom\r\n\r\n" + to_bytes(ds) + b"\r\n" for ds in mine) + b"--b--\r\n"
    r = await client.post("/dicomweb/studies", content=body, headers={
        **site.headers, "Content-Type": "multipart/related; type=application/dicom; boundary=b"})
    assert r.status_code == 200
    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/forward", headers=site.headers,
                          json={"study_instance_uid": mine[0].StudyInstanceUID})
    assert r.json()["method"] == "stow-rs"
    await run_jobs(app)
    t = await transfer(client, site, r.json()["id"])
    assert (t["status"], t["completed"]) == ("done", 3), t
    assert await asyncio.to_thread(orthanc.count_instances, mine[0].StudyInstanceUID) == 3
    r = await client.get(f"/api/v1/imaging/patients/{site.patient.id}/transfers", headers=site.headers)
    assert [t["direction"] for t in r.json()] == ["forward", "retrieve"]
