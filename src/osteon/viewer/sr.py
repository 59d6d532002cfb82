"""A study's saved measurements as a DICOM SR: a TID 1500 Measurement Report (highdicom) in a Comprehensive 3D SR.

Pure and blocking (call it from a thread): the service hands it the stored annotations, the headers of the
images they were drawn on (and the pixels, for ROI statistics) and the observer; it returns the SR dataset.

Each measurement is one TID 1410 "Planar ROI Measurements and Qualitative Evaluations" group with
- a tracking identifier (the annotation's uid, and a UID derived from it),
- the region as SCOORD in the referenced image's pixel coordinates (top-left corner of the top-left pixel is
  (0, 0), PS3.3 C.18.6.1.1), referencing the source image's SOP Class/Instance UID and frame,
- the measurement(s), coded:
  Length ``(410668003, SCT, "Length")`` [mm]; Angle ``(1483009, SCT, "Angle")`` [deg];
  Cobb angle ``(285285000, SCT, "Cobb angle")`` [deg] (DICOM CID 7550 "Angle Measurement");
  ROI: Area ``(42798000, SCT)`` [mm2], Mean ``(373098007, SCT)`` and Standard Deviation ``(386136009, SCT)``
  in Hounsfield units for CT, else in stored-value units after the modality LUT ("no units", ``1``).

Geometry: the viewer stores Cornerstone3D world coordinates; they are mapped back to pixels with the image's
Image Position/Orientation (Patient) and pixel spacing, with Cornerstone's defaults when a radiograph has none
(origin 0, axial orientation; projection radiographs use PixelSpacing, else ImagerPixelSpacing corrected by
the estimated magnification, like Cornerstone's ``getPixelSpacingInformation``). Values are recomputed here
from that geometry, not copied from the viewer's label: length = world distance (× the user's calibration
factor for the image when there is one), angle at the middle point for Angle, the acute angle between the
two lines (0–90°) for Cobb angle, ellipse/rectangle area and the mean/SD of the pixels whose centres lie inside.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from highdicom.sr import (
    Comprehensive3DSR,
    GraphicTypeValues,
    ImageRegion,
    Measurement,
    MeasurementReport,
    ObservationContext,
    ObserverContext,
    PersonObserverIdentifyingAttributes,
    PlanarROIMeasurementsAndQualitativeEvaluations,
    SourceImageForRegion,
    TrackingIdentifier,
)
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

CALIBRATION_TOOL = "Calibration"
MEASURED_TOOLS = ("Length", "Angle", "CobbAngle", "EllipticalROI", "RectangleROI")
ROI_TOOLS = ("EllipticalROI", "RectangleROI")
COMPREHENSIVE_3D_SR_UID = "1.2.840.10008.5.1.4.1.1.88.34"
SR_SERIES_NUMBER = 9901
SR_SERIES_DESCRIPTION = "Osteon measurements (SR)"
_NS = uuid.UUID("6f1d3c8e-5a0b-4d6e-9c31-0a7e2b6f4d10")

LENGTH = codes.SCT.Length  # 410668003
ANGLE = codes.SCT.Angle  # 1483009
COBB = Code("285285000", "SCT", "Cobb angle")  # CID 7550 Angle Measurement
AREA = codes.SCT.Area  # 42798000
MEAN = codes.SCT.Mean  # 373098007
SD = codes.SCT.StandardDeviation  # 386136009
MM = codes.UCUM.Millimeter
MM2 = codes.UCUM.SquareMillimeter
DEG = Code("deg", "UCUM", "degree")
PIXELS = Code("{pixels}", "UCUM", "pixels")
SQ_PIXELS = Code("{pixels^2}", "UCUM", "square pixels")
HU = Code("[hnsf'U]", "UCUM", "Hounsfield unit")
NO_UNITS = Code("1", "UCUM", "no units")
PROJECTION_SOP_CLASSES = frozenset({
    "1.2.840.10008.5.1.4.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.2", "1.2.840.10008.5.1.4.1.1.1.2.1", "1.2.840.10008.5.1.4.1.1.1.3",
    "1.2.840.10008.5.1.4.1.1.1.3.1", "1.2.840.10008.5.1.4.1.1.12.1", "1.2.840.10008.5.1.4.1.1.12.1.1",
    "1.2.840.10008.5.1.4.1.1.12.2", "1.2.840.10008.5.1.4.1.1.12.2.1", "1.2.840.10008.5.1.4.1.1.12.3",
})


def sr_series_uid(study_uid: str, issuer: uuid.UUID) -> str:
    """The one SR series this installation (``issuer``, ``models.UidIssuer``) adds to a study (stable)."""
    return f"2.25.{uuid.uuid5(_NS, f'series:{issuer}:{study_uid}').int}"


def sr_instance_uid(study_uid: str, version: int, issuer: uuid.UUID) -> str:
    """The SR of one version of a study's annotation set (stable: exporting twice gives the same object; another
    installation exporting the same study and version gives another UID)."""
    return f"2.25.{uuid.uuid5(_NS, f'sr:{issuer}:{study_uid}:{version}').int}"


def _tracking_uid(study_uid: str, annotation_uid: str, issuer: uuid.UUID) -> str:
    """A UID for the measurement's tracking identifier (the viewer's uid is kept as the identifier text)."""
    return f"2.25.{uuid.uuid5(_NS, f'track:{issuer}:{study_uid}:{annotation_uid}').int}"


@dataclass
class Plane:
    """How world coordinates map to one image's pixels."""

    origin: np.ndarray
    row_cos: np.ndarray  # direction of increasing column index (x)
    col_cos: np.ndarray  # direction of increasing row index (y)
    spacing_x: float  # mm between columns
    spacing_y: float  # mm between rows
    calibrated: bool  # False when world units are pixels (no spacing in the header)

    def to_pixels(self, world: list[float]) -> tuple[float, float]:
        """World point → (column, row) with (0, 0) at the top-left corner of the top-left pixel."""
        w = np.asarray((list(world) + [0.0, 0.0, 0.0])[:3], dtype=float)
        corner = self.origin - self.row_cos * self.spacing_x / 2 - self.col_cos * self.spacing_y / 2
        d = w - corner
        return float(d @ self.row_cos / self.spacing_x), float(d @ self.col_cos / self.spacing_y)


def _floats(value: Any, n: int) -> list[float] | None:
    """``n`` finite floats from a multi-valued DICOM attribute, else None."""
    try:
        vals = [float(v) for v in value][:n]
    except (TypeError, ValueError):
        return None
    return vals if len(vals) == n and all(math.isfinite(v) for v in vals) else None


def _spacing(ds: Dataset) -> list[float] | None:
    """[row spacing, column spacing] in mm as Cornerstone3D would use it, or None."""
    ps = _floats(ds.get("PixelSpacing"), 2)
    if str(ds.get("SOPClassUID", "")) not in PROJECTION_SOP_CLASSES:
        return ps
    if ps and str(ds.get("PixelSpacingCalibrationType", "")).upper() in ("GEOMETRY", "FIDUCIAL"):
        return ps
    ips = _floats(ds.get("ImagerPixelSpacing"), 2)
    if ips:
        ermf = None
        try:
            if float(ds.get("EstimatedRadiographicMagnificationFactor") or 0) > 1:
                ermf = float(ds.EstimatedRadiographicMagnificationFactor)
            elif ds.get("DistanceSourceToDetector") and ds.get("DistanceSourceToPatient") and \
                    float(ds.DistanceSourceToPatient) < float(ds.DistanceSourceToDetector):
                ermf = float(ds.DistanceSourceToDetector) / float(ds.DistanceSourceToPatient)
        except (TypeError, ValueError):
            ermf = None
        if ermf:
            return [v / ermf for v in ips]
        return ps or ips
    return ps


def plane_of(ds: Dataset, frame: int) -> Plane:
    """The image plane of ``frame`` (1-based) of a stored image."""
    ipp = _floats(ds.get("ImagePositionPatient"), 3)
    iop = _floats(ds.get("ImageOrientationPatient"), 6)
    pffg = ds.get("PerFrameFunctionalGroupsSequence")
    if pffg is not None and 0 < frame <= len(pffg):
        item = pffg[frame - 1]
        if "PlanePositionSequence" in item:
            ipp = _floats(item.PlanePositionSequence[0].get("ImagePositionPatient"), 3) or ipp
    shared = ds.get("SharedFunctionalGroupsSequence")
    spacing = _spacing(ds)
    if shared:
        s = shared[0]
        if iop is None and "PlaneOrientationSequence" in s:
            iop = _floats(s.PlaneOrientationSequence[0].get("ImageOrientationPatient"), 6)
        if spacing is None and "PixelMeasuresSequence" in s:
            spacing = _floats(s.PixelMeasuresSequence[0].get("PixelSpacing"), 2)
    iop = iop or [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    calibrated = bool(spacing and all(v > 0 for v in spacing))
    sy, sx = spacing if calibrated else (1.0, 1.0)  # type: ignore[misc]
    return Plane(origin=np.asarray(ipp or [0.0, 0.0, 0.0]), row_cos=np.asarray(iop[:3]), col_cos=np.asarray(iop[3:]),
                 spacing_x=sx, spacing_y=sy, calibrated=calibrated)


def _points(annotation: dict[str, Any]) -> list[list[float]]:
    """The world points the viewer stored (``data.points``, or Cornerstone's ``data.handles.points``)."""
    data = annotation.get("data") or {}
    pts = data.get("points")
    if pts is None:
        pts = (data.get("handles") or {}).get("points")
    out: list[list[float]] = []
    for p in pts or []:
        if not isinstance(p, (list, tuple)) or not 2 <= len(p) <= 3:
            raise ValueError("bad point")
        vals = [float(v) for v in p]
        if not all(math.isfinite(v) for v in vals):
            raise ValueError("bad point")
        out.append(vals + [0.0] * (3 - len(vals)))
    return out


def _angle_deg(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between two vectors in degrees (0–180)."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        raise ValueError("degenerate angle")
    return math.degrees(math.acos(max(-1.0, min(1.0, float(u @ v) / (nu * nv)))))


def cobb_angle(p: list[list[float]]) -> float:
    """Acute angle (0–90°) between the line p0–p1 and the line p2–p3, as a Cobb angle is defined."""
    a = np.asarray(p[1]) - np.asarray(p[0])
    b = np.asarray(p[3]) - np.asarray(p[2])
    angle = _angle_deg(a, b)
    return min(angle, 180.0 - angle)


@dataclass
class SourceImage:
    """One referenced image: its header, and its modality-LUT pixels per frame when ROI statistics need them."""

    header: Dataset
    frames: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class BuiltMeasurement:
    """What went into the SR for one annotation (for the API answer and the tests)."""

    uid: str
    tool: str
    sop_instance_uid: str
    frame: int
    values: dict[str, float]
    unit: str


def _roi_stats(pixels: np.ndarray | None, inside: Any, region: np.ndarray) -> tuple[float, float] | None:
    """Mean and SD of the pixels whose centres satisfy ``inside(x, y)`` (pixel coordinates), if any; only the
    bounding box of ``region`` (its SCOORD points) is examined."""
    if pixels is None or pixels.ndim != 2:
        return None
    rows, cols = pixels.shape
    c0, c1 = max(0, math.floor(float(region[:, 0].min()))), min(cols, math.ceil(float(region[:, 0].max())) + 1)
    r0, r1 = max(0, math.floor(float(region[:, 1].min()))), min(rows, math.ceil(float(region[:, 1].max())) + 1)
    if c0 >= c1 or r0 >= r1:
        return None
    ys, xs = np.mgrid[r0:r1, c0:c1]
    mask = inside(xs + 0.5, ys + 0.5)
    if not mask.any():
        return None
    vals = pixels[r0:r1, c0:c1][mask].astype(float)
    return float(vals.mean()), float(vals.std())


def _measure(a: dict[str, Any], src: SourceImage, plane: Plane, calibration: float | None
             ) -> tuple[GraphicTypeValues, np.ndarray, list[tuple[Code, float, Code]]]:
    """Graphic type, SCOORD data and coded values of one annotation (ValueError when it cannot be measured)."""
    tool = a["tool"]
    pts = _points(a)
    px = np.asarray([plane.to_pixels(p) for p in pts], dtype=float) if pts else np.zeros((0, 2))
    if tool == "Length":
        if len(pts) != 2:
            raise ValueError("a length needs 2 points")
        length = float(np.linalg.norm(np.asarray(pts[1]) - np.asarray(pts[0])))
        if calibration:
            return GraphicTypeValues.POLYLINE, px, [(LENGTH, length * calibration, MM)]
        return GraphicTypeValues.POLYLINE, px, [(LENGTH, length, MM if plane.calibrated else PIXELS)]
    if tool == "Angle":
        if len(pts) != 3:
            raise ValueError("an angle needs 3 points")
        v = np.asarray(pts[1])
        return GraphicTypeValues.POLYLINE, px, [(ANGLE, _angle_deg(np.asarray(pts[0]) - v, np.asarray(pts[2]) - v), DEG)]
    if tool == "CobbAngle":
        if len(pts) != 4:
            raise ValueError("a Cobb angle needs 4 points")
        # Two line segments (p1–p2, p3–p4) as one 4-point POLYLINE, as Cornerstone's own SR adapter writes them.
        return GraphicTypeValues.POLYLINE, px, [(COBB, cobb_angle(pts), DEG)]
    frame = int(a.get("frame") or 1)
    pixels = src.frames.get(frame)
    is_ct = str(src.header.get("Modality", "")) == "CT"
    stat_unit = HU if is_ct else NO_UNITS
    area_unit = MM2 if plane.calibrated else SQ_PIXELS
    if tool == "EllipticalROI":
        if len(pts) != 4:
            raise ValueError("an ellipse needs 4 points")
        w = [np.asarray(p) for p in pts]
        axis1, axis2 = float(np.linalg.norm(w[1] - w[0])), float(np.linalg.norm(w[3] - w[2]))
        area = math.pi * axis1 * axis2 / 4
        c = px.mean(axis=0)
        a1, a2 = px[1] - px[0], px[3] - px[2]
        r1, r2 = float(np.linalg.norm(a1)) / 2, float(np.linalg.norm(a2)) / 2
        if r1 == 0 or r2 == 0:
            raise ValueError("degenerate ellipse")
        u1, u2 = a1 / (2 * r1), a2 / (2 * r2)
        major_first = r1 >= r2
        data = px if major_first else px[[2, 3, 0, 1]]

        def inside(x: Any, y: Any) -> Any:
            dx, dy = x - c[0], y - c[1]
            return ((dx * u1[0] + dy * u1[1]) / r1) ** 2 + ((dx * u2[0] + dy * u2[1]) / r2) ** 2 <= 1.0

        values = [(AREA, area, area_unit)]
        # the ellipse's bounding box: centre ± the larger semi-axis in both directions
        reach = max(r1, r2)
        stats = _roi_stats(pixels, inside, np.asarray([c - reach, c + reach]))
        if stats:
            values += [(MEAN, stats[0], stat_unit), (SD, stats[1], stat_unit)]
        return GraphicTypeValues.ELLIPSE, data, values
    if tool == "RectangleROI":
        if len(pts) != 4:
            raise ValueError("a rectangle needs 4 points")
        w = [np.asarray(p) for p in pts]  # top-left, top-right, bottom-left, bottom-right
        area = float(np.linalg.norm(w[1] - w[0]) * np.linalg.norm(w[2] - w[0]))
        x0, x1 = float(px[:, 0].min()), float(px[:, 0].max())
        y0, y1 = float(px[:, 1].min()), float(px[:, 1].max())
        ring = px[[0, 1, 3, 2, 0]]  # closed polyline: TL, TR, BR, BL, TL
        values = [(AREA, area, area_unit)]
        stats = _roi_stats(pixels, lambda x, y: (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1), px)
        if stats:
            values += [(MEAN, stats[0], stat_unit), (SD, stats[1], stat_unit)]
        return GraphicTypeValues.POLYLINE, ring, values
    raise ValueError(f"tool {tool} is not a measurement")


def calibrations_of(annotations: list[dict[str, Any]]) -> dict[tuple[str, int], float]:
    """User calibrations saved with the set: (sop, frame) → mm per world unit."""
    out: dict[tuple[str, int], float] = {}
    for a in annotations:
        if a.get("tool") != CALIBRATION_TOOL:
            continue
        try:
            factor = float((a.get("data") or {}).get("factor"))
        except (TypeError, ValueError):
            continue
        if math.isfinite(factor) and factor > 0:
            out[(a.get("sop_instance_uid", ""), int(a.get("frame") or 1))] = factor
    return out


def _person_name(name: str) -> str:
    """A user's display name as a PN value: a name without components (e.g. 李医生) gets a trailing caret so it
    reads as the family-name component (PS3.5 6.2.1.2)."""
    name = name.replace("=", " ").strip()[:64]
    return name if "^" in name else f"{name}^"


def build_sr(*, study_uid: str, version: int, issuer: uuid.UUID, annotations: list[dict[str, Any]],
             sources: dict[str, SourceImage], observer_name: str, observer_login: str, institution_name: str,
             patient_id: str, patient_name: str) -> tuple[Dataset, list[BuiltMeasurement], list[str]]:
    """The SR of a study's annotation set. Returns (dataset, measurements written, uids of annotations skipped).

    Raises ValueError when nothing can be measured."""
    calibrations = calibrations_of(annotations)
    groups: list[PlanarROIMeasurementsAndQualitativeEvaluations] = []
    built: list[BuiltMeasurement] = []
    skipped: list[str] = []
    used: dict[str, Dataset] = {}
    for a in annotations:
        tool = a.get("tool", "")
        if tool == CALIBRATION_TOOL:
            continue
        sop = a.get("sop_instance_uid", "")
        src = sources.get(sop)
        if tool not in MEASURED_TOOLS or src is None:
            skipped.append(a.get("uid", ""))
            continue
        frame = int(a.get("frame") or 1)
        n_frames = int(src.header.get("NumberOfFrames") or 1)
        if frame > n_frames:
            skipped.append(a["uid"])
            continue
        try:
            plane = plane_of(src.header, frame)
            graphic_type, data, values = _measure(a, src, plane, calibrations.get((sop, frame)))
            if not np.isfinite(data).all() or not all(math.isfinite(v) for _, v, _ in values):
                raise ValueError("not finite")
            ref = SourceImageForRegion(
                referenced_sop_class_uid=str(src.header.SOPClassUID), referenced_sop_instance_uid=sop,
                referenced_frame_numbers=[frame] if n_frames > 1 else None)
            region = ImageRegion(graphic_type=graphic_type, graphic_data=np.asarray(data, dtype=float),
                                 source_image=ref)
            tracking = TrackingIdentifier(uid=_tracking_uid(study_uid, a["uid"], issuer), identifier=f"{tool} {a['uid']}"[:64])
            measurements = [Measurement(name=name, value=round(value, 4), unit=unit) for name, value, unit in values]
            group = PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=tracking, referenced_region=region, measurements=measurements)
        except (ValueError, TypeError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            skipped.append(a["uid"])  # malformed or degenerate geometry (two identical points, …)
            continue
        groups.append(group)
        built.append(BuiltMeasurement(uid=a["uid"], tool=tool, sop_instance_uid=sop, frame=frame,
                                      values={n.meaning: round(v, 4) for n, v, _ in values}, unit=values[0][2].value))
        used.setdefault(sop, src.header)
    if not groups:
        raise ValueError("nothing to export")
    observer = ObserverContext(
        observer_type=codes.DCM.Person,
        observer_identifying_attributes=PersonObserverIdentifyingAttributes(
            name=_person_name(observer_name or observer_login), login_name=observer_login[:64] or None,
            organization_name=institution_name[:64] or None))
    report = MeasurementReport(observation_context=ObservationContext(observer_person_context=observer),
                               procedure_reported=codes.SCT.ImagingProcedure, imaging_measurements=groups)
    evidence = list(used.values())
    sr = Comprehensive3DSR(
        evidence=evidence, content=report, series_instance_uid=sr_series_uid(study_uid, issuer), series_number=SR_SERIES_NUMBER,
        sop_instance_uid=sr_instance_uid(study_uid, version, issuer), instance_number=version, manufacturer="Osteon",
        institution_name=institution_name[:64] or None, is_complete=True, is_final=False, is_verified=False,
        series_description=SR_SERIES_DESCRIPTION)
    # The identity Osteon's index carries (it may have been corrected on reconciliation), in UTF-8.
    sr.SpecificCharacterSet = "ISO_IR 192"
    sr.PatientID = patient_id
    sr.PatientName = patient_name
    return sr, built, skipped


def sr_bytes(sr: Dataset) -> bytes:
    """The SR as a Part 10 file (explicit VR little endian)."""
    from io import BytesIO

    buf = BytesIO()
    sr.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


__all__ = ["build_sr", "plane_of", "sr_bytes", "sr_instance_uid", "sr_series_uid"]
