"""Osteon's DICOM SCP (pynetdicom) inside the app process.

pynetdicom runs each association in its own thread. Handlers do CPU and file work there (parsing,
hashing, fsync, reading files for C-MOVE/C-GET) and hand database work to the app's event loop with
``asyncio.run_coroutine_threadsafe`` — the loop is never blocked by file I/O.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import AE, AllStoragePresentationContexts, build_context, evt
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import (
    ModalityWorklistInformationFind,
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)
from pynetdicom.transport import ThreadedAssociationServer

from osteon.imaging import dimse_queries, pixels, service
from osteon.imaging.dimse_reactor import EventRequestHandler
from osteon.imaging.exceptions import InvalidDicom
from osteon.imaging.fast_ingest import FastIngest
from osteon.imaging.parsing import parse_instance
from osteon.imaging.part10 import part10_bytes
from osteon.imaging.storage import DicomStore

log = logging.getLogger("osteon.imaging.scp")

NATIVE_SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian]
# Stored as received: the compressed syntaxes modalities and PACS send (PS3.5 §10).
ACCEPTED_SYNTAXES = NATIVE_SYNTAXES + [
    JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless,
    JPEG2000Lossless, JPEG2000, RLELossless,
]
# What a retrieve destination that lacks the stored compressed syntax gets instead (PS3.5 §10.1 and PS3.4 B.4.1:
# every Storage SCP supports Implicit VR Little Endian; Explicit VR LE is the usual choice).
UNCOMPRESSED_SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
# Decompressing these hands the receiver pixels that were already degraded by the original lossy compression
# (JPEG 2000 Part 1 "1.2.840.10008.1.2.4.91" may be either; treated as lossy for the log).
LOSSY_SYNTAXES = {JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLSNearLossless, JPEG2000}
_UNREACHABLE_AE = "<no device allowed>"  # longer than 16 chars: can never equal a calling AE title

STATUS_REFUSED = 0x0124  # not authorised
STATUS_CANNOT_UNDERSTAND = 0xC000
STATUS_OUT_OF_RESOURCES = 0xA700


@dataclass(frozen=True)
class Caller:
    """A known calling AE: a device or a PACS node, with what it may do."""

    ae_title: str
    institution_id: uuid.UUID
    may_echo: bool
    may_store: bool
    may_query: bool
    may_retrieve: bool


class OsteonAE(AE):
    """An AE whose calling-AE whitelist is the device table, read at each association request."""

    def __init__(self, ae_title: str, server: DicomServer) -> None:
        """Bind to the server that can reach the database."""
        super().__init__(ae_title)
        self._server = server

    @property  # type: ignore[override]
    def require_calling_aet(self) -> list[str]:
        """Known AE titles; never empty (pynetdicom treats an empty list as "accept anyone")."""
        try:
            titles = self._server.run(dimse_queries.known_ae_titles(self._server.db), timeout=10)
        except Exception:
            log.exception("cannot read known AE titles; refusing the association")
            titles = []
        return titles or [_UNREACHABLE_AE]

    @require_calling_aet.setter
    def require_calling_aet(self, value: list[str]) -> None:
        """The list is the database's; setting it is ignored."""


class DicomServer:
    """The SCP: C-ECHO, C-STORE, C-FIND (patient/study root, worklist), C-MOVE, C-GET."""

    def __init__(self, app: Any, host: str, port: int, ae_title: str) -> None:
        """Prepare (not yet listening)."""
        self.app = app
        self.db = app.state.db
        self.store: DicomStore = app.state.dicom_store
        self.host, self.port, self.ae_title = host, port, ae_title
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        # Hashing and file syncs run here, overlapping the parse and the index transaction (both release the GIL).
        self.io_pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="osteon-dicom-io")
        # On SQLite, the next instances of a known study are indexed from the association's thread (fast_ingest).
        self.fast = FastIngest.for_url(self.db.url)
        self.ae = self._make_ae()

    def _make_ae(self) -> AE:
        """The AE with every presentation context Osteon accepts."""
        ae = OsteonAE(self.ae_title, self)
        # 1 MiB PDUs: a 512 KB CT slice arrives in one P-DATA PDU instead of two or three, fewer reactor turns.
        ae.maximum_pdu_size = 1_048_576
        ae.network_timeout = 60
        ae.dimse_timeout = 60
        ae.maximum_associations = 32
        ae.add_supported_context(Verification, ALL := [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
        for cx in AllStoragePresentationContexts:
            # scp_role/scu_role: also accept the C-GET requestor acting as storage SCP on this association.
            ae.add_supported_context(cx.abstract_syntax, ACCEPTED_SYNTAXES, scp_role=True, scu_role=False)
        for sop in (PatientRootQueryRetrieveInformationModelFind, PatientRootQueryRetrieveInformationModelMove,
                    PatientRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelFind,
                    StudyRootQueryRetrieveInformationModelMove, StudyRootQueryRetrieveInformationModelGet,
                    ModalityWorklistInformationFind):
            ae.add_supported_context(sop, ALL)
        return ae

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (threaded server) on the configured address."""
        self.loop = asyncio.get_running_loop()
        handlers = [
            (evt.EVT_CONN_OPEN, self._on_open),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
            (evt.EVT_C_FIND, self._on_find),
            (evt.EVT_C_MOVE, self._on_move),
            (evt.EVT_C_GET, self._on_get),
        ]
        # ae.start_server(block=False), with event-driven associations (dimse_reactor) instead of polling ones.
        self._server = await asyncio.to_thread(
            self.ae.make_server, (self.host, self.port), evt_handlers=handlers,
            server_class=ThreadedAssociationServer, request_handler=EventRequestHandler)
        threading.Thread(target=self._server.serve_forever, name="osteon-dicom-acceptor", daemon=True).start()
        self.ae._servers.append(self._server)
        self.port = self._server.server_address[1]
        log.info("DICOM SCP %s listening on %s:%s", self.ae_title, self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close associations."""
        if self._server is not None:
            await asyncio.to_thread(self._server.shutdown)
            self._server = None
        self.io_pool.shutdown(wait=True)
        if self.fast is not None:
            self.fast.close()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        """Run a coroutine on the app's loop from a pynetdicom thread and wait for it."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    # --- helpers -----------------------------------------------------------------------------------

    def _caller(self, event: Any) -> Caller | None:
        """The calling device of this association (cached on the association)."""
        assoc = event.assoc
        cached = getattr(assoc, "_osteon_caller", False)
        if cached is not False:
            return cached
        ae_title = assoc.requestor.ae_title.strip()
        caller = self.run(dimse_queries.caller_for(self.db, ae_title, assoc.requestor.address), timeout=10)
        assoc._osteon_caller = caller
        return caller

    def _on_open(self, event: Any) -> None:
        """Disable Nagle on accepted sockets (without it each small response waits for a delayed ACK) and give
        the socket a 4 MiB receive buffer so the sender can keep streaming while an instance is being stored."""
        try:
            sock = event.assoc.dul.socket.socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        except Exception:  # noqa: BLE001, S110 — a socket option is an optimisation, never a failure
            pass

    # --- services ------------------------------------------------------------------------------------

    def _on_echo(self, event: Any) -> int:
        """C-ECHO: success for devices allowed to echo."""
        caller = self._caller(event)
        return 0x0000 if caller and caller.may_echo else STATUS_REFUSED

    def _on_store(self, event: Any) -> Dataset | int:
        """C-STORE: validate, store durably, index, then acknowledge.

        Pipelined per instance: while this thread parses (validates), the I/O pool hashes the bytes and writes +
        fdatasyncs them to a temp file of the store; once they are valid, the rename to the content address and
        the directory fsync run in the pool while the index statements run (on the app's loop, or — for the next
        instances of a study this association already stored, on SQLite — right here, see fast_ingest). The
        index transaction commits only once the file is durable, and only then is the instance acknowledged.
        Refused bytes never reach a content address: their temp file is removed."""
        caller = self._caller(event)
        if caller is None or not caller.may_store:
            return STATUS_REFUSED
        request = event.request
        try:
            data = part10_bytes(request.AffectedSOPClassUID, request.AffectedSOPInstanceUID,
                                event.context.transfer_syntax, request.DataSet.getvalue())
        except InvalidDicom as exc:
            log.warning("C-STORE from %s refused: %s", caller.ae_title, exc.en)
            return _status(STATUS_CANNOT_UNDERSTAND, exc.en)
        staged = self.io_pool.submit(self.store.stage, data)
        # Hashed here, not in the pool: hashlib releases the GIL, so the write above starts meanwhile; a pool
        # thread would wait for the GIL until the parse below lets go of it.
        file_hash = self.store.digest(data)
        try:
            parsed = parse_instance(data)
        except InvalidDicom as exc:
            log.warning("C-STORE from %s refused: %s", caller.ae_title, exc.en)
            staged.add_done_callback(self._discard_staged)
            return _status(STATUS_CANNOT_UNDERSTAND, exc.en)
        try:
            size = len(data)
            # Submitted after ``staged`` to the same FIFO pool, so the write it waits for is already running.
            durable = self.io_pool.submit(self._place, staged, file_hash, size)
            known = event.assoc.__dict__.setdefault("_osteon_known", {})
            source = f"AE:{caller.ae_title}"
            try:
                outcome = None
                study_id = known.get(("study", parsed.study_instance_uid))
                series_id = known.get(("series", parsed.series_instance_uid))
                if self.fast is not None and study_id is not None:
                    fast = self.fast.index_in_known_study(parsed, file_hash, size, study_id=study_id,
                                                          series_id=series_id, source=source, username=source,
                                                          durable=durable)
                    if fast is None:  # already indexed: the general path applies the duplicate policy
                        known.clear()
                    else:
                        outcome = fast[0]
                        known[("series", parsed.series_instance_uid)] = fast[1]
                if outcome is None:
                    outcome = self.run(service.index_in_own_transaction(
                        self.db, parsed, file_hash, size, source=source, institution_id=caller.institution_id,
                        username=source, known=known, durable=durable))
            finally:
                durable.result()  # never leave a write running behind a failed index (raises its own error)
        except Exception as exc:
            log.exception("C-STORE from %s failed", caller.ae_title)
            return _status(STATUS_OUT_OF_RESOURCES, f"Storage failed: {type(exc).__name__}")
        if outcome.status == "conflict":
            return _status(0x0000, "Duplicate SOP Instance UID with different content; first copy kept")
        pixels.remember_layout(file_hash, parsed.pixel_offset, parsed.frame_size, parsed.number_of_frames)
        return 0x0000

    def _place(self, staged: concurrent.futures.Future[Any], file_hash: str, size: int) -> tuple[str, int]:
        """Give a staged (synced) file its content address, durably; raises the staging error if it failed."""
        return self.store.place(staged.result(), file_hash, size)

    def _discard_staged(self, staged: concurrent.futures.Future[Any]) -> None:
        """Remove the temp file of refused bytes once its write has finished."""
        if not staged.cancelled() and staged.exception() is None:
            self.store.discard(staged.result())

    def _on_find(self, event: Any) -> Iterator[tuple[int, Dataset | None]]:
        """C-FIND: patient root, study root and Modality Worklist."""
        caller = self._caller(event)
        if caller is None or not caller.may_query:
            yield STATUS_REFUSED, None
            return
        ident = event.identifier
        model = UID(event.request.AffectedSOPClassUID)
        try:
            if model == ModalityWorklistInformationFind:
                results = self.run(dimse_queries.worklist(self.db, caller, ident, self.app.state.settings.timezone))
            else:
                results = self.run(dimse_queries.find(self.db, caller, ident, self.ae_title))
        except dimse_queries.BadIdentifier as exc:
            yield _status(0xA900, str(exc)).Status, None
            return
        for ds in results:
            if event.is_cancelled:
                yield 0xFE00, None
                return
            yield 0xFF00, ds

    def _retrieve_files(self, event: Any) -> tuple[Caller | None, list[tuple[str, str, str]] | int]:
        """(caller, [(hash, sop class, transfer syntax)]) for a C-MOVE/C-GET, or a failure status."""
        caller = self._caller(event)
        if caller is None or not caller.may_retrieve:
            return caller, STATUS_REFUSED
        try:
            files = self.run(dimse_queries.files_for_retrieve(self.db, caller, event.identifier))
        except dimse_queries.BadIdentifier:
            return caller, 0xA900
        return caller, files

    def _datasets(self, event: Any, files: list[tuple[str, str, str]],
                  peer: _Peer) -> Iterator[tuple[int, Dataset | None]]:
        """Read stored files (in this association thread) and yield them as sub-operations, decompressed when the
        peer accepted no context for the stored syntax but an uncompressed one (the file itself is never touched)."""
        for file_hash, sop, ts in files:
            if event.is_cancelled:
                yield 0xFE00, None
                return
            try:
                ds = pydicom.dcmread(self.store.path_for(file_hash))
            except Exception:
                log.exception("cannot read stored file %s", file_hash)
                yield 0xA702, None
                continue
            plan = _plan(peer.accepted_contexts(), sop, ts)
            if plan == "decompress":
                self._decompress(ds, peer, file_hash)
            elif plan == "none":
                log.warning("%s to %s: no presentation context accepted for %s in %s or an uncompressed syntax; "
                            "sub-operation for %s fails", peer.service, peer.ae_title, UID(sop).name, UID(ts).name,
                            ds.get("SOPInstanceUID", file_hash))
            # Yielded as is on "none" (or a failed decompression): pynetdicom finds no accepted context for the
            # stored compressed syntax and counts the sub-operation as failed, listing its SOP Instance UID.
            yield 0xFF00, ds

    def _decompress(self, ds: Dataset, peer: _Peer, file_hash: str) -> None:
        """Decompress a dataset read from the store in memory to Explicit VR Little Endian (logged)."""
        ts = UID(ds.file_meta.TransferSyntaxUID)
        sop_instance = ds.get("SOPInstanceUID", file_hash)
        try:
            # Same SOP Instance UID: the receiver asked for this instance, and decompressing loses nothing more
            # (Orthanc and dcm4chee keep the UID too). pydicom would mint a new one by default.
            ds.decompress(generate_instance_uid=False)
        except Exception as exc:  # noqa: BLE001 — no decoder or a bad codestream: that sub-operation fails
            log.warning("%s to %s: cannot decompress %s (%s) for a peer without that syntax: %s; sub-operation "
                        "fails", peer.service, peer.ae_title, sop_instance, ts.name, exc)
            return
        if ts in LOSSY_SYNTAXES or ds.get("LossyImageCompression") == "01":
            log.warning("%s to %s: %s was stored lossy-compressed (%s); sent decompressed, its pixels keep that loss",
                        peer.service, peer.ae_title, sop_instance, ts.name)
        else:
            log.info("%s to %s: %s sent decompressed from %s", peer.service, peer.ae_title, sop_instance, ts.name)

    def _on_move(self, event: Any) -> Iterator[Any]:
        """C-MOVE: send the matching instances to a known destination AE."""
        _caller, files = self._retrieve_files(event)
        destination = self.run(dimse_queries.move_destination(self.db, event.move_destination or ""), timeout=10)
        if destination is None:
            yield None, None  # pynetdicom answers 0xA801: move destination unknown
            return
        if isinstance(files, int):
            yield destination[0], destination[1]
            yield 1
            yield files, None
            return
        peer = _Peer("C-MOVE", event.move_destination or "")
        # pynetdicom opens the association to the destination itself; EVT_ACCEPTED (fired before it is
        # established) hands it to ``peer`` so the sub-operations can see what the destination accepted.
        yield destination[0], destination[1], {"contexts": _contexts_for(files),
                                               "evt_handlers": [(evt.EVT_ACCEPTED, peer.bind)]}
        yield len(files)
        yield from self._datasets(event, files, peer)

    def _on_get(self, event: Any) -> Iterator[Any]:
        """C-GET: send the matching instances back on the same association."""
        _caller, files = self._retrieve_files(event)
        if isinstance(files, int):
            yield 1
            yield files, None
            return
        peer = _Peer("C-GET", event.assoc.requestor.ae_title.strip())
        peer.assoc = event.assoc
        yield len(files)
        yield from self._datasets(event, files, peer)


class _Peer:
    """The association C-MOVE/C-GET sub-operations go out on, and who is on the other end (for the log)."""

    def __init__(self, service: str, ae_title: str) -> None:
        """Not yet bound (C-MOVE: until the destination accepted the association)."""
        self.service, self.ae_title = service, ae_title.strip()
        self.assoc: Any = None

    def bind(self, event: Any) -> None:
        """EVT_ACCEPTED handler of the association to a C-MOVE destination."""
        self.assoc = event.assoc

    def accepted_contexts(self) -> list[PresentationContext]:
        """The contexts the peer accepted (none known yet: empty)."""
        return list(self.assoc.accepted_contexts) if self.assoc is not None else []


def _plan(accepted: list[PresentationContext], sop: str, ts: str) -> str:
    """How to send one stored instance: "as stored", "decompress" or "none" (no acceptable context).

    Mirrors pynetdicom's own context choice for Osteon as storage SCU: an exact syntax match first; a native
    syntax is converted by pynetdicom to another native one of the same byte order; a compressed one never is."""
    if not accepted:  # peer not known (cannot happen once associated): let pynetdicom decide as before
        return "as stored"
    stored = UID(ts)
    syntaxes = {UID(cx.transfer_syntax[0]) for cx in accepted if cx.abstract_syntax == sop and cx.as_scu}
    if stored in syntaxes:
        return "as stored"
    if not stored.is_compressed:
        convertible = [s for s in syntaxes if not s.is_compressed and s.is_little_endian == stored.is_little_endian]
        return "as stored" if convertible else "none"
    return "decompress" if syntaxes & set(UNCOMPRESSED_SYNTAXES) else "none"


def _status(code: int, comment: str) -> Dataset:
    """A status dataset with an Error Comment (LO: 64 chars)."""
    ds = Dataset()
    ds.Status = code
    ds.ErrorComment = comment[:64]
    return ds


def _contexts_for(files: list[tuple[str, str, str]]) -> list[Any]:
    """Presentation contexts for C-MOVE sub-operations, so the destination can choose.

    Per stored SOP class one uncompressed context (any stored native syntax first, then Explicit and Implicit VR
    LE) and one context per stored compressed syntax: a destination that accepts the compressed one gets the
    file as stored, one that accepts only the uncompressed one gets it decompressed."""
    stored: dict[str, list[UID]] = {}
    for _h, sop, ts in files:
        syntaxes = stored.setdefault(sop, [])
        if UID(ts) not in syntaxes:
            syntaxes.append(UID(ts))
    uncompressed, compressed = [], []
    for sop, syntaxes in stored.items():
        native = [ts for ts in syntaxes if not ts.is_compressed]
        uncompressed.append(build_context(sop, list(dict.fromkeys(native + UNCOMPRESSED_SYNTAXES))))
        compressed += [build_context(sop, [ts]) for ts in syntaxes if ts.is_compressed]
    # At most 128 contexts per association (PS3.8 §9.3.2.2): every SOP class's uncompressed context comes first,
    # so each instance can at least be sent decompressed.
    return (uncompressed + compressed)[:128]


async def start_scp(app: Any, port: int, host: str | None = None) -> DicomServer:
    """Start the SCP for ``app`` on ``port`` (0 = a free port) and ``host`` (default: the ``dicom_host`` setting,
    else the HTTP ``host``); it is stopped with the app."""
    settings = app.state.settings
    server = DicomServer(app, host or settings.dicom_host or settings.host, port, settings.dicom_ae_title)
    await server.start()
    app.state.dicom_server = server
    return server


async def stop_scp(app: Any) -> None:
    """Stop the app's SCP if it runs."""
    server: DicomServer | None = getattr(app.state, "dicom_server", None)
    if server is not None:
        await server.stop()
        app.state.dicom_server = None
