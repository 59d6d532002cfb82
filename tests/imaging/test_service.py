"""Imaging rules through the real app: merges, device permissions, QIDO paging and includefield, thumbnails."""

from __future__ import annotations

from pydicom.uid import generate_uid

from osteon.imaging import service
from osteon.patients import service as patients
from tests.factories import make_patient, system_actor
from tests.imaging.conftest import add_device, ae, run
from tests.imaging.dicomgen import ct_slice, to_bytes
from tests.imaging.test_dicomweb import _multipart


async def stow(client, site, datasets) -> None:
    """STOW-RS helper."""
    body, ctype = _multipart([to_bytes(d) for d in datasets])
    r = await client.post("/dicomweb/studies", content=body, headers={**site.headers, "Content-Type": ctype})
    assert r.status_code == 200, r.text


async def test_studies_follow_a_patient_merge(app, db, client, site):
    """Merging a duplicate record moves its studies to the survivor (merge hook)."""
    duplicate = await make_patient(db, app.state.cipher, site.world, name="王建国")
    ds = ct_slice(patient_id=duplicate.mrn, size=16)
    await stow(client, site, [ds])
    actor = system_actor(site.world)
    async with db.transaction() as s:
        s.info["actor"] = actor
        await patients.merge(s, actor, site.patient.id, duplicate.id)
    async with db.transaction() as s:
        s.info["actor"] = actor
        studies = await service.studies_for_patient(s, actor, site.patient.id)
    assert ds.StudyInstanceUID in {st.study_instance_uid for st in studies}


async def test_device_without_store_permission_is_refused(scp, db, site, tmp_path):
    """A known device that may only echo gets 'not authorised' for C-STORE."""
    viewer = ae("VIEW")
    await add_device(db, site.world.institution.id, viewer, may_store=False, may_query=False)
    path = tmp_path / "x.dcm"
    path.write_bytes(to_bytes(ct_slice(patient_id=site.patient.mrn, size=16)))
    assert (await run("/usr/bin/echoscu", "-aet", viewer, "-aec", scp.ae_title, "127.0.0.1", str(scp.port))).returncode == 0
    r = await run("/usr/bin/storescu", "-aet", viewer, "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
    assert "0x0124" in r.stdout.lower() or "refused" in r.stdout.lower() or r.returncode != 0, r.stdout
    r = await run("/usr/bin/findscu", "-v", "-S", "-aet", viewer, "-aec", scp.ae_title, "-k", "QueryRetrieveLevel=STUDY",
                  "127.0.0.1", str(scp.port))
    assert "0x124" in r.stdout.lower(), r.stdout  # Refused: not authorised


async def test_qido_paging_includefield_and_thumbnail(client, site):
    """limit/offset page through instances; includefield=all returns the stored header; thumbnails render."""
    study, series = generate_uid(), generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=32) for i in range(1, 6)]
    await stow(client, site, slices)
    url = f"/dicomweb/studies/{study}/series/{series}/instances"
    first = (await client.get(url, params={"limit": 2}, headers=site.headers)).json()
    rest = (await client.get(url, params={"limit": 10, "offset": 2}, headers=site.headers)).json()
    numbers = [i["00200013"]["Value"][0] for i in first + rest]
    assert numbers == [1, 2, 3, 4, 5]
    full = (await client.get(url, params={"includefield": "all", "InstanceNumber": "3"}, headers=site.headers)).json()
    assert len(full) == 1 and full[0]["00280030"]["Value"] == [0.7, 0.7]  # PixelSpacing from the stored header
    by_tag = (await client.get("/dicomweb/studies", params={"0020000D": study}, headers=site.headers)).json()
    assert len(by_tag) == 1 and by_tag[0]["00201208"]["Value"] == [5]
    r = await client.get(f"{url}/{slices[0].SOPInstanceUID}/thumbnail", headers=site.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    r = await client.get(f"{url}/{slices[0].SOPInstanceUID}/rendered", params={"window": "a,b"}, headers=site.headers)
    assert r.status_code == 400 and r.json()["code"] == "imaging.bad_render_params"


async def test_frames_of_a_multiframe_native_object_are_cut_exactly(client, site):
    """Frame n of a multi-frame uncompressed object is exactly its slice of the pixel data (read by seeking)."""
    import numpy as np

    ds = ct_slice(patient_id=site.patient.mrn, size=32)
    frames = [np.full((32, 32), k, dtype=np.int16) for k in (100, 200, 300)]
    ds.NumberOfFrames = 3
    ds.PixelData = b"".join(f.tobytes() for f in frames)
    await stow(client, site, [ds])
    url = (f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
           f"{ds.SOPInstanceUID}/frames/3,1")
    r = await client.get(url, headers={**site.headers, "Accept": "multipart/related; type=application/octet-stream"})
    assert r.status_code == 200, r.text
    boundary = r.headers["content-type"].split("boundary=")[1]
    parts = [p.split(b"\r\n\r\n", 1)[1][:-2] for p in r.content.split(b"--" + boundary.encode())[1:-1]]
    assert parts == [frames[2].tobytes(), frames[0].tobytes()]
    bad = await client.get(url.replace("3,1", "4"), headers=site.headers)
    assert bad.status_code == 404


async def test_frames_after_a_restart_are_the_same_bytes_without_the_layout_cache(client, site):
    """Frames are cut at the offset recorded when the instance was stored; with that in-memory layout gone (a
    restart) the file is parsed once, the answer is byte-identical and the layout is recorded again."""
    import numpy as np

    from osteon.imaging import pixels

    ds = ct_slice(patient_id=site.patient.mrn, size=48)
    frames = [np.full((48, 48), k, dtype=np.int16) for k in (7, -3, 1024, 5)]
    ds.NumberOfFrames = 4
    ds.PixelData = b"".join(f.tobytes() for f in frames)
    await stow(client, site, [ds])
    url = (f"/dicomweb/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/"
           f"{ds.SOPInstanceUID}/frames/4,2")
    accept = {**site.headers, "Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}

    async def parts() -> list[bytes]:
        r = await client.get(url, headers=accept)
        assert r.status_code == 200, r.text
        boundary = r.headers["content-type"].split("boundary=")[1]
        return [p.split(b"\r\n\r\n", 1)[1][:-2] for p in r.content.split(b"--" + boundary.encode())[1:-1]]

    known = dict(pixels._LAYOUTS)
    assert any(size == 48 * 48 * 2 and count == 4 for _, size, count in known.values())
    assert await parts() == [frames[3].tobytes(), frames[1].tobytes()]
    pixels._LAYOUTS.clear()
    try:
        assert await parts() == [frames[3].tobytes(), frames[1].tobytes()]
        assert any(size == 48 * 48 * 2 and count == 4 for _, size, count in pixels._LAYOUTS.values())
    finally:
        pixels._LAYOUTS.update(known)
    bad = await client.get(url.replace("4,2", "5"), headers=accept)
    assert bad.status_code == 404
