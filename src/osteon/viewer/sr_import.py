"""Measurements other workstations sent as DICOM SR (TID 1500 Measurement Report), read back into the viewer.

Pure and blocking (call it from a thread): :func:`parse_sr` reads an SR with highdicom and keeps each TID 1410
planar ROI group whose region is a 2D SCOORD on an image; :func:`to_annotations` maps the SCOORD pixel
coordinates to Cornerstone3D world coordinates with the referenced image's plane (``sr.plane_of``, the same
geometry the export uses, run in reverse) and turns each group into the viewer's stored annotation form.

The values shown are the ones the SR reports (the other reader's measurement), not recomputed: a reader
should see what the sending workstation measured. Which viewer tool draws a group follows its geometry and the
measurement codes ``sr.py`` exports: POLYLINE of 2 points → Length; 3 points with Angle → Angle; 4 points with
Angle or Cobb angle → CobbAngle (two segments in one polyline, as Osteon and Cornerstone's SR adapter write
it); a closed axis-aligned 4-corner POLYLINE → RectangleROI; ELLIPSE → EllipticalROI; CIRCLE → EllipticalROI
with equal axes; POINT → Probe. Anything else (SCOORD3D, free polygons, MULTIPOINT) is skipped and counted.
"""

from __future__ import annotations

import hashlib
import io
import math
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import highdicom as hd
import numpy as np
import pydicom
from pydicom.dataset import Dataset

from osteon.viewer import sr

# TID 1500 is carried by Enhanced, Comprehensive, Comprehensive 3D and Extensible SR (PS3.16 TID 1500, PS3.3
# A.35); Basic Text SR cannot hold SCOORD, Key Object Selection holds no measurement.
MEASUREMENT_SR_CLASSES = ("1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33",
                          "1.2.840.10008.5.1.4.1.1.88.34", "1.2.840.10008.5.1.4.1.1.88.35")
_ANGLE_CODES = {sr.ANGLE.value, sr.COBB.value}


class InvalidSr(ValueError):
    """The object is not an SR highdicom can read as a Measurement Report."""


@dataclass
class Value:
    """One numeric measurement of a group, as reported."""

    code: str
    meaning: str
    value: float
    unit: str


@dataclass
class Group:
    """One planar ROI group: its region in pixel coordinates on one image frame, and its measurements."""

    key: str
    tracking: str
    graphic_type: str
    pixels: np.ndarray  # (n, 2) column, row — (0, 0) is the top-left corner of the top-left pixel
    sop_instance_uid: str
    frame: int
    values: list[Value]


@dataclass
class ParsedSr:
    """What an SR holds that the viewer can use."""

    sop_instance_uid: str
    observer_name: str
    content_date: date | None
    own: bool  # made by this Osteon's export (same UID rule as ``sr.sr_instance_uid``)
    groups: list[Group] = field(default_factory=list)
    skipped: int = 0  # groups without a 2D image region (SCOORD3D, segmentation, malformed)


def _name(pn: Any) -> str:
    """A person name for display: components joined, empty ones dropped (李医生^ → 李医生, Smith^John → Smith John)."""
    text = str(pn or "").split("=")[0]
    return " ".join(p for p in text.split("^") if p.strip())[:100]


def _date(value: Any) -> date | None:
    """A DA value as a date, None when absent or invalid."""
    try:
        text = str(value or "")
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) >= 8 else None
    except ValueError:
        return None


def _observer(report: Any, ds: Dataset) -> str:
    """The person observer of the report (TID 1002), else the SR's author / content creator."""
    try:
        for ctx in report.get_observer_contexts():
            attrs = ctx.observer_identifying_attributes
            name = _name(getattr(attrs, "name", ""))
            if name:
                return name
    except (AttributeError, ValueError, TypeError, IndexError, KeyError):
        pass
    for item in ds.get("AuthorObserverSequence") or []:
        if item.get("PersonName"):
            return _name(item.PersonName)
    return _name(ds.get("ContentCreatorName", ""))


def is_own_export(ds: Dataset, study_uid: str, issuer: uuid.UUID) -> bool:
    """True for an SR this installation's export made for the study (its series and instance UIDs follow sr.py's
    rule with this installation's ``issuer``; another Osteon's export of the same study is not)."""
    try:
        number = int(ds.get("InstanceNumber") or 0)
    except (TypeError, ValueError):
        return False
    return (str(ds.get("SeriesInstanceUID", "")) == sr.sr_series_uid(study_uid, issuer) and number > 0
            and str(ds.get("SOPInstanceUID", "")) == sr.sr_instance_uid(study_uid, number, issuer))


def _group(g: Any, index: int, sop_uid: str) -> Group | None:
    """One TID 1410 group with a 2D region on an image, else None."""
    roi = g.roi
    if roi is None or str(roi.value_type.value if hasattr(roi.value_type, "value") else roi.value_type) != "SCOORD":
        return None
    refs = [item for item in roi.get("ContentSequence") or [] if "ReferencedSOPSequence" in item]
    if not refs:
        return None
    ref = refs[0].ReferencedSOPSequence[0]
    frames = ref.get("ReferencedFrameNumber")
    frame = int(frames[0] if isinstance(frames, (list, pydicom.multival.MultiValue)) else frames or 1)
    pixels = np.asarray([float(v) for v in roi.GraphicData], dtype=float)
    if pixels.size == 0 or pixels.size % 2 or not np.isfinite(pixels).all():
        return None
    values: list[Value] = []
    for m in g.get_measurements():
        try:
            v = float(m.value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(v):
            values.append(Value(code=str(m.name.value), meaning=str(m.name.meaning), value=v,
                                unit=str(m.unit.value) if m.unit is not None else ""))
    tracking = str(g.tracking_identifier or "")[:64]
    uid = str(g.tracking_uid or "")
    key = hashlib.sha256(f"{sop_uid}:{index}:{uid}".encode()).hexdigest()[:24]
    return Group(key=key, tracking=tracking, graphic_type=str(roi.GraphicType), pixels=pixels.reshape(-1, 2),
                 sop_instance_uid=str(ref.ReferencedSOPInstanceUID), frame=max(1, frame), values=values)


def parse_sr(data: bytes, study_uid: str, issuer: uuid.UUID) -> ParsedSr:
    """The planar ROI groups of a TID 1500 SR (raises InvalidSr when highdicom cannot read it)."""
    try:
        ds = pydicom.dcmread(io.BytesIO(data))
        own = is_own_export(ds, study_uid, issuer)
        doc = hd.sr.srread(io.BytesIO(data))
        report = doc.content
        if not hasattr(report, "get_planar_roi_measurement_groups"):
            raise InvalidSr("not a Measurement Report")
        groups = list(report.get_planar_roi_measurement_groups())
        observer = _observer(report, ds)
    except InvalidSr:
        raise
    except Exception as exc:  # noqa: BLE001 — any foreign object may be malformed in any way
        raise InvalidSr(f"{type(exc).__name__}: {exc}"[:200]) from None
    out = ParsedSr(sop_instance_uid=str(ds.SOPInstanceUID), observer_name=observer,
                   content_date=_date(ds.get("ContentDate")), own=own)
    for i, g in enumerate(groups):
        try:
            parsed = _group(g, i, out.sop_instance_uid)
        except Exception:  # noqa: BLE001 — one bad group does not hide the others
            parsed = None
        if parsed is None:
            out.skipped += 1
        else:
            out.groups.append(parsed)
    return out


def _tool(g: Group) -> tuple[str, np.ndarray] | None:
    """The viewer tool that draws a group, and its points in pixel coordinates in that tool's order."""
    px, n, codes = g.pixels, len(g.pixels), {v.code for v in g.values}
    if g.graphic_type == "POLYLINE":
        closed = n >= 2 and bool(np.allclose(px[0], px[-1]))
        if n == 5 and closed:
            xs, ys = np.unique(np.round(px[:4, 0], 6)), np.unique(np.round(px[:4, 1], 6))
            if len(xs) == 2 and len(ys) == 2:  # axis-aligned rectangle: TL, TR, BL, BR as the viewer stores it
                return "RectangleROI", np.asarray([[xs[0], ys[0]], [xs[1], ys[0]], [xs[0], ys[1]], [xs[1], ys[1]]])
            return None
        if n == 2:
            return "Length", px
        if n == 3 and sr.ANGLE.value in codes:
            return "Angle", px
        if n == 4 and codes & _ANGLE_CODES:
            return "CobbAngle", px
        return None
    if g.graphic_type == "ELLIPSE" and n == 4:
        return "EllipticalROI", px
    if g.graphic_type == "CIRCLE" and n == 2:
        c, r = px[0], float(np.linalg.norm(px[1] - px[0]))
        if r == 0:
            return None
        return "EllipticalROI", np.asarray([c + [0, -r], c + [0, r], c + [-r, 0], c + [r, 0]])
    if g.graphic_type == "POINT" and n == 1:
        return "Probe", px
    return None


def _label(tool: str, values: list[Value]) -> str:
    """The label shown beside the drawing: the reported values with their units."""
    units = {"mm": "mm", "mm2": "mm²", "deg": "°", "[hnsf'U]": "HU", "1": "", "{pixels}": "px",
             "{pixels^2}": "px²"}
    parts = []
    for v in values:
        unit = units.get(v.unit, v.unit)
        text = f"{v.value:.2f}{unit}" if unit in ("°", "") else f"{v.value:.2f} {unit}"
        parts.append(text if tool in ("Length", "Angle", "CobbAngle") else f"{v.meaning} {text}")
    return " · ".join(parts)[:200]


def to_world(plane: sr.Plane, col: float, row: float) -> list[float]:
    """(column, row) pixel coordinates → a Cornerstone3D world point (the inverse of ``Plane.to_pixels``)."""
    corner = plane.origin - plane.row_cos * plane.spacing_x / 2 - plane.col_cos * plane.spacing_y / 2
    w = corner + plane.row_cos * plane.spacing_x * col + plane.col_cos * plane.spacing_y * row
    return [round(float(v), 6) for v in w]


def to_annotations(parsed: ParsedSr, headers: dict[str, Dataset]) -> tuple[list[dict[str, Any]], int, int]:
    """The viewer's stored form of each group on an image of ``headers`` (SOP Instance UID → header);
    returns (annotations, groups skipped, of which on an image not in ``headers``)."""
    out: list[dict[str, Any]] = []
    skipped, missing = parsed.skipped, 0
    for g in parsed.groups:
        header = headers.get(g.sop_instance_uid)
        drawn = _tool(g)
        if header is None or drawn is None or g.frame > int(header.get("NumberOfFrames") or 1):
            skipped += 1
            missing += header is None
            continue
        tool, px = drawn
        plane = sr.plane_of(header, g.frame)
        points = [to_world(plane, float(c), float(r)) for c, r in px]
        normal = np.cross(plane.row_cos, plane.col_cos)
        out.append({
            "uid": f"sr-{g.key}", "tool": tool, "series_instance_uid": str(header.get("SeriesInstanceUID", "")),
            "sop_instance_uid": g.sop_instance_uid, "frame": g.frame, "label": _label(tool, g.values),
            "author": parsed.observer_name, "created_at": parsed.content_date.isoformat() if parsed.content_date else "",
            "data": {"points": points, "tracking": g.tracking,
                     "metadata": {"FrameOfReferenceUID": str(header.get("FrameOfReferenceUID", "")),
                                  "viewPlaneNormal": [float(v) for v in normal],
                                  "viewUp": [float(-v) for v in plane.col_cos]}},
            "values": {v.meaning: round(v.value, 4) for v in g.values},
            "units": {v.meaning: v.unit for v in g.values},
        })
    return out, skipped, missing


__all__ = ["MEASUREMENT_SR_CLASSES", "InvalidSr", "ParsedSr", "is_own_export", "parse_sr", "to_annotations",
           "to_world"]
