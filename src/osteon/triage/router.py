"""Triage API: public assessment, the pre-visit interview (works before login), and the doctor's summary."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, status

from osteon.db import DbSession
from osteon.kit.errors import Unauthorized
from osteon.security.deps import SESSION_COOKIE, Actor, CurrentUser, authenticate
from osteon.triage import service
from osteon.triage.config import TriageSettings, triage_settings
from osteon.triage.exceptions import BodyTooLarge
from osteon.triage.schemas import (
    AnswerCreate,
    AssessRequest,
    AssessResult,
    InterviewCreate,
    InterviewListItem,
    InterviewRead,
    LinkRequest,
    SummaryRead,
)

MAX_BODY = 2048

router = APIRouter(prefix="/api/v1/triage", tags=["triage"])


async def small_body(request: Request) -> None:
    """Refuse bodies over 2 kB (a complaint is a few sentences) before parsing them."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY or len(await request.body()) > MAX_BODY:
        raise BodyTooLarge()


async def optional_actor(request: Request, session: DbSession) -> Actor | None:
    """The logged-in user if any; the interview works before login, so no credentials = anonymous."""
    has_bearer = request.headers.get("authorization", "")[:7].lower() == "bearer "
    if not has_bearer and not request.cookies.get(SESSION_COOKIE):
        return None
    try:
        return await authenticate(request, session)
    except Unauthorized:
        return None  # an expired session must not break the public chat: continue anonymously


MaybeUser = Annotated[Actor | None, Depends(optional_actor)]
InterviewToken = Annotated[str | None, Header(alias="X-Interview-Token", description="The resume token from start")]
Settings = Annotated[TriageSettings, Depends(triage_settings)]


@router.post("/assess", response_model=AssessResult, dependencies=[Depends(small_body)])
async def assess(body: AssessRequest, settings: Settings) -> dict[str, Any]:
    """Triage a free-text complaint (any dialect or English): department, urgency, red flags, evidence. Public."""
    return await service.assess_text(body, settings)


@router.post("/interviews", response_model=InterviewRead, status_code=status.HTTP_201_CREATED,
             dependencies=[Depends(small_body)])
async def start_interview(body: InterviewCreate, actor: MaybeUser, session: DbSession) -> dict[str, Any]:
    """Start a pre-visit interview (before or after login); the response carries the resume token once."""
    row, token, message = await service.start_interview(session, actor, body)
    return await service.to_read(session, actor, row, token=token, message=message)


@router.post("/interviews/{interview_id}/answers", response_model=InterviewRead, dependencies=[Depends(small_body)])
async def answer_interview(interview_id: uuid.UUID, body: AnswerCreate, actor: MaybeUser, session: DbSession,
                           token: InterviewToken = None) -> dict[str, Any]:
    """Answer the current question (free text or a quick-reply value); needs the token or the owner's login."""
    row, message = await service.do_answer(session, actor, token, interview_id, body)
    return await service.to_read(session, actor, row, message=message)


@router.get("/interviews/{interview_id}", response_model=InterviewRead)
async def get_interview(interview_id: uuid.UUID, actor: MaybeUser, session: DbSession,
                        token: InterviewToken = None) -> dict[str, Any]:
    """Resume an interview: transcript, current question and the result so far."""
    row = await service.check_readable(session, actor, token, interview_id)
    return await service.to_read(session, actor, row)


@router.post("/interviews/{interview_id}/claim", response_model=InterviewRead)
async def claim_interview(interview_id: uuid.UUID, actor: CurrentUser, session: DbSession,
                          token: InterviewToken = None) -> dict[str, Any]:
    """A logged-in patient keeps an interview started before login (needs its token)."""
    row = await service.do_claim(session, actor, token, interview_id)
    return await service.to_read(session, actor, row)


@router.post("/interviews/{interview_id}/link", response_model=InterviewRead)
async def link_interview(interview_id: uuid.UUID, body: LinkRequest, actor: CurrentUser, session: DbSession,
                         token: InterviewToken = None) -> dict[str, Any]:
    """Attach the interview's summary to an appointment (the patient's own, or by staff at the desk)."""
    row = await service.do_link(session, actor, token, interview_id, body.appointment_id)
    return await service.to_read(session, actor, row)


@router.get("/interviews", response_model=list[InterviewListItem])
async def list_interviews(patient_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> list[dict[str, Any]]:
    """A patient's interviews, newest first (staff who may see the patient; audited)."""
    return [service.list_item(r) for r in await service.list_for_patient(session, actor, patient_id)]


@router.get("/summary", response_model=SummaryRead)
async def get_summary(appointment_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> dict[str, Any]:
    """The doctor's pre-visit summary for an appointment: 主诉, 现病史, positives/negatives, red flags, quotes."""
    return service.summary_read(await service.get_summary_for_appointment(session, actor, appointment_id))
