"""JPEG Lossless (Process 14 SV1), the syntax most CR/DX modalities send: stored as received, and decoded when a
client needs pixels (pylibjpeg-libjpeg) — WADO-RS frames, rendered images, an uncompressed copy over WADO-RS and to a
C-GET peer that accepts only uncompressed syntaxes. Encoded by dcmtk's dcmcjpeg, retrieved by dicomweb-client and
dcmtk's getscu (nobody here wrote either)."""

from __future__ import annotations

import asyncio

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, JPEGLosslessSV1, generate_uid

from tests.imaging.conftest import need
from tests.imaging.dicomgen import ct_slice, jpeg_lossless
from tests.imaging.test_dicomweb import web
from tests.imaging.test_scp_transcode import assert_unchanged, getscu, stored_files, storescu


def _slice(site, tmp_path, study: str, series: str, index: int = 1) -> tuple[pydicom.Dataset, np.ndarray]:
    ds = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=index, size=64)
    original = ds.pixel_array.copy()
    need("/usr/bin/dcmcjpeg")
    compressed = jpeg_lossless(ds, tmp_path)
    assert compressed.file_meta.TransferSyntaxUID == JPEGLosslessSV1
    return compressed, original


async def test_wado_rs_decodes_jpeg_lossless_and_keeps_the_instance_uid(http_base, site, tmp_path, client):
    """Stored as received; an uncompressed copy on request carries the SAME SOP Instance UID and the original
    pixels; frames decode to native pixels; a rendered JPEG is produced."""
    study, series = generate_uid(), generate_uid()
    ds, original = _slice(site, tmp_path, study, series)
    dw = web(http_base, site.headers)
    result = await asyncio.to_thread(dw.store_instances, [ds])
    assert "FailedSOPSequence" not in result

    as_stored = await asyncio.to_thread(dw.retrieve_instance, study, series, ds.SOPInstanceUID)
    assert as_stored.file_meta.TransferSyntaxUID == JPEGLosslessSV1
    assert bytes(as_stored.PixelData) == bytes(ds.PixelData)

    explicit = await asyncio.to_thread(dw.retrieve_instance, study, series, ds.SOPInstanceUID,
                                       media_types=(("application/dicom", ExplicitVRLittleEndian),))
    assert explicit.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert explicit.SOPInstanceUID == ds.SOPInstanceUID  # pydicom's decompress() would mint a new one
    assert np.array_equal(explicit.pixel_array, original)

    frames = await asyncio.to_thread(dw.retrieve_instance_frames, study, series, ds.SOPInstanceUID, [1],
                                     media_types=("application/octet-stream",))
    assert np.array_equal(np.frombuffer(frames[0], dtype=original.dtype).reshape(original.shape), original)

    r = await client.get(f"/dicomweb/studies/{study}/series/{series}/instances/{ds.SOPInstanceUID}/rendered",
                         headers={**site.headers, "Accept": "image/png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", r.text


async def test_getscu_uncompressed_only_gets_jpeg_lossless_decompressed(scp, site, db, app, tmp_path):
    """A C-GET peer proposing only uncompressed syntaxes (getscu's default) gets the JPEG Lossless instance
    decompressed with its original pixels; the stored file is untouched."""
    study, series = generate_uid(), generate_uid()
    ds, original = _slice(site, tmp_path, study, series)
    await storescu(scp, site, ds, tmp_path / "in.dcm")
    stored = await stored_files(db, app.state.dicom_store, study)
    assert [ts for _h, ts, _d in stored.values()] == [JPEGLosslessSV1]
    got = tmp_path / "got"
    r = await getscu(scp, site, got, study)
    assert r.returncode == 0, r.stdout
    [received] = [pydicom.dcmread(p) for p in got.iterdir()]
    assert received.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert received.SOPInstanceUID == ds.SOPInstanceUID
    assert np.array_equal(received.pixel_array, original)
    assert_unchanged(app.state.dicom_store, stored)
