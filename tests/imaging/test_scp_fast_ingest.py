"""C-STORE's SQLite fast path (imaging/fast_ingest.py) writes what the general path writes: the instances of a
series sent in one association are indexed and counted once each, audited with their patient, the audit
chain stays intact; a SOP Instance UID sent twice in the association still follows the duplicate policy; a
refused instance leaves no file behind."""

from __future__ import annotations

import asyncio
import copy

from pydicom.uid import generate_uid
from sqlalchemy import func, select

from osteon.imaging import repository
from osteon.imaging.models import Instance, Series, Study
from osteon.security import audit
from osteon.security.models import AuditEvent
from tests.conftest import PG_URL
from tests.imaging.conftest import need, run
from tests.imaging.dicomgen import ct_slice, dx_image, to_bytes

STORESCU = "/usr/bin/storescu"


async def _storescu(scp, site, tmp_path, datasets):
    """Send ``datasets`` in one association with dcmtk's storescu (files written to tmp_path first)."""
    paths = []
    for i, ds in enumerate(datasets):
        paths.append(tmp_path / f"sent{i}.dcm")
        paths[-1].write_bytes(to_bytes(ds))
    return await run(need(STORESCU), "-aet", site.device_ae, "-aec", scp.ae_title, "127.0.0.1", str(scp.port),
                     *map(str, paths))


async def test_a_series_in_one_association_is_indexed_counted_and_audited_like_the_general_path(scp, site, db,
                                                                                                 app, tmp_path):
    """Five slices, one association: the first takes the general path, the next four the fast path; five rows,
    counters 5/1, modalities CT, five store events naming the patient, and the chain verifies."""
    assert (scp.fast is None) == bool(PG_URL)  # the fast path exists on SQLite; on PostgreSQL all take the general one
    study, series = generate_uid(), generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32, seed=i)
              for i in range(1, 6)]
    r = await _storescu(scp, site, tmp_path, slices)
    assert r.returncode == 0, r.stdout
    uids = [ds.SOPInstanceUID for ds in slices]
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        se = (await s.execute(select(Series).where(Series.series_instance_uid == series))).scalar_one()
        rows = (await s.execute(select(Instance).where(Instance.study_id == st.id))).scalars().all()
        events = (await s.execute(select(AuditEvent).where(AuditEvent.action == "imaging.store",
                                                           AuditEvent.resource_id.in_(uids)))).scalars().all()
        chain = await audit.verify(s)
    assert sorted(i.sop_instance_uid for i in rows) == sorted(uids)
    assert (st.num_instances, st.num_series, se.num_instances, st.modalities) == (5, 1, 5, "CT")
    assert st.patient_id == site.patient.id and st.last_received_at is not None
    assert len(events) == 5 and {e.patient_id for e in events} == {site.patient.id}
    assert {e.username for e in events} == {f"AE:{site.device_ae}"}
    assert all(e.detail == {"source": f"AE:{site.device_ae}", "study": study, "matched": True} for e in events)
    assert chain.ok, chain.problem
    store = app.state.dicom_store
    for inst, ds in zip(sorted(rows, key=lambda i: i.instance_number), slices, strict=True):
        assert _dataset_bytes(store.read(inst.file_hash)) == _dataset_bytes(to_bytes(ds))  # as received


def _dataset_bytes(part10: bytes) -> bytes:
    """The data set after the file meta group (C-STORE carries only the data set; the SCP writes its own meta)."""
    meta_rest = int.from_bytes(part10[140:144], "little")  # (0002,0000) group length, explicit VR LE
    return part10[144 + meta_rest:]


async def test_a_new_series_of_a_known_study_is_created_once_and_counted(scp, site, db, tmp_path):
    """CT slices, then two DX (each its own series) of the same study, in one association: three series, the
    study counts them and lists both modalities; every instance is indexed under its own series."""
    study, ct_series = generate_uid(), generate_uid()
    datasets = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=ct_series, index=i, size=32, seed=i)
                for i in range(1, 3)]
    datasets += [dx_image(patient_id=site.patient.mrn, study_uid=study, rows=16, cols=16) for _ in range(2)]
    r = await _storescu(scp, site, tmp_path, datasets)
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        series = {x.series_instance_uid: x for x in (await s.execute(
            select(Series).where(Series.study_id == st.id))).scalars().all()}
        rows = (await s.execute(select(Instance).where(Instance.study_id == st.id))).scalars().all()
    assert (st.num_instances, st.num_series, st.modalities) == (4, 3, "CT\\DX")
    assert set(series) == {ds.SeriesInstanceUID for ds in datasets}
    assert series[ct_series].num_instances == 2 and series[ct_series].modality == "CT"
    assert all(series[ds.SeriesInstanceUID].num_instances == 1 for ds in datasets[2:])
    assert {(i.sop_instance_uid, i.series_id) for i in rows} == {
        (ds.SOPInstanceUID, series[ds.SeriesInstanceUID].id) for ds in datasets}
    # A later association: a new DX first (the study becomes known), then a CT of the series stored before,
    # which this association has not seen: found, not created again.
    later = [dx_image(patient_id=site.patient.mrn, study_uid=study, rows=16, cols=16),
             ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=ct_series, index=3, size=32, seed=3)]
    r = await _storescu(scp, site, tmp_path, later)
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        ct = (await s.execute(select(Series).where(Series.series_instance_uid == ct_series))).scalar_one()
        n_series = (await s.execute(select(func.count()).select_from(Series).where(Series.study_id == st.id))).scalar_one()
    assert (st.num_instances, st.num_series, n_series, ct.num_instances) == (6, 4, 4, 3)


async def test_a_repeated_instance_in_the_same_association_follows_the_duplicate_policy(scp, site, db, tmp_path):
    """[A, B, A, A with other bytes] in one association: two rows, counted once; duplicate and conflict audited."""
    study, series = generate_uid(), generate_uid()
    a = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=1, size=32, seed=1)
    b = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=2, size=32, seed=2)
    a_other = copy.deepcopy(a)
    a_other.SeriesDescription = "changed"
    r = await _storescu(scp, site, tmp_path, [a, b, a, a_other])
    assert r.returncode == 0, r.stdout
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        n = (await s.execute(select(func.count()).select_from(Instance).where(Instance.study_id == st.id))).scalar_one()
        outcomes = (await s.execute(select(AuditEvent.outcome).where(
            AuditEvent.action == "imaging.store", AuditEvent.resource_id == a.SOPInstanceUID))).scalars().all()
        conflicts = await repository.conflicts(s, a.SOPInstanceUID)
    assert (n, st.num_instances) == (2, 2)
    assert sorted(outcomes) == ["conflict", "duplicate", "success"] and len(conflicts) == 1


async def test_a_failed_file_write_on_the_fast_path_rolls_that_instance_back(scp, site, db, tmp_path, monkeypatch):
    """Three slices in one association, the third's file cannot be written: it gets a failure status and has
    no row; the first two are stored and counted."""
    study, series = generate_uid(), generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32, seed=i)
              for i in range(1, 4)]
    store = scp.store
    stage = store.stage
    bad_uid = slices[2].SOPInstanceUID.encode()

    def stage_or_fail(data):
        if bad_uid in data:
            raise OSError(28, "No space left on device")
        return stage(data)

    monkeypatch.setattr(store, "stage", stage_or_fail)
    r = await _storescu(scp, site, tmp_path, slices)
    assert "0xa700" in r.stdout.lower() or "out of resources" in r.stdout.lower() or r.returncode != 0, r.stdout
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        stored = (await s.execute(select(Instance.sop_instance_uid).where(Instance.study_id == st.id))).scalars().all()
    assert sorted(stored) == sorted(ds.SOPInstanceUID for ds in slices[:2]) and st.num_instances == 2


async def test_a_refused_instance_leaves_no_file_in_the_store(scp, site, app, tmp_path):
    """Bytes that fail validation are written to a temp file while they are checked, then removed."""
    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    del ds.SeriesInstanceUID
    store = app.state.dicom_store
    before = set(store.tmp.iterdir())
    r = await _storescu(scp, site, tmp_path, [ds])
    assert "0xc000" in r.stdout.lower() or r.returncode != 0, r.stdout
    for _ in range(50):  # the temp file is removed once its write finishes
        if set(store.tmp.iterdir()) == before:
            break
        await asyncio.sleep(0.02)
    assert set(store.tmp.iterdir()) == before
