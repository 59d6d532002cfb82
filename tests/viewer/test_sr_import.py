"""Measurements other workstations sent as DICOM SR (TID 1500) come back with the study's annotations: a foreign
SR built here with highdicom (another observer; a Length on a DX, a Cobb angle and a circle on a CT stored first)
and sent by dcmtk storescu or STOW-RS is imported read-only, with the reported values and world coordinates the
test computes from the images' geometry; Osteon's own export sent back is not imported; a malformed SR is stored
and imports nothing; a user who may not see the patient gets 404."""

from __future__ import annotations

import io
import uuid

import highdicom as hd
import numpy as np
import pydicom
import pytest
import pytest_asyncio
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from sqlalchemy import delete, select

from osteon.security.models import AuditEvent
from osteon.viewer.models import SrImport
from tests.conftest import login
from tests.factories import make_patient, make_user, make_world
from tests.imaging.conftest import add_device, ae, need, run, scp  # noqa: F401 — fixtures
from tests.imaging.dicomgen import _base, _file_meta, ct_slice, dx_image, to_bytes

STORESCU = "/usr/bin/storescu"
CT_SPACING, DX_SPACING = 0.7, 0.15  # dicomgen: CT IPP (0, 0, 1) axial; DX has no IPP/IOP (origin 0, axial)
COBB = Code("285285000", "SCT", "Cobb angle")
DEG = Code("deg", "UCUM", "degree")


def _multipart(parts: list[bytes]) -> tuple[bytes, str]:
    """A STOW-RS body."""
    b = "imp42"
    body = b"".join(b"--" + b.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + b.encode() + b"--\r\n", f'multipart/related; type="application/dicom"; boundary={b}'


def ct_world(col: float, row: float) -> list[float]:
    """SCOORD pixel coordinates on the test CT → world (mm): pixel centre (i, j) is at IPP + (i, j) × spacing."""
    return [(col - 0.5) * CT_SPACING, (row - 0.5) * CT_SPACING, 1.0]


def dx_world(col: float, row: float) -> list[float]:
    """SCOORD pixel coordinates on the test DX → world (mm) with Cornerstone's defaults (origin 0, axial)."""
    return [(col - 0.5) * DX_SPACING, (row - 0.5) * DX_SPACING, 0.0]


@pytest_asyncio.fixture
async def study(app, db, settings, client):
    """A hospital, a doctor (logged in), a modality AE, a patient with a CT and a DX stored in one study."""
    world = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, world, "doctor")
    patient = await make_patient(db, app.state.cipher, world, name="王建国")
    headers = await login(client, username, password)
    study_uid = generate_uid()
    ct = ct_slice(patient_id=patient.mrn, study_uid=study_uid, size=64)
    dx = dx_image(patient_id=patient.mrn, study_uid=study_uid, rows=200, cols=160)
    body, ctype = _multipart([to_bytes(ct), to_bytes(dx)])
    r = await client.post("/dicomweb/studies", content=body, headers={**headers, "Content-Type": ctype})
    assert r.status_code == 200, r.text
    device = ae("WS")
    await add_device(db, world.institution.id, device)
    return {"world": world, "headers": headers, "patient": patient, "uid": study_uid, "ct": ct, "dx": dx,
            "device": device}


def _group(n: int, img: Dataset, graphic_type, points: list[list[float]], measurements) -> object:
    """One TID 1410 group on an image."""
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=f"ROI {n}"),
        referenced_region=hd.sr.ImageRegion(
            graphic_type=graphic_type, graphic_data=np.asarray(points, dtype=float),
            source_image=hd.sr.SourceImageForRegion(referenced_sop_class_uid=img.SOPClassUID,
                                                    referenced_sop_instance_uid=img.SOPInstanceUID)),
        measurements=measurements)


def foreign_sr(s: dict) -> Dataset:
    """A Comprehensive 3D SR a PACS workstation made: observer Smith^John, a Length on the DX (100 px = 15 mm),
    a Cobb angle on the CT (as the workstation reported it) and a circle with its area on the CT."""
    ct, dx = s["ct"], s["dx"]
    groups = [
        _group(1, dx, hd.sr.GraphicTypeValues.POLYLINE, [[10.5, 20.5], [110.5, 20.5]],
               [hd.sr.Measurement(name=codes.SCT.Length, value=15.0, unit=codes.UCUM.Millimeter)]),
        _group(2, ct, hd.sr.GraphicTypeValues.POLYLINE, [[10, 10], [30, 10], [10, 30], [30, 40]],
               [hd.sr.Measurement(name=COBB, value=26.57, unit=DEG)]),
        _group(3, ct, hd.sr.GraphicTypeValues.CIRCLE, [[32, 32], [37, 32]],
               [hd.sr.Measurement(name=codes.SCT.Area, value=38.48, unit=codes.UCUM.SquareMillimeter)]),
    ]
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Smith^John"))
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=observer),
        procedure_reported=codes.SCT.ImagingProcedure, imaging_measurements=groups)
    sr = hd.sr.Comprehensive3DSR(
        evidence=[ct, dx], content=report, series_instance_uid=generate_uid(), series_number=77,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="Other PACS", is_complete=True)
    sr.ContentDate = "20261201"
    return sr


def malformed_sr(s: dict) -> Dataset:
    """A Comprehensive SR whose content tree is not a Measurement Report (no template, a broken item)."""
    ds = _base("1.2.840.10008.5.1.4.1.1.88.33", patient_id=s["patient"].mrn, patient_name="Wang^Jianguo",
               charset=None, study_uid=s["uid"], series_uid=generate_uid(), modality="SR", accession="",
               instance_number=1)
    ds.ValueType = "CONTAINER"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = "NUM"  # no concept name, no measured value
    ds.ContentSequence = [item]
    _file_meta(ds, ExplicitVRLittleEndian)
    return ds


async def _stow(client, s: dict, ds: Dataset) -> None:
    body, ctype = _multipart([to_bytes(ds)])
    r = await client.post("/dicomweb/studies", content=body, headers={**s["headers"], "Content-Type": ctype})
    assert r.status_code == 200, r.text


async def _storescu(scp, s: dict, ds: Dataset, tmp_path) -> None:  # noqa: F811
    """Send one object with dcmtk storescu (-R: propose only its SOP class; 3D SR is not in dcmtk's defaults)."""
    path = tmp_path / f"{ds.SOPInstanceUID}.dcm"
    path.write_bytes(to_bytes(ds))
    r = await run(need(STORESCU), "-R", "-aet", s["device"], "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
    assert r.returncode == 0, r.stdout


async def _get(client, s: dict, headers: dict | None = None):
    return await client.get(f"/api/v1/viewer/studies/{s['uid']}/annotations", headers=headers or s["headers"])


def _assert_foreign_imported(out: dict, s: dict, sr: Dataset) -> None:
    """The three groups, read-only, with reported values and world coordinates computed here."""
    assert out["annotations"] == [] and out["version"] == 0  # the study's own set is untouched
    imported = {a["tool"] + ":" + a["sop_instance_uid"]: a for a in out["imported"]}
    assert len(out["imported"]) == 3
    for a in out["imported"]:
        assert a["imported"] is True and a["read_only"] is True
        assert a["source_sr_instance_uid"] == sr.SOPInstanceUID
        assert a["observer_name"] == "Smith John" and a["content_date"] == "2026-12-01"

    length = imported["Length:" + s["dx"].SOPInstanceUID]
    assert length["values"] == {"Length": 15.0} and length["units"] == {"Length": "mm"}
    assert length["series_instance_uid"] == s["dx"].SeriesInstanceUID and "15.00 mm" in length["label"]
    assert np.allclose(length["data"]["points"], [dx_world(10.5, 20.5), dx_world(110.5, 20.5)])
    # the world distance is the 15 mm the SR reports (100 px × 0.15 mm)
    assert np.linalg.norm(np.subtract(*length["data"]["points"])) == pytest.approx(15.0)

    cobb = imported["CobbAngle:" + s["ct"].SOPInstanceUID]
    assert cobb["values"] == {"Cobb angle": 26.57} and cobb["units"] == {"Cobb angle": "deg"}
    assert np.allclose(cobb["data"]["points"], [ct_world(10, 10), ct_world(30, 10), ct_world(10, 30),
                                                ct_world(30, 40)])
    assert np.allclose(cobb["data"]["metadata"]["viewPlaneNormal"], [0, 0, 1])
    assert cobb["data"]["metadata"]["FrameOfReferenceUID"] == str(s["ct"].get("FrameOfReferenceUID", ""))

    circle = imported["EllipticalROI:" + s["ct"].SOPInstanceUID]
    assert circle["values"] == {"Area": 38.48}
    # centre (32, 32) radius 5 px → top, bottom, left, right as the viewer stores an ellipse
    assert np.allclose(circle["data"]["points"], [ct_world(32, 27), ct_world(32, 37), ct_world(27, 32),
                                                  ct_world(37, 32)])
    [source] = out["sr_sources"]
    assert source == {"sr_instance_uid": sr.SOPInstanceUID, "status": "imported", "observer_name": "Smith John",
                      "content_date": "2026-12-01", "measurements": 3, "skipped": 0}


async def test_foreign_sr_sent_by_storescu_is_shown_read_only_in_world_coordinates(
        app, db, client, study, scp, tmp_path):  # noqa: F811
    """A PACS workstation's TID 1500 SR sent by dcmtk storescu shows up with the study's annotations."""
    s = study
    sr = foreign_sr(s)
    await _storescu(scp, s, sr, tmp_path)
    r = await _get(client, s)
    assert r.status_code == 200, r.text
    _assert_foreign_imported(r.json(), s, sr)


async def test_foreign_sr_sent_by_stow_is_imported_once_and_audited(app, db, client, study):
    """STOW-RS: the same import; reading again does not import twice; the import and the reads are audited."""
    s = study
    sr = foreign_sr(s)
    await _stow(client, s, sr)
    first = (await _get(client, s)).json()
    _assert_foreign_imported(first, s, sr)
    second = (await _get(client, s)).json()
    assert second["imported"] == first["imported"] and len(second["sr_sources"]) == 1
    async with db.transaction() as session:
        rows = (await session.execute(select(SrImport).where(SrImport.study_instance_uid == s["uid"]))).scalars().all()
        events = (await session.execute(select(AuditEvent).where(AuditEvent.patient_id == s["patient"].id)))
        actions = [e.action for e in events.scalars()]
    assert len(rows) == 1 and rows[0].status == "imported"
    assert actions.count("viewer.sr.import") == 1 and actions.count("viewer.annotations.read") == 2


async def test_imported_measurements_survive_saving_the_study_annotations(client, study):
    """Saving the study's own annotations neither removes nor changes the imported ones."""
    s = study
    await _stow(client, s, foreign_sr(s))
    before = (await _get(client, s)).json()["imported"]
    own = {"uid": "len1", "tool": "Length", "series_instance_uid": s["ct"].SeriesInstanceUID,
           "sop_instance_uid": s["ct"].SOPInstanceUID, "frame": 1, "data": {"points": [[0, 0, 1], [7, 0, 1]]}}
    r = await client.put(f"/api/v1/viewer/studies/{s['uid']}/annotations",
                         json={"annotations": [own], "version": 0}, headers=s["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == before and [a["uid"] for a in r.json()["annotations"]] == ["len1"]


async def _save_length_and_export(client, s: dict) -> tuple[dict, dict]:
    """The study's own annotation set (one Length on the CT, uid len1) saved and exported as this Osteon's SR."""
    own = {"uid": "len1", "tool": "Length", "series_instance_uid": s["ct"].SeriesInstanceUID,
           "sop_instance_uid": s["ct"].SOPInstanceUID, "frame": 1, "data": {"points": [[0, 0, 1], [7, 0, 1]]}}
    r = await client.put(f"/api/v1/viewer/studies/{s['uid']}/annotations",
                         json={"annotations": [own], "version": 0}, headers=s["headers"])
    assert r.status_code == 200
    r = await client.post(f"/api/v1/viewer/studies/{s['uid']}/annotations/sr", headers=s["headers"])
    assert r.status_code == 201, r.text
    return own, r.json()


async def test_own_export_sent_back_is_not_imported(app, db, client, study, scp, tmp_path):  # noqa: F811
    """Osteon's exported SR, sent back by a PACS (storescu and STOW-RS), adds no imported measurement; an export
    made before imports existed (no record of it) is recognised by its UIDs."""
    s = study
    await _save_length_and_export(client, s)
    data = (await client.get(f"/api/v1/viewer/studies/{s['uid']}/annotations/sr", headers=s["headers"])).content
    exported = pydicom.dcmread(io.BytesIO(data))
    await _storescu(scp, s, exported, tmp_path)
    await _stow(client, s, exported)
    out = (await _get(client, s)).json()
    assert out["imported"] == [] and out["sr_sources"] == [] and len(out["annotations"]) == 1

    async with db.transaction() as session:  # as if exported by an Osteon without SR import
        await session.execute(delete(SrImport).where(SrImport.study_instance_uid == s["uid"]))
    out = (await _get(client, s)).json()
    assert out["imported"] == [] and out["sr_sources"] == []
    async with db.transaction() as session:
        [row] = (await session.execute(select(SrImport).where(SrImport.study_instance_uid == s["uid"]))).scalars()
    assert row.status == "own" and row.sr_instance_uid == exported.SOPInstanceUID


async def test_another_osteons_export_of_the_same_study_is_imported_not_refused(client, study):
    """A provincial Osteon exports its measurements on the same study (same annotation version 1) and sends the SR
    here: its UIDs differ from this installation's export of version 1 (each installation has its own UID issuer),
    so STOW-RS stores it (no duplicate conflict) and its measurement is imported read-only, beside the study's own."""
    from osteon.viewer import sr as sr_mod

    s = study
    own, ours = await _save_length_and_export(client, s)

    header = pydicom.dcmread(io.BytesIO(to_bytes(s["ct"])), stop_before_pixels=True)
    other_issuer = uuid.uuid4()
    theirs, built, _ = sr_mod.build_sr(
        study_uid=s["uid"], version=1, issuer=other_issuer, annotations=[{**own, "uid": "their-len"}],
        sources={s["ct"].SOPInstanceUID: sr_mod.SourceImage(header=header)}, observer_name="Zhang^Wei",
        observer_login="zhangwei", institution_name="Provincial Hospital", patient_id=s["patient"].mrn,
        patient_name="Wang^Jianguo")
    assert theirs.SOPInstanceUID != ours["sop_instance_uid"]
    assert theirs.SeriesInstanceUID != ours["series_instance_uid"]
    assert sr_mod.sr_instance_uid(s["uid"], 1, other_issuer) == theirs.SOPInstanceUID  # stable per installation
    await _stow(client, s, theirs)

    out = (await _get(client, s)).json()
    assert [a["uid"] for a in out["annotations"]] == ["len1"]
    [imported] = out["imported"]
    assert imported["source_sr_instance_uid"] == theirs.SOPInstanceUID and imported["read_only"] is True
    assert imported["values"] == {"Length": built[0].values["Length"]}
    assert [src["status"] for src in out["sr_sources"]] == ["imported"]


async def test_malformed_sr_is_stored_and_imports_nothing(app, client, study, caplog):
    """A broken SR is stored like any object (WADO-RS serves it) and shows nothing; a warning is logged."""
    s = study
    bad = malformed_sr(s)
    await _stow(client, s, bad)
    with caplog.at_level("WARNING", logger="osteon.viewer.service"):
        r = await _get(client, s)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["imported"] == []
    [source] = out["sr_sources"]
    assert source["sr_instance_uid"] == bad.SOPInstanceUID and source["status"] == "invalid"
    assert any(bad.SOPInstanceUID in rec.getMessage() for rec in caplog.records)
    r = await client.get(f"/dicomweb/studies/{s['uid']}/series/{bad.SeriesInstanceUID}/instances/{bad.SOPInstanceUID}",
                         headers=s["headers"])
    assert r.status_code == 200


async def test_sr_sent_before_its_images_is_read_again_when_they_arrive(client, study):
    """A report on images the study does not hold yet imports nothing (``empty``, nothing drawn); once the
    images arrive the next read imports its measurements."""
    s = study
    later = {**s, "ct": ct_slice(patient_id=s["patient"].mrn, study_uid=s["uid"], size=64),
             "dx": dx_image(patient_id=s["patient"].mrn, study_uid=s["uid"], rows=200, cols=160)}
    sr = foreign_sr(later)
    await _stow(client, s, sr)
    out = (await _get(client, s)).json()
    assert out["imported"] == []
    assert [(x["status"], x["skipped"]) for x in out["sr_sources"]] == [("empty", 3)]
    assert (await _get(client, s)).json()["sr_sources"][0]["status"] == "empty"  # nothing new: not read again

    body, ctype = _multipart([to_bytes(later["ct"]), to_bytes(later["dx"])])
    r = await client.post("/dicomweb/studies", content=body, headers={**s["headers"], "Content-Type": ctype})
    assert r.status_code == 200, r.text
    out = (await _get(client, s)).json()
    assert len(out["imported"]) == 3 and out["sr_sources"][0]["status"] == "imported"
    assert {a["sop_instance_uid"] for a in out["imported"]} == {later["ct"].SOPInstanceUID,
                                                                later["dx"].SOPInstanceUID}


async def test_imported_measurements_are_404_for_a_user_who_may_not_see_the_patient(app, db, settings, client,
                                                                                     study):
    """Another hospital's doctor gets 404 (as for a missing study) and nothing is imported on their read."""
    s = study
    await _stow(client, s, foreign_sr(s))
    other = await make_world(db)
    username, password = await make_user(db, settings, app.state.cipher, other, "doctor")
    stranger = await login(client, username, password)
    r = await _get(client, s, stranger)
    missing = await client.get("/api/v1/viewer/studies/1.2.3.999/annotations", headers=stranger)
    assert r.status_code == 404 and missing.status_code == 404 and r.json()["code"] == missing.json()["code"]
    async with db.transaction() as session:
        assert (await session.execute(select(SrImport).where(SrImport.study_instance_uid == s["uid"]))).first() is None
    assert len((await _get(client, s)).json()["imported"]) == 3


def test_to_world_inverts_the_export_geometry_on_an_oblique_plane():
    """Pixel → world (import) is the inverse of world → pixel (export) for an oblique, anisotropic image."""
    from osteon.viewer import sr
    from osteon.viewer.sr_import import to_world

    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"  # MR
    ds.ImagePositionPatient = [-120.0, 35.5, 80.25]
    c, si = np.cos(np.radians(20)), np.sin(np.radians(20))
    ds.ImageOrientationPatient = [c, si, 0.0, 0.0, 0.0, -1.0]
    ds.PixelSpacing = [0.9, 0.45]  # row spacing, column spacing
    plane = sr.plane_of(ds, 1)
    for col, row in [(0, 0), (0.5, 0.5), (17.25, 3.5), (255.5, 511.0)]:
        world = to_world(plane, col, row)
        assert plane.to_pixels(world) == pytest.approx((col, row), abs=1e-5)
    # the centre of the first pixel is the Image Position (Patient)
    assert to_world(plane, 0.5, 0.5) == pytest.approx([-120.0, 35.5, 80.25])


def test_each_planar_shape_becomes_the_viewer_tool_that_draws_it():
    """Angle (3-point polyline), closed axis-aligned rectangle, ellipse with area/mean/SD and a point each map to
    their tool on the CT with world points computed here; a SCOORD3D region and a free polygon are skipped."""
    from osteon.viewer.sr_import import parse_sr, to_annotations

    ct = ct_slice(size=64)
    hu = Code("[hnsf'U]", "UCUM", "Hounsfield unit")
    P = hd.sr.GraphicTypeValues
    groups = [
        _group(1, ct, P.POLYLINE, [[20, 10], [10, 10], [20, 20]],
               [hd.sr.Measurement(name=codes.SCT.Angle, value=45.0, unit=DEG)]),
        _group(2, ct, P.POLYLINE, [[10, 12], [30, 12], [30, 40], [10, 40], [10, 12]],
               [hd.sr.Measurement(name=codes.SCT.Area, value=274.4, unit=codes.UCUM.SquareMillimeter)]),
        _group(3, ct, P.ELLIPSE, [[20, 30], [40, 30], [30, 25], [30, 35]],
               [hd.sr.Measurement(name=codes.SCT.Area, value=55.0, unit=codes.UCUM.SquareMillimeter),
                hd.sr.Measurement(name=codes.SCT.Mean, value=977.5, unit=hu),
                hd.sr.Measurement(name=codes.SCT.StandardDeviation, value=17.25, unit=hu)]),
        _group(4, ct, P.POINT, [[33, 34]], [hd.sr.Measurement(name=codes.SCT.Mean, value=1000.0, unit=hu)]),
        _group(5, ct, P.POLYLINE, [[1, 1], [5, 2], [3, 9], [1, 1]],  # a free triangle: no viewer tool
               [hd.sr.Measurement(name=codes.SCT.Area, value=1.0, unit=codes.UCUM.SquareMillimeter)]),
        hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="3D"),
            referenced_region=hd.sr.ImageRegion3D(graphic_type=hd.sr.GraphicTypeValues3D.POLYLINE,
                                                  graphic_data=np.asarray([[0, 0, 1], [5, 5, 1.0]]),
                                                  frame_of_reference_uid=generate_uid()),
            measurements=[hd.sr.Measurement(name=codes.SCT.Length, value=7.07, unit=codes.UCUM.Millimeter)]),
    ]
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="李医生^"))),
        procedure_reported=codes.SCT.ImagingProcedure, imaging_measurements=groups)
    sr = hd.sr.Comprehensive3DSR(evidence=[ct], content=report, series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1, manufacturer="X")
    sr.SpecificCharacterSet = "ISO_IR 192"  # the observer's name is Chinese: UTF-8
    parsed = parse_sr(to_bytes(sr), ct.StudyInstanceUID, uuid.uuid4())
    assert parsed.observer_name == "李医生" and not parsed.own and parsed.skipped == 1
    header = pydicom.dcmread(io.BytesIO(to_bytes(ct)), stop_before_pixels=True)
    out, skipped, missing = to_annotations(parsed, {ct.SOPInstanceUID: header})
    assert skipped == 2 and missing == 0  # the 3D region and the free polygon
    by_tool = {a["tool"]: a for a in out}
    assert sorted(by_tool) == ["Angle", "EllipticalROI", "Probe", "RectangleROI"]
    assert np.allclose(by_tool["Angle"]["data"]["points"], [ct_world(20, 10), ct_world(10, 10), ct_world(20, 20)])
    assert by_tool["Angle"]["label"] == "45.00°"
    assert np.allclose(by_tool["RectangleROI"]["data"]["points"],
                       [ct_world(10, 12), ct_world(30, 12), ct_world(10, 40), ct_world(30, 40)])
    ellipse = by_tool["EllipticalROI"]
    assert np.allclose(ellipse["data"]["points"], [ct_world(20, 30), ct_world(40, 30), ct_world(30, 25),
                                                   ct_world(30, 35)])
    assert ellipse["values"] == {"Area": 55.0, "Mean": 977.5, "Standard Deviation": 17.25}
    assert ellipse["units"]["Mean"] == "[hnsf'U]" and "Mean 977.50 HU" in ellipse["label"]
    assert np.allclose(by_tool["Probe"]["data"]["points"], [ct_world(33, 34)])
    assert len({a["uid"] for a in out}) == 4 and all(a["uid"].startswith("sr-") for a in out)


def test_a_region_on_one_frame_of_a_multiframe_image_uses_that_frames_plane():
    """ReferencedFrameNumber picks the frame; its Plane Position (per-frame functional group) gives world z."""
    from osteon.viewer.sr_import import parse_sr, to_annotations

    ct = ct_slice(size=16)
    header = Dataset()
    header.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"  # Enhanced CT
    header.SOPInstanceUID = ct.SOPInstanceUID
    header.SeriesInstanceUID = ct.SeriesInstanceUID
    header.NumberOfFrames = 3
    header.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    header.PixelSpacing = [0.5, 0.5]
    frames = []
    for z in (10.0, 12.5, 15.0):
        pos, item = Dataset(), Dataset()
        pos.ImagePositionPatient = [-5.0, -5.0, z]
        item.PlanePositionSequence = [pos]
        frames.append(item)
    header.PerFrameFunctionalGroupsSequence = frames
    group = hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(uid=generate_uid(), identifier="L"),
        referenced_region=hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.POLYLINE, graphic_data=np.asarray([[0.5, 0.5], [10.5, 0.5]]),
            source_image=hd.sr.SourceImageForRegion(referenced_sop_class_uid=header.SOPClassUID,
                                                    referenced_sop_instance_uid=ct.SOPInstanceUID,
                                                    referenced_frame_numbers=[2])),
        measurements=[hd.sr.Measurement(name=codes.SCT.Length, value=5.0, unit=codes.UCUM.Millimeter)])
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_person_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Doe^Jane"))),
        procedure_reported=codes.SCT.ImagingProcedure, imaging_measurements=[group])
    sr = hd.sr.Comprehensive3DSR(evidence=[ct], content=report, series_instance_uid=generate_uid(), series_number=5,
                                 sop_instance_uid=generate_uid(), instance_number=1)
    parsed = parse_sr(to_bytes(sr), ct.StudyInstanceUID, uuid.uuid4())
    [a], skipped, _ = to_annotations(parsed, {ct.SOPInstanceUID: header})
    assert skipped == 0 and a["frame"] == 2 and a["tool"] == "Length"
    assert np.allclose(a["data"]["points"], [[-5.0, -5.0, 12.5], [0.0, -5.0, 12.5]])


async def test_the_uid_issuer_is_made_once_and_kept(db):
    """The first export makes this installation's issuer; every later call (any request) reads the same one row."""
    from sqlalchemy import func

    from osteon.viewer import repository
    from osteon.viewer.models import UidIssuer

    async with db.transaction() as session:
        first = await repository.uid_issuer(session)
    async with db.transaction() as session:
        again = await repository.uid_issuer(session)
        rows = (await session.execute(select(func.count()).select_from(UidIssuer))).scalar_one()
    assert first == again and rows == 1
