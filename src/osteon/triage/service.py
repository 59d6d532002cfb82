"""Triage rules around the offline engine: assessment, persisted interviews, claiming, linking, summaries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.kit.errors import NotFound, OsteonError
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.triage import permissions as perms
from osteon.triage import repository as repo
from osteon.triage.config import TriageSettings
from osteon.triage.engine import assess
from osteon.triage.exceptions import (
    InterviewClaimed,
    InterviewFinished,
    InterviewNotFound,
    SummaryNotFound,
    WrongPatient,
)
from osteon.triage.interview import Interview
from osteon.triage.knowledge import load_knowledge
from osteon.triage.llm import assess_with_llm, describe
from osteon.triage.models import TriageInterview
from osteon.triage.rules import rank
from osteon.triage.schemas import AnswerCreate, AssessRequest, InterviewCreate, SummaryRead

TOKEN_HEADER = "X-Interview-Token"
BOOKABLE_DAYS = 7
MAX_SESSIONS = 5


# --- assessment --------------------------------------------------------------------------------------


async def assess_text(data: AssessRequest, settings: TriageSettings) -> dict[str, Any]:
    """Triage one text: offline engine, or engine + LLM when configured (the LLM can only add, never lower)."""
    client = settings.llm_client()
    if client is None:
        out = assess(data.text, age=data.age, sex=data.sex).to_dict()
        out["backend"] = "rules"
        return out

    def _run() -> dict[str, Any]:
        """The LLM client is synchronous (httpx with a hard timeout): run it off the event loop."""
        try:
            result = assess_with_llm(data.text, client, age=data.age, sex=data.sex)
        finally:
            client.close()
        llm_used = any(e.get("type") == "llm" for e in result.evidence)
        return describe(result) if llm_used else {**result.to_dict(), "backend": "rules"}

    return await asyncio.to_thread(_run)


# --- tokens and access -------------------------------------------------------------------------------


def _hash(token: str) -> str:
    """Interviews are stored by token hash, never by token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _holds_token(row: TriageInterview, token: str | None) -> bool:
    """True when the caller sent this interview's resume token."""
    return bool(token) and hmac.compare_digest(row.token_hash, _hash(token or ""))


def _is_owner(row: TriageInterview, actor: Actor | None) -> bool:
    """The logged-in user who started it, or the patient it belongs to."""
    if actor is None:
        return False
    return (row.user_id is not None and row.user_id == actor.user_id) or (
        row.patient_id is not None and actor.patient_id is not None and row.patient_id == actor.patient_id
    )


async def check_continuable(session: AsyncSession, actor: Actor | None, token: str | None,
                            interview_id: uuid.UUID, *, lock: bool = False) -> TriageInterview:
    """An interview the caller may continue (token holder or owner); otherwise 404."""
    row = await repo.get(session, interview_id, lock=lock)
    if row is None or not (_holds_token(row, token) or _is_owner(row, actor)):
        raise InterviewNotFound()
    return row


async def check_readable(session: AsyncSession, actor: Actor | None, token: str | None,
                         interview_id: uuid.UUID) -> TriageInterview:
    """An interview the caller may read: token holder, owner, or staff who may see its patient (audited)."""
    row = await repo.get(session, interview_id)
    if row is None:
        raise InterviewNotFound()
    if _holds_token(row, token) or _is_owner(row, actor):
        return row
    if actor is not None and row.patient_id is not None and perms.can(actor, "triage:read"):
        await patients.get_for(session, actor, row.patient_id, action="triage.interview.patient_read")
        audit.record(session, "triage.interview.read", patient_id=row.patient_id, resource_type="TriageInterview",
                     resource_id=row.id)
        return row
    raise InterviewNotFound()


# --- interview ---------------------------------------------------------------------------------------


def _department_name(code: str) -> dict[str, str]:
    """zh/en name of a triage department code."""
    return dict(load_knowledge().departments.get(code) or {"zh": code, "en": code})


def _bubble(role: str, zh: str, en: str, qid: str | None = None) -> dict[str, Any]:
    """One chat bubble."""
    return {"role": role, "text_zh": zh, "text_en": en, "qid": qid}


def _record_turn(row: TriageInterview, iv: Interview, patient_text: str | None, message: dict[str, str] | None) -> None:
    """Append the patient's words, the assistant's reply and the next question to the transcript; keep the
    result sticky: urgency only ever rises and red flags only accumulate within an interview."""
    transcript = list(row.transcript or [])
    if patient_text is not None:
        transcript.append(_bubble("patient", patient_text, patient_text))
    # a bare "好的。" after every answer only lengthens the chat for elderly users: show real messages only
    if message and (message.get("zh") or message.get("en")) and message.get("zh") != "好的。":
        transcript.append(_bubble("assistant", message.get("zh", ""), message.get("en", "")))
    q = iv.next_question()
    if q is not None:
        transcript.append(_bubble("assistant", q["text_zh"], q["text_en"], q["id"]))
    row.transcript = transcript
    row.state = iv.to_state()
    res = iv.assessment()
    if rank(res.urgency) >= rank(row.urgency):
        row.urgency = res.urgency
        row.department = res.department
    elif row.urgency == "emergency":
        row.department = "emergency"
    row.red_flags = list(dict.fromkeys([*(row.red_flags or []), *res.red_flags]))
    row.done = iv.done
    if iv.done:
        row.summary = _summary(iv, row)
        row.finished_at = row.finished_at or utcnow()
    row.version += 1


def _summary(iv: Interview, row: TriageInterview) -> dict[str, Any]:
    """The engine's summary with the interview's sticky urgency and red flags."""
    s = iv.summary().to_dict()
    if rank(row.urgency) > rank(s["urgency"]):
        s["urgency"] = row.urgency
        s["department"] = row.department
    s["red_flags"] = list(dict.fromkeys([*s["red_flags"], *(row.red_flags or [])]))
    return s


async def _patient_facts(session: AsyncSession, actor: Actor | None, data: InterviewCreate) -> tuple[float | None, str | None]:
    """Age and sex: as given, else from a logged-in patient's own record."""
    age, sex = data.age, data.sex
    if actor is not None and perms.is_patient(actor) and (age is None or sex is None):
        p = await patients.get_self(session, actor)
        if age is None:
            years = patients.age_on(p.birth_date, utcnow().date())
            age = float(years) if years is not None else None
        if sex is None and p.sex in ("male", "female"):
            sex = p.sex
    return age, sex


async def start_interview(session: AsyncSession, actor: Actor | None, data: InterviewCreate) -> tuple[TriageInterview, str, dict[str, str] | None]:
    """Start an interview (before or after login); returns the row, its resume token and the first reply."""
    age, sex = await _patient_facts(session, actor, data)
    token = secrets.token_urlsafe(32)
    iv = Interview.start(None, age=age, sex=sex, lang=data.lang)
    row = TriageInterview(token_hash=_hash(token), lang=data.lang, state=iv.to_state(), transcript=[],
                          red_flags=[], department="other", urgency="routine", done=False, version=0)
    if actor is not None:
        row.user_id = actor.user_id
        row.patient_id = actor.patient_id if perms.is_patient(actor) else None
    message = None
    if data.complaint:
        # the opening question is "what is wrong?": the typed complaint answers it
        q = iv.next_question()
        if q is not None:
            row.transcript = [_bubble("assistant", q["text_zh"], q["text_en"], q["id"])]
        message = iv.answer(data.complaint).message
        _record_turn(row, iv, data.complaint, message)
    else:
        _record_turn(row, iv, None, None)
    await repo.add(session, row)
    if row.patient_id is not None:
        audit.record(session, "triage.interview.start", patient_id=row.patient_id, resource_type="TriageInterview",
                     resource_id=row.id)
    return row, token, message


async def do_answer(session: AsyncSession, actor: Actor | None, token: str | None, interview_id: uuid.UUID,
                    data: AnswerCreate) -> tuple[TriageInterview, dict[str, str]]:
    """Take one reply (free text or quick reply; corrections and 不知道 are the engine's) and move on."""
    row = await check_continuable(session, actor, token, interview_id, lock=True)
    if row.done:
        raise InterviewFinished()
    iv = Interview.from_state(row.state)
    turn = iv.answer(data.text)
    _record_turn(row, iv, data.text, turn.message)
    await session.flush()
    if row.patient_id is not None:
        audit.record(session, "triage.interview.answer", patient_id=row.patient_id, resource_type="TriageInterview",
                     resource_id=row.id)
    return row, turn.message


async def do_claim(session: AsyncSession, actor: Actor, token: str | None, interview_id: uuid.UUID) -> TriageInterview:
    """A logged-in patient attaches an interview they hold the token of (started before login) to themself."""
    if not perms.is_patient(actor):
        raise InterviewNotFound()
    row = await check_continuable(session, actor, token, interview_id, lock=True)
    if row.patient_id is not None and row.patient_id != actor.patient_id:
        raise InterviewClaimed()
    row.patient_id, row.user_id = actor.patient_id, actor.user_id
    await session.flush()
    audit.record(session, "triage.interview.claim", patient_id=row.patient_id, resource_type="TriageInterview",
                 resource_id=row.id)
    return row


async def do_link(session: AsyncSession, actor: Actor, token: str | None, interview_id: uuid.UUID,
                  appointment_id: uuid.UUID) -> TriageInterview:
    """Attach the interview (and its summary, finished or not) to an appointment the actor may see."""
    # imported here: scheduling is optional for triage; get_appointment is its public read (own / institution's)
    from osteon.scheduling import service as scheduling

    if perms.is_patient(actor) or not perms.can(actor, "triage:link"):
        row = await check_continuable(session, actor, token, interview_id, lock=True)
    else:
        row = await repo.get(session, interview_id, lock=True)
        if row is None or not (_holds_token(row, token) or _is_owner(row, actor) or row.patient_id is not None):
            raise InterviewNotFound()
    appt = await scheduling.get_appointment(session, actor, appointment_id)
    if row.patient_id is not None and row.patient_id != appt.patient_id:
        raise WrongPatient()
    if not perms.is_patient(actor):
        await patients.get_for(session, actor, appt.patient_id, action="triage.link.patient_read")
    row.patient_id = appt.patient_id
    row.appointment_id = appt.id
    if row.summary is None:
        row.summary = _summary(Interview.from_state(row.state), row)
    row.version += 1
    await session.flush()
    audit.record(session, "triage.interview.link", patient_id=row.patient_id, resource_type="TriageInterview",
                 resource_id=row.id, detail={"appointment_id": str(appt.id)})
    return row


# --- reading -----------------------------------------------------------------------------------------


async def bookable_sessions(session: AsyncSession, actor: Actor | None, department: str) -> list[dict[str, Any]]:
    """The next few clinic sessions with places left in departments whose subspecialty is ``department``.

    Only for a logged-in user (the scheduling search needs an actor and an institution); anonymous callers
    get the booking link only.
    """
    if actor is None:
        return []
    from osteon.scheduling import service as scheduling

    today = scheduling.local_today(None)
    out: list[dict[str, Any]] = []
    try:
        for dep in await repo.departments_for(session, actor.institution_id, department):
            out += await scheduling.search_sessions(session, actor, institution_id=actor.institution_id,
                                                    department_id=dep.id, doctor_id=None, date_from=today,
                                                    date_to=today + timedelta(days=BOOKABLE_DAYS))
    except OsteonError:
        return []  # not allowed to search (e.g. a technician): the link still works
    now = utcnow()
    rows = sorted((r for r in out if r.get("available", 0) > 0 and r["ends_at"] > now), key=lambda r: r["starts_at"])
    return [{"session_id": r["id"], "department_id": r["department_id"], "department_name": r.get("department_name"),
             "doctor_name": r.get("doctor_name"), "doctor_title": r.get("doctor_title"),
             "session_date": r["session_date"], "period": r["period"], "starts_at": r["starts_at"],
             "available": r["available"]} for r in rows[:MAX_SESSIONS]]


async def booking_for(session: AsyncSession, actor: Actor | None, row: TriageInterview) -> dict[str, Any] | None:
    """Recommendation → booking: the department, a portal link and bookable sessions (not for emergencies)."""
    if not row.done or row.urgency == "emergency" or row.department in ("emergency", "other"):
        return None
    return {"department": row.department, "department_name": _department_name(row.department),
            "link": f"/m/book?department={row.department}",
            "sessions": await bookable_sessions(session, actor, row.department)}


async def to_read(session: AsyncSession, actor: Actor | None, row: TriageInterview, *, token: str | None = None,
                  message: dict[str, str] | None = None) -> dict[str, Any]:
    """The chat page's view of an interview."""
    iv = Interview.from_state(row.state)
    res = iv.assessment()
    instruction = res.instruction
    if row.urgency == "emergency" and res.urgency != "emergency":
        instruction = {"zh": "请立即到急诊就诊。", "en": "Go to the emergency department now."}
    return {
        "id": row.id, "token": token, "lang": row.lang, "done": row.done,
        "stop_reason": row.state.get("stop_reason"), "question": iv.next_question(), "message": message,
        "transcript": row.transcript or [], "department": row.department,
        "department_name": _department_name(row.department), "urgency": row.urgency,
        "red_flags": row.red_flags or [], "instruction": instruction, "summary": row.summary,
        "booking": await booking_for(session, actor, row), "claimed": row.patient_id is not None,
        "appointment_id": row.appointment_id, "created_at": row.created_at, "finished_at": row.finished_at,
    }


async def list_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> list[TriageInterview]:
    """A patient's interviews: for staff who may see the patient (audited), or the patient themself."""
    if not (perms.can(actor, "triage:read") or actor.patient_id == patient_id):
        raise InterviewNotFound()
    await patients.get_for(session, actor, patient_id, action="triage.interview.list")
    return await repo.list_for_patient(session, patient_id)


def list_item(row: TriageInterview) -> dict[str, Any]:
    """A row of the staff list."""
    cc = (row.summary or {}).get("chief_complaint", {}).get("text")
    return {"id": row.id, "patient_id": row.patient_id, "appointment_id": row.appointment_id, "done": row.done,
            "department": row.department, "urgency": row.urgency, "red_flags": row.red_flags or [],
            "chief_complaint": cc, "created_at": row.created_at, "finished_at": row.finished_at}


async def _summary_row_for(session: AsyncSession, actor: Actor, row: TriageInterview | None) -> TriageInterview:
    """Authorise a summary read (staff with triage:read who may see the patient, or the patient), audited."""
    if row is None or row.patient_id is None or row.summary is None:
        raise SummaryNotFound()
    if not (perms.can(actor, "triage:read") or actor.patient_id == row.patient_id):
        raise SummaryNotFound()
    await patients.get_for(session, actor, row.patient_id, action="triage.summary.patient_read")
    audit.record(session, "triage.summary.read", patient_id=row.patient_id, resource_type="TriageInterview",
                 resource_id=row.id, detail={"appointment_id": str(row.appointment_id) if row.appointment_id else None})
    return row


def summary_read(row: TriageInterview) -> dict[str, Any]:
    """The doctor's view of one summary."""
    assert row.summary is not None
    return {"interview_id": row.id, "patient_id": row.patient_id, "appointment_id": row.appointment_id,
            "complete": row.done, "created_at": row.created_at, "finished_at": row.finished_at,
            "department_name": _department_name(row.summary.get("department", row.department)), "summary": row.summary}


async def get_summary_for_appointment(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID) -> TriageInterview:
    """The interview attached to an appointment, for the doctor; 404 when none or not visible."""
    return await _summary_row_for(session, actor, await repo.latest_for_appointment(session, appointment_id))


# --- for the encounter module (prefill 主诉 / 现病史) ------------------------------------------------


def encounter_prefill(read: dict[str, Any]) -> dict[str, Any]:
    """JSON for ``Encounter.triage_summary``: flat 主诉/现病史 strings for pre-filling, the structured summary
    (sentences with the patient's quotes, for TriageSummaryCard) and where it came from."""
    data = SummaryRead.model_validate(read).model_dump(mode="json")
    s = data["summary"]
    return {
        "source": "osteon.triage",
        "interview_id": data["interview_id"],
        "appointment_id": data["appointment_id"],
        "complete": data["complete"],
        "finished_at": data["finished_at"],
        "chief_complaint": s["chief_complaint"]["text"],
        "hpi": s["hpi_text"],
        "department": s["department"],
        "department_name": data["department_name"],
        "urgency": s["urgency"],
        "red_flags": s["red_flags"],
        "summary": s,
    }


async def summary_for_appointment(session: AsyncSession, actor: Actor, appointment_id: uuid.UUID) -> dict[str, Any] | None:
    """The appointment's pre-visit summary as ``encounter_prefill`` JSON, or None; authorised and audited."""
    try:
        row = await get_summary_for_appointment(session, actor, appointment_id)
    except NotFound:
        return None
    return encounter_prefill(summary_read(row))


async def latest_summary_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> dict[str, Any] | None:
    """The patient's most recent finished interview as ``encounter_prefill`` JSON, or None; authorised, audited."""
    try:
        row = await _summary_row_for(session, actor, await repo.latest_finished_for_patient(session, patient_id))
    except NotFound:
        return None
    return encounter_prefill(summary_read(row))
