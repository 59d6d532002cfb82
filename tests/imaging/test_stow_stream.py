"""STOW-RS splits the multipart body while it arrives: the incremental splitter gives exactly what the whole-body
split gives for any chunking, and a body that is malformed, broken off or over the limit stores nothing — no
index row, no file."""

from __future__ import annotations

import random

import pytest
from pydicom.uid import generate_uid
from sqlalchemy import func, select

from osteon.imaging import multipart
from osteon.imaging.models import Instance
from osteon.kit.bodylimit import Rule
from tests.imaging.dicomgen import ct_slice, to_bytes
from tests.imaging.test_dicomweb import _multipart


def _chunked(body: bytes, rng: random.Random) -> list[bytes]:
    out, pos = [], 0
    while pos < len(body):
        k = rng.choice([1, 2, 3, 5, 17, 64, 4096])
        out.append(body[pos:pos + k])
        pos += k
    return out


def test_the_splitter_matches_split_for_any_chunking():
    """Parts with CR/LF/dashes next to the boundary, empty parts, a preamble, one-byte chunks."""
    rng = random.Random(7)
    boundary = "b0und"
    for _ in range(400):
        parts = [bytes(rng.choice(b"\r\n-xb0und") for _ in range(rng.choice([0, 1, 4, 40, 300])))
                 for _ in range(rng.randint(0, 4))]
        parts = [p for p in parts if b"\r\n--" + boundary.encode() not in p + b"\r\n"]
        body, _ = _multipart(parts)
        body = body.replace(b"testboundary42", boundary.encode())
        if rng.random() < 0.3:
            body = b"a preamble\r\n" + body
        expected = [bytes(c) for _, c in multipart.split(body, boundary)]
        splitter = multipart.Splitter(boundary)
        got = [c for chunk in _chunked(body, rng) for _, c in splitter.feed(chunk)]
        splitter.close()
        assert got == expected == parts


def test_the_splitter_refuses_a_broken_off_body():
    """Every prefix of a body short of its closing delimiter is an error at close()."""
    body, _ = _multipart([b"first part", b"second\r\n-part"])
    for cut in range(len(body) - len(b"--\r\n") + 1):
        splitter = multipart.Splitter("testboundary42")
        splitter.feed(body[:cut])
        with pytest.raises(multipart.MultipartError):
            splitter.close()
    splitter = multipart.Splitter("testboundary42")
    splitter.feed(body[:len(body) - 2])  # the closing delimiter without its CRLF is enough
    splitter.close()


def _stored_files(app) -> list[str]:
    store = app.state.dicom_store
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob("*") if p.is_file()
                  and p.name != ".fanout")


async def _count(db, uids) -> int:
    async with db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(Instance)
                                .where(Instance.sop_instance_uid.in_(uids)))).scalar_one()


async def _send(client, headers, chunks, ctype):
    async def stream():
        for chunk in chunks:
            yield chunk
    return await client.post("/dicomweb/studies", content=stream(), headers={**headers, "Content-Type": ctype})


async def test_a_broken_off_body_stores_nothing(client, site, db, app):
    """Good parts followed by a body that ends without its closing delimiter: 400, and neither index rows nor
    files."""
    before = _stored_files(app)
    study = generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, index=i, size=64, seed=i) for i in range(1, 4)]
    body, ctype = _multipart([to_bytes(ds) for ds in slices])
    broken = body[:-len(b"--testboundary42--\r\n")] + b"--testboundary42\r\nContent-Type: application/dicom\r\n\r\nxx"
    r = await _send(client, site.headers, [broken[i:i + 3000] for i in range(0, len(broken), 3000)], ctype)
    assert r.status_code == 400, r.text
    assert await _count(db, [ds.SOPInstanceUID for ds in slices]) == 0
    assert _stored_files(app) == before
    # The same parts in a complete body are stored (so the parts were fine).
    r = await _send(client, site.headers, [body[i:i + 3000] for i in range(0, len(body), 3000)], ctype)
    assert r.status_code == 200, r.text
    assert await _count(db, [ds.SOPInstanceUID for ds in slices]) == 3


async def test_a_body_over_the_limit_while_streaming_is_413_and_stores_nothing(client, site, db, app):
    """No Content-Length (chunked): the limit trips after several parts have been split off; the answer is the
    413 problem and nothing is kept."""
    rules = app.state.body_limits
    i = next(n for n, rule in enumerate(rules) if rule.pattern.fullmatch("/dicomweb/studies"))
    original = rules[i]
    rules[i] = Rule(original.pattern, 60_000, original.error)
    try:
        await _over_the_limit(client, site, db, app)
    finally:
        rules[i] = original


async def _over_the_limit(client, site, db, app):
    before = _stored_files(app)
    study = generate_uid()
    slices = [ct_slice(patient_id=site.patient.mrn, study_uid=study, index=i, size=64, seed=i) for i in range(1, 8)]
    body, ctype = _multipart([to_bytes(ds) for ds in slices])
    assert len(body) > 60_000
    r = await _send(client, site.headers, [body[i:i + 4000] for i in range(0, len(body), 4000)], ctype)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await _count(db, [ds.SOPInstanceUID for ds in slices]) == 0
    assert _stored_files(app) == before
