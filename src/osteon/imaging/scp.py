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

from osteon.imaging import dimse_queries, pixels, service
from osteon.imaging.exceptions import InvalidDicom
from osteon.imaging.fast_ingest import FastIngest
from osteon.imaging.parsing import parse_instance
from osteon.imaging.storage import DicomStore

log = logging.getLogger("osteon.imaging.scp")

NATIVE_SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian]
# Stored as received: the compressed syntaxes modalities and PACS send (PS3.5 §10).
ACCEPTED_SYNTAXES = NATIVE_SYNTAXES + [
    JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless,
    JPEG2000Lossless, JPEG2000, RLELossless,
]
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
        self._server = await asyncio.to_thread(
            self.ae.start_server, (self.host, self.port), block=False, evt_handlers=handlers)
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
        data = event.encoded_dataset(include_meta=True)
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

    def _datasets(self, event: Any, files: list[tuple[str, str, str]]) -> Iterator[tuple[int, Dataset | None]]:
        """Read stored files (in this association thread) and yield them as sub-operations."""
        for file_hash, _sop, _ts in files:
            if event.is_cancelled:
                yield 0xFE00, None
                return
            try:
                ds = pydicom.dcmread(self.store.path_for(file_hash))
            except Exception:
                log.exception("cannot read stored file %s", file_hash)
                yield 0xA702, None
                continue
            yield 0xFF00, ds

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
        contexts = _contexts_for(files)
        yield destination[0], destination[1], {"contexts": contexts}
        yield len(files)
        yield from self._datasets(event, files)

    def _on_get(self, event: Any) -> Iterator[Any]:
        """C-GET: send the matching instances back on the same association."""
        _caller, files = self._retrieve_files(event)
        if isinstance(files, int):
            yield 1
            yield files, None
            return
        yield len(files)
        yield from self._datasets(event, files)


def _status(code: int, comment: str) -> Dataset:
    """A status dataset with an Error Comment (LO: 64 chars)."""
    ds = Dataset()
    ds.Status = code
    ds.ErrorComment = comment[:64]
    return ds


def _contexts_for(files: list[tuple[str, str, str]]) -> list[Any]:
    """Presentation contexts for C-MOVE sub-operations: each stored (SOP class, syntax), as stored."""
    pairs: dict[tuple[str, str], None] = {}
    for _h, sop, ts in files:
        pairs[(sop, ts)] = None
    contexts = []
    for sop, ts in list(pairs)[:128]:
        syntaxes = [ts] + [s for s in (ExplicitVRLittleEndian, ImplicitVRLittleEndian) if s != ts] \
            if UID(ts) in NATIVE_SYNTAXES else [ts]
        contexts.append(build_context(sop, syntaxes))
    return contexts


async def start_scp(app: Any, port: int, host: str | None = None) -> DicomServer:
    """Start the SCP for ``app`` on ``port`` (0 = a free port); it is stopped with the app."""
    settings = app.state.settings
    server = DicomServer(app, host or settings.host, port, settings.dicom_ae_title)
    await server.start()
    app.state.dicom_server = server
    return server


async def stop_scp(app: Any) -> None:
    """Stop the app's SCP if it runs."""
    server: DicomServer | None = getattr(app.state, "dicom_server", None)
    if server is not None:
        await server.stop()
        app.state.dicom_server = None
