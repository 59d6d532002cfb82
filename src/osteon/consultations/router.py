"""Remote consultation API (会诊): request, triage, schedule, room join, chat with attachments, signed report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from osteon.consultations import jobs as _jobs  # noqa: F401  (registers the reminder job handlers)
from osteon.consultations import service
from osteon.consultations.exceptions import AttachmentTooLarge
from osteon.consultations.schemas import (
    AcceptIn,
    AssignIn,
    CancelIn,
    ConfirmIn,
    ConsultationCreate,
    ConsultationRead,
    ConsultationSummary,
    DeclineIn,
    ExpertRead,
    MessageIn,
    MessageRead,
    NoteIn,
    ParticipantIn,
    ParticipantRead,
    ProposeIn,
    ReportIn,
    ReportRead,
    RoomJoinRead,
    SignIn,
    Status,
)
from osteon.db import DbSession
from osteon.kit import bodylimit
from osteon.kit.errors import BadRequest
from osteon.kit.schemas import Page
from osteon.security.deps import CurrentUser

PREFIX = "/api/v1/consultations"
router = APIRouter(prefix=PREFIX, tags=["consultations"])
NO_STORE = {"Cache-Control": "no-store"}
MESSAGE_BODY_LIMIT = service.MAX_ATTACHMENT_BYTES + 256 * 1024  # the file plus multipart framing and the text


def _files_dir(request: Request):
    """Where chat attachments are stored."""
    return request.app.state.settings.data_dir / "consultations"


@router.post("", response_model=ConsultationRead, status_code=status.HTTP_201_CREATED)
async def create_consultation(data: ConsultationCreate, actor: CurrentUser, session: DbSession, response: Response) -> Any:
    """Request a consultation for a patient you care for; the patient's consent is recorded first."""
    response.headers.update(NO_STORE)
    return await service.view(session, actor, await service.do_create(session, actor, data))


@router.get("", response_model=Page[ConsultationSummary])
async def list_consultations(
    actor: CurrentUser, session: DbSession, response: Response,
    role: Literal["requested", "assigned", "pool"] | None = None,
    status_: Annotated[str | None, Query(alias="status", max_length=200, pattern=r"^[a-z_,]+$")] = None,
    patient_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Consultations I requested, that are assigned to me, or in my institution's pool; filter by status or patient."""
    response.headers.update(NO_STORE)
    statuses = [s for s in (status_ or "").split(",") if s]
    unknown = [s for s in statuses if s not in Status.__members__.values()]
    if unknown:
        raise BadRequest(f"未知的会诊状态:{','.join(unknown)[:100]}", f"Unknown consultation status: {','.join(unknown)[:100]}",
                         code_override="consultations.unknown_status")
    items, total = await service.list_for(session, actor, role=role, statuses=statuses, patient_id=patient_id,
                                          limit=limit, offset=offset)
    return Page[ConsultationSummary](items=items, total=total, limit=limit, offset=offset)


@router.get("/experts", response_model=list[ExpertRead])
async def list_experts(actor: CurrentUser, session: DbSession, institution_id: uuid.UUID,
                       department: Annotated[str | None, Query(max_length=32, pattern=r"^[A-Z_]+$")] = None) -> Any:
    """Experts and department heads of an institution who can answer a consultation (for the request form)."""
    return await service.experts_for(session, actor, institution_id, department)


@router.get("/{consultation_id}", response_model=ConsultationRead)
async def get_consultation(consultation_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> Any:
    """A consultation with status history, SLA, shared items, participants and report."""
    response.headers.update(NO_STORE)
    return await service.get_detail(session, actor, consultation_id)


@router.post("/{consultation_id}/assign", response_model=ConsultationRead)
async def assign(consultation_id: uuid.UUID, data: AssignIn, actor: CurrentUser, session: DbSession) -> Any:
    """Triage: the target institution's department head assigns an expert."""
    return await service.view(session, actor, await service.do_assign(session, actor, consultation_id, data))


@router.post("/{consultation_id}/accept", response_model=ConsultationRead)
async def accept(consultation_id: uuid.UUID, data: AcceptIn, actor: CurrentUser, session: DbSession) -> Any:
    """The assigned expert accepts with a time; they get time-limited access to the shared data."""
    return await service.view(session, actor, await service.do_accept(session, actor, consultation_id, data))


@router.post("/{consultation_id}/decline", response_model=ConsultationRead)
async def decline(consultation_id: uuid.UUID, data: DeclineIn, actor: CurrentUser, session: DbSession) -> Any:
    """The assigned expert declines, giving a reason."""
    return await service.view(session, actor, await service.do_decline(session, actor, consultation_id, data))


@router.post("/{consultation_id}/propose", response_model=ConsultationRead)
async def propose(consultation_id: uuid.UUID, data: ProposeIn, actor: CurrentUser, session: DbSession) -> Any:
    """The assigned expert proposes times for the requester to confirm."""
    return await service.view(session, actor, await service.do_propose(session, actor, consultation_id, data))


@router.post("/{consultation_id}/confirm", response_model=ConsultationRead)
async def confirm(consultation_id: uuid.UUID, data: ConfirmIn, actor: CurrentUser, session: DbSession) -> Any:
    """The requesting side confirms one of the proposed times."""
    return await service.view(session, actor, await service.do_confirm(session, actor, consultation_id, data))


@router.post("/{consultation_id}/start", response_model=ConsultationRead)
async def start(consultation_id: uuid.UUID, actor: CurrentUser, session: DbSession, data: NoteIn | None = None) -> Any:
    """Open the session."""
    c = await service.do_start(session, actor, consultation_id, data.note if data else "")
    return await service.view(session, actor, c)


@router.post("/{consultation_id}/close", response_model=ConsultationRead)
async def close(consultation_id: uuid.UUID, actor: CurrentUser, session: DbSession, data: NoteIn | None = None) -> Any:
    """Close after the signed report; every access grant of the consultation ends."""
    c = await service.do_close(session, actor, consultation_id, data.note if data else "")
    return await service.view(session, actor, c)


@router.post("/{consultation_id}/cancel", response_model=ConsultationRead)
async def cancel(consultation_id: uuid.UUID, data: CancelIn, actor: CurrentUser, session: DbSession) -> Any:
    """The requesting side cancels before the report, giving a reason; access grants end."""
    return await service.view(session, actor, await service.do_cancel(session, actor, consultation_id, data))


@router.put("/{consultation_id}/report", response_model=ReportRead)
async def save_report(consultation_id: uuid.UUID, data: ReportIn, actor: CurrentUser, session: DbSession, response: Response) -> Any:
    """Save the expert's report draft (send the version you read; 409 if it changed)."""
    response.headers.update(NO_STORE)
    return await service.do_save_report(session, actor, consultation_id, data)


@router.post("/{consultation_id}/report/sign", response_model=ReportRead)
async def sign_report(consultation_id: uuid.UUID, data: SignIn, actor: CurrentUser, session: DbSession, response: Response) -> Any:
    """The assigned expert signs the report; it never changes afterwards and returns to the patient's record."""
    response.headers.update(NO_STORE)
    return await service.do_sign_report(session, actor, consultation_id, data)


@router.get("/{consultation_id}/invitable", response_model=list[ExpertRead])
async def list_invitable(consultation_id: uuid.UUID, institution_id: uuid.UUID, actor: CurrentUser,
                         session: DbSession) -> Any:
    """Who can be invited into this consultation's room (for the picker): clinical staff of an institution, and the patient's own account."""
    return await service.invitable(session, actor, consultation_id, institution_id)


@router.post("/{consultation_id}/participants", response_model=ParticipantRead, status_code=status.HTTP_201_CREATED)
async def invite(consultation_id: uuid.UUID, data: ParticipantIn, actor: CurrentUser, session: DbSession) -> Any:
    """Invite a colleague or the patient into the room (colleagues get the same time-limited access)."""
    p = await service.do_invite(session, actor, consultation_id, data)
    detail = await service.view(session, actor, await service.repository.get(session, consultation_id))  # type: ignore[arg-type]
    return next(x for x in detail.participants if x.user_id == p.user_id)


@router.post("/{consultation_id}/room/join", response_model=RoomJoinRead)
async def join_room(consultation_id: uuid.UUID, request: Request, actor: CurrentUser, session: DbSession) -> Any:
    """Enter the room: the topic to subscribe to, my seat, and the media configuration (audited)."""
    return await service.do_join(session, actor, consultation_id, request.app.state.settings)


@router.get("/{consultation_id}/messages", response_model=list[MessageRead])
async def list_messages(consultation_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
                        limit: Annotated[int, Query(ge=1, le=200)] = 50, before: datetime | None = None) -> Any:
    """Chat history of the room (oldest first), for room members."""
    response.headers.update(NO_STORE)
    return await service.list_messages(session, actor, consultation_id, limit, before)


_MESSAGE_BODY_DOC = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": MessageIn.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "body": {"type": "string", "maxLength": 4000},
            "file": {"type": "string", "format": "binary", "description": "one attachment, at most 20 MB"}}}},
    }},
}


@router.post("/{consultation_id}/messages", response_model=MessageRead, status_code=status.HTTP_201_CREATED,
             openapi_extra=_MESSAGE_BODY_DOC)
async def post_message(consultation_id: uuid.UUID, request: Request, actor: CurrentUser, session: DbSession) -> Any:
    """Post a chat message: JSON text, or multipart with text and one attachment (≤ 20 MB; larger → 413)."""
    ctype = request.headers.get("content-type", "").lower()
    upload = None
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=4)
            text, file = form.get("body") or "", form.get("file")
            if isinstance(text, UploadFile) or (file is not None and not isinstance(file, UploadFile)):
                raise BadRequest("表单格式不正确:文字放在 body,附件放在 file", "Malformed form: text goes in 'body', the file in 'file'",
                                 code_override="consultations.bad_form")
            body = MessageIn(body=text).body if str(text).strip() else ""
            if file is not None:
                upload = file
        elif ctype.startswith("application/json"):
            body = MessageIn.model_validate_json(await request.body()).body
        else:
            raise BadRequest("请以 JSON 或 multipart/form-data 发送消息", "Send the message as JSON or multipart/form-data",
                             code_override="consultations.bad_content_type")
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    file = (upload.file, upload.filename, upload.content_type) if upload is not None else None
    return await service.do_post_message(session, actor, consultation_id, body, file, _files_dir(request))


@router.get("/{consultation_id}/attachments/{attachment_id}", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The attachment's bytes"}})
async def get_attachment(consultation_id: uuid.UUID, attachment_id: uuid.UUID, request: Request, actor: CurrentUser,
                         session: DbSession) -> Any:
    """Download a chat attachment (room members only)."""
    a, path, inline = await service.get_attachment(session, actor, consultation_id, attachment_id, _files_dir(request))
    return FileResponse(path, media_type=a.content_type, filename=a.filename,
                        content_disposition_type="inline" if inline else "attachment", headers=NO_STORE)


# --- body limits ---------------------------------------------------------------------------------------


def setup(app: FastAPI) -> None:
    """A chat message may carry a 20 MB attachment (the app-wide limit is 2 MB); refused over it with a
    message that names the 20 MB limit."""
    bodylimit.allow(app, rf"{PREFIX}/[0-9a-fA-F-]{{36}}/messages/?", MESSAGE_BODY_LIMIT, AttachmentTooLarge)


# The room topic consult:<id> on /ws (part B) is registered when this router is imported at app start.
from osteon.consultations import room as _room  # noqa: F401
