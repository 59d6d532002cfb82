"""The DICOM parser entry point: bytes in, a validated :class:`ParsedInstance` out, or ``InvalidDicom``.

Every path that accepts DICOM (C-STORE, STOW-RS, PACS retrieval) goes through :func:`parse_instance`,
so nothing is stored that this function has not validated. It raises nothing but ``InvalidDicom``
(fuzzed with hypothesis in tests/imaging/test_parsing.py).
"""

from __future__ import annotations

import io
import json
import re
import warnings
from dataclasses import dataclass

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID

from osteon.imaging.charset import text_of
from osteon.imaging.exceptions import InvalidDicom

_UID = re.compile(r"[0-9]+(\.[0-9]+)*")
_DATE = re.compile(r"\d{8}")
REQUIRED = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
_BULK_VRS = {"OB", "OW", "OF", "OD", "OL", "OV", "UN"}
_PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)
_NATIVE_LE = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")  # native pixels stored as sent, byte-addressable


@dataclass(frozen=True)
class ParsedInstance:
    """The attributes Osteon indexes, decoded with the dataset's Specific Character Set."""

    transfer_syntax_uid: str
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    patient_name: str
    patient_birth_date: str
    patient_sex: str
    study_date: str
    study_time: str
    accession_number: str
    study_id: str
    study_description: str
    referring_physician: str
    modality: str
    series_number: int | None
    series_description: str
    body_part: str
    laterality: str
    instance_number: int | None
    rows: int | None
    columns: int | None
    number_of_frames: int
    meta_json: str
    # Where native (uncompressed, little-endian) pixel data starts in the stored bytes and how long one frame is:
    # WADO-RS frames are then cut with one seek + read, without parsing the file again (None: compressed etc.).
    pixel_offset: int | None = None
    frame_size: int = 0


def _uid(ds: Dataset, keyword: str) -> str:
    """A required UID, checked for the PS3.5 §9 form."""
    value = text_of(ds.get(keyword, "")).strip().rstrip("\x00")
    if not value:
        raise InvalidDicom(f"缺少必需的 DICOM 标签 {keyword}", f"Missing required DICOM attribute {keyword}",
                           missing=keyword)
    if len(value) > 64 or not _UID.fullmatch(value):
        raise InvalidDicom(f"{keyword} 不是有效的 UID", f"{keyword} is not a valid UID", invalid=keyword)
    return value


def _text(ds: Dataset, keyword: str, limit: int) -> str:
    """Optional text, decoded, trimmed to the column size."""
    try:
        return text_of(ds.get(keyword, "")).strip()[:limit]
    except Exception:  # noqa: BLE001 — an unreadable optional value is simply absent
        return ""


def _int(ds: Dataset, keyword: str) -> int | None:
    """Optional IS/US value as int."""
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return None
        number = int(value)
        return number if -(2**31) < number < 2**31 else None
    except Exception:  # noqa: BLE001 — an unreadable optional value is simply absent
        return None


def _check_pixels(ds: Dataset, ts: UID) -> int:
    """Reject pixel data shorter than its header promises (a truncated file); return the frame count."""
    frames = _int(ds, "NumberOfFrames") or 1
    if frames < 1:
        raise InvalidDicom("帧数无效", "Invalid Number of Frames", invalid="NumberOfFrames")
    if "PixelData" not in ds:
        if "Rows" in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
            # An image header without pixels: the file was cut off before the pixel data.
            raise InvalidDicom("图像缺少像素数据(文件可能被截断)", "Image without Pixel Data (truncated?)", missing="PixelData")
        return frames
    rows, cols = _int(ds, "Rows"), _int(ds, "Columns")
    if not rows or not cols or rows <= 0 or cols <= 0:
        raise InvalidDicom("图像缺少行列数", "Image without Rows/Columns", missing="Rows")
    pixel = ds["PixelData"].value
    if ts.is_encapsulated:
        from pydicom.encaps import generate_fragments

        fragments = sum(1 for _ in generate_fragments(pixel))
        if fragments < 1:
            raise InvalidDicom("压缩像素数据为空", "Encapsulated pixel data has no fragments")
    else:
        bits = _int(ds, "BitsAllocated") or 16
        spp = _int(ds, "SamplesPerPixel") or 1
        expected = rows * cols * spp * frames * bits // 8
        if pixel is None or len(pixel) < expected:
            raise InvalidDicom("像素数据不完整(文件被截断)", "Pixel data is shorter than the image size (truncated)")
    return frames


def metadata_json(ds: Dataset) -> str:
    """DICOM JSON (PS3.18 F.2) of the dataset without pixel data and large binary values."""
    light = Dataset()
    for elem in ds:
        if elem.tag in _PIXEL_TAGS:
            continue
        if elem.VR in _BULK_VRS and elem.value is not None and len(elem.value) > 4096:
            continue
        light.add(elem)
    light.set_original_encoding(ds.is_implicit_VR, ds.is_little_endian, ds._character_set)
    return json.dumps(light.to_json_dict(bulk_data_threshold=1 << 30, suppress_invalid_tags=True),
                      ensure_ascii=False, separators=(",", ":"))


def normalise_part10(data: bytes) -> bytes:
    """Add the 128-byte preamble and "DICM" when a sender omitted them (several STOW-RS clients do):
    a file meta group (0002,xxxx, explicit little endian) at offset 0 or right after "DICM"."""
    if len(data) >= 132 and data[128:132] == b"DICM":
        return data
    if data[:4] == b"DICM":
        return b"\0" * 128 + data
    if len(data) >= 8 and data[:2] == b"\x02\x00" and data[4:6].isalpha():
        return b"\0" * 128 + b"DICM" + data
    return data


def parse_instance(data: bytes) -> ParsedInstance:
    """Validate a DICOM Part 10 object and extract what the index needs. Raises only ``InvalidDicom``."""
    try:
        return _parse(data)
    except InvalidDicom:
        raise
    except Exception as exc:  # noqa: BLE001 — any parser failure is the sender's problem, stated clearly
        raise InvalidDicom(f"无法解析 DICOM 数据:{type(exc).__name__}",
                           f"Cannot parse the DICOM data: {type(exc).__name__}: {str(exc)[:200]}") from None


def _parse(data: bytes) -> ParsedInstance:
    """The body of :func:`parse_instance`."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < 132 or bytes(data[128:132]) != b"DICM":
        raise InvalidDicom("不是 DICOM 文件(缺少 DICM 前缀)", "Not a DICOM Part 10 file (no DICM prefix)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(io.BytesIO(bytes(data)), force=False)
        meta = ds.file_meta
        ts_value = text_of(meta.get("TransferSyntaxUID", "")).strip().rstrip("\x00")
        if not ts_value or not _UID.fullmatch(ts_value):
            raise InvalidDicom("缺少传输语法", "Missing or invalid Transfer Syntax UID", missing="TransferSyntaxUID")
        ts = UID(ts_value)
        if not ts.is_transfer_syntax:
            raise InvalidDicom("不支持的传输语法", f"Unknown transfer syntax {ts_value}", invalid="TransferSyntaxUID")
        raw_pixels = ds.get_item(0x7FE00010) if ts_value in _NATIVE_LE else None
        pixel_tell = getattr(raw_pixels, "value_tell", None)
        # Touch every element so a truncated or malformed value fails here, not later on retrieval.
        for elem in ds.iterall():
            _ = elem.value
        uids = {k: _uid(ds, k) for k in REQUIRED}
        if "Image Storage" in UID(uids["SOPClassUID"]).name and not any(
                k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
            # An image SOP class without pixels: most likely a file cut off at an element boundary.
            raise InvalidDicom("图像缺少像素数据(文件可能被截断)", "Image without Pixel Data (truncated?)",
                               missing="PixelData")
        frames = _check_pixels(ds, ts)
        frame_size = 0
        if pixel_tell is not None and "PixelData" in ds and (_int(ds, "BitsAllocated") or 16) % 8 == 0:
            frame_size = ((_int(ds, "Rows") or 0) * (_int(ds, "Columns") or 0) * (_int(ds, "SamplesPerPixel") or 1)
                          * (_int(ds, "BitsAllocated") or 16) // 8)
        birth = _text(ds, "PatientBirthDate", 8)
        study_date = _text(ds, "StudyDate", 8)
        return ParsedInstance(
            transfer_syntax_uid=ts_value,
            sop_class_uid=uids["SOPClassUID"],
            sop_instance_uid=uids["SOPInstanceUID"],
            study_instance_uid=uids["StudyInstanceUID"],
            series_instance_uid=uids["SeriesInstanceUID"],
            patient_id=_text(ds, "PatientID", 64),
            patient_name=_text(ds, "PatientName", 400),
            patient_birth_date=birth if _DATE.fullmatch(birth) else "",
            patient_sex=_text(ds, "PatientSex", 16),
            study_date=study_date if _DATE.fullmatch(study_date) else "",
            study_time=_text(ds, "StudyTime", 16),
            accession_number=_text(ds, "AccessionNumber", 16),
            study_id=_text(ds, "StudyID", 16),
            study_description=_text(ds, "StudyDescription", 200),
            referring_physician=_text(ds, "ReferringPhysicianName", 200),
            modality=_text(ds, "Modality", 16),
            series_number=_int(ds, "SeriesNumber"),
            series_description=_text(ds, "SeriesDescription", 200),
            body_part=_text(ds, "BodyPartExamined", 64),
            laterality=_text(ds, "Laterality", 16) or _text(ds, "ImageLaterality", 16),
            instance_number=_int(ds, "InstanceNumber"),
            rows=_int(ds, "Rows"),
            columns=_int(ds, "Columns"),
            number_of_frames=frames,
            meta_json=metadata_json(ds),
            pixel_offset=pixel_tell if frame_size > 0 else None,
            frame_size=frame_size,
        )
