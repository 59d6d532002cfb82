"""Imaging orders of the orders domain reach the Modality Worklist and their images match them, end to end with
the real orders API, dcmtk findscu -W (worklist C-FIND) and storescu (C-STORE with the order's accession):
the link is made after commit by the ``imaging.orders`` event, and repaired by the worklist query or the
arriving study when that event was lost; it is idempotent; a cancelled order leaves the worklist."""

from __future__ import annotations

import asyncio

import pydicom
from sqlalchemy import delete, func, select

from osteon.imaging import orders_link
from osteon.imaging.models import ImagingRequest, Study
from osteon.patients.models import Patient
from osteon.security.models import AuditEvent
from tests.imaging.conftest import add_device, ae, need, run
from tests.imaging.dicomgen import dx_image, to_bytes
from tests.orders.clinic import make_clinic, open_encounter

FINDSCU, STORESCU = "/usr/bin/findscu", "/usr/bin/storescu"


async def _order(client, c, **extra) -> dict:
    """A lumbar-spine X-ray ordered through the orders API."""
    enc = await open_encounter(client, c)
    body = {"kind": "imaging", "patient_id": str(c.patient_id), "encounter_id": enc["id"], "item_code": "XR-LS-2V",
            "modality": "DX", "body_part": "LSPINE", "laterality": "none", "views": ["AP", "LAT"],
            "clinical_question": "腰椎滑脱?", **extra}
    r = await client.post("/api/v1/orders", json=body, headers=c.h("doctor"))
    assert r.status_code == 201, r.text
    assert r.json()["accession_number"]
    return r.json()


async def _request(db, accession: str) -> ImagingRequest | None:
    async with db.transaction() as s:
        return (await s.execute(select(ImagingRequest).where(ImagingRequest.accession_number == accession))
                ).scalar_one_or_none()


async def _wait_for_request(db, accession: str) -> ImagingRequest:
    """The event is handled by a background listener after the order's commit: wait for its row (bounded)."""
    for _ in range(400):
        req = await _request(db, accession)
        if req is not None:
            return req
        await asyncio.sleep(0.025)
    raise AssertionError(f"no imaging request for {accession} from the imaging.orders event")


async def _lose_link(db, accession: str) -> None:
    """Simulate an event lost in a crash: the order is committed, its worklist row is not."""
    async with db.transaction() as s:
        await s.execute(delete(ImagingRequest).where(ImagingRequest.accession_number == accession))


async def _worklist(scp, device: str, tmp_path, accession: str, name: str) -> list[pydicom.Dataset]:
    out = tmp_path / name
    out.mkdir()
    r = await run(need(FINDSCU), "-W", "-aet", device, "-aec", scp.ae_title, "-X", "-od", str(out),
                  "-k", "SpecificCharacterSet=ISO_IR 192", "-k", "PatientName", "-k", "PatientID",
                  "-k", f"AccessionNumber={accession}", "-k", "StudyInstanceUID", "-k", "RequestedProcedureDescription",
                  "-k", "RequestedProcedureID",
                  "-k", "ScheduledProcedureStepSequence[0].Modality=DX",
                  "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate",
                  "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    return [pydicom.dcmread(p) for p in out.iterdir()]


async def _clinic_with_modality(app, db, settings, client):
    c = await make_clinic(app, db, settings, client, fresh=True)
    device = ae("DR")
    await add_device(db, c.world.institution.id, device)
    async with db.transaction() as s:
        mrn = (await s.execute(select(Patient.mrn).where(Patient.id == c.patient_id))).scalar_one()
    return c, device, mrn


async def test_order_reaches_worklist_and_its_images_match_the_order_and_patient(app, db, settings, client, scp,
                                                                                tmp_path):
    """Order via the orders API → the modality's findscu -W shows patient, accession and procedure →
    storescu sends the images with that accession → the study is linked to the order's request and patient."""
    c, device, mrn = await _clinic_with_modality(app, db, settings, client)
    order = await _order(client, c)
    acc = order["accession_number"]
    items = await _worklist(scp, device, tmp_path, acc, "wl")
    assert len(items) == 1
    wl = items[0]
    assert wl.AccessionNumber == acc and wl.PatientID == mrn
    assert wl.ScheduledProcedureStepSequence[0].Modality == "DX"
    assert order["title"] in wl.RequestedProcedureDescription and "AP, LAT" in wl.RequestedProcedureDescription
    # The modality acquires with the worklist's values and sends with storescu.
    dx = dx_image(patient_id=wl.PatientID, accession=wl.AccessionNumber, study_uid=wl.StudyInstanceUID, rows=64, cols=48)
    path = tmp_path / "dx.dcm"
    path.write_bytes(to_bytes(dx))
    r = await run(need(STORESCU), "-aet", device, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        study = (await s.execute(select(Study).where(Study.study_instance_uid == wl.StudyInstanceUID))).scalar_one()
        req = await s.get(ImagingRequest, study.request_id)
    assert req is not None and req.accession_number == acc and req.status == "completed"
    assert study.patient_id == c.patient_id and study.match_status == "matched" and study.accession_number == acc
    # The doctor sees it on the patient's study list, with the order's accession number.
    r = await client.get(f"/api/v1/imaging/patients/{c.patient_id}/studies", headers=c.h("doctor"))
    assert [s_["accession_number"] for s_ in r.json() if s_["study_instance_uid"] == wl.StudyInstanceUID] == [acc]


async def test_event_links_after_commit_and_the_worklist_repairs_a_lost_link(app, db, settings, client, scp, tmp_path):
    """The imaging.orders event creates the request (audited as the system); if that row is missing (event lost
    in a crash) the next worklist query creates it again, once: linking is idempotent."""
    c, device, mrn = await _clinic_with_modality(app, db, settings, client)
    order = await _order(client, c)
    acc = order["accession_number"]
    req = await _wait_for_request(db, acc)
    assert req.patient_id == c.patient_id and req.institution_id == c.world.institution.id and req.modality == "DX"
    async with db.transaction() as s:
        audits = (await s.execute(select(AuditEvent).where(AuditEvent.action == "imaging.request.create",
                                                           AuditEvent.resource_id == str(req.id)))).scalars().all()
    assert len(audits) == 1 and audits[0].username == orders_link.SYSTEM_USER

    await _lose_link(db, acc)
    items = await _worklist(scp, device, tmp_path, acc, "wl")
    assert [i.AccessionNumber for i in items] == [acc] and items[0].PatientID == mrn
    # Idempotent: more sweeps and queries add nothing.
    assert await orders_link.sync_in_own_transaction(db, accession=acc) == (0, 0)
    await _worklist(scp, device, tmp_path, acc, "wl2")
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(ImagingRequest)
                             .where(ImagingRequest.accession_number == acc))).scalar_one()
    assert n == 1


async def test_images_with_the_accession_match_even_without_worklist_or_link(app, db, settings, client, scp, tmp_path):
    """A modality that skipped the worklist (accession typed in) while the link was missing: the arriving study
    links the order then, and matches its patient although the PatientID was typed wrongly."""
    c, device, _ = await _clinic_with_modality(app, db, settings, client)
    order = await _order(client, c)
    acc = order["accession_number"]
    await _wait_for_request(db, acc)
    await _lose_link(db, acc)
    dx = dx_image(patient_id="TYPO123", accession=acc, rows=64, cols=48)
    path = tmp_path / "dx.dcm"
    path.write_bytes(to_bytes(dx))
    r = await run(need(STORESCU), "-aet", device, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        study = (await s.execute(select(Study).where(Study.study_instance_uid == dx.StudyInstanceUID))).scalar_one()
        req = await s.get(ImagingRequest, study.request_id)
    assert req is not None and req.accession_number == acc and study.patient_id == c.patient_id


async def test_cancelled_order_leaves_the_worklist(app, db, settings, client, scp, tmp_path):
    """Cancelling the order through the orders API takes its request off the modality's worklist."""
    c, device, _ = await _clinic_with_modality(app, db, settings, client)
    order = await _order(client, c)
    acc = order["accession_number"]
    await _wait_for_request(db, acc)
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=c.h("doctor"))
    assert r.status_code == 200, r.text
    assert await _worklist(scp, device, tmp_path, acc, "wl") == []
    req = await _request(db, acc)
    assert req is not None and req.status == "cancelled"
