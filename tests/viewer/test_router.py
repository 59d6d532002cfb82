"""Per-study annotations: readable by whoever may see the study, saved with optimistic versioning, audited,
hidden (404) from users of another hospital, refused (403) for roles that do not annotate."""

from __future__ import annotations

import pytest_asyncio
from sqlalchemy import select

from osteon.security.models import AuditEvent
from tests.conftest import login
from tests.factories import make_patient, make_user, make_world
from tests.imaging.dicomgen import ct_slice, to_bytes

COBB = {"uid": "a1", "tool": "CobbAngle", "series_instance_uid": "1.2.3", "sop_instance_uid": "1.2.3.4",
        "label": "Cobb 23.5°", "data": {"handles": {"points": [[0, 0, 0], [10, 0, 0], [0, 5, 0], [10, 9, 0]]}}}


def _multipart(parts: list[bytes]) -> tuple[bytes, str]:
    """A STOW-RS body."""
    b = "vb42"
    body = b"".join(b"--" + b.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + b.encode() + b"--\r\n", f'multipart/related; type="application/dicom"; boundary={b}'


@pytest_asyncio.fixture
async def study(app, db, settings, client):
    """A hospital, a doctor (logged in), a patient with one stored CT study."""
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world, "doctor")
    patient = await make_patient(db, app.state.cipher, world, name="王建国")
    headers = await login(client, username, password)
    ds = ct_slice(patient_id=patient.mrn, size=32)
    body, ctype = _multipart([to_bytes(ds)])
    r = await client.post("/dicomweb/studies", content=body, headers={**headers, "Content-Type": ctype})
    assert r.status_code == 200, r.text
    return world, headers, patient, ds.StudyInstanceUID


async def test_annotations_start_empty_at_version_zero(client, study):
    """A study never annotated has an empty set at version 0 that the doctor may edit."""
    _, headers, _, uid = study
    r = await client.get(f"/api/v1/viewer/studies/{uid}/annotations", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["annotations"] == [] and r.json()["version"] == 0 and r.json()["can_edit"] is True


async def test_saved_annotations_are_shown_to_the_next_reader_and_audited(client, db, study):
    """Save a Cobb angle; reading again returns it with the new version; the write is audited."""
    _, headers, patient, uid = study
    r = await client.put(f"/api/v1/viewer/studies/{uid}/annotations", json={"annotations": [COBB], "version": 0},
                         headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    r = await client.get(f"/api/v1/viewer/studies/{uid}/annotations", headers=headers)
    assert r.json()["annotations"][0]["label"] == "Cobb 23.5°" and r.json()["updated_by_name"]
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditEvent).where(AuditEvent.action == "viewer.annotations.write",
                                                         AuditEvent.patient_id == patient.id))).scalars().all()
    assert len(rows) == 1


async def test_stale_version_is_409(client, study):
    """Two viewers saving from the same version: the second gets 409 stale_version."""
    _, headers, _, uid = study
    url = f"/api/v1/viewer/studies/{uid}/annotations"
    assert (await client.put(url, json={"annotations": [COBB], "version": 0}, headers=headers)).status_code == 200
    r = await client.put(url, json={"annotations": [], "version": 0}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "stale_version"


async def test_other_hospital_gets_404(app, db, settings, client, study):
    """A doctor who may not see the patient gets the same 404 as for a missing study, for read and write."""
    _, _, _, uid = study
    other = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, other, "doctor")
    headers = await login(client, username, password)
    url = f"/api/v1/viewer/studies/{uid}/annotations"
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.put(url, json={"annotations": [COBB], "version": 0}, headers=headers)).status_code == 404


async def test_nurse_may_read_but_not_annotate(app, db, settings, client, study):
    """A nurse of the same department sees the measurements but may not save them (403)."""
    world, _, _, uid = study
    username, password = await make_user(db, settings, app.state.cipher, world, "nurse")
    headers = await login(client, username, password)
    url = f"/api/v1/viewer/studies/{uid}/annotations"
    r = await client.get(url, headers=headers)
    assert r.status_code == 200 and r.json()["can_edit"] is False
    r = await client.put(url, json={"annotations": [COBB], "version": 0}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "viewer.annotate_forbidden"


async def test_bad_annotation_is_422_and_nothing_saved(client, study):
    """An annotation with an unsafe uid or unknown field is refused; the set stays empty."""
    _, headers, _, uid = study
    url = f"/api/v1/viewer/studies/{uid}/annotations"
    bad = {**COBB, "uid": "../x"}
    assert (await client.put(url, json={"annotations": [bad], "version": 0}, headers=headers)).status_code == 422
    assert (await client.put(url, json={"annotations": [{**COBB, "x": 1}], "version": 0},
                             headers=headers)).status_code == 422
    assert (await client.get(url, headers=headers)).json()["version"] == 0


async def test_presets_are_per_user_and_versioned(client, study):
    """Save window presets; read them back; a stale save is 409."""
    _, headers, _, _ = study
    body = {"presets": [{"name": "Spine", "window_width": 1800, "window_center": 400}], "version": 0}
    r = await client.put("/api/v1/viewer/presets", json=body, headers=headers)
    assert r.status_code == 200 and r.json()["version"] == 1
    assert (await client.get("/api/v1/viewer/presets", headers=headers)).json()["presets"][0]["name"] == "Spine"
    assert (await client.put("/api/v1/viewer/presets", json=body, headers=headers)).status_code == 409
