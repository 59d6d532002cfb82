"""Imaging REST API for the web app under /api/v1/imaging; ``setup`` wires DICOMweb, the file store,
the body limit for STOW-RS and the DICOM SCP into the app."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response, status

from osteon.db import DbSession
from osteon.imaging import demo as imaging_demo
from osteon.imaging import orders_link, pacs, service, tasks
from osteon.imaging.dicomweb import router as dicomweb_router
from osteon.imaging.schemas import (
    DeviceCreate,
    DeviceRead,
    DeviceUpdate,
    ForwardRequest,
    ImagingRequestCreate,
    ImagingRequestRead,
    NodeCreate,
    NodeRead,
    ReconcileLink,
    ReconciliationRead,
    RemoteStudy,
    RetrieveRequest,
    StudyRead,
    TransferRead,
)
from osteon.imaging.storage import DicomStore
from osteon.kit import bodylimit
from osteon.kit.schemas import Page
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/api/v1/imaging", tags=["imaging"])
first_router = dicomweb_router  # a viewer fetches hundreds of frames a minute: tried before every other router (app.py)
imaging_demo.register()

STOW_BODY_LIMIT = 1024 * 1024 * 1024  # 1 GiB per STOW-RS request; larger uploads get 413 before being read


def _base(request: Request) -> str:
    """Base URL for the DICOMweb links handed to the viewer."""
    return str(request.base_url).rstrip("/")


# --- studies -------------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/studies", response_model=list[StudyRead])
async def patient_studies(patient_id: uuid.UUID, request: Request, actor: CurrentUser, session: DbSession
                          ) -> list[StudyRead]:
    """A patient's imaging studies with their WADO-RS URLs (for the study browser)."""
    studies = await service.studies_for_patient(session, actor, patient_id)
    return [service.to_read(s, _base(request)) for s in studies]


@router.get("/studies/{study_uid}", response_model=StudyRead)
async def get_study(study_uid: str, request: Request, actor: CurrentUser, session: DbSession) -> StudyRead:
    """One study (404 if missing or not yours to see)."""
    return service.to_read(await service.study_for_user(session, actor, study_uid), _base(request))


# --- imaging requests ---------------------------------------------------------------------------


@router.post("/requests", response_model=ImagingRequestRead, status_code=status.HTTP_201_CREATED)
async def create_request(body: ImagingRequestCreate, actor: CurrentUser, session: DbSession) -> ImagingRequestRead:
    """Order an imaging exam; it appears on the Modality Worklist of the patient's hospital."""
    return service.request_read(await service.create_imaging_request(session, actor, body))


@router.get("/patients/{patient_id}/requests", response_model=list[ImagingRequestRead])
async def patient_requests(patient_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> list[ImagingRequestRead]:
    """A patient's imaging requests."""
    return [service.request_read(r) for r in await service.requests_for_patient(session, actor, patient_id)]


@router.get("/requests/{request_id}", response_model=ImagingRequestRead)
async def get_request(request_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> ImagingRequestRead:
    """One imaging request."""
    return service.request_read(await service.get_request(session, actor, request_id))


# --- devices (config:write) ----------------------------------------------------------------------


@router.get("/devices", response_model=list[DeviceRead])
async def list_devices(actor: CurrentUser, session: DbSession) -> list[Any]:
    """DICOM devices (modalities, workstations) allowed to call Osteon's SCP."""
    return await service.list_devices(session, actor)


@router.post("/devices", response_model=DeviceRead, status_code=status.HTTP_201_CREATED)
async def create_device(body: DeviceCreate, actor: CurrentUser, session: DbSession) -> Any:
    """Register a device by AE title."""
    return await service.create_device(session, actor, body)


@router.patch("/devices/{device_id}", response_model=DeviceRead)
async def update_device(device_id: uuid.UUID, body: DeviceUpdate, actor: CurrentUser, session: DbSession) -> Any:
    """Change a device."""
    return await service.update_device(session, actor, device_id, body)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_device(device_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> Response:
    """Remove a device."""
    await service.delete_device(session, actor, device_id)
    return Response(status_code=204)


# --- reconciliation --------------------------------------------------------------------------------


@router.get("/reconciliation", response_model=Page[ReconciliationRead])
async def reconciliation(request: Request, actor: CurrentUser, session: DbSession,
                         limit: Annotated[int, Query(ge=1, le=200)] = 50,
                         offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Page[ReconciliationRead]:
    """Studies that arrived without a matching patient or order (待核对影像)."""
    rows, total = await service.reconciliation_list(session, actor, limit, offset)
    items = [ReconciliationRead(id=i.id, reason=i.reason, status=i.status, created_at=i.created_at, note=i.note,
                                study=service.to_read(s, _base(request))) for i, s in rows]
    return Page[ReconciliationRead](items=items, total=total, limit=limit, offset=offset)


@router.post("/reconciliation/{item_id}/link", response_model=ReconciliationRead)
async def reconcile_link(item_id: uuid.UUID, body: ReconcileLink, request: Request, actor: CurrentUser,
                         session: DbSession) -> ReconciliationRead:
    """Link an unmatched study to a patient (and order); audited."""
    item, study = await service.reconcile_link(session, actor, item_id, body.patient_id, body.accession_number,
                                               body.note)
    return ReconciliationRead(id=item.id, reason=item.reason, status=item.status, created_at=item.created_at,
                              note=item.note, study=service.to_read(study, _base(request)))


# --- PACS nodes ------------------------------------------------------------------------------------


@router.get("/nodes", response_model=list[NodeRead])
async def list_nodes(actor: CurrentUser, session: DbSession) -> list[Any]:
    """Remote PACS nodes of your hospital."""
    return await service.list_nodes(session, actor)


@router.post("/nodes", response_model=NodeRead, status_code=status.HTTP_201_CREATED)
async def create_node(body: NodeCreate, actor: CurrentUser, session: DbSession) -> Any:
    """Configure a remote PACS (DIMSE and/or DICOMweb)."""
    return await service.create_node(session, actor, body)


@router.delete("/nodes/{node_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_node(node_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> Response:
    """Disable a PACS node."""
    await service.delete_node(session, actor, node_id)
    return Response(status_code=204)


@router.post("/nodes/{node_id}/echo")
async def echo_node(node_id: uuid.UUID, request: Request, actor: CurrentUser, session: DbSession) -> dict[str, Any]:
    """Test the connection to a PACS node (C-ECHO and/or a QIDO-RS ping)."""
    node = await service.get_node(session, actor, node_id)
    return await pacs.echo(node, request.app.state.settings.dicom_ae_title)


@router.get("/nodes/{node_id}/studies", response_model=list[RemoteStudy])
async def query_node(node_id: uuid.UUID, patient_id: uuid.UUID, request: Request, actor: CurrentUser,
                     session: DbSession) -> list[RemoteStudy]:
    """Studies a PACS node holds for one of your patients (matched on the MRN)."""
    return await tasks.query_node_for_patient(session, actor, node_id, patient_id,
                                              request.app.state.settings.dicom_ae_title)


@router.post("/nodes/{node_id}/retrieve", response_model=TransferRead, status_code=status.HTTP_202_ACCEPTED)
async def retrieve(node_id: uuid.UUID, body: RetrieveRequest, actor: CurrentUser, session: DbSession) -> Any:
    """Bring a study from a PACS node into Osteon (a durable job; poll the transfer for progress)."""
    return await tasks.request_retrieve(session, actor, node_id, body)


@router.post("/nodes/{node_id}/forward", response_model=TransferRead, status_code=status.HTTP_202_ACCEPTED)
async def forward(node_id: uuid.UUID, body: ForwardRequest, actor: CurrentUser, session: DbSession) -> Any:
    """Send a study to a PACS node (a durable job)."""
    return await tasks.request_forward(session, actor, node_id, body)


@router.get("/patients/{patient_id}/transfers", response_model=list[TransferRead])
async def patient_transfers(patient_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> list[Any]:
    """Retrievals and forwardings of a patient's studies, newest first, with progress."""
    return await tasks.transfers_for_patient(session, actor, patient_id)


@router.get("/transfers/{transfer_id}", response_model=TransferRead)
async def get_transfer(transfer_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> Any:
    """Progress of a retrieval or forwarding."""
    return await tasks.get_transfer(session, actor, transfer_id)


# --- app wiring ------------------------------------------------------------------------------------


def setup(app: FastAPI) -> None:
    """Prepare the file store, raise the STOW body limit and run the SCP with the app (DICOMweb's routes are
    ``first_router``)."""
    settings = app.state.settings
    app.state.dicom_store = DicomStore(settings.data_dir / "dicom")
    app.state.dicom_server = None
    bodylimit.allow(app, r"/dicomweb(/.*)?", STOW_BODY_LIMIT)
    tasks.bind(app)

    async def start(app_: FastAPI) -> None:
        """Start the SCP when a DICOM port is configured."""
        if settings.dicom_port:
            from osteon.imaging.scp import start_scp

            await start_scp(app_, settings.dicom_port)

    async def stop(app_: FastAPI) -> None:
        """Stop the SCP."""
        from osteon.imaging.scp import stop_scp

        await stop_scp(app_)

    app.state.component_starts.append(start)
    app.state.component_stops.append(stop)
    # Imaging orders of the orders domain become worklist requests (event listener + sweep; see orders_link).
    app.state.component_starts.append(orders_link.start)
    app.state.component_stops.append(orders_link.stop)
