"""Saved measurements exported as a DICOM SR (TID 1500 Measurement Report, Comprehensive 3D SR): the SR reads
back with pydicom/highdicom with the values and referenced images the test computes from the geometry, is stored
as a new series of the study (QIDO-RS, WADO-RS and dcmtk findscu see it), is idempotent per annotation version,
authorised (404 for a user who may not see the patient, 403 for a role that does not annotate) and audited."""

from __future__ import annotations

import asyncio
import io
import math
import uuid

import highdicom as hd
import pydicom
import pytest
import pytest_asyncio
from pydicom.uid import generate_uid
from sqlalchemy import select

from osteon.security.models import AuditEvent
from tests.conftest import login
from tests.factories import make_patient, make_user, make_world
from tests.imaging.conftest import add_device, add_node, ae, need, orthanc, run, scp  # noqa: F401 — fixtures
from tests.imaging.dicomgen import ct_slice, dx_image, to_bytes

FINDSCU = "/usr/bin/findscu"
CT_SPACING = 0.7  # dicomgen.ct_slice: PixelSpacing 0.7, IPP (0, 0, index), axial
DX_SPACING = 0.15


def _multipart(parts: list[bytes]) -> tuple[bytes, str]:
    """A STOW-RS body."""
    b = "srb42"
    body = b"".join(b"--" + b.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + b.encode() + b"--\r\n", f'multipart/related; type="application/dicom"; boundary={b}'


def _dicom_parts(body: bytes, content_type: str) -> list[bytes]:
    """The parts of a WADO-RS multipart/related answer."""
    boundary = content_type.split("boundary=")[1].split(";")[0].strip('"').encode()
    out = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        out.append(chunk.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n"))
    return out


def ct_px(x: float, y: float) -> list[float]:
    """World (mm, z = slice) → SCOORD pixel coordinates on the test CT (corner of the first pixel = 0, 0)."""
    return [x / CT_SPACING + 0.5, y / CT_SPACING + 0.5]


@pytest_asyncio.fixture
async def study(app, db, settings, client):
    """A hospital, a doctor (logged in), a patient with a CT and a DX in one study, and a second study."""
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world, "doctor")
    patient = await make_patient(db, app.state.cipher, world, name="王建国")
    headers = await login(client, username, password)
    study_uid = generate_uid()
    ct = ct_slice(patient_id=patient.mrn, study_uid=study_uid, size=64)
    dx = dx_image(patient_id=patient.mrn, study_uid=study_uid, rows=200, cols=160)
    other = ct_slice(patient_id=patient.mrn, size=32)  # another study of the same patient
    body, ctype = _multipart([to_bytes(ct), to_bytes(dx), to_bytes(other)])
    r = await client.post("/dicomweb/studies", content=body, headers={**headers, "Content-Type": ctype})
    assert r.status_code == 200, r.text
    return {"world": world, "headers": headers, "patient": patient, "uid": study_uid, "ct": ct, "dx": dx,
            "other": other, "username": username}


def _annotations(s: dict) -> list[dict]:
    """A length, an angle, a Cobb angle, an ellipse and a rectangle on the CT; a calibrated length on the DX;
    an arrow (not a measurement) and a length on an image of another study (both skipped)."""
    ct, dx, other = s["ct"], s["dx"], s["other"]

    def ann(uid: str, tool: str, img, points: list[list[float]], **data) -> dict:
        return {"uid": uid, "tool": tool, "series_instance_uid": img.SeriesInstanceUID,
                "sop_instance_uid": img.SOPInstanceUID, "frame": 1, "label": "", "author": "doc",
                "created_at": "", "data": {"points": points, **data}}

    t30 = 10 * math.tan(math.radians(30))
    return [
        ann("len1", "Length", ct, [[7, 7, 1], [28, 35, 1]]),  # 21, 28 → 35 mm
        ann("ang1", "Angle", ct, [[10, 0, 1], [0, 0, 1], [10, t30, 1]]),  # 30°
        # Second line drawn "backwards": 158.2° between the vectors, 21.8° as a Cobb angle
        ann("cobb1", "CobbAngle", ct, [[0, 0, 1], [10, 0, 1], [10, 9, 1], [0, 5, 1]]),
        # Over the test CT's "vertebra" (stored 2001, rescale −1024 → 977 HU)
        ann("ell1", "EllipticalROI", ct, [[21, 24.5, 1], [21, 17.5, 1], [14, 21, 1], [28, 21, 1]]),
        ann("rect1", "RectangleROI", ct, [[14, 14, 1], [28, 14, 1], [14, 28, 1], [28, 28, 1]]),
        ann("len2", "Length", dx, [[0, 0, 0], [30, 40, 0]]),  # 50 world mm × calibration 1.1 = 55 mm
        {"uid": "cal-dx", "tool": "Calibration", "series_instance_uid": dx.SeriesInstanceUID,
         "sop_instance_uid": dx.SOPInstanceUID, "frame": 1, "label": "55 mm", "data": {"factor": 1.1, "knownMm": 55}},
        ann("arrow1", "ArrowAnnotate", ct, [[1, 1, 1], [2, 2, 1]]),
        ann("foreign", "Length", other, [[0, 0, 1], [5, 0, 1]]),
    ]


async def _save(client, s: dict, annotations: list[dict], version: int = 0) -> None:
    r = await client.put(f"/api/v1/viewer/studies/{s['uid']}/annotations",
                         json={"annotations": annotations, "version": version}, headers=s["headers"])
    assert r.status_code == 200, r.text


async def test_sr_export_reads_back_with_values_and_references(client, db, study):
    """The exported SR is a valid Comprehensive 3D SR / TID 1500 report: each measurement's value, unit, code,
    SCOORD and referenced image (SOP Class/Instance, frame) match what the test computes; observer = the user."""
    s = study
    await _save(client, s, _annotations(s))
    r = await client.post(f"/api/v1/viewer/studies/{s['uid']}/annotations/sr", headers=s["headers"])
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["created"] is True and out["annotations_version"] == 1
    assert sorted(out["skipped"]) == ["arrow1", "foreign"]
    assert out["sop_class_uid"] == "1.2.840.10008.5.1.4.1.1.88.34"

    # Read the stored object back over WADO-RS (the bytes a PACS would be sent)
    r = await client.get(out["wado_rs_url"], headers=s["headers"])
    assert r.status_code == 200, r.text
    [raw] = _dicom_parts(r.content, r.headers["content-type"])
    ds = pydicom.dcmread(io.BytesIO(raw))
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34" and ds.Modality == "SR"
    assert ds.SOPInstanceUID == out["sop_instance_uid"] and ds.SeriesInstanceUID == out["series_instance_uid"]
    assert ds.StudyInstanceUID == s["uid"] and ds.PatientID == s["patient"].mrn
    assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
    assert ds.ConceptNameCodeSequence[0].CodeValue == "126000"  # Imaging Measurement Report
    evidence = {ref.ReferencedSOPInstanceUID for item in ds.CurrentRequestedProcedureEvidenceSequence
                for series in item.ReferencedSeriesSequence for ref in series.ReferencedSOPSequence}
    assert evidence == {s["ct"].SOPInstanceUID, s["dx"].SOPInstanceUID}

    report = hd.sr.srread(io.BytesIO(raw))
    observers = report.content.get_observer_contexts()
    assert any(getattr(o.observer_identifying_attributes, "login_name", None) == s["username"] for o in observers)
    groups = {str(g.tracking_identifier): g for g in report.content.get_planar_roi_measurement_groups()}
    assert len(groups) == 6

    def group(uid: str):
        [g] = [g for k, g in groups.items() if k.endswith(f" {uid}")]
        return g

    def values(g) -> dict[str, tuple[float, str, str, str]]:
        return {m.name.meaning: (m.value, m.unit.value, m.name.value, m.name.scheme_designator)
                for m in g.get_measurements()}

    def check_region(g, img, graphic_type: str, expected: list[list[float]]) -> None:
        roi = g.roi
        assert roi.graphic_type.value == graphic_type
        ref = roi.ContentSequence[0].ReferencedSOPSequence[0]
        assert ref.ReferencedSOPClassUID == img.SOPClassUID and ref.ReferencedSOPInstanceUID == img.SOPInstanceUID
        got = roi.value.tolist()
        assert len(got) == len(expected)
        for (gx, gy), (ex, ey) in zip(got, expected, strict=True):
            assert gx == pytest.approx(ex, abs=1e-3) and gy == pytest.approx(ey, abs=1e-3)

    g = group("len1")
    assert values(g)["Length"][:4] == (pytest.approx(35.0, abs=1e-3), "mm", "410668003", "SCT")
    check_region(g, s["ct"], "POLYLINE", [ct_px(7, 7), ct_px(28, 35)])
    g = group("ang1")
    assert values(g)["Angle"][:3] == (pytest.approx(30.0, abs=1e-3), "deg", "1483009")
    g = group("cobb1")
    expected_cobb = math.degrees(math.atan2(4, 10))
    assert values(g)["Cobb angle"][:4] == (pytest.approx(expected_cobb, abs=1e-3), "deg", "285285000", "SCT")
    check_region(g, s["ct"], "POLYLINE", [ct_px(0, 0), ct_px(10, 0), ct_px(10, 9), ct_px(0, 5)])
    g = group("ell1")
    v = values(g)
    assert v["Area"][:2] == (pytest.approx(math.pi * 14 * 7 / 4, abs=1e-3), "mm2")
    assert v["Mean"][:2] == (pytest.approx(977.0), "[hnsf'U]") and v["Standard Deviation"][0] == pytest.approx(0.0)
    check_region(g, s["ct"], "ELLIPSE", [ct_px(14, 21), ct_px(28, 21), ct_px(21, 24.5), ct_px(21, 17.5)])
    g = group("rect1")
    v = values(g)
    assert v["Area"][:2] == (pytest.approx(196.0, abs=1e-3), "mm2") and v["Mean"][0] == pytest.approx(977.0)
    check_region(g, s["ct"], "POLYLINE", [ct_px(14, 14), ct_px(28, 14), ct_px(28, 28), ct_px(14, 28), ct_px(14, 14)])
    g = group("len2")
    assert values(g)["Length"][:2] == (pytest.approx(55.0, abs=1e-3), "mm")
    check_region(g, s["dx"], "POLYLINE", [[0.5, 0.5], [30 / DX_SPACING + 0.5, 40 / DX_SPACING + 0.5]])

    async with db.transaction() as session:
        rows = (await session.execute(select(AuditEvent).where(AuditEvent.action == "viewer.sr.export",
                                                               AuditEvent.patient_id == s["patient"].id))).scalars().all()
    assert len(rows) == 1 and rows[0].detail["measurements"] == 6


async def test_sr_is_a_new_series_seen_by_qido_and_export_is_idempotent(client, study):
    """QIDO-RS lists the SR series (Modality SR) and instance; exporting the same version again stores
    nothing new; a new annotation version gets a new SR instance in the same series; GET …/sr downloads it."""
    s = study
    anns = _annotations(s)
    await _save(client, s, anns)
    url = f"/api/v1/viewer/studies/{s['uid']}/annotations/sr"
    first = (await client.post(url, headers=s["headers"])).json()
    r = await client.get(f"/dicomweb/studies/{s['uid']}/series", headers=s["headers"])
    assert r.status_code == 200
    sr_series = [x for x in r.json() if x["0020000E"]["Value"][0] == first["series_instance_uid"]]
    assert len(sr_series) == 1 and sr_series[0]["00080060"]["Value"] == ["SR"]
    r = await client.get(f"/dicomweb/studies/{s['uid']}/series/{first['series_instance_uid']}/instances",
                         headers=s["headers"])
    assert [x["00080018"]["Value"][0] for x in r.json()] == [first["sop_instance_uid"]]
    r = await client.get("/dicomweb/studies", params={"StudyInstanceUID": s["uid"]}, headers=s["headers"])
    assert "SR" in r.json()[0]["00080061"]["Value"]

    again = await client.post(url, headers=s["headers"])
    assert again.status_code == 201 and again.json()["created"] is False
    assert again.json()["sop_instance_uid"] == first["sop_instance_uid"]

    download = await client.get(url, headers=s["headers"])
    assert download.status_code == 200 and download.headers["content-type"] == "application/dicom"
    assert pydicom.dcmread(io.BytesIO(download.content)).SOPInstanceUID == first["sop_instance_uid"]

    await _save(client, s, anns[:1], version=1)
    second = (await client.post(url, headers=s["headers"])).json()
    assert second["created"] is True and second["sop_instance_uid"] != first["sop_instance_uid"]
    assert second["series_instance_uid"] == first["series_instance_uid"] and len(second["measurements"]) == 1
    r = await client.get(f"/dicomweb/studies/{s['uid']}/series/{first['series_instance_uid']}/instances",
                         headers=s["headers"])
    assert len(r.json()) == 2


async def test_sr_visible_to_findscu(app, db, client, study, scp, tmp_path):  # noqa: F811
    """A modality/PACS querying Osteon with dcmtk findscu (study root, SERIES level) sees the SR series."""
    s = study
    await _save(client, s, _annotations(s))
    out = (await client.post(f"/api/v1/viewer/studies/{s['uid']}/annotations/sr", headers=s["headers"])).json()
    device = ae("PACS")
    await add_device(db, s["world"].institution.id, device)
    r = await run(need(FINDSCU), "-S", "-aet", device, "-aec", scp.ae_title, "-k", "QueryRetrieveLevel=SERIES",
                  "-k", f"StudyInstanceUID={s['uid']}", "-k", "Modality=SR", "-k", "SeriesInstanceUID",
                  "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    assert out["series_instance_uid"] in r.stdout and s["ct"].SeriesInstanceUID not in r.stdout


async def test_sr_hidden_forbidden_and_empty(app, db, settings, client, study):
    """Another hospital's doctor gets 404 for export and download (as for a missing study); a nurse may
    download but not export (403); a study with no measurement gives 400 problem+json in both languages."""
    s = study
    url = f"/api/v1/viewer/studies/{s['uid']}/annotations/sr"
    r = await client.post(url, headers=s["headers"])
    assert r.status_code == 400 and r.json()["code"] == "viewer.nothing_to_export"
    assert r.headers["content-type"].startswith("application/problem+json")
    await _save(client, s, _annotations(s))

    other = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, other, "doctor")
    stranger = await login(client, username, password)
    assert (await client.post(url, headers=stranger)).status_code == 404
    assert (await client.get(url, headers=stranger)).status_code == 404
    missing = (await client.post("/api/v1/viewer/studies/1.2.3.999/annotations/sr", headers=stranger))
    assert missing.status_code == 404 and missing.json()["code"] == (await client.post(url, headers=stranger)).json()["code"]

    username, password = await make_user(db, settings, app.state.cipher, s["world"], "nurse")
    nurse = await login(client, username, password)
    r = await client.post(url, headers=nurse)
    assert r.status_code == 403 and r.json()["code"] == "viewer.annotate_forbidden"
    r = await client.get(url, headers=nurse)
    assert r.status_code == 200 and pydicom.dcmread(io.BytesIO(r.content)).Modality == "SR"
    r = await client.get(f"/dicomweb/studies/{s['uid']}/series", headers=s["headers"])
    assert all(x["00080060"]["Value"] != ["SR"] for x in r.json())  # the download stored nothing


async def test_sr_is_forwarded_to_a_real_pacs(app, db, client, study, orthanc, scp, tmp_path):  # noqa: F811
    """The existing forward function sends the study, SR included, to a real Orthanc by C-STORE; Orthanc
    answers the SR with the same SOP Class and the measurement content intact."""
    s = study
    await _save(client, s, _annotations(s))
    out = (await client.post(f"/api/v1/viewer/studies/{s['uid']}/annotations/sr", headers=s["headers"])).json()
    node_id = await add_node(db, s["world"].institution.id, orthanc)
    r = await client.post(f"/api/v1/imaging/nodes/{node_id}/forward", headers=s["headers"],
                          json={"study_instance_uid": s["uid"], "method": "c-store"})
    assert r.status_code == 202, r.text
    await app.state.worker.run_due()
    t = (await client.get(f"/api/v1/imaging/transfers/{r.json()['id']}", headers=s["headers"])).json()
    assert (t["status"], t["completed"], t["failed"]) == ("done", 3, 0), t  # CT, DX and the SR
    import httpx

    def orthanc_sr() -> bytes:
        found = httpx.post(f"{orthanc.http}/tools/find", timeout=30, json={
            "Level": "Instance", "Query": {"SOPInstanceUID": out["sop_instance_uid"]}}).json()
        assert len(found) == 1, found
        return httpx.get(f"{orthanc.http}/instances/{found[0]}/file", timeout=30).content

    ds = pydicom.dcmread(io.BytesIO(await asyncio.to_thread(orthanc_sr)))
    assert ds.SOPClassUID == out["sop_class_uid"] and ds.SeriesInstanceUID == out["series_instance_uid"]
    groups = hd.sr.Comprehensive3DSR.from_dataset(ds).content.get_planar_roi_measurement_groups()
    cobb = [m.value for g in groups for m in g.get_measurements() if m.name.value == "285285000"]
    assert cobb == [pytest.approx(math.degrees(math.atan2(4, 10)), abs=1e-3)]


async def test_malformed_geometry_is_skipped_never_a_500(client, study):
    """Saved annotations with wrong point counts, degenerate angles, non-numeric or non-list points are skipped
    (listed); with nothing valid left the export is a 400, and nothing is stored."""
    s = study
    ct = s["ct"]

    def ann(uid: str, tool: str, data: dict) -> dict:
        return {"uid": uid, "tool": tool, "series_instance_uid": ct.SeriesInstanceUID,
                "sop_instance_uid": ct.SOPInstanceUID, "frame": 1, "data": data}

    bad = [ann("b1", "Length", {"points": [[0, 0, 1]]}), ann("b2", "Angle", {"points": [[1, 1, 1], [1, 1, 1], [2, 2, 1]]}),
           ann("b3", "CobbAngle", {"points": [["x", 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]]}),
           ann("b4", "RectangleROI", {"points": "nope"}), ann("b5", "EllipticalROI", {"handles": {"points": [[0, 0]] * 4}}),
           ann("b6", "Length", {"points": [[None, 0, 1], [1, 0, 1]]}), {**ann("b7", "Length", {}), "frame": 99}]
    await _save(client, s, bad)
    url = f"/api/v1/viewer/studies/{s['uid']}/annotations/sr"
    r = await client.post(url, headers=s["headers"])
    assert r.status_code == 400 and r.json()["code"] == "viewer.nothing_to_export", r.text
    await _save(client, s, [*bad, ann("ok", "Length", {"points": [[0, 0, 1], [3, 4, 1]]})], version=1)
    r = await client.post(url, headers=s["headers"])
    assert r.status_code == 201, r.text
    assert sorted(r.json()["skipped"]) == ["b1", "b2", "b3", "b4", "b5", "b6", "b7"]
    assert [m["values"] for m in r.json()["measurements"]] == [{"Length": 5.0}]


def test_build_sr_fuzzed_annotations_raise_only_nothing_to_export():
    """hypothesis: arbitrary tools/points/frames never crash the builder: it returns an SR or says ValueError."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from osteon.viewer import sr

    ds = pydicom.dcmread(io.BytesIO(to_bytes(ct_slice(size=16))))
    src = sr.SourceImage(header=ds)
    number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6), st.text(max_size=3),
                       st.none())
    point = st.lists(number, min_size=0, max_size=4)
    annotation = st.fixed_dictionaries({
        "uid": st.text("abc", min_size=1, max_size=5),
        "tool": st.sampled_from([*sr.MEASURED_TOOLS, "Calibration", "ArrowAnnotate"]),
        "sop_instance_uid": st.just(ds.SOPInstanceUID),
        "frame": st.integers(1, 3),
        "data": st.fixed_dictionaries({"points": st.one_of(st.lists(point, max_size=6), st.text(max_size=3)),
                                       "factor": number}),
    })

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(annotation, max_size=6))
    def check(annotations):
        try:
            dataset, built, skipped = sr.build_sr(
                study_uid=ds.StudyInstanceUID, version=1, issuer=uuid.uuid4(), annotations=annotations, sources={ds.SOPInstanceUID: src},
                observer_name="李医生", observer_login="doc", institution_name="青石县人民医院", patient_id="Q1",
                patient_name="王^建国")
        except ValueError:
            return
        assert len(built) + len(skipped) == sum(1 for a in annotations if a["tool"] != "Calibration")
        sr.sr_bytes(dataset)

    check()
