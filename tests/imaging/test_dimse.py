"""DICOM networking with real dcmtk clients (echoscu, storescu, findscu incl. worklist, movescu, getscu)."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid
from sqlalchemy import func, select

from osteon.imaging import service
from osteon.imaging.models import Instance, ReconciliationItem, Study
from osteon.imaging.schemas import ImagingRequestCreate
from tests.factories import system_actor
from tests.imaging.conftest import add_device, ae, free_port, need, run
from tests.imaging.dicomgen import ct_slice, dx_image, rle, to_bytes

ECHOSCU, STORESCU, FINDSCU = "/usr/bin/echoscu", "/usr/bin/storescu", "/usr/bin/findscu"
MOVESCU, GETSCU = "/usr/bin/movescu", "/usr/bin/getscu"


def write(ds, path: Path) -> Path:
    """Save a dataset as a Part 10 file."""
    path.write_bytes(to_bytes(ds))
    return path


async def count_instances(db, study_uid: str) -> int:
    """Indexed instances of a study."""
    async with db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(Instance).join(Study, Study.id == Instance.study_id)
                                .where(Study.study_instance_uid == study_uid))).scalar_one()


async def test_echoscu_known_device_succeeds(scp, site):
    """C-ECHO from a registered AE title."""
    r = await run(need(ECHOSCU), "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout


async def test_scp_binds_the_dicom_host_setting(app, site, monkeypatch):
    """OSTEON_DICOM_HOST puts the SCP on its own address (an imaging VLAN), apart from the HTTP host: echoscu
    reaches it there (127.0.0.2 here) and finds nothing listening on the HTTP host at that port."""
    from osteon.imaging.scp import start_scp

    monkeypatch.setattr(app.state.settings, "dicom_host", "127.0.0.2")
    shared = app.state.dicom_server
    server = await start_scp(app, 0)
    try:
        assert server.host == "127.0.0.2"
        r = await run(need(ECHOSCU), "-aet", site.device_ae, "-aec", server.ae_title, "127.0.0.2", str(server.port))
        assert r.returncode == 0, r.stdout
        r = await run(need(ECHOSCU), "-aet", site.device_ae, "-aec", server.ae_title, "127.0.0.1", str(server.port))
        assert r.returncode != 0
    finally:
        await server.stop()
        app.state.dicom_server = shared


async def test_unknown_calling_ae_is_rejected(scp):
    """An AE title no device has is rejected at association (and the SCP stays up)."""
    r = await run(need(ECHOSCU), "-aet", "INTRUDER", "-aec", scp.ae_title, "127.0.0.1", str(scp.port))
    assert r.returncode != 0
    assert "Rejected" in r.stdout or "rejected" in r.stdout.lower()


async def test_storescu_ct_series_is_stored_matched_and_byte_identical(scp, site, db, app, tmp_path):
    """storescu sends a CT series (one slice RLE-compressed): all indexed, matched by MRN, pixels byte-equal."""
    study, series = generate_uid(), generate_uid()
    files = []
    originals = {}
    for i in range(1, 6):
        ds = ct_slice(patient_id=site.patient.mrn, patient_name="Wang^Jianguo", study_uid=study, series_uid=series,
                      index=i, size=128)
        if i == 5:
            ds = rle(ds)
        originals[ds.SOPInstanceUID] = bytes(ds.PixelData)
        files.append(str(write(ds, tmp_path / f"ct{i}.dcm")))
    r = await run(need(STORESCU), "-aet", site.device_ae, "-aec", scp.ae_title, "-xr", "127.0.0.1", str(scp.port),
                  *files)
    assert r.returncode == 0, r.stdout
    assert await count_instances(db, study) == 5
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        assert st.patient_id == site.patient.id and st.match_status == "matched"
        assert st.num_instances == 5 and st.num_series == 1
        rows = (await s.execute(select(Instance).where(Instance.study_id == st.id))).scalars().all()
    store = app.state.dicom_store
    for inst in rows:
        stored = pydicom.dcmread(io.BytesIO(store.read(inst.file_hash)))
        assert bytes(stored.PixelData) == originals[inst.sop_instance_uid]
        assert store.digest(store.read(inst.file_hash)) == inst.file_hash
    assert {i.transfer_syntax_uid for i in rows} >= {"1.2.840.10008.1.2.5"}  # RLE kept as received


async def test_resending_identical_instance_is_a_noop_and_different_bytes_conflict(scp, site, db, tmp_path):
    """Duplicate policy: identical bytes → success, nothing new; different bytes → first kept, conflict recorded."""
    ds = ct_slice(patient_id=site.patient.mrn, size=64)
    path = write(ds, tmp_path / "a.dcm")
    for _ in range(2):
        r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
        assert r.returncode == 0, r.stdout
    ds.StudyDescription = "changed"
    path2 = write(ds, tmp_path / "b.dcm")
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path2))
    assert r.returncode == 0, r.stdout
    assert await count_instances(db, ds.StudyInstanceUID) == 1
    async with db.transaction() as s:
        conflicts = await service.repository.conflicts(s, ds.SOPInstanceUID)
        study = (await s.execute(select(Study).where(Study.study_instance_uid == ds.StudyInstanceUID))).scalar_one()
    assert len(conflicts) == 1 and study.study_description == "Lumbar spine"


async def test_missing_required_tag_is_refused_and_nothing_is_stored(scp, site, db, tmp_path):
    """No Study Instance UID → a failure status with a comment; no index row; the SCP keeps answering."""
    ds = ct_slice(patient_id=site.patient.mrn, size=64)
    study_uid = ds.StudyInstanceUID
    del ds.StudyInstanceUID
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(write(ds, tmp_path / "bad.dcm")))
    assert "0xc000" in r.stdout.lower() or "cannot understand" in r.stdout.lower() or r.returncode != 0, r.stdout
    async with db.transaction() as s:
        n = (await s.execute(select(func.count()).select_from(Instance)
                             .where(Instance.sop_instance_uid == ds.SOPInstanceUID))).scalar_one()
    assert n == 0 and await count_instances(db, study_uid) == 0
    r = await run(ECHOSCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port))
    assert r.returncode == 0


async def test_unknown_patient_goes_to_reconciliation(scp, site, db, tmp_path):
    """A study whose PatientID matches no MRN is kept, unmatched, on the reconciliation list."""
    ds = ct_slice(patient_id="NOBODY-123", size=64)
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(write(ds, tmp_path / "u.dcm")))
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == ds.StudyInstanceUID))).scalar_one()
        item = (await s.execute(select(ReconciliationItem).where(ReconciliationItem.study_id == st.id))).scalar_one()
    assert st.patient_id is None and item.reason == "unknown_patient" and item.institution_id == site.world.institution.id


async def test_gb18030_name_in_via_storescu_and_out_via_findscu(scp, site, db, tmp_path):
    """A GB18030 name stored by storescu comes back from findscu decoded identically."""
    name = "王^建国"
    ds = ct_slice(patient_id=site.patient.mrn, patient_name=name, charset="GB18030", size=64)
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(write(ds, tmp_path / "gb.dcm")))
    assert r.returncode == 0, r.stdout
    out = tmp_path / "find"
    out.mkdir()
    r = await run(need(FINDSCU), "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-X", "-od", str(out),
                  "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={ds.StudyInstanceUID}",
                  "-k", "PatientName", "-k", "PatientID", "-k", "SpecificCharacterSet=GB18030",
                  "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    answers = [pydicom.dcmread(p) for p in out.iterdir()]
    assert len(answers) == 1
    assert str(answers[0].PatientName) == name and answers[0].PatientID == site.patient.mrn
    assert answers[0].SpecificCharacterSet == "GB18030"


async def test_findscu_patient_and_series_levels(scp, site, tmp_path):
    """Patient root (patient level) and study root (series level) C-FIND."""
    study, series = generate_uid(), generate_uid()
    files = [str(write(ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32),
                       tmp_path / f"{i}.dcm")) for i in (1, 2)]
    assert (await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), *files)).returncode == 0
    r = await run(FINDSCU, "-P", "-aet", site.device_ae, "-aec", scp.ae_title, "-k", "QueryRetrieveLevel=PATIENT",
                  "-k", f"PatientID={site.patient.mrn}", "-k", "NumberOfPatientRelatedStudies",
                  "127.0.0.1", str(scp.port))
    assert r.returncode == 0 and site.patient.mrn in r.stdout, r.stdout
    r = await run(FINDSCU, "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-k", "QueryRetrieveLevel=SERIES",
                  "-k", f"StudyInstanceUID={study}", "-k", "SeriesInstanceUID", "-k", "NumberOfSeriesRelatedInstances",
                  "127.0.0.1", str(scp.port))
    assert series in r.stdout and "NumberOfSeriesRelatedInstances" in r.stdout, r.stdout


async def test_other_hospitals_device_finds_nothing(scp, site, db, tmp_path):
    """A device of another institution cannot query this hospital's studies."""
    from tests.factories import make_world

    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    assert (await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                      str(write(ds, tmp_path / "x.dcm")))).returncode == 0
    other = await make_world(db)
    stranger = ae("OTH")
    await add_device(db, other.institution.id, stranger)
    r = await run(FINDSCU, "-S", "-aet", stranger, "-aec", scp.ae_title, "-k", "QueryRetrieveLevel=STUDY",
                  "-k", f"StudyInstanceUID={ds.StudyInstanceUID}", "127.0.0.1", str(scp.port))
    assert r.returncode == 0 and ds.StudyInstanceUID not in r.stdout


async def test_worklist_findscu_returns_imaging_request_and_images_come_back_matched(scp, site, db, tmp_path):
    """findscu -W pulls the order (patient, accession, procedure); images with that accession match the order."""
    actor = system_actor(site.world)
    async with db.transaction() as s:
        s.info["actor"] = actor
        req = await service.create_imaging_request(s, actor, ImagingRequestCreate(
            patient_id=site.patient.id, modality="DX", requested_procedure="腰椎正侧位", body_part="LSPINE"))
        accession = req.accession_number
    out = tmp_path / "wl"
    out.mkdir()
    r = await run(FINDSCU, "-W", "-aet", site.device_ae, "-aec", scp.ae_title, "-X", "-od", str(out),
                  "-k", "SpecificCharacterSet=ISO_IR 192", "-k", "PatientName", "-k", "PatientID", "-k", "AccessionNumber",
                  "-k", "StudyInstanceUID", "-k", "RequestedProcedureDescription",
                  "-k", "ScheduledProcedureStepSequence[0].Modality=DX",
                  "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate",
                  "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    items = [pydicom.dcmread(p) for p in out.iterdir()]
    mine = [i for i in items if i.AccessionNumber == accession]
    assert len(mine) == 1
    wl = mine[0]
    assert wl.PatientID == site.patient.mrn and str(wl.PatientName) == "王建国"
    assert wl.RequestedProcedureDescription == "腰椎正侧位"
    assert wl.ScheduledProcedureStepSequence[0].Modality == "DX"
    # The modality sends images using the worklist's values, with a PatientID it typed wrongly.
    dx = dx_image(patient_id="TYPO", accession=accession, study_uid=wl.StudyInstanceUID, rows=64, cols=48)
    assert (await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                      str(write(dx, tmp_path / "dx.dcm")))).returncode == 0
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == wl.StudyInstanceUID))).scalar_one()
    assert st.request_id == req.id


async def test_movescu_and_getscu_retrieve_a_study(scp, site, db, tmp_path):
    """C-MOVE to a registered destination (movescu's own store SCP) and C-GET on the same association."""
    study, series = generate_uid(), generate_uid()
    files = [str(write(ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=64),
                       tmp_path / f"m{i}.dcm")) for i in (1, 2, 3)]
    assert (await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), *files)).returncode == 0
    port = free_port()
    dest = ae("DEST")
    await add_device(db, site.world.institution.id, dest, host="127.0.0.1", port=port, may_query=False)
    moved = tmp_path / "moved"
    moved.mkdir()
    r = await run(need(MOVESCU), "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-aem", dest, "--port", str(port),
                  "-od", str(moved), "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}",
                  "127.0.0.1", str(scp.port), env={"TCP_NODELAY": "1"})
    assert r.returncode == 0, r.stdout
    assert len(list(moved.iterdir())) == 3, r.stdout
    got = tmp_path / "got"
    got.mkdir()
    r = await run(need(GETSCU), "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-od", str(got),
                  "-k", "QueryRetrieveLevel=SERIES", "-k", f"StudyInstanceUID={study}",
                  "-k", f"SeriesInstanceUID={series}", "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    received = [pydicom.dcmread(p) for p in got.iterdir()]
    assert len(received) == 3 and {d.StudyInstanceUID for d in received} == {study}
    # An unknown move destination is refused.
    r = await run(MOVESCU, "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-aem", "NOSUCHAE",
                  "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(scp.port))
    assert "a801" in r.stdout.lower() or "destination unknown" in r.stdout.lower() or r.returncode != 0, r.stdout


async def test_duplicates_within_one_association_are_counted_once_and_audited(scp, site, db, tmp_path):
    """Within one association later instances of a known series skip the duplicate lookup: a resent instance
    must still end as one row, counters of 2 (not 3) and a 'duplicate' audit event; a file with the same UID but
    other bytes in the same association is a conflict."""
    from osteon.security.models import AuditEvent

    series = generate_uid()
    first = ct_slice(patient_id=site.patient.mrn, series_uid=series, index=1, size=32)
    second = ct_slice(patient_id=site.patient.mrn, study_uid=first.StudyInstanceUID, series_uid=series, index=2,
                      size=32)
    a, b = write(first, tmp_path / "a.dcm"), write(second, tmp_path / "b.dcm")
    first.StudyDescription = "changed"
    changed = write(first, tmp_path / "c.dcm")
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(a), str(b), str(a), str(changed))
    assert r.returncode == 0, r.stdout
    assert await count_instances(db, first.StudyInstanceUID) == 2
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == first.StudyInstanceUID))).scalar_one()
        outcomes = (await s.execute(select(AuditEvent.outcome).where(
            AuditEvent.action == "imaging.store", AuditEvent.resource_id == first.SOPInstanceUID)
            .order_by(AuditEvent.seq))).scalars().all()
        conflicts = await service.repository.conflicts(s, first.SOPInstanceUID)
    assert st.num_instances == 2 and st.num_series == 1 and st.patient_id == site.patient.id
    assert outcomes == ["success", "duplicate", "conflict"] and len(conflicts) == 1


async def test_failed_file_write_rolls_the_index_back(scp, site, db, tmp_path, monkeypatch):
    """The index transaction runs while the file is being written; if the write fails, nothing is committed and
    the sender gets a failure status (an acknowledged instance is always a durable file)."""
    def broken_write(data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scp.store, "stage", broken_write)  # the SCP writes (stages) while it validates
    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(write(ds, tmp_path / "x.dcm")))
    assert "0xa700" in r.stdout.lower() or "out of resources" in r.stdout.lower() or r.returncode != 0, r.stdout
    assert await count_instances(db, ds.StudyInstanceUID) == 0
    monkeypatch.undo()
    r = await run(STORESCU, "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                  str(write(ds, tmp_path / "x.dcm")))
    assert r.returncode == 0, r.stdout
    assert await count_instances(db, ds.StudyInstanceUID) == 1
