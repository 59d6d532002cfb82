"""DICOMweb (PS3.18) under /dicomweb: QIDO-RS, WADO-RS (instances, metadata, frames, rendered), STOW-RS.

Authorization is Osteon's: bearer token or session cookie; a user sees only studies of patients they
may see — anything else is 404, the same as a missing study. Every read and write is audited.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.exc import IntegrityError

from osteon.db import DbSession
from osteon.imaging import multipart, pixels, repository, service
from osteon.imaging.exceptions import (
    InstanceNotFound,
    InvalidDicom,
    NotAcceptable,
    StoreRefused,
    UnsupportedMediaType,
)
from osteon.imaging.models import Instance, Series, Study
from osteon.imaging.parsing import ParsedInstance, normalise_part10, parse_instance
from osteon.imaging.storage import DicomStore
from osteon.kit.errors import BadRequest, Forbidden
from osteon.security import audit
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/dicomweb", tags=["dicomweb"])

DICOM_JSON = "application/dicom+json"
_CONTROL_PARAMS = {"limit", "offset", "includefield", "fuzzymatching", "lang"}
_UID_PATH = r"^[0-9]+(\.[0-9]+)*$"
UidPath = Annotated[str, ...]


def _base(request: Request) -> str:
    """The externally visible base URL (for RetrieveURL attributes)."""
    return str(request.base_url).rstrip("/")


def _store(request: Request) -> DicomStore:
    """The app's DICOM file store."""
    return request.app.state.dicom_store


def _check_uid(*uids: str) -> None:
    """UIDs in paths are digits and dots only (anything else, e.g. ``..%2F``, is a 404)."""
    for uid in uids:
        if not re.fullmatch(_UID_PATH, uid) or len(uid) > 64:
            raise InstanceNotFound()


def _dicom_json(payload: Any, status: int = 200) -> Response:
    """A DICOM JSON response."""
    return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type=DICOM_JSON)


# --- QIDO-RS ---------------------------------------------------------------------------------------


def _qido_filters(request: Request) -> tuple[dict[str, str], list[str]]:
    """Matching keys and includefield values from the query string."""
    filters: dict[str, str] = {}
    include: list[str] = []
    for key, value in request.query_params.multi_items():
        if key == "includefield":
            include.extend(v.strip() for v in value.split(",") if v.strip())
        elif key not in _CONTROL_PARAMS:
            filters[service.keyword_of(key)] = value
    return filters, include


async def _qido(request: Request, session: DbSession, actor: CurrentUser, level: str, limit: int, offset: int,
                study_uid: str | None = None, series_uid: str | None = None) -> Response:
    """Run a QIDO-RS search at ``level`` and audit which patients' studies were shown."""
    filters, include = _qido_filters(request)
    if study_uid:
        _check_uid(study_uid)
        filters["StudyInstanceUID"] = study_uid
    if series_uid:
        _check_uid(series_uid)
        filters["SeriesInstanceUID"] = series_uid
    scope = await service.user_scope(session, actor)
    conditions = service.conditions_for(filters, level)
    base = _base(request)
    shown: set[str] = set()
    if level == "study":
        studies = await repository.find_studies(session, scope, conditions, limit, offset)
        payload = [service.study_json(s, base) for s in studies]
        shown = {str(s.patient_id) for s in studies}
    elif level == "series":
        rows = await repository.find_series(session, scope, conditions, limit, offset)
        payload = [service.series_json(se, st, base) for se, st in rows]
        shown = {str(st.patient_id) for _, st in rows}
    else:
        full = "all" in include or bool(include)
        rows3 = await repository.find_instances(session, scope, conditions, limit, offset)
        payload = [service.instance_json(i, se, st, base, full=full) for i, se, st in rows3]
        shown = {str(st.patient_id) for _, _, st in rows3}
    audit.record(session, "imaging.query", resource_type="ImagingStudy",
                 detail={"level": level, "keys": sorted(filters), "matches": len(payload), "patients": sorted(shown)[:200]})
    return _dicom_json(payload)


Limit = Annotated[int, Query(ge=1, le=5000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


@router.get("/studies", response_class=Response)
async def search_studies(request: Request, session: DbSession, actor: CurrentUser, limit: Limit = 100,
                         offset: Offset = 0) -> Response:
    """QIDO-RS study search (PatientID, PatientName, StudyDate range, AccessionNumber, ModalitiesInStudy …)."""
    return await _qido(request, session, actor, "study", limit, offset)


@router.get("/series", response_class=Response)
async def search_all_series(request: Request, session: DbSession, actor: CurrentUser, limit: Limit = 100,
                            offset: Offset = 0) -> Response:
    """QIDO-RS series search across studies."""
    return await _qido(request, session, actor, "series", limit, offset)


@router.get("/instances", response_class=Response)
async def search_all_instances(request: Request, session: DbSession, actor: CurrentUser, limit: Limit = 100,
                               offset: Offset = 0) -> Response:
    """QIDO-RS instance search across studies."""
    return await _qido(request, session, actor, "instance", limit, offset)


@router.get("/studies/{study_uid}/series", response_class=Response)
async def search_series(study_uid: str, request: Request, session: DbSession, actor: CurrentUser,
                        limit: Limit = 1000, offset: Offset = 0) -> Response:
    """QIDO-RS series of a study."""
    return await _qido(request, session, actor, "series", limit, offset, study_uid)


@router.get("/studies/{study_uid}/instances", response_class=Response)
async def search_study_instances(study_uid: str, request: Request, session: DbSession, actor: CurrentUser,
                                 limit: Limit = 5000, offset: Offset = 0) -> Response:
    """QIDO-RS instances of a study."""
    return await _qido(request, session, actor, "instance", limit, offset, study_uid)


@router.get("/studies/{study_uid}/series/{series_uid}/instances", response_class=Response)
async def search_instances(study_uid: str, series_uid: str, request: Request, session: DbSession,
                           actor: CurrentUser, limit: Limit = 5000, offset: Offset = 0) -> Response:
    """QIDO-RS instances of a series."""
    return await _qido(request, session, actor, "instance", limit, offset, study_uid, series_uid)


# --- WADO-RS -------------------------------------------------------------------------------------


def _wanted_syntax(accept: str) -> str | None:
    """The transfer syntax asked for in Accept: None = as stored ('*' or none given)."""
    m = re.search(r'transfer-syntax="?([0-9.*]+)"?', accept or "")
    if not m or m.group(1) == "*":
        return None
    return m.group(1)


async def _instances(session: DbSession, actor: CurrentUser, study_uid: str, series_uid: str | None = None,
                     sop_uid: str | None = None, action: str = "imaging.study.read"
                     ) -> tuple[Study, list[tuple[Instance, Series, Study]]]:
    """Instances the user may read (404 otherwise)."""
    _check_uid(study_uid, *(u for u in (series_uid, sop_uid) if u is not None))
    return await service.instances_for_user(session, actor, study_uid, series_uid, sop_uid, action=action)


async def _instance_file(session: DbSession, actor: CurrentUser, study_uid: str, series_uid: str, sop_uid: str
                         ) -> tuple[str, str]:
    """(file hash, transfer syntax) of one instance the user may read, audited as ``imaging.frame.read``: one
    statement in the usual case, else the general path (same answers, same audit)."""
    _check_uid(study_uid, series_uid, sop_uid)
    found = await service.instance_file_for_user(session, actor, study_uid, series_uid, sop_uid,
                                                 action="imaging.frame.read")
    if found is not None:
        return found
    _study, rows = await _instances(session, actor, study_uid, series_uid, sop_uid, action="imaging.frame.read")
    return rows[0][0].file_hash, rows[0][0].transfer_syntax_uid


def _retrieve_response(request: Request, rows: list[tuple[Instance, Series, Study]]) -> StreamingResponse:
    """multipart/related of Part 10 objects, as stored (or decompressed when a client asks for Explicit LE)."""
    accept = request.headers.get("accept", "")
    if accept and not any(t in accept for t in ("application/dicom", "*/*", "multipart/related")):
        raise NotAcceptable()
    wanted = _wanted_syntax(accept)
    store = _store(request)
    boundary = multipart.new_boundary()

    def producer(inst: Instance) -> tuple[str, Any]:
        """(part content type, lazy reader) for one instance."""
        async def produce() -> bytes:
            """Read the file off the loop (decompressing only if the client insisted)."""
            data = await asyncio.to_thread(store.read, inst.file_hash)
            if wanted == "1.2.840.10008.1.2.1" and inst.transfer_syntax_uid not in (wanted, "1.2.840.10008.1.2"):
                data = await asyncio.to_thread(pixels.transcode_to_explicit, data)
            return data
        ts = wanted if wanted == "1.2.840.10008.1.2.1" else inst.transfer_syntax_uid
        return f"application/dicom; transfer-syntax={ts}", produce

    parts = [producer(i) for i, _, _ in rows]
    return StreamingResponse(multipart.stream(boundary, parts),
                             media_type=f'multipart/related; type="application/dicom"; boundary={boundary}')


@router.get("/studies/{study_uid}", response_class=Response)
async def retrieve_study(study_uid: str, request: Request, session: DbSession, actor: CurrentUser) -> Response:
    """WADO-RS: every instance of a study (multipart/related; type="application/dicom")."""
    _study, rows = await _instances(session, actor, study_uid)
    return _retrieve_response(request, rows)


@router.get("/studies/{study_uid}/series/{series_uid}", response_class=Response)
async def retrieve_series(study_uid: str, series_uid: str, request: Request, session: DbSession,
                          actor: CurrentUser) -> Response:
    """WADO-RS: every instance of a series."""
    _study, rows = await _instances(session, actor, study_uid, series_uid)
    return _retrieve_response(request, rows)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}", response_class=Response)
async def retrieve_instance(study_uid: str, series_uid: str, sop_uid: str, request: Request, session: DbSession,
                            actor: CurrentUser) -> Response:
    """WADO-RS: one instance, byte-identical to what was stored."""
    _study, rows = await _instances(session, actor, study_uid, series_uid, sop_uid)
    return _retrieve_response(request, rows)


def _metadata(rows: list[tuple[Instance, Series, Study]]) -> Response:
    """DICOM JSON headers of instances (no bulk data)."""
    return _dicom_json([service.corrected_metadata(i, st) for i, _, st in rows])


@router.get("/studies/{study_uid}/metadata", response_class=Response)
async def study_metadata(study_uid: str, session: DbSession, actor: CurrentUser) -> Response:
    """WADO-RS metadata of a study (what Cornerstone's wadors loader needs)."""
    return _metadata((await _instances(session, actor, study_uid))[1])


@router.get("/studies/{study_uid}/series/{series_uid}/metadata", response_class=Response)
async def series_metadata(study_uid: str, series_uid: str, session: DbSession, actor: CurrentUser) -> Response:
    """WADO-RS metadata of a series."""
    return _metadata((await _instances(session, actor, study_uid, series_uid))[1])


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/metadata", response_class=Response)
async def instance_metadata(study_uid: str, series_uid: str, sop_uid: str, session: DbSession,
                            actor: CurrentUser) -> Response:
    """WADO-RS metadata of an instance."""
    return _metadata((await _instances(session, actor, study_uid, series_uid, sop_uid))[1])


def _frame_numbers(frame_list: str) -> list[int]:
    """'1,3,5' → [1, 3, 5]."""
    try:
        numbers = [int(x) for x in frame_list.split(",") if x.strip()]
    except ValueError:
        raise InstanceNotFound("帧号无效", "Invalid frame number") from None
    if not numbers or len(numbers) > 10_000:
        raise InstanceNotFound("帧号无效", "Invalid frame number")
    return numbers


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/{frame_list}",
            response_class=Response)
async def retrieve_frames(study_uid: str, series_uid: str, sop_uid: str, frame_list: str, request: Request,
                          session: DbSession, actor: CurrentUser) -> Response:
    """WADO-RS frames: application/octet-stream (native), or as stored with ``transfer-syntax=*``."""
    numbers = _frame_numbers(frame_list)
    file_hash, syntax = await _instance_file(session, actor, study_uid, series_uid, sop_uid)
    accept = request.headers.get("accept", "") or "multipart/related; type=application/octet-stream"
    as_stored = "transfer-syntax=*" in accept or (
        pixels.FRAME_MEDIA_TYPES.get(syntax, "\0") in accept)
    if not as_stored and "application/octet-stream" not in accept and "*/*" not in accept:
        raise NotAcceptable()
    path = str(_store(request).path_for(file_hash))

    native = syntax in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")

    def work() -> tuple[str, list[bytes]]:
        """Read and cut the frames (in a thread)."""
        if native:
            # Little-endian native pixels are the same bytes in Implicit and Explicit VR LE.
            known = pixels.frames_by_layout(file_hash, path, numbers)
            return "1.2.840.10008.1.2.1", known if known is not None else pixels.native_frames_from_file(
                path, numbers, file_hash)
        ds = pixels.read(path)
        if as_stored:
            return pixels.frames_as_stored(ds, numbers)
        return "1.2.840.10008.1.2.1", pixels.frames_native(ds, numbers)

    # Up to 1 MiB of frames at a known offset (a CT slice) is one seek + read: done here, saving the thread hop;
    # anything larger (a DX frame) or not yet laid out is read in a thread.
    quick = pixels.frames_by_layout(file_hash, path, numbers, max_bytes=1 << 20) if native else None
    ts, frames = ("1.2.840.10008.1.2.1", quick) if quick is not None else await asyncio.to_thread(work)
    media = pixels.FRAME_MEDIA_TYPES.get(ts, "application/octet-stream") if as_stored else "application/octet-stream"
    part_type = f"{media}; transfer-syntax={ts}"
    boundary = multipart.new_boundary()
    head = f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode()
    chunks: list[bytes] = []
    for f in frames:
        chunks += (head, f, b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    body = b"".join(chunks)  # one copy of the pixel bytes (a DX frame is 10–15 MB)
    return Response(body, media_type=f'multipart/related; type="{media}"; boundary={boundary}')


def _render_params(request: Request) -> tuple[str, tuple[float, float] | None, tuple[int, int] | None, int]:
    """Media type, window, viewport and quality of a rendered request."""
    accept = request.headers.get("accept", "image/jpeg")
    media = "image/png" if "image/png" in accept and "image/jpeg" not in accept else "image/jpeg"
    if not any(t in accept for t in ("image/jpeg", "image/png", "image/*", "*/*")) and accept:
        raise NotAcceptable()
    window = viewport = None
    q = request.query_params
    try:
        if q.get("window"):
            c, w = q["window"].split(",")[:2]
            window = (float(c), float(w))
        if q.get("viewport"):
            vw, vh = q["viewport"].split(",")[:2]
            viewport = (max(1, min(int(vw), 8192)), max(1, min(int(vh), 8192)))
        quality = max(1, min(int(q.get("quality", 90)), 100))
    except ValueError:
        raise BadRequest("渲染参数无效(window=窗位,窗宽;viewport=宽,高)",
                         "Invalid rendering parameters (window=center,width; viewport=width,height)",
                         code_override="imaging.bad_render_params") from None
    if window is not None and not all(math.isfinite(v) for v in window):
        raise BadRequest("窗位窗宽无效", "Invalid window", code_override="imaging.bad_render_params")
    return media, window, viewport, quality


async def _rendered(request: Request, session: DbSession, actor: CurrentUser, study_uid: str, series_uid: str,
                    sop_uid: str, frame: int, thumbnail: bool = False) -> Response:
    """Render one frame as JPEG or PNG."""
    media, window, viewport, quality = _render_params(request)
    if thumbnail:
        viewport = viewport or (256, 256)
    file_hash, _syntax = await _instance_file(session, actor, study_uid, series_uid, sop_uid)
    path = str(_store(request).path_for(file_hash))

    def work() -> bytes:
        """Decode and render (in a thread)."""
        return pixels.render(pixels.read(path), frame, media, window, viewport, quality)

    data = await asyncio.to_thread(work)
    return Response(data, media_type=media)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/rendered", response_class=Response)
async def render_instance(study_uid: str, series_uid: str, sop_uid: str, request: Request, session: DbSession,
                          actor: CurrentUser) -> Response:
    """WADO-RS rendered (first frame): image/jpeg or image/png; ``window=center,width``, ``viewport=w,h``."""
    return await _rendered(request, session, actor, study_uid, series_uid, sop_uid, 1)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/{frame}/rendered",
            response_class=Response)
async def render_frame(study_uid: str, series_uid: str, sop_uid: str, frame: int, request: Request,
                       session: DbSession, actor: CurrentUser) -> Response:
    """WADO-RS rendered frame."""
    return await _rendered(request, session, actor, study_uid, series_uid, sop_uid, frame)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/thumbnail", response_class=Response)
async def thumbnail(study_uid: str, series_uid: str, sop_uid: str, request: Request, session: DbSession,
                    actor: CurrentUser) -> Response:
    """A small rendered image for the study browser."""
    return await _rendered(request, session, actor, study_uid, series_uid, sop_uid, 1, thumbnail=True)


# --- STOW-RS --------------------------------------------------------------------------------------

FAIL_PROCESSING = 0xC000  # 49152: cannot understand / processing failure
FAIL_REFUSED = 0x0124  # 290: not authorised
FAIL_MISMATCH = 0xA900  # 43264: does not match (wrong study in the URL)
FAIL_RESOURCES = 0xA700
WARN_CONFLICT = 0xB000


def _prepare(store: DicomStore, data: bytes) -> tuple[bytes, ParsedInstance | InvalidDicom, str]:
    """Blocking part of storing one STOW part: normalise, parse and hash (one thread hop per part)."""
    data = normalise_part10(data)
    try:
        parsed = parse_instance(data)
    except InvalidDicom as exc:
        return data, exc, ""
    return data, parsed, store.digest(data)


@dataclass
class _Accepted:
    """A part that parsed, belongs to the request's study and may be stored by this user."""

    index: int
    data: bytes
    parsed: ParsedInstance
    file_hash: str
    durable: asyncio.Future[Any]
    ref: dict[str, Any]


async def store_parts(request: Request, session: DbSession, actor: CurrentUser, parts: list[bytes],
                      study_uid: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate, store and index each part; a bad part fails alone, the rest are kept.

    Pipelined: parts are parsed and hashed in threads ahead of the loop, and each accepted part's file write +
    syncs start in a thread at once. Indexing waits until every file is durable (a part whose write failed is
    not indexed), then the new instances are indexed together — one duplicate lookup for the whole request,
    one multi-row INSERT, one counter UPDATE per study and per series, one audit event per instance — inside
    one savepoint. Duplicates (already stored, or twice in this request), and the whole batch if its INSERT
    meets a concurrent insert, go one at a time through :func:`service.index_instance` (each in its own
    savepoint, so a failing part fails alone). The request's commit comes after all of it."""
    store = _store(request)
    base = _base(request)
    results: list[tuple[bool, dict[str, Any]] | None] = [None] * len(parts)
    checked: dict[tuple[str, str], bool] = {}
    known: dict[Any, Any] = {}
    accepted: list[_Accepted] = []
    ahead: list[tuple[int, asyncio.Future[tuple[bytes, ParsedInstance | InvalidDicom, str]]]] = []
    queue = iter(enumerate(parts))

    def refill() -> None:
        """Keep a few parts being prepared ahead of the one being checked."""
        while len(ahead) < 3:
            nxt = next(queue, None)
            if nxt is None:
                return
            ahead.append((nxt[0], asyncio.ensure_future(asyncio.to_thread(_prepare, store, nxt[1]))))

    def fail(index: int, ref: dict[str, Any], status: int) -> None:
        results[index] = (False, {**ref, "00081197": {"vr": "US", "Value": [status]}})

    refill()
    try:
        while ahead:
            index, future = ahead.pop(0)
            data, parsed, file_hash = await future
            refill()
            if isinstance(parsed, InvalidDicom):
                results[index] = (False, {"00081197": {"vr": "US", "Value": [FAIL_PROCESSING]},
                                          "00081196": {"vr": "LO", "Value": [parsed.en[:64]]}})
                continue
            ref = {"00081150": {"vr": "UI", "Value": [parsed.sop_class_uid]},
                   "00081155": {"vr": "UI", "Value": [parsed.sop_instance_uid]}}
            if study_uid and parsed.study_instance_uid != study_uid:
                fail(index, ref, FAIL_MISMATCH)
                continue
            try:
                await service.check_user_may_store(session, actor, parsed, checked)
            except (StoreRefused, Forbidden):
                fail(index, ref, FAIL_REFUSED)
                continue
            durable = asyncio.ensure_future(asyncio.to_thread(store.put, data, file_hash))
            accepted.append(_Accepted(index, data, parsed, file_hash, durable, ref))
    finally:
        # Never leave a parse or a write running behind a failed request.
        pending = [f for _, f in ahead] + [a.durable for a in accepted]
        if pending:
            await asyncio.wait(pending)

    # Every file durable (fdatasync + directory fsync) before any of its index rows is written.
    written: list[_Accepted] = []
    for a in accepted:
        if a.durable.exception() is not None:
            fail(a.index, a.ref, FAIL_RESOURCES)
        else:
            written.append(a)

    source = f"STOW:{actor.username}"
    existing = await repository.existing_sop_uids(session, [a.parsed.sop_instance_uid for a in written])
    batch: list[_Accepted] = []
    one_by_one: list[_Accepted] = []
    seen: set[str] = set()
    for a in written:
        uid = a.parsed.sop_instance_uid
        (one_by_one if uid in existing or uid in seen else batch).append(a)
        seen.add(uid)
    outcomes: dict[int, service.StoreOutcome] = {}
    if batch:
        try:
            async with session.begin_nested():
                done = await service.index_new_batch(
                    session, [(a.parsed, a.file_hash, len(a.data)) for a in batch], source=source,
                    institution_id=actor.institution_id, known=known)
            outcomes.update((a.index, o) for a, o in zip(batch, done, strict=True))
        except IntegrityError:
            # Someone stored one of these meanwhile: fall back to one at a time (the duplicate policy applies).
            known.clear()
            one_by_one = sorted(batch + one_by_one, key=lambda a: a.index)
    for a in one_by_one:
        try:
            async with session.begin_nested():
                outcomes[a.index] = await service.index_instance(
                    session, a.parsed, a.file_hash, len(a.data), source=source,
                    institution_id=actor.institution_id, known=known)
        except IntegrityError:
            known.clear()
            fail(a.index, a.ref, FAIL_RESOURCES)

    for a in written:
        outcome = outcomes.get(a.index)
        if outcome is None:
            continue
        parsed = a.parsed
        ref = a.ref
        url = (f"{base}/dicomweb/studies/{parsed.study_instance_uid}/series/{parsed.series_instance_uid}"
               f"/instances/{parsed.sop_instance_uid}")
        ref["00081190"] = {"vr": "UR", "Value": [url]}
        if outcome.status == "conflict":
            ref["00081196"] = {"vr": "US", "Value": [WARN_CONFLICT]}
        else:
            pixels.remember_layout(a.file_hash, parsed.pixel_offset, parsed.frame_size, parsed.number_of_frames)
        results[a.index] = (True, ref)
    ok = [r for good, r in filter(None, results) if good]
    failed = [r for good, r in filter(None, results) if not good]
    return ok, failed


async def _stow(request: Request, session: DbSession, actor: CurrentUser, study_uid: str | None) -> Response:
    """STOW-RS: multipart/related; type="application/dicom" (or a single application/dicom body)."""
    if study_uid:
        _check_uid(study_uid)
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("application/dicom"):
        parts = [await request.body()]
    elif content_type.lower().startswith("multipart/related"):
        boundary = multipart.boundary_of(content_type)
        kind = multipart.type_of(content_type)
        if not boundary or (kind and kind != "application/dicom"):
            raise UnsupportedMediaType()
        # Split while the body arrives: each part is copied once (no joined body, no copy out of it). Parsing and
        # writing still start only after the whole body is in and well formed (doing them while it streamed
        # was measured: more CPU per instance from thread contention, no faster; docs/imaging.md).
        splitter = multipart.Splitter(boundary)
        parts = []
        try:
            async for chunk in request.stream():
                for headers, content in splitter.feed(chunk):
                    if headers.get("content-type", "application/dicom").lower().startswith("application/dicom"):
                        parts.append(content)
            splitter.close()
        except multipart.MultipartError as exc:
            raise InvalidDicom("multipart 请求体格式错误", f"Malformed multipart body: {exc}") from None
    else:
        raise UnsupportedMediaType()
    ok, failed = await store_parts(request, session, actor, parts, study_uid)
    payload: dict[str, Any] = {}
    if study_uid:
        payload["00081190"] = {"vr": "UR", "Value": [f"{_base(request)}/dicomweb/studies/{study_uid}"]}
    if ok:
        payload["00081199"] = {"vr": "SQ", "Value": ok}
    if failed:
        payload["00081198"] = {"vr": "SQ", "Value": failed}
    status = 200 if not failed else (202 if ok else 409)
    return JSONResponse(payload, status_code=status, media_type=DICOM_JSON)


@router.post("/studies", response_class=Response)
async def stow_studies(request: Request, session: DbSession, actor: CurrentUser) -> Response:
    """STOW-RS: store instances of any studies."""
    return await _stow(request, session, actor, None)


@router.post("/studies/{study_uid}", response_class=Response)
async def stow_study(study_uid: str, request: Request, session: DbSession, actor: CurrentUser) -> Response:
    """STOW-RS: store instances of one study (others are refused)."""
    return await _stow(request, session, actor, study_uid)
