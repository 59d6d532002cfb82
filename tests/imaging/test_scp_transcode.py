"""C-GET / C-MOVE to peers without the stored compressed syntax: Osteon decompresses on the way out (real dcmtk
getscu, movescu and storescp; the stored files stay byte-identical)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)
from sqlalchemy import select

from osteon.imaging.models import Instance, Study
from tests.imaging.conftest import add_device, ae, free_port, need, run
from tests.imaging.dicomgen import ct_slice, dx_image, jpeg2000, jpeg_baseline, jpeg_ls, rle, to_bytes

STORESCU, MOVESCU, GETSCU, STORESCP = "/usr/bin/storescu", "/usr/bin/movescu", "/usr/bin/getscu", "/usr/bin/storescp"
UNCOMPRESSED = {ExplicitVRLittleEndian, ImplicitVRLittleEndian}


# storescu's option proposing a file's own compressed syntax (its default proposes uncompressed only).
PROPOSE = {RLELossless: "-xr", JPEG2000Lossless: "-xv", JPEGLSLossless: "-xt", JPEGBaseline8Bit: "-xy",
           JPEGLosslessSV1: "-xs", ExplicitVRLittleEndian: "-x="}


async def storescu(scp, site, ds: pydicom.Dataset, path: Path) -> None:
    """Send one instance with storescu in its own syntax, so that Osteon stores it as compressed as it came."""
    path.write_bytes(to_bytes(ds))
    r = await run(need(STORESCU), PROPOSE[ds.file_meta.TransferSyntaxUID], "-aet", site.device_ae,
                  "-aec", scp.ae_title, "127.0.0.1", str(scp.port), str(path))
    assert r.returncode == 0, r.stdout


async def store_study(scp, site, tmp_path: Path, variants: list) -> tuple[str, dict[str, np.ndarray]]:
    """One CT slice per compression variant (None = native) stored by storescu; (study UID, original pixels)."""
    study, series = generate_uid(), generate_uid()
    originals = {}
    for i, variant in enumerate(variants, start=1):
        ds = ct_slice(patient_id=site.patient.mrn, study_uid=study, series_uid=series, index=i, size=64)
        pixels = ds.pixel_array.copy()
        ds = variant(ds) if variant else ds  # pydicom's compress() gives the instance a new SOP Instance UID
        originals[ds.SOPInstanceUID] = pixels
        await storescu(scp, site, ds, tmp_path / f"in{i}.dcm")
    return study, originals


async def stored_files(db, store, study_uid: str) -> dict[str, tuple[str, str, bytes]]:
    """SOP Instance UID → (file hash, stored transfer syntax, stored bytes)."""
    async with db.transaction() as s:
        rows = (await s.execute(select(Instance).join(Study, Study.id == Instance.study_id)
                                .where(Study.study_instance_uid == study_uid))).scalars().all()
    return {i.sop_instance_uid: (i.file_hash, i.transfer_syntax_uid, store.read(i.file_hash)) for i in rows}


def assert_decompressed_copies(received: list[pydicom.Dataset], stored: dict[str, tuple[str, str, bytes]],
                               originals: dict[str, np.ndarray], *, lossless: bool = True) -> None:
    """Every received object is its stored instance, uncompressed, with the stored file's decoded pixels."""
    assert sorted(d.SOPInstanceUID for d in received) == sorted(stored)
    for got in received:
        _hash, ts, data = stored[got.SOPInstanceUID]
        assert got.file_meta.TransferSyntaxUID in UNCOMPRESSED, (ts, got.file_meta.TransferSyntaxUID)
        reference = pydicom.dcmread(pydicom.filebase.DicomBytesIO(data)).pixel_array  # decoded by pydicom
        assert np.array_equal(got.pixel_array, reference), ts
        if lossless:
            assert np.array_equal(got.pixel_array, originals[got.SOPInstanceUID]), ts


def assert_unchanged(store, before: dict[str, tuple[str, str, bytes]]) -> None:
    """The stored files still hold exactly the bytes they held (and hash to their address)."""
    for file_hash, _ts, data in before.values():
        after = store.read(file_hash)
        assert after == data and store.digest(after) == file_hash


@contextlib.asynccontextmanager
async def storescp(tmp_path: Path, *options: str):
    """dcmtk's storescp on a free loopback port writing into a fresh folder; yields (port, folder)."""
    port, out = free_port(), tmp_path / f"storescp{free_port()}"
    out.mkdir()
    proc = await asyncio.create_subprocess_exec(need(STORESCP), *options, "-od", str(out), str(port),
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("storescp did not start")
        yield port, out
    finally:
        proc.terminate()
        await proc.wait()


async def move_to_storescp(scp, site, db, tmp_path: Path, study: str, *options: str):
    """C-MOVE a whole study with movescu to a fresh storescp (``options``: its accepted syntaxes) registered as a
    known device; returns (movescu's result, the datasets storescp wrote)."""
    async with storescp(tmp_path, *options) as (port, out):
        dest = ae("DEST")
        await add_device(db, site.world.institution.id, dest, host="127.0.0.1", port=port, may_query=False)
        r = await run(need(MOVESCU), "-v", "-S", "-aet", site.device_ae, "-aec", scp.ae_title, "-aem", dest,
                      "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(scp.port))
        return r, [pydicom.dcmread(p) for p in out.iterdir()]


async def getscu(scp, site, folder: Path, study: str, *options: str):
    """C-GET a whole study with getscu into ``folder``."""
    folder.mkdir()
    return await run(need(GETSCU), "-S", *options, "-aet", site.device_ae, "-aec", scp.ae_title, "-od", str(folder),
                     "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(scp.port))


async def test_getscu_proposing_only_uncompressed_gets_rle_jpeg2000_and_jpegls_decompressed(scp, site, db, app,
                                                                                           tmp_path):
    """getscu's default proposes only uncompressed storage syntaxes: compressed instances come back decompressed,
    same SOP Instance UID, pixels equal to the decoded originals; the stored files are unchanged."""
    study, originals = await store_study(scp, site, tmp_path, [rle, jpeg2000, jpeg_ls, None])
    store = app.state.dicom_store
    stored = await stored_files(db, store, study)
    assert {ts for _h, ts, _d in stored.values()} == {RLELossless, JPEG2000Lossless, JPEGLSLossless,
                                                      ExplicitVRLittleEndian}
    got = tmp_path / "got"
    r = await getscu(scp, site, got, study)
    assert r.returncode == 0, r.stdout
    assert_decompressed_copies([pydicom.dcmread(p) for p in got.iterdir()], stored, originals)
    assert_unchanged(store, stored)


async def test_move_destination_accepting_only_implicit_le_gets_rle_decompressed(scp, site, db, app, tmp_path):
    """A destination that accepts nothing but Implicit VR Little Endian (storescp +xi, which writes files in the
    syntax they arrived in) still gets a compressed instance. (dcmtk 3.6.7 getscu ignores +xi: it always proposes
    Explicit VR LE only, so this is checked over C-MOVE.)"""
    study, originals = await store_study(scp, site, tmp_path, [rle])
    stored = await stored_files(db, app.state.dicom_store, study)
    r, received = await move_to_storescp(scp, site, db, tmp_path, study, "+xi")
    assert r.returncode == 0, r.stdout
    assert [d.file_meta.TransferSyntaxUID for d in received] == [ImplicitVRLittleEndian]
    assert_decompressed_copies(received, stored, originals)


async def test_lossy_jpeg_baseline_is_sent_decompressed_and_the_loss_is_logged(scp, site, db, app, tmp_path,
                                                                              caplog):
    """JPEG Baseline is decompressed too (as Orthanc and dcm4chee do), with a warning that the pixels are lossy;
    the lossy flag travels with the header."""
    caplog.set_level(logging.INFO, logger="osteon.imaging.scp")
    dx = jpeg_baseline(dx_image(patient_id=site.patient.mrn, rows=64, cols=48))
    await storescu(scp, site, dx, tmp_path / "dx.dcm")
    stored = await stored_files(db, app.state.dicom_store, dx.StudyInstanceUID)
    assert [ts for _h, ts, _d in stored.values()] == [JPEGBaseline8Bit]
    got = tmp_path / "got"
    r = await getscu(scp, site, got, dx.StudyInstanceUID)
    assert r.returncode == 0, r.stdout
    received = [pydicom.dcmread(p) for p in got.iterdir()]
    assert_decompressed_copies(received, stored, {}, lossless=False)
    assert received[0].LossyImageCompression == "01"
    assert any("lossy" in m and dx.SOPInstanceUID in m for m in caplog.messages), caplog.messages
    assert_unchanged(app.state.dicom_store, stored)


async def test_movescu_to_storescp_accepting_only_uncompressed_receives_decompressed(scp, site, db, app, tmp_path):
    """C-MOVE to dcmtk's storescp (default: uncompressed only): every instance arrives decompressed and the
    sub-operations count as completed; the stored files are unchanged."""
    study, originals = await store_study(scp, site, tmp_path, [rle, jpeg2000, None])
    store = app.state.dicom_store
    stored = await stored_files(db, store, study)
    r, received = await move_to_storescp(scp, site, db, tmp_path, study)
    assert r.returncode == 0, r.stdout
    # pynetdicom answers Success only when no sub-operation failed or warned (else 0xB000 / 0xA702).
    assert "Final Move Response (Success)" in r.stdout and len(received) == 3, r.stdout
    assert_decompressed_copies(received, stored, originals)
    assert_unchanged(store, stored)


async def test_move_destination_accepting_the_stored_syntax_gets_it_as_stored(scp, site, db, app, tmp_path):
    """Osteon proposes the stored syntax and the uncompressed ones: a destination accepting everything (storescp
    +xa) chooses the stored RLE, and receives the stored pixel data byte for byte."""
    study, _originals = await store_study(scp, site, tmp_path, [rle])
    stored = await stored_files(db, app.state.dicom_store, study)
    r, received = await move_to_storescp(scp, site, db, tmp_path, study, "+xa")
    assert r.returncode == 0, r.stdout
    assert len(received) == 1 and received[0].file_meta.TransferSyntaxUID == RLELossless
    stored_ds = pydicom.dcmread(pydicom.filebase.DicomBytesIO(next(iter(stored.values()))[2]))
    assert received[0].PixelData == stored_ds.PixelData


# storescp accepting CT Image Storage in JPEG-LS Lossless only (dcmtk storescp.cfg syntax).
JPEG_LS_ONLY_CFG = """\
[[TransferSyntaxes]]
[JPEGLSOnly]
TransferSyntax1 = JPEGLSLossless

[[PresentationContexts]]
[CTInJPEGLS]
PresentationContext1 = CTImageStorage\\JPEGLSOnly

[[Profiles]]
[JLS]
PresentationContexts = CTInJPEGLS
"""


async def test_instance_without_any_acceptable_context_fails_alone_with_a_warning(scp, site, db, app, tmp_path,
                                                                                 caplog):
    """A move destination accepting CT in JPEG-LS Lossless only: the JPEG-LS instance goes as stored; the RLE one
    has no acceptable context at all (no uncompressed one either), so that sub-operation alone fails, logged."""
    caplog.set_level(logging.INFO, logger="osteon.imaging.scp")
    study, _originals = await store_study(scp, site, tmp_path, [jpeg_ls, rle])
    stored = await stored_files(db, app.state.dicom_store, study)
    rle_uid = next(uid for uid, (_h, ts, _d) in stored.items() if ts == RLELossless)
    cfg = tmp_path / "jls.cfg"
    cfg.write_text(JPEG_LS_ONLY_CFG)
    r, received = await move_to_storescp(scp, site, db, tmp_path, study, "-xf", str(cfg), "JLS")
    assert [d.file_meta.TransferSyntaxUID for d in received] == [JPEGLSLossless], r.stdout
    assert "Final Move Response (Warning" in r.stdout, r.stdout
    assert any("no presentation context accepted" in m and rle_uid in m for m in caplog.messages), caplog.messages


async def test_instance_that_cannot_be_decompressed_fails_with_a_warning(scp, site, db, app, tmp_path, caplog):
    """A JPEG Lossless object whose fragments no decoder can read (here: RLE segments under the JPEG Lossless
    syntax) cannot be decompressed for an uncompressed-only peer: that sub-operation fails, logged; the native
    instance of the same study is still delivered."""
    caplog.set_level(logging.INFO, logger="osteon.imaging.scp")

    def undecodable(ds):
        """RLE-encoded fragments relabelled as JPEG Lossless SV1."""
        ds = rle(ds)
        ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1
        return ds

    study, _originals = await store_study(scp, site, tmp_path, [undecodable, None])
    stored = await stored_files(db, app.state.dicom_store, study)
    bad_uid = next(uid for uid, (_h, ts, _d) in stored.items() if ts == JPEGLosslessSV1)
    got = tmp_path / "got"
    r = await getscu(scp, site, got, study)
    received = [pydicom.dcmread(p) for p in got.iterdir()]
    assert [d.file_meta.TransferSyntaxUID for d in received] == [ExplicitVRLittleEndian], r.stdout
    assert any("cannot decompress" in m and bad_uid in m for m in caplog.messages), caplog.messages
    assert_unchanged(app.state.dicom_store, stored)
