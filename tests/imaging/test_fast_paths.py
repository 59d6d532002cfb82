"""The batched STOW-RS index and the one-statement frame access check give the same answers, rows and audit
events as the general paths: duplicates inside one request follow the duplicate policy, a bad part (failed
file write, concurrent insert) fails alone, and a frame of a record you may not see is a 404 like a missing
one — denied and audited; a consultation expert gets exactly the shared study's frames."""

from __future__ import annotations

import copy

from pydicom.uid import generate_uid
from sqlalchemy import func, select

from osteon.imaging import repository
from osteon.imaging.models import Instance, InstanceConflict, Series, Study
from osteon.security.models import AuditEvent
from tests.conftest import login
from tests.consultations.factories import create, hospitals, soon
from tests.factories import make_patient, make_user, make_world
from tests.imaging.dicomgen import ct_slice, to_bytes
from tests.imaging.test_dicomweb import _multipart

FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'


async def _post(client, headers, datasets_or_bytes):
    parts = [d if isinstance(d, bytes) else to_bytes(d) for d in datasets_or_bytes]
    body, ctype = _multipart(parts)
    return await client.post("/dicomweb/studies", content=body, headers={**headers, "Content-Type": ctype})


async def _store_events(db, uids):
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditEvent.resource_id, AuditEvent.outcome, AuditEvent.patient_id)
                                .where(AuditEvent.action == "imaging.store", AuditEvent.resource_id.in_(uids))
                                .order_by(AuditEvent.seq))).all()
    return [(r[0], r[1], r[2]) for r in rows]


async def test_duplicates_inside_one_request_follow_the_duplicate_policy(client, site, db):
    """[A, B, A again, A with other bytes, B again]: two instances indexed, counted once; a conflict row for
    the different bytes; every part answered and audited (stored, duplicate, conflict)."""
    study, series = generate_uid(), generate_uid()
    a = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=1, size=32, seed=1)
    b = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=2, size=32, seed=2)
    a_other = copy.deepcopy(a)
    a_other.SeriesDescription = "changed"
    r = await _post(client, site.headers, [a, b, a, a_other, b])
    assert r.status_code == 200, r.text
    ok = r.json()["00081199"]["Value"]
    assert [x["00081155"]["Value"][0] for x in ok] == [a.SOPInstanceUID, b.SOPInstanceUID, a.SOPInstanceUID,
                                                       a.SOPInstanceUID, b.SOPInstanceUID]
    assert [x.get("00081196", {}).get("Value") for x in ok] == [None, None, None, [0xB000], None]
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        se = (await s.execute(select(Series).where(Series.series_instance_uid == series))).scalar_one()
        n = (await s.execute(select(func.count()).select_from(Instance).where(Instance.study_id == st.id))).scalar_one()
        conflicts = (await s.execute(select(func.count()).select_from(InstanceConflict)
                                     .where(InstanceConflict.sop_instance_uid == a.SOPInstanceUID))).scalar_one()
    assert (n, st.num_instances, st.num_series, se.num_instances, conflicts) == (2, 2, 1, 2, 1)
    assert st.patient_id == site.patient.id and st.modalities == "CT"
    events = await _store_events(db, [a.SOPInstanceUID, b.SOPInstanceUID])
    assert sorted(o for _, o, _ in events) == ["conflict", "duplicate", "duplicate", "success", "success"]
    assert {p for _, _, p in events} == {site.patient.id}
    # Sent again in a later request: answered as duplicates, nothing counted twice.
    r = await _post(client, site.headers, [a, b])
    assert r.status_code == 200
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
    assert st.num_instances == 2
    assert sorted(o for _, o, _ in await _store_events(db, [b.SOPInstanceUID])) == ["duplicate", "duplicate", "success"]


async def test_a_failed_file_write_fails_that_part_alone(client, site, db, app, monkeypatch):
    """The part whose file cannot be made durable is refused (A700) and has no index row; the others are kept
    and counted."""
    study, series = generate_uid(), generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32, seed=i)
              for i in range(1, 4)]
    store = app.state.dicom_store
    bad = store.digest(to_bytes(slices[1]))
    real_put = store.put

    def put(data, file_hash=None):
        if file_hash == bad:
            raise OSError("disk full")
        return real_put(data, file_hash)

    monkeypatch.setattr(store, "put", put)
    r = await _post(client, site.headers, slices + [b"not dicom"])
    assert r.status_code == 202, r.text
    failed = r.json()["00081198"]["Value"]
    assert sorted(f["00081197"]["Value"][0] for f in failed) == [0xA700, 0xC000]
    assert [f["00081155"]["Value"][0] for f in failed if "00081155" in f] == [slices[1].SOPInstanceUID]
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        uids = set((await s.execute(select(Instance.sop_instance_uid).where(Instance.study_id == st.id))).scalars())
    assert uids == {slices[0].SOPInstanceUID, slices[2].SOPInstanceUID} and st.num_instances == 2


async def test_a_concurrent_insert_falls_back_to_one_part_at_a_time(client, site, db, monkeypatch):
    """If another request stores one of the UIDs between the lookup and the batch INSERT, the batch is rolled
    back to its savepoint and the parts go one by one: the duplicate policy answers that part, the rest are
    stored, nothing is counted twice."""
    study, series = generate_uid(), generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32, seed=i)
              for i in range(1, 4)]
    assert (await _post(client, site.headers, [slices[1]])).status_code == 200

    async def nothing_exists(session, uids):
        return set()  # as if the lookup ran before the other request committed

    monkeypatch.setattr(repository, "existing_sop_uids", nothing_exists)
    r = await _post(client, site.headers, slices)
    assert r.status_code == 200, r.text
    async with db.transaction() as s:
        st = (await s.execute(select(Study).where(Study.study_instance_uid == study))).scalar_one()
        n = (await s.execute(select(func.count()).select_from(Instance).where(Instance.study_id == st.id))).scalar_one()
    assert (n, st.num_instances) == (3, 3)
    outcomes = [o for _, o, _ in await _store_events(db, [slices[1].SOPInstanceUID])]
    assert outcomes == ["success", "duplicate"]


async def test_frames_are_audited_and_hidden_records_look_missing(client, site, db, app, settings):
    """A frame read writes imaging.frame.read for the patient; a doctor of another hospital gets the same 404
    as for a UID that does not exist, and the refusal is audited."""
    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    assert (await _post(client, site.headers, [ds])).status_code == 200
    url = f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"
    r = await client.get(f"{url}/frames/1", headers={**site.headers, "Accept": FRAME_ACCEPT})
    assert r.status_code == 200 and ds.PixelData in r.content
    async with db.transaction() as s:
        reads = (await s.execute(select(AuditEvent.patient_id, AuditEvent.outcome, AuditEvent.username)
                                 .where(AuditEvent.action == "imaging.frame.read",
                                        AuditEvent.patient_id == site.patient.id))).all()
    assert [(p, o, u) for p, o, u in reads] == [(site.patient.id, "success", site.username)]
    other = await make_world(db)
    user, pw = await make_user(db, settings, app.state.cipher, other, "doctor")
    theirs = await login(client, user, pw)
    hidden = await client.get(f"{url}/frames/1", headers={**theirs, "Accept": FRAME_ACCEPT})
    missing = await client.get(f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
                               f"{generate_uid()}/frames/1", headers={**theirs, "Accept": FRAME_ACCEPT})
    nowhere = await client.get(f"/dicomweb/studies/{generate_uid()}/series/{generate_uid()}/instances/"
                               f"{generate_uid()}/frames/1", headers={**theirs, "Accept": FRAME_ACCEPT})
    assert hidden.status_code == missing.status_code == nowhere.status_code == 404
    assert hidden.json()["code"] == nowhere.json()["code"]
    rendered = await client.get(f"{url}/rendered", headers=theirs)
    assert rendered.status_code == 404
    async with db.transaction() as s:
        denied = (await s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "imaging.frame.read", AuditEvent.outcome == "denied",
            AuditEvent.patient_id == site.patient.id, AuditEvent.username == user))).scalar_one()
    assert denied >= 2


async def test_a_consultation_expert_gets_frames_of_the_shared_study_only(app, db, settings, client):
    """Access through a scoped grant is decided by the patients domain (the general path), per study."""
    h = await hospitals(app, db, settings, client)
    shared, private = (ct_slice(patient_id=h.patient.mrn, size=32) for _ in range(2))
    assert (await _post(client, h.doctor.headers, [shared, private])).status_code == 200
    c = await create(client, h, shared=[{"kind": "study", "ref": shared.StudyInstanceUID, "label": "CT"}])
    r = await client.post(f"/api/v1/consultations/{c['id']}/accept", json={"scheduled_at": soon(30)},
                          headers=h.expert.headers)
    assert r.status_code == 200, r.text

    def frame(ds):
        return (f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
                f"{ds.SOPInstanceUID}/frames/1")

    ex = {**h.expert.headers, "Accept": FRAME_ACCEPT}
    assert (await client.get(frame(shared), headers=ex)).status_code == 200
    assert (await client.get(frame(private), headers=ex)).status_code == 404
    assert (await client.get(frame(private), headers={**h.doctor.headers, "Accept": FRAME_ACCEPT})).status_code == 200


async def test_the_frame_statement_built_once_binds_each_users_own_scope(app, db, settings, client):
    """The one-statement frame check is built once per kind of user; interleaved users of every kind get exactly
    what their own scope allows, and a care relationship counts from the next request until it ends."""
    from osteon.kit.models import utcnow
    from osteon.patients.service import add_care_relationship
    from osteon.security.models import CareRelationship, User

    world, other = await make_world(db), await make_world(db)
    spine_patient = await make_patient(db, app.state.cipher, world, department=world.spine)
    someone_else = await make_patient(db, app.state.cipher, world, department=world.spine)
    cipher = app.state.cipher
    users = {
        "spine": await make_user(db, settings, cipher, world, department=world.spine),
        "ortho": await make_user(db, settings, cipher, world),  # spine is a unit of orthopaedics
        "radiology": await make_user(db, settings, cipher, world, department=world.radiology),
        "tech": await make_user(db, settings, cipher, world, role="technician", department=None),
        "other_tech": await make_user(db, settings, cipher, other, role="technician", department=None),
        "the_patient": await make_user(db, settings, cipher, world, role="patient", department=None,
                                       patient_id=spine_patient.id),
        "another_patient": await make_user(db, settings, cipher, world, role="patient", department=None,
                                           patient_id=someone_else.id),
    }
    headers = {k: {**await login(client, u, pw), "Accept": FRAME_ACCEPT} for k, (u, pw) in users.items()}
    ds = ct_slice(patient_id=spine_patient.mrn, size=32)
    assert (await _post(client, headers["ortho"], [ds])).status_code == 200
    url = (f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
           f"{ds.SOPInstanceUID}/frames/1")
    expected = {"spine": 200, "ortho": 200, "radiology": 404, "tech": 200, "other_tech": 404, "the_patient": 200,
                "another_patient": 404}
    for _ in range(2):
        for who in ["radiology", "spine", "other_tech", "tech", "another_patient", "the_patient", "ortho"]:
            assert (await client.get(url, headers=headers[who])).status_code == expected[who], who
    async with db.transaction() as s:
        rad = (await s.execute(select(User.id).where(User.username == users["radiology"][0]))).scalar_one()
        await add_care_relationship(s, rad, spine_patient.id)
    assert (await client.get(url, headers=headers["radiology"])).status_code == 200
    assert (await client.get(url, headers=headers["other_tech"])).status_code == 404
    async with db.transaction() as s:
        rel = (await s.execute(select(CareRelationship).where(CareRelationship.user_id == rad))).scalar_one()
        rel.ends_at = utcnow()
    assert (await client.get(url, headers=headers["radiology"])).status_code == 404
