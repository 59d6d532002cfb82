"""Test DICOM made with pydicom: CT 512×512 16-bit, DX, Chinese names, compressed variants."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    RLELossless,
    generate_uid,
)


def _base(sop_class: str, *, patient_id: str, patient_name: str, charset: str | None, study_uid: str,
          series_uid: str, modality: str, accession: str, instance_number: int) -> Dataset:
    """Patient/study/series/instance modules shared by every generated object."""
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.PatientID = patient_id
    ds.PatientName = patient_name
    ds.PatientBirthDate = "19550517"
    ds.PatientSex = "M"
    ds.StudyDate = date.today().strftime("%Y%m%d")
    ds.StudyTime = "101500"
    ds.AccessionNumber = accession
    ds.StudyID = "1"
    ds.StudyDescription = "Lumbar spine"
    ds.ReferringPhysicianName = ""
    ds.Modality = modality
    ds.SeriesNumber = 1
    ds.SeriesDescription = f"{modality} series"
    ds.BodyPartExamined = "LSPINE"
    ds.InstanceNumber = instance_number
    return ds


def _file_meta(ds: Dataset, ts: str) -> None:
    """Attach Part 10 file meta."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta


def ct_slice(*, patient_id: str = "Q00000001", patient_name: str = "Wang^Jianguo", charset: str | None = None,
             study_uid: str | None = None, series_uid: str | None = None, accession: str = "", index: int = 1,
             size: int = 512, seed: int | None = None) -> Dataset:
    """One CT slice, 16-bit signed, with rescale and a bone-ish window."""
    ds = _base(CTImageStorage, patient_id=patient_id, patient_name=patient_name, charset=charset,
               study_uid=study_uid or generate_uid(), series_uid=series_uid or generate_uid(), modality="CT",
               accession=accession, instance_number=index)
    rng = np.random.default_rng(seed if seed is not None else index)
    yy, xx = np.mgrid[0:size, 0:size]
    body = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2) < (size * 0.4) ** 2
    arr = np.where(body, 1040, 0).astype(np.int16) + rng.integers(0, 60, (size, size), dtype=np.int16)
    arr[size // 2 - 20:size // 2 + 20, size // 2 - 20:size // 2 + 20] = 2000 + index  # "vertebra"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.WindowCenter = 400
    ds.WindowWidth = 1800
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = 1.0
    ds.ImagePositionPatient = [0, 0, float(index)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelData = arr.tobytes()
    _file_meta(ds, ExplicitVRLittleEndian)
    return ds


def dx_image(*, patient_id: str = "Q00000001", patient_name: str = "Wang^Jianguo", charset: str | None = None,
             study_uid: str | None = None, rows: int = 2500, cols: int = 2000, accession: str = "") -> Dataset:
    """A DX for presentation, 12 bits stored in 16, MONOCHROME1 like many CR/DX plates."""
    ds = _base(DigitalXRayImageStorageForPresentation, patient_id=patient_id, patient_name=patient_name,
               charset=charset, study_uid=study_uid or generate_uid(), series_uid=generate_uid(), modality="DX",
               accession=accession, instance_number=1)
    yy, xx = np.mgrid[0:rows, 0:cols]
    arr = ((yy * 3 + xx) % 4096).astype(np.uint16)
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.ImagerPixelSpacing = [0.15, 0.15]
    ds.PixelSpacing = [0.15, 0.15]
    ds.WindowCenter = 2048
    ds.WindowWidth = 4096
    ds.PixelData = arr.tobytes()
    _file_meta(ds, ExplicitVRLittleEndian)
    return ds


def rle(ds: Dataset) -> Dataset:
    """The same instance RLE Lossless–compressed (pydicom's own encoder)."""
    ds.compress(RLELossless, encoding_plugin="pydicom")
    ds.file_meta.TransferSyntaxUID = RLELossless
    return ds


def jpeg2000(ds: Dataset) -> Dataset | None:
    """The same instance JPEG 2000 Lossless–compressed, or None if no encoder is installed."""
    from pydicom.uid import JPEG2000Lossless

    try:
        ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    except Exception:  # noqa: BLE001 — no working encoder: the caller skips the variant
        return None
    return ds


def jpeg_ls(ds: Dataset) -> Dataset:
    """The same instance JPEG-LS Lossless–compressed (pyjpegls)."""
    from pydicom.uid import JPEGLSLossless

    ds.compress(JPEGLSLossless, encoding_plugin="pyjpegls")
    return ds


def jpeg_lossless(ds: Dataset, tmp: Path) -> Dataset:
    """The same instance JPEG Lossless (Process 14, first-order prediction: SV1) compressed by dcmtk's dcmcjpeg,
    the syntax CR/DX modalities most often send (pydicom has no encoder for it). ``tmp`` is a scratch folder."""
    src, dst = tmp / f"{ds.SOPInstanceUID}.raw.dcm", tmp / f"{ds.SOPInstanceUID}.jpl.dcm"
    src.write_bytes(to_bytes(ds))
    subprocess.run(["/usr/bin/dcmcjpeg", "+e1", str(src), str(dst)], check=True, capture_output=True)
    return pydicom.dcmread(dst)


def jpeg_baseline(ds: Dataset, quality: int = 70) -> Dataset:
    """The instance reduced to 8 bits and JPEG Baseline (lossy) compressed with Pillow, flagged lossy as PS3.3
    C.7.6.1.1.5 requires (pydicom has no JPEG encoder)."""
    from PIL import Image
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    arr = ds.pixel_array.astype(np.float64)
    eight = np.round((arr - arr.min()) * 255 / max(float(arr.max() - arr.min()), 1.0)).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(eight, mode="L").save(buf, format="JPEG", quality=quality)
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PhotometricInterpretation = "MONOCHROME2"
    for keyword in ("RescaleIntercept", "RescaleSlope", "WindowCenter", "WindowWidth"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionMethod = "ISO_10918_1"
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    return ds


def to_bytes(ds: Dataset) -> bytes:
    """Part 10 bytes."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
