"""Durable imaging jobs: retrieval from and forwarding to PACS nodes, with progress on ``Transfer`` rows.

Each job runs in the in-process worker; network work runs in threads (pynetdicom) or async (httpx);
progress is committed in short separate transactions so the UI sees it while the job runs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging import pacs, repository, service
from osteon.imaging.exceptions import InvalidDicom, NodeNotFound, PacsUnavailable
from osteon.imaging.models import PacsNode, ReconciliationItem, Study, Transfer
from osteon.imaging.parsing import normalise_part10, parse_instance
from osteon.imaging.schemas import ForwardRequest, RemoteStudy, RetrieveRequest
from osteon.jobs import enqueue, handler
from osteon.kit.context import current_app
from osteon.kit.errors import BadRequest, NotFound, ServiceUnavailable
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor

log = logging.getLogger("osteon.imaging.tasks")
_RUNTIME: dict[str, Any] = {}


def bind(app: Any) -> None:
    """Remember the app (database, file store, SCP, settings) for job handlers."""
    _RUNTIME["app"] = app


def _app() -> Any:
    """The app of the current request or job (several apps may share a process), else the bound one."""
    return current_app.get() or _RUNTIME["app"]


class TransferNotFound(NotFound):
    """404."""

    code = "imaging.transfer_not_found"
    title_zh = "未找到该传输任务"
    title_en = "Transfer not found"


class NoScp(ServiceUnavailable):
    """503: C-MOVE needs Osteon's own SCP listening."""

    code = "imaging.scp_not_running"
    title_zh = "本机 DICOM 接收服务未启动,无法使用 C-MOVE 取回"
    title_en = "Osteon's DICOM receiver is not running; C-MOVE retrieval is unavailable"


# --- requests from the UI --------------------------------------------------------------------------


async def query_node_for_patient(session: AsyncSession, actor: Actor, node_id: uuid.UUID, patient_id: uuid.UUID,
                                 our_ae: str) -> list[RemoteStudy]:
    """Ask a node which studies it holds for the patient's MRN; audited."""
    patient = await patients.get_for(session, actor, patient_id, action="imaging.pacs.query")
    node = await service.get_node(session, actor, node_id)
    if pacs.has_dimse(node):
        rows = await asyncio.to_thread(pacs.find_studies_dimse, node, our_ae, patient.mrn)
    elif node.dicomweb_url:
        rows = await pacs.find_studies_web(node, patient.mrn)
    else:
        raise BadRequest("该节点未配置查询方式", "The node has neither DIMSE nor DICOMweb configured")
    out = []
    for row in rows:
        here = bool(row["study_instance_uid"]) and await repository.study_by_uid(session, row["study_instance_uid"]) is not None
        out.append(RemoteStudy(**row, already_here=here))
    audit.record(session, "imaging.pacs.query", patient_id=patient.id, resource_type="Endpoint", resource_id=node.id,
                 detail={"matches": len(out)})
    return out


async def request_retrieve(session: AsyncSession, actor: Actor, node_id: uuid.UUID, body: RetrieveRequest) -> Transfer:
    """Queue retrieval of a study for a patient the actor may see."""
    patient = await patients.get_for(session, actor, body.patient_id, action="imaging.pacs.retrieve")
    node = await service.get_node(session, actor, node_id)
    method = body.method or node.retrieve_method
    if method in ("c-move", "c-get") and not pacs.has_dimse(node):
        raise BadRequest("该节点未配置 DIMSE", "The node has no DIMSE address", code_override="imaging.no_dimse")
    if method == "wado-rs" and not node.dicomweb_url:
        raise BadRequest("该节点未配置 DICOMweb", "The node has no DICOMweb URL", code_override="imaging.no_dicomweb")
    if method == "c-move" and getattr(_app().state, "dicom_server", None) is None:
        raise NoScp()
    transfer = Transfer(institution_id=actor.institution_id, node_id=node.id, direction="retrieve", method=method,
                        study_instance_uid=body.study_instance_uid, patient_id=patient.id,
                        requested_by_id=actor.user_id)
    session.add(transfer)
    await session.flush()
    await enqueue(session, "imaging.retrieve", {"transfer_id": str(transfer.id)}, max_attempts=3)
    audit.record(session, "imaging.pacs.retrieve", patient_id=patient.id, resource_type="ImagingStudy",
                 resource_id=body.study_instance_uid, detail={"node": str(node.id), "method": method})
    return transfer


async def request_forward(session: AsyncSession, actor: Actor, node_id: uuid.UUID, body: ForwardRequest) -> Transfer:
    """Queue forwarding of a study the actor may see to a node."""
    study = await service.study_for_user(session, actor, body.study_instance_uid, action="imaging.forward")
    node = await service.get_node(session, actor, node_id)
    method = body.method or ("c-store" if pacs.has_dimse(node) else "stow-rs")
    if (method == "c-store" and not pacs.has_dimse(node)) or (method == "stow-rs" and not node.dicomweb_url):
        raise BadRequest("该节点不支持所选方式", "The node does not support this method", code_override="imaging.bad_method")
    transfer = Transfer(institution_id=actor.institution_id, node_id=node.id, direction="forward", method=method,
                        study_instance_uid=study.study_instance_uid, patient_id=study.patient_id,
                        total=study.num_instances, requested_by_id=actor.user_id)
    session.add(transfer)
    await session.flush()
    await enqueue(session, "imaging.forward", {"transfer_id": str(transfer.id)}, max_attempts=3)
    return transfer


async def get_transfer(session: AsyncSession, actor: Actor, transfer_id: uuid.UUID) -> Transfer:
    """A transfer of the actor's institution whose patient the actor may see."""
    transfer = await session.get(Transfer, transfer_id)
    if transfer is None or transfer.institution_id != actor.institution_id:
        raise TransferNotFound()
    if transfer.patient_id is not None:
        try:
            await patients.get_for(session, actor, transfer.patient_id, action="imaging.transfer.read")
        except NotFound:
            raise TransferNotFound() from None
    return transfer


async def transfers_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> list[Transfer]:
    """Recent retrievals/forwardings of a patient's studies (for the patient page's progress list)."""
    await patients.get_for(session, actor, patient_id, action="imaging.transfer.read")
    return await repository.transfers_of(session, actor.institution_id, patient_id)


# --- progress ------------------------------------------------------------------------------------


async def _set(transfer_id: uuid.UUID, **values: Any) -> None:
    """Commit progress of a transfer in its own short transaction."""
    async with _app().state.db.transaction() as s:
        await s.execute(update(Transfer).where(Transfer.id == transfer_id).values(**values, updated_at=utcnow()))


def _progress_from_thread(loop: asyncio.AbstractEventLoop, transfer_id: uuid.UUID):
    """A progress callback usable from a pynetdicom thread."""
    def report(completed: int, failed: int, total: int) -> None:
        """Commit progress on the loop and wait briefly for it."""
        fut = asyncio.run_coroutine_threadsafe(_set(transfer_id, completed=completed, failed=failed, total=total), loop)
        try:
            fut.result(30)
        except Exception:  # progress is best effort; the result is recorded at the end
            log.warning("progress update failed", exc_info=True)
    return report


async def ingest_bytes(data: bytes, *, source: str, institution_id: uuid.UUID, username: str) -> bool:
    """Validate, store durably and index one instance pulled from a node; False if it was refused."""
    app = _app()
    data = normalise_part10(data)
    try:
        parsed = await asyncio.to_thread(parse_instance, data)
    except InvalidDicom as exc:
        log.warning("retrieved object refused: %s", exc.en)
        return False
    file_hash, size = await asyncio.to_thread(app.state.dicom_store.put, data)
    await service.index_in_own_transaction(app.state.db, parsed, file_hash, size, source=source,
                                           institution_id=institution_id, username=username)
    return True


# --- handlers ------------------------------------------------------------------------------------


@handler("imaging.retrieve")
async def run_retrieve(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Retrieve a study (C-MOVE to our SCP, C-GET, or WADO-RS) and link it to the requesting patient."""
    app = _app()
    # Read in a short transaction of its own: on SQLite the job's session would otherwise hold the write
    # lock for the whole transfer while the SCP needs it to index what the PACS sends.
    async with app.state.db.transaction() as s:
        transfer = await s.get(Transfer, uuid.UUID(payload["transfer_id"]))
        node = await s.get(PacsNode, transfer.node_id) if transfer is not None else None
    if transfer is None:
        return
    if node is None:
        raise NodeNotFound()
    tid, our_ae, loop = transfer.id, app.state.settings.dicom_ae_title, asyncio.get_running_loop()
    source = f"PACS:{node.ae_title or node.name}"[:80]
    await _set(tid, status="running", error="")
    try:
        if transfer.method == "c-move":
            completed, failed = await asyncio.to_thread(pacs.move_study, node, our_ae, transfer.study_instance_uid,
                                                        _progress_from_thread(loop, tid))
        elif transfer.method == "c-get":
            def on_data(data: bytes) -> bool:
                """Ingest one C-GET sub-operation on the app's loop."""
                return asyncio.run_coroutine_threadsafe(ingest_bytes(
                    data, source=source, institution_id=node.institution_id, username=source), loop).result(120)
            completed, failed = await asyncio.to_thread(pacs.get_study, node, our_ae, transfer.study_instance_uid,
                                                        on_data, _progress_from_thread(loop, tid))
        else:
            parts = await pacs.wado_study(node, transfer.study_instance_uid)
            completed = failed = 0
            for data in parts:
                if await ingest_bytes(data, source=source, institution_id=node.institution_id, username=source):
                    completed += 1
                else:
                    failed += 1
                await _set(tid, completed=completed, failed=failed, total=len(parts))
    except (PacsUnavailable, OSError) as exc:
        await _set(tid, status="failed", error=getattr(exc, "en", str(exc))[:2000])
        raise
    transfer = await session.get(Transfer, tid, populate_existing=True)
    assert transfer is not None
    await _link_retrieved(session, transfer)
    transfer.status = "done" if failed == 0 else "failed"
    transfer.completed, transfer.failed = completed, failed
    transfer.total = max(transfer.total, completed + failed)
    transfer.error = f"{failed} instance(s) failed" if failed else ""
    audit.record(session, "imaging.pacs.retrieve.done", patient_id=transfer.patient_id, resource_type="ImagingStudy",
                 resource_id=transfer.study_instance_uid, username=f"job:{transfer.requested_by_id}",
                 detail={"completed": completed, "failed": failed, "method": transfer.method})


async def _link_retrieved(session: AsyncSession, transfer: Transfer) -> None:
    """A study retrieved for a patient belongs to that patient even if the remote PatientID differs."""
    study = await repository.study_by_uid(session, transfer.study_instance_uid)
    if study is None or transfer.patient_id is None or study.patient_id is not None:
        return
    study.patient_id = transfer.patient_id
    study.match_status = "matched"
    item = await repository.reconciliation_of_study(session, study.id)
    if item is not None and item.status == "open":
        item.status, item.resolved_at = "resolved", utcnow()
        item.resolved_by_id = transfer.requested_by_id
        item.note = f"retrieved for the patient by transfer {transfer.id}"


@handler("imaging.forward")
async def run_forward(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Forward a study to a node (C-STORE as stored, or STOW-RS)."""
    app = _app()
    async with app.state.db.transaction() as s:  # short read: never hold the SQLite write lock while sending
        transfer = await s.get(Transfer, uuid.UUID(payload["transfer_id"]))
        if transfer is None:
            return
        node = await s.get(PacsNode, transfer.node_id)
        study = await repository.study_by_uid(s, transfer.study_instance_uid)
        if node is None or study is None:
            raise NodeNotFound()
        rows = await repository.find_instances(s, Study.id == study.id, [], 100_000, 0)
    store = app.state.dicom_store
    tid, loop = transfer.id, asyncio.get_running_loop()
    await _set(tid, status="running", total=len(rows), error="")
    try:
        if transfer.method == "c-store":
            files = [(store.path_for(i.file_hash), i.sop_class_uid, i.transfer_syntax_uid) for i, _, _ in rows]
            ok, failed = await asyncio.to_thread(pacs.store_to_node, node, app.state.settings.dicom_ae_title, files,
                                                 _progress_from_thread(loop, tid))
        else:
            ok = failed = 0
            for start in range(0, len(rows), 20):
                datas = [await asyncio.to_thread(store.read, i.file_hash) for i, _, _ in rows[start:start + 20]]
                a, b = await pacs.stow_to_node(node, datas)
                ok, failed = ok + a, failed + b
                await _set(tid, completed=ok, failed=failed)
    except (PacsUnavailable, OSError) as exc:
        await _set(tid, status="failed", error=getattr(exc, "en", str(exc))[:2000])
        raise
    transfer = await session.get(Transfer, tid, populate_existing=True)
    assert transfer is not None
    transfer.status = "done" if failed == 0 else "failed"
    transfer.completed, transfer.failed, transfer.total = ok, failed, len(rows)
    audit.record(session, "imaging.forward", patient_id=study.patient_id, resource_type="ImagingStudy",
                 resource_id=study.study_instance_uid, username=f"job:{transfer.requested_by_id}",
                 detail={"node": str(node.id), "completed": ok, "failed": failed, "method": transfer.method})


__all__ = ["ReconciliationItem", "bind", "get_transfer", "query_node_for_patient", "request_forward",
           "request_retrieve"]
