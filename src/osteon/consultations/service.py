"""Consultation rules: who may see and do what, the status machine with its history, SLA, grants, room
membership, chat with attachments, and the signed report.

``check_*`` functions decide access; ``do_*`` change state. Services flush, never commit; notifications,
jobs and realtime events leave only after the request's commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon import jobs
from osteon.consultations import permissions as perms
from osteon.consultations import repository
from osteon.consultations.exceptions import (
    AttachmentNotFound,
    AttachmentTooLarge,
    ConsultationNotFound,
    IllegalTransition,
    InvalidExpert,
    InvalidParticipant,
    InvalidShare,
    ReportIncomplete,
    ReportSigned,
)
from osteon.consultations.models import (
    Attachment,
    Consultation,
    ConsultationConsent,
    ConsultationEvent,
    ConsultationReport,
    Message,
    Participant,
    SharedItem,
)
from osteon.consultations.schemas import (
    AcceptIn,
    AssignIn,
    AttachmentRead,
    CancelIn,
    ConfirmIn,
    ConsentRead,
    ConsultationCreate,
    ConsultationRead,
    ConsultationSummary,
    DeclineIn,
    EventRead,
    GrantRead,
    MessageRead,
    ParticipantIn,
    ParticipantRead,
    PatientBrief,
    PersonRef,
    ProposeIn,
    ReportIn,
    ReportRead,
    SharedItemRead,
    SignIn,
    Status,
)
from osteon.db import on_failure
from osteon.kit.errors import BadRequest, Forbidden, StaleVersion
from osteon.kit.models import utcnow
from osteon.media import service as media_service
from osteon.patients import service as patients
from osteon.patients.models import Patient
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.security.models import AccessGrant, User

# --- clinical and policy constants --------------------------------------------------------------------

SLA_HOURS = {"urgent": 2, "routine": 24}  # the issue: urgent consultations get an answer within 2 h
DUE_SOON = {"urgent": timedelta(minutes=30), "routine": timedelta(hours=4)}  # when the reminder goes out
GRANT_HOURS_AFTER_SCHEDULE = 24  # the expert's access ends 24 h after the scheduled session (or at close)
START_REMINDER = timedelta(minutes=15)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
PAST_TOLERANCE = timedelta(minutes=10)  # "now" typed on a slow clock is still a valid scheduled time
ROOM_STATUSES = frozenset({Status.ACCEPTED, Status.IN_SESSION, Status.REPORTED})
OPEN_STATUSES = frozenset({Status.REQUESTED, Status.ASSIGNED, Status.ACCEPTED, Status.DECLINED,
                           Status.TIME_PROPOSED, Status.IN_SESSION})
SLA_JOB = "consultations.sla_reminder"
START_JOB = "consultations.start_reminder"
MEDIA_CLOSE_JOB = "consultations.media_close"

STATUS_LABELS = {
    "requested": ("已申请,待分诊", "requested, waiting for triage"),
    "assigned": ("已分派专家,待答复", "assigned to an expert, waiting for an answer"),
    "accepted": ("已接受", "accepted"),
    "declined": ("专家已拒绝", "declined by the expert"),
    "time_proposed": ("专家已建议时间,待确认", "waiting for a proposed time to be confirmed"),
    "in_session": ("会诊进行中", "in session"),
    "reported": ("已出具报告", "reported"),
    "closed": ("已结束", "closed"),
    "cancelled": ("已取消", "cancelled"),
}
ACTION_LABELS = {
    "assign": ("分派专家", "assign an expert"), "accept": ("接受会诊", "accept it"), "decline": ("拒绝会诊", "decline it"),
    "propose": ("建议会诊时间", "propose times"), "confirm": ("确认会诊时间", "confirm a time"),
    "start": ("开始会诊", "start the session"), "report": ("修改会诊报告", "edit the report"),
    "sign": ("签署会诊报告", "sign the report"), "close": ("结束会诊", "close it"), "cancel": ("取消会诊", "cancel it"),
    "invite": ("邀请参会人员", "invite participants"), "chat": ("发送消息", "send messages"),
}
TYPE_LABELS = {"difficult_case": ("疑难病例讨论", "difficult case discussion"),
               "preop_assessment": ("术前远程评估", "remote pre-op assessment"),
               "surgical_guidance": ("远程手术指导", "remote surgical guidance"),
               "imaging": ("影像会诊", "imaging consultation")}

# action → (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "assign": (frozenset({"requested", "assigned", "declined"}), "assigned"),
    "accept": (frozenset({"assigned"}), "accepted"),
    "decline": (frozenset({"assigned", "time_proposed"}), "declined"),
    "propose": (frozenset({"assigned", "time_proposed"}), "time_proposed"),
    "confirm": (frozenset({"time_proposed"}), "accepted"),
    "start": (frozenset({"accepted"}), "in_session"),
    "report": (frozenset({"accepted", "in_session"}), None),
    "sign": (frozenset({"accepted", "in_session"}), "reported"),
    "close": (frozenset({"reported"}), "closed"),
    "cancel": (frozenset({"requested", "assigned", "declined", "time_proposed", "accepted", "in_session"}), "cancelled"),
    "invite": (frozenset({"requested", "assigned", "time_proposed", "accepted", "in_session", "reported"}), None),
}
# who may take each step: requester side, the assigned expert, the target's triage
ACTION_ROLES: dict[str, frozenset[str]] = {
    "assign": frozenset({"triage"}),
    "accept": frozenset({"expert"}), "decline": frozenset({"expert"}), "propose": frozenset({"expert"}),
    "confirm": frozenset({"requester"}),
    "start": frozenset({"requester", "expert"}),
    "report": frozenset({"expert"}), "sign": frozenset({"expert"}),
    "close": frozenset({"requester", "expert"}),
    "cancel": frozenset({"requester"}),
    "invite": frozenset({"requester", "expert"}),
}


@dataclass(frozen=True)
class RoomMember:
    """Someone allowed into the consultation's room (used by the room and media code)."""

    user_id: uuid.UUID
    name: str
    role: str  # requester | expert | colleague | patient
    institution_name: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"user_id": str(self.user_id), "name": self.name, "role": self.role, "institution": self.institution_name}


# --- access ---------------------------------------------------------------------------------------------


async def _patient_readable(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> bool:
    """True when the actor may read the patient (no audit: the caller audits what it shows)."""
    cond = await patients.readable_condition(session, actor)
    return (await session.execute(select(Patient.id).where(Patient.id == patient_id, cond))).first() is not None


async def roles_of(session: AsyncSession, actor: Actor, c: Consultation) -> set[str]:
    """The actor's relations to the consultation: requester, expert, triage, colleague, patient."""
    roles: set[str] = set()
    if actor.user_id == c.requester_id:
        roles.add("requester")
    elif (actor.institution_id == c.requesting_institution_id and perms.can(actor, "consult:request")
          and await _patient_readable(session, actor, c.patient_id)):
        roles.add("requester")  # a colleague on the requesting side who cares for the patient acts for the requester
    if c.expert_id is not None and actor.user_id == c.expert_id:
        roles.add("expert")
    if perms.can(actor, "consult:triage") and actor.institution_id == c.target_institution_id:
        roles.add("triage")
    if actor.patient_id is not None and actor.patient_id == c.patient_id:
        roles.add("patient")
    p = await repository.participant(session, c.id, actor.user_id)
    if p is not None and p.removed_at is None and p.role in ("colleague", "patient"):
        roles.add(p.role)
    return roles


def _deny(session: AsyncSession, action: str, consultation_id: uuid.UUID, patient_id: uuid.UUID | None = None) -> None:
    """Audit a refused access (kept even though the request fails) — then the caller raises 404."""
    audit.record(session, action, patient_id=patient_id, resource_type="Consultation", resource_id=consultation_id,
                 outcome="denied", severity="warning", keep_on_failure=True)


async def check_visible(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, *, action: str = "consultation.read",
                        for_update: bool = False) -> tuple[Consultation, set[str]]:
    """The consultation and the actor's roles in it; 404 (audited) when the actor has none."""
    c = await repository.get(session, consultation_id, for_update=for_update)
    if c is None or actor.role not in perms.ROLE_PERMISSIONS:
        _deny(session, action, consultation_id, c.patient_id if c else None)
        raise ConsultationNotFound()
    roles = await roles_of(session, actor, c)
    if not roles:
        _deny(session, action, consultation_id, c.patient_id)
        raise ConsultationNotFound()
    return c, roles


def check_transition(c: Consultation, roles: set[str], action: str) -> str | None:
    """Refuse a step the actor may not take (403) or the status does not allow (409, naming both)."""
    if not roles & ACTION_ROLES[action]:
        raise Forbidden()
    allowed_from, to = TRANSITIONS[action]
    if c.status not in allowed_from:
        zh_s, en_s = STATUS_LABELS[c.status]
        zh_a, en_a = ACTION_LABELS[action]
        raise IllegalTransition(f"会诊当前状态为「{zh_s}」,不能{zh_a}", f"The consultation is {en_s}; you cannot {en_a}",
                                current_status=c.status, action=action)
    return to


def allowed_actions(c: Consultation, roles: set[str]) -> list[str]:
    """The steps the viewer may take now (drives the buttons)."""
    out = [a for a, (src, _) in TRANSITIONS.items() if c.status in src and roles & ACTION_ROLES[a]]
    if c.status in ROOM_STATUSES:
        out.append("join")
    return out


# --- SLA ------------------------------------------------------------------------------------------------


def sla_state(c: Consultation, now: datetime | None = None) -> str:
    """ok | due_soon | breached | met: has the target side answered (accepted, declined or proposed) in time?"""
    if c.responded_at is not None:
        return "met" if c.responded_at <= c.sla_due_at else "breached"
    at = c.cancelled_at or now or utcnow()
    if at >= c.sla_due_at:
        return "breached"
    if at >= c.sla_due_at - DUE_SOON.get(c.urgency, DUE_SOON["routine"]):
        return "due_soon"
    return "ok"


# --- history --------------------------------------------------------------------------------------------


async def _event(session: AsyncSession, c: Consultation, actor: Actor | None, action: str, from_status: str | None,
                 to_status: str, note: str = "", data: dict[str, Any] | None = None) -> ConsultationEvent:
    """Append one step to the status history (and to the audit trail)."""
    seq = await repository.last_event_seq(session, c.id) + 1
    ev = ConsultationEvent(consultation_id=c.id, seq=seq, at=utcnow(), actor_id=actor.user_id if actor else None,
                           actor_name=actor.full_name if actor else "系统", action=action, from_status=from_status,
                           to_status=to_status, note=note, data=data or {})
    session.add(ev)
    await session.flush()
    audit.record(session, f"consultation.{action}", patient_id=c.patient_id, resource_type="Consultation",
                 resource_id=c.id, detail={"from": from_status, "to": to_status, **(data or {})})
    return ev


async def _move(session: AsyncSession, c: Consultation, actor: Actor | None, action: str, to: str | None,
                note: str = "", data: dict[str, Any] | None = None) -> None:
    """Change status (if ``to``), bump the version, record the event."""
    before = c.status
    if to is not None:
        c.status = str(to)
    c.version += 1
    c.updated_at = utcnow()
    await _event(session, c, actor, action, before, c.status, note, data)
    await session.flush()


# --- notifications --------------------------------------------------------------------------------------


def _local(at: datetime | None) -> str:
    """A time as the hospital reads it."""
    if at is None:
        return ""
    from osteon.notifications import config as notify_config

    return at.astimezone(ZoneInfo(notify_config.current().timezone)).strftime("%Y-%m-%d %H:%M")


async def _notify(session: AsyncSession, user_ids: list[uuid.UUID | None], event: str, c: Consultation,
                  ref_suffix: str = "", urgent: bool | None = None, **context: Any) -> None:
    """Tell staff about a consultation step, in-app only (the patient's name stays inside the system)."""
    from osteon.notifications import service as notifications

    people = await repository.users(session, {c.requester_id} | ({c.expert_id} if c.expert_id else set()))
    patient = (await repository.patients(session, {c.patient_id}))[c.patient_id]
    insts = await repository.institutions(session, {c.requesting_institution_id, c.target_institution_id})
    base = {"type_name": TYPE_LABELS[c.type][0], "type_name_en": TYPE_LABELS[c.type][1],
            "urgency_name": "紧急" if c.urgency == "urgent" else "",
            "requester_name": people[c.requester_id].full_name if c.requester_id in people else "",
            "requesting_institution": insts[c.requesting_institution_id].name,
            "target_institution": insts[c.target_institution_id].name,
            "expert_name": people[c.expert_id].full_name if c.expert_id in people else "",
            "time": _local(c.scheduled_at), "due": _local(c.sla_due_at), "consultation_id": str(c.id),
            "patient_name": patient.name}
    for uid in dict.fromkeys(u for u in user_ids if u is not None):
        await notifications.notify(session, notifications.Recipient(user_id=uid), event, {**base, **context},
                                   ref=f"consultation:{c.id}:{event}:{ref_suffix}:{uid}", urgent=urgent)


async def _triagers(session: AsyncSession, c: Consultation) -> list[uuid.UUID | None]:
    """Who triages the request at the target: its department heads."""
    return [u.id for u in await repository.dept_heads(session, c.target_institution_id)]


# --- create ---------------------------------------------------------------------------------------------


async def check_expert(session: AsyncSession, expert_id: uuid.UUID, target_institution_id: uuid.UUID) -> User:
    """The chosen expert must be an active consultant of the target institution."""
    u = await repository.user(session, expert_id)
    if u is None or not u.is_active or u.institution_id != target_institution_id or not perms.has(u.role, "consult:respond"):
        raise InvalidExpert()
    return u


async def do_create(session: AsyncSession, actor: Actor, data: ConsultationCreate, *, check_shared: bool = True) -> Consultation:
    """Request a consultation: consent first, then the request, its shared items and the requester's seat."""
    perms.check(actor, "consult:request")
    patient = await patients.get_for(session, actor, data.patient_id, action="consultation.create")
    from osteon.institutions import service as institutions

    target = await institutions.get_institution(session, data.target_institution_id)
    if target.id == actor.institution_id:
        raise BadRequest("远程会诊的目标医院不能是本院", "A remote consultation must go to another institution",
                         code_override="consultations.same_institution")
    department = None
    if data.subspecialty:
        department = await repository.department_by_code(session, target.id, data.subspecialty)
        if department is None:
            raise BadRequest("目标医院没有该亚专业科室", "The target institution has no such subspecialty department",
                             code_override="consultations.unknown_subspecialty")
    expert = await check_expert(session, data.preferred_expert_id, target.id) if data.preferred_expert_id else None
    if check_shared:
        for item in data.shared:
            if await repository.item_patient(session, item.kind.value, item.ref) != patient.id:
                raise InvalidShare(f"共享的资料不属于该患者或不存在:{item.kind.value} {item.ref}",
                                   f"Not this patient's record, or missing: {item.kind.value} {item.ref}",
                                   item={"kind": item.kind.value, "ref": item.ref})
    now = utcnow()
    c = Consultation(patient_id=patient.id, requester_id=actor.user_id, requesting_institution_id=actor.institution_id,
                     target_institution_id=target.id, target_department_id=department.id if department else None,
                     subspecialty=data.subspecialty or "", preferred_expert_id=expert.id if expert else None,
                     type=data.type.value, urgency=data.urgency.value, question=data.question, status=str(Status.REQUESTED),
                     sla_due_at=now + timedelta(hours=SLA_HOURS[data.urgency.value]), created_at=now, updated_at=now)
    session.add(c)
    await session.flush()
    consent = data.consent
    assert consent is not None  # the schema refuses a request without consent
    # Consent is stored before anything is shared (PIPL Art. 29: separate consent for sensitive data).
    session.add(ConsultationConsent(consultation_id=c.id, patient_id=patient.id, given_by=consent.given_by,
                                    method=consent.method, note=consent.note, recording=consent.recording,
                                    recorded_by_id=actor.user_id, recorded_at=now))
    await session.flush()
    for item in {(i.kind.value, i.ref): i for i in data.shared}.values():
        session.add(SharedItem(consultation_id=c.id, kind=item.kind.value, ref=item.ref, label=item.label))
    session.add(Participant(consultation_id=c.id, user_id=actor.user_id, role="requester", invited_by_id=actor.user_id))
    await session.flush()
    await _event(session, c, actor, "consent_recorded", None, c.status,
                 data={"given_by": consent.given_by, "method": consent.method, "recording": consent.recording})
    await _event(session, c, actor, "created", None, c.status, note=data.question[:200],
                 data={"shared": [f"{i.kind.value}:{i.ref}" for i in data.shared]})
    if expert is not None:  # a named expert skips triage
        c.expert_id = expert.id
        await _move(session, c, actor, "assigned", Status.ASSIGNED, data={"expert_id": str(expert.id)})
        await _notify(session, [expert.id], "consultation_assigned", c)
    else:
        await _notify(session, await _triagers(session, c), "consultation_requested", c)
    await _schedule_sla_reminder(session, c, "due_soon")
    return c


# --- the steps ------------------------------------------------------------------------------------------


async def do_assign(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: AssignIn) -> Consultation:
    """Triage: the target's department head gives the request to an expert (also to themselves)."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.assign", for_update=True)
    to = check_transition(c, roles, "assign")
    expert = await check_expert(session, data.expert_id, c.target_institution_id)
    c.expert_id = expert.id
    await _move(session, c, actor, "assigned", to, data.note, {"expert_id": str(expert.id)})
    await _notify(session, [expert.id], "consultation_assigned", c, ref_suffix=str(c.version))
    return c


def _check_future(at: datetime) -> None:
    """A session cannot be scheduled in the past."""
    if at < utcnow() - PAST_TOLERANCE:
        raise BadRequest("会诊时间不能早于现在", "The consultation cannot be scheduled in the past",
                         code_override="consultations.time_in_past")


async def _grant(session: AsyncSession, actor: Actor | None, c: Consultation, grantee_ids: list[uuid.UUID]) -> None:
    """Give (or extend) time-limited access to exactly the shared items for the session's grantees."""
    assert c.scheduled_at is not None
    scope = [f"{i.kind}:{i.ref}" for i in await repository.shared_of(session, c.id)]
    now = utcnow()
    ends = max(c.scheduled_at, now) + timedelta(hours=GRANT_HOURS_AFTER_SCHEDULE)
    existing = {g.grantee_id: g for g in await repository.grants_of(session, c.id) if g.revoked_at is None}
    for uid in dict.fromkeys(grantee_ids):
        g = existing.get(uid)
        if g is not None:
            g.ends_at, g.scope = ends, scope
        else:
            g = AccessGrant(grantee_id=uid, patient_id=c.patient_id, source="consultation", consultation_id=c.id,
                            scope=scope, reason=f"会诊 {TYPE_LABELS[c.type][0]}", granted_by_id=actor.user_id if actor else None,
                            starts_at=now, ends_at=ends)
            session.add(g)
        audit.record(session, "consultation.grant", patient_id=c.patient_id, resource_type="AccessGrant",
                     resource_id=c.id, detail={"grantee_id": str(uid), "scope": scope, "ends_at": ends.isoformat()})
    await session.flush()


async def _grantees(session: AsyncSession, c: Consultation) -> list[uuid.UUID]:
    """Everyone in the room who needs a grant: the expert and invited colleagues (not the requester or patient)."""
    ids = [c.expert_id] if c.expert_id else []
    ids += [p.user_id for p in await repository.participants_of(session, c.id) if p.role == "colleague"]
    return [i for i in ids if i is not None]


async def _schedule(session: AsyncSession, actor: Actor, c: Consultation, at: datetime) -> None:
    """Fix the time, seat the expert, grant access, queue the 15-minute reminder."""
    c.scheduled_at = at
    assert c.expert_id is not None
    if await repository.participant(session, c.id, c.expert_id) is None:
        session.add(Participant(consultation_id=c.id, user_id=c.expert_id, role="expert", invited_by_id=actor.user_id))
        await session.flush()
    await _grant(session, actor, c, await _grantees(session, c))
    delay = max(0.0, (at - START_REMINDER - utcnow()).total_seconds())
    await jobs.enqueue(session, START_JOB, {"consultation_id": str(c.id), "scheduled_at": at.isoformat()}, delay=delay,
                       max_attempts=3)


async def do_accept(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: AcceptIn) -> Consultation:
    """The assigned expert accepts with a time; the expert is granted the shared data."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.accept", for_update=True)
    to = check_transition(c, roles, "accept")
    _check_future(data.scheduled_at)
    c.responded_at = c.responded_at or utcnow()
    await _schedule(session, actor, c, data.scheduled_at)
    await _move(session, c, actor, "accepted", to, data.note, {"scheduled_at": data.scheduled_at.isoformat()})
    await _notify(session, [c.requester_id], "consultation_accepted", c, ref_suffix=str(c.version))
    return c


async def do_decline(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: DeclineIn) -> Consultation:
    """The assigned expert declines with a reason (the target may re-assign; the requester may cancel)."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.decline", for_update=True)
    to = check_transition(c, roles, "decline")
    c.responded_at = c.responded_at or utcnow()
    c.decline_reason = data.reason
    await _move(session, c, actor, "declined", to, data.reason)
    await _notify(session, [c.requester_id, *await _triagers(session, c)], "consultation_declined", c,
                  ref_suffix=str(c.version), reason=data.reason)
    return c


async def do_propose(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: ProposeIn) -> Consultation:
    """The assigned expert proposes times; the requester confirms one."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.propose", for_update=True)
    to = check_transition(c, roles, "propose")
    for t in data.times:
        _check_future(t)
    c.responded_at = c.responded_at or utcnow()
    c.proposed_times = [t.isoformat() for t in data.times]
    c.proposal_note = data.note
    await _move(session, c, actor, "time_proposed", to, data.note, {"times": c.proposed_times})
    await _notify(session, [c.requester_id], "consultation_time_proposed", c, ref_suffix=str(c.version),
                  times=", ".join(_local(t) for t in data.times))
    return c


async def do_confirm(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: ConfirmIn) -> Consultation:
    """The requesting side confirms one of the proposed times → accepted, with grants."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.confirm", for_update=True)
    to = check_transition(c, roles, "confirm")
    proposed = [datetime.fromisoformat(t) for t in c.proposed_times]
    if not any(abs((p - data.scheduled_at).total_seconds()) < 1 for p in proposed):
        raise BadRequest("请从专家建议的时间中选择一个", "Choose one of the times the expert proposed",
                         code_override="consultations.time_not_proposed")
    _check_future(data.scheduled_at)
    await _schedule(session, actor, c, data.scheduled_at)
    await _move(session, c, actor, "confirmed", to, data.note, {"scheduled_at": data.scheduled_at.isoformat()})
    await _notify(session, [c.expert_id], "consultation_accepted", c, ref_suffix=str(c.version))
    return c


async def do_start(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, note: str = "") -> Consultation:
    """Open the session (also happens when the requester or expert first joins the room)."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.start", for_update=True)
    to = check_transition(c, roles, "start")
    c.started_at = utcnow()
    await _move(session, c, actor, "started", to, note)
    return c


async def _finish(session: AsyncSession, actor: Actor, c: Consultation, action: str, to: str, note: str) -> None:
    """Close or cancel: revoke every grant of the consultation."""
    now = utcnow()
    revoked = await repository.revoke_grants(session, c.id, now)
    if to == Status.CLOSED:
        c.closed_at = now
    else:
        c.cancelled_at, c.cancel_reason = now, note
    await _move(session, c, actor, action, to, note, {"grants_revoked": revoked})
    # The video room goes too (Janus room destroyed, tokens revoked, a consented recording archived as WebM).
    await jobs.enqueue(session, MEDIA_CLOSE_JOB, {"consultation_id": str(c.id)})


async def do_close(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, note: str = "") -> Consultation:
    """Close after the report; the expert's access ends now."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.close", for_update=True)
    to = check_transition(c, roles, "close")
    await _finish(session, actor, c, "closed", to or Status.CLOSED, note)
    return c


async def do_cancel(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: CancelIn) -> Consultation:
    """The requesting side cancels before the report; any access given ends now."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.cancel", for_update=True)
    to = check_transition(c, roles, "cancel")
    await _finish(session, actor, c, "cancelled", to or Status.CANCELLED, data.reason)
    await _notify(session, [c.expert_id], "consultation_cancelled", c, reason=data.reason)
    return c


# --- report ---------------------------------------------------------------------------------------------


_REPORT_FIELDS = ("assessment", "diagnosis_text", "icd10_codes", "recommendation", "transfer_advised",
                  "surgery_advised", "preop_plan")


async def do_save_report(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: ReportIn) -> ConsultationReport:
    """Save the expert's draft with optimistic versioning (409 if someone saved first or it is signed)."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.report", for_update=True)
    current = await repository.current_report(session, c.id)
    if current is not None and current.status == "signed":
        raise ReportSigned()
    check_transition(c, roles, "report")
    current_version = current.version if current else 0
    if data.version != current_version:
        raise StaleVersion(current_version=current_version)
    if current is None:
        current = ConsultationReport(consultation_id=c.id, author_id=actor.user_id, version=1)
        session.add(current)
    else:
        current.version += 1
    for key in _REPORT_FIELDS:
        setattr(current, key, getattr(data, key))
    current.updated_at = utcnow()
    await session.flush()
    audit.record(session, "consultation.report.save", patient_id=c.patient_id, resource_type="ConsultationReport",
                 resource_id=current.id, detail={"version": current.version})
    return current


async def do_sign_report(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: SignIn) -> ConsultationReport:
    """The assigned expert signs the version they read; it never changes after this; the requester is told."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.sign", for_update=True)
    current = await repository.current_report(session, c.id)
    if current is not None and current.status == "signed":
        raise ReportSigned()
    to = check_transition(c, roles, "sign")
    if current is None:
        raise ReportIncomplete("请先填写会诊报告", "Write the report first")
    if data.version != current.version:
        raise StaleVersion(current_version=current.version)
    missing = [zh for key, zh in (("assessment", "病情评估"), ("diagnosis_text", "诊断"), ("recommendation", "建议"))
               if not getattr(current, key)]
    if c.type == "preop_assessment" and current.surgery_advised and not current.preop_plan:
        missing.append("术前计划")
    if missing:
        names_en = {"病情评估": "assessment", "诊断": "diagnosis", "建议": "recommendation", "术前计划": "pre-op plan"}
        raise ReportIncomplete(f"会诊报告不完整,请填写:{'、'.join(missing)}",
                               f"The report is incomplete; fill in: {', '.join(names_en[m] for m in missing)}",
                               missing=[names_en[m] for m in missing])
    now = utcnow()
    current.status, current.signed_at, current.signed_by_id, current.signed_by_name = "signed", now, actor.user_id, actor.full_name
    c.reported_at = now
    await session.flush()
    await _move(session, c, actor, "report_signed", to, data={"report_id": str(current.id), "version": current.version})
    await _notify(session, [c.requester_id], "consultation_reported", c)
    return current


# --- participants -------------------------------------------------------------------------------------------


async def do_invite(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, data: ParticipantIn) -> Participant:
    """Invite a colleague (any clinical role, any institution) or the patient; colleagues get the same grant."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.invite", for_update=True)
    check_transition(c, roles, "invite")
    u = await repository.user(session, data.user_id)
    if u is None or not u.is_active:
        raise InvalidParticipant()
    if data.role == "patient":
        if u.role != "patient" or u.patient_id != c.patient_id:
            raise InvalidParticipant("只能邀请本会诊的患者本人", "Only this consultation's patient can join as the patient")
    elif u.role in ("patient", "system_admin", "security_admin", "audit_admin") or not perms.has(u.role, "consult:participate"):
        raise InvalidParticipant("只能邀请医务人员作为同事参会", "Only clinical staff can join as colleagues")
    p = await repository.participant(session, c.id, u.id)
    if p is not None and p.removed_at is None:
        return p
    if p is None:
        p = Participant(consultation_id=c.id, user_id=u.id, role=data.role, invited_by_id=actor.user_id)
        session.add(p)
    else:
        p.removed_at, p.role, p.added_at = None, data.role, utcnow()
    await session.flush()
    if data.role == "colleague" and c.scheduled_at is not None and c.status in ROOM_STATUSES:
        await _grant(session, actor, c, [u.id])
    await _move(session, c, actor, "participant_added", None, data={"user_id": str(u.id), "role": data.role})
    return p


# --- room (for part B) ------------------------------------------------------------------------------------


async def room_member(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID) -> RoomMember | None:
    """The actor's seat in the room, or None: the consultation must be accepted/in session/reported and the
    actor an active participant with a live grant (the requester and the patient need none)."""
    c = await repository.get(session, consultation_id)
    if c is None or c.status not in ROOM_STATUSES:
        return None
    p = await repository.participant(session, c.id, actor.user_id)
    if p is None or p.removed_at is not None:
        return None
    if p.role == "patient":
        ok = actor.patient_id == c.patient_id
    elif p.role == "requester":
        ok = actor.user_id == c.requester_id
    else:
        ok = await repository.live_grant(session, c.id, actor.user_id, utcnow()) is not None
    if not ok:
        return None
    inst = (await repository.institutions(session, {actor.institution_id})).get(actor.institution_id)
    return RoomMember(user_id=actor.user_id, name=actor.full_name, role=p.role, institution_name=inst.name if inst else "")


async def recent_messages(session: AsyncSession, consultation_id: uuid.UUID, limit: int = 50) -> list[dict[str, Any]]:
    """The last ``limit`` chat messages (oldest first) as JSON-ready dicts, for the room snapshot."""
    rows = await repository.messages(session, consultation_id, limit=limit)
    return [message_read(m, a).model_dump(mode="json") for m, a in rows]


async def check_room(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, action: str) -> tuple[Consultation, RoomMember]:
    """The consultation and the actor's seat, else 404 with the refusal audited."""
    member = await room_member(session, actor, consultation_id)
    c = await repository.get(session, consultation_id)
    if member is None or c is None:
        _deny(session, action, consultation_id, c.patient_id if c else None)
        raise ConsultationNotFound()
    return c, member


async def do_join(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, settings: Any) -> dict[str, Any]:
    """Enter the room: audited; the requester's or expert's first join opens the session; media config from part C."""
    c, member = await check_room(session, actor, consultation_id, "consultation.room.join")
    if c.status == Status.ACCEPTED and member.role in ("requester", "expert"):
        c.started_at = utcnow()
        await _move(session, c, actor, "started", Status.IN_SESSION, "进入会诊室 / room opened")
    audit.record(session, "consultation.room.join", patient_id=c.patient_id, resource_type="Consultation",
                 resource_id=c.id, detail={"role": member.role})
    consent = await repository.consent_of(session, c.id)
    media = await media_service.media_config(settings, str(c.id), member, record=bool(consent and consent.recording))
    return {"topic": f"consult:{c.id}", "participant": member.as_dict(), "media": media}


# --- chat -------------------------------------------------------------------------------------------------


def attachment_path(files_dir: Path, sha256: str) -> Path:
    """Where an attachment's bytes live: content-addressed, never a user-supplied name (SECURITY 22)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise AttachmentNotFound()
    return files_dir / sha256[:2] / sha256


_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_KNOWN_TYPES = _INLINE_TYPES | {"application/pdf", "application/dicom", "video/mp4", "video/webm", "text/plain",
                                "application/zip", "application/msword",
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def safe_filename(name: str | None) -> str:
    """The client's file name reduced to a display label (no path, no control characters)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip(" .")
    return base[:200] or "attachment"


def store_file(files_dir: Path, src: BinaryIO) -> tuple[str, int, bool]:
    """Copy an upload to the content-addressed store in chunks; (sha256, size, newly created).
    Over 20 MB → AttachmentTooLarge with nothing kept."""
    tmp_dir = files_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / uuid.uuid4().hex
    digest, size = hashlib.sha256(), 0
    try:
        with tmp.open("wb") as out:
            while chunk := src.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_ATTACHMENT_BYTES:
                    raise AttachmentTooLarge()
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = attachment_path(files_dir, sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            return sha, size, False
        os.replace(tmp, final)
        return sha, size, True
    finally:
        tmp.unlink(missing_ok=True)


def attachment_read(a: Attachment) -> AttachmentRead:
    """API view of an attachment."""
    return AttachmentRead(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size,
                          url=f"/api/v1/consultations/{a.consultation_id}/attachments/{a.id}")


def message_read(m: Message, a: Attachment | None) -> MessageRead:
    """API view of a message."""
    return MessageRead(id=m.id, consultation_id=m.consultation_id, sender_id=m.sender_id, sender_name=m.sender_name,
                       body=m.body, attachment=attachment_read(a) if a else None, created_at=m.created_at)


async def list_messages(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, limit: int,
                        before: datetime | None) -> list[MessageRead]:
    """Chat history for a room member, audited."""
    c, _ = await check_room(session, actor, consultation_id, "consultation.messages.read")
    rows = await repository.messages(session, c.id, limit=limit, before=before)
    audit.record(session, "consultation.messages.read", patient_id=c.patient_id, resource_type="Consultation",
                 resource_id=c.id, detail={"count": len(rows)})
    return [message_read(m, a) for m, a in rows]


async def do_post_message(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, body: str,
                          upload: tuple[BinaryIO, str | None, str | None] | None, files_dir: Path) -> MessageRead:
    """Post a message (text and/or one attachment ≤ 20 MB); published as ``chat.message`` after commit."""
    c, _ = await check_room(session, actor, consultation_id, "consultation.messages.write")
    if not body and upload is None:
        raise BadRequest("消息内容和附件不能都为空", "A message needs text or an attachment", code_override="consultations.empty_message")
    att: Attachment | None = None
    if upload is not None:
        src, filename, content_type = upload
        # up to 20 MB: hash and copy off the event loop
        sha, size, created = await asyncio.to_thread(store_file, files_dir, src)
        if created:  # the request may still fail: then the new file goes too
            path = attachment_path(files_dir, sha)

            async def _cleanup(_s: AsyncSession) -> None:
                path.unlink(missing_ok=True)

            on_failure(session, _cleanup)
        ctype = (content_type or "").split(";")[0].strip().lower()
        att = Attachment(consultation_id=c.id, uploaded_by_id=actor.user_id, filename=safe_filename(filename),
                         content_type=ctype if ctype in _KNOWN_TYPES else "application/octet-stream", size=size, sha256=sha)
        session.add(att)
        await session.flush()
    m = Message(consultation_id=c.id, sender_id=actor.user_id, sender_name=actor.full_name, body=body,
                attachment_id=att.id if att else None, created_at=utcnow())
    session.add(m)
    await session.flush()
    audit.record(session, "consultation.messages.write", patient_id=c.patient_id, resource_type="Consultation",
                 resource_id=c.id, detail={"message_id": str(m.id), "attachment": str(att.id) if att else None})
    read = message_read(m, att)
    from osteon.realtime import hub

    hub.publish_after_commit(session, f"consult:{c.id}", "chat.message", read.model_dump(mode="json"))
    return read


async def get_attachment(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, attachment_id: uuid.UUID,
                         files_dir: Path) -> tuple[Attachment, Path, bool]:
    """An attachment for a room member: (row, file, show inline?); audited."""
    c, _ = await check_room(session, actor, consultation_id, "consultation.attachment.read")
    a = await repository.attachment(session, c.id, attachment_id)
    if a is None:
        raise AttachmentNotFound()
    path = attachment_path(files_dir, a.sha256)
    if not path.is_file():
        raise AttachmentNotFound()
    audit.record(session, "consultation.attachment.read", patient_id=c.patient_id, resource_type="ConsultationAttachment",
                 resource_id=a.id)
    return a, path, a.content_type in _INLINE_TYPES


# --- reads ------------------------------------------------------------------------------------------------


def _person(u: User | None, insts: dict) -> PersonRef | None:
    """A user as a reference."""
    if u is None:
        return None
    inst = insts.get(u.institution_id)
    return PersonRef(id=u.id, name=u.full_name, title=u.title, institution_id=u.institution_id,
                     institution_name=inst.name if inst else "")


async def _summaries(session: AsyncSession, rows: list[Consultation], actor: Actor) -> list[ConsultationSummary]:
    """List views with people, institutions, patient brief, SLA and the signed report's gist."""
    user_ids = {c.requester_id for c in rows} | {c.expert_id for c in rows if c.expert_id}
    people = await repository.users(session, user_ids)
    insts = await repository.institutions(session, {c.requesting_institution_id for c in rows}
                                          | {c.target_institution_id for c in rows} | {u.institution_id for u in people.values()})
    pats = await repository.patients(session, {c.patient_id for c in rows})
    reports = await repository.signed_reports(session, [c.id for c in rows])
    now = utcnow()
    out = []
    for c in rows:
        p = pats[c.patient_id]
        brief = PatientBrief(id=p.id, name=p.name, sex=p.sex, age=patients.age_on(p.birth_date, now.date()),
                             mrn=p.mrn if actor.institution_id == c.requesting_institution_id else None)
        r = reports.get(c.id)
        out.append(ConsultationSummary(
            id=c.id, status=c.status, type=c.type, urgency=c.urgency, question=c.question, patient=brief,
            requester=_person(people.get(c.requester_id), insts),  # type: ignore[arg-type]
            requesting_institution_name=insts[c.requesting_institution_id].name,
            target_institution_id=c.target_institution_id, target_institution_name=insts[c.target_institution_id].name,
            subspecialty=c.subspecialty, expert=_person(people.get(c.expert_id), insts) if c.expert_id else None,
            scheduled_at=c.scheduled_at, sla_due_at=c.sla_due_at, sla_state=sla_state(c, now), created_at=c.created_at,
            updated_at=c.updated_at, report_signed_at=r.signed_at if r else None,
            report_diagnosis=r.diagnosis_text if r else None, report_recommendation=r.recommendation if r else None,
        ))
    return out


async def get_detail(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID) -> ConsultationRead:
    """The full consultation for anyone with a role in it, audited."""
    c, roles = await check_visible(session, actor, consultation_id)
    audit.record(session, "consultation.read", patient_id=c.patient_id, resource_type="Consultation", resource_id=c.id)
    return await to_read(session, actor, c, roles)


async def view(session: AsyncSession, actor: Actor, c: Consultation) -> ConsultationRead:
    """The detail view after a step the actor just took (the step itself was audited)."""
    return await to_read(session, actor, c, await roles_of(session, actor, c))


async def to_read(session: AsyncSession, actor: Actor, c: Consultation, roles: set[str]) -> ConsultationRead:
    """Assemble the detail view."""
    (summary,) = await _summaries(session, [c], actor)
    parts = await repository.participants_of(session, c.id)
    people = await repository.users(session, {p.user_id for p in parts} | ({c.preferred_expert_id} if c.preferred_expert_id else set()))
    insts = await repository.institutions(session, {u.institution_id for u in people.values()})
    consent = await repository.consent_of(session, c.id)
    report = await repository.current_report(session, c.id)
    # A draft is the expert's working copy; the requesting side sees the report once signed.
    if report is not None and report.status != "signed" and "expert" not in roles:
        report = None
    order = ["requester", "expert", "triage", "colleague", "patient"]
    return ConsultationRead(
        **summary.model_dump(),
        preferred_expert=_person(people.get(c.preferred_expert_id), insts) if c.preferred_expert_id else None,
        proposed_times=[datetime.fromisoformat(t) for t in c.proposed_times], proposal_note=c.proposal_note,
        decline_reason=c.decline_reason, cancel_reason=c.cancel_reason, responded_at=c.responded_at,
        started_at=c.started_at, reported_at=c.reported_at, closed_at=c.closed_at, cancelled_at=c.cancelled_at,
        version=c.version, consent=ConsentRead.model_validate(consent) if consent else None,
        shared=[SharedItemRead.model_validate(i) for i in await repository.shared_of(session, c.id)],
        participants=[ParticipantRead(user_id=p.user_id, name=people[p.user_id].full_name, role=p.role,
                                      institution_name=insts[people[p.user_id].institution_id].name, added_at=p.added_at)
                      for p in parts if p.user_id in people],
        events=[EventRead.model_validate(e) for e in await repository.events_of(session, c.id)],
        report=ReportRead.model_validate(report) if report else None,
        grants=[GrantRead.model_validate(g) for g in await repository.grants_of(session, c.id)],
        my_role=next((r for r in order if r in roles), "viewer"),
        allowed_actions=allowed_actions(c, roles),
    )


async def list_for(session: AsyncSession, actor: Actor, *, role: str | None, statuses: list[str],
                   patient_id: uuid.UUID | None, limit: int, offset: int) -> tuple[list[ConsultationSummary], int]:
    """Worklists: ``requested`` (my side's requests), ``assigned`` (mine to answer or join), ``pool`` (my
    institution's incoming requests, for department heads); none = all of them. With ``patient_id`` the
    patient must be readable (audited) — the patient page lists the consultations and their signed reports."""
    if actor.role not in perms.ROLE_PERMISSIONS:
        raise Forbidden()
    if patient_id is not None:
        await patients.get_for(session, actor, patient_id, action="consultation.list", scoped=True)
    sides: list[ColumnElement[bool]] = []
    if role in (None, "requested") and perms.can(actor, "consult:request"):
        sides.append(repository.requested_by_side(actor.institution_id, actor.user_id,
                                                  await patients.readable_condition(session, actor)))
    if role in (None, "assigned"):
        sides.append(or_(Consultation.expert_id == actor.user_id, repository.participant_of(actor.user_id)))
    if role in (None, "pool") and perms.can(actor, "consult:triage"):
        sides.append(repository.pool_of(actor.institution_id, actor.department_ids))
    if role is None and actor.patient_id is not None:
        sides.append(Consultation.patient_id == actor.patient_id)
    if not sides:
        return [], 0
    rows, total = await repository.find(session, or_(*sides), statuses=statuses, patient_id=patient_id, limit=limit, offset=offset)
    audit.record(session, "consultation.list", patient_id=patient_id, resource_type="Consultation",
                 detail={"role": role, "results": [str(c.id) for c in rows]})
    return await _summaries(session, rows, actor), total


# --- reminders (durable jobs; see jobs.py) -------------------------------------------------------------------


async def _schedule_sla_reminder(session: AsyncSession, c: Consultation, stage: str) -> None:
    """Queue the SLA job: ``due_soon`` at the reminder point, ``breached`` at the deadline."""
    at = c.sla_due_at - DUE_SOON[c.urgency] if stage == "due_soon" else c.sla_due_at
    await jobs.enqueue(session, SLA_JOB, {"consultation_id": str(c.id), "stage": stage},
                       delay=max(0.0, (at - utcnow()).total_seconds()), max_attempts=5)


async def run_sla_reminder(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Remind the target side that an answer is due soon, then that it is overdue (no-op once answered)."""
    c = await repository.get(session, uuid.UUID(payload["consultation_id"]))
    if c is None or c.responded_at is not None or c.status not in (Status.REQUESTED, Status.ASSIGNED):
        return
    stage = payload.get("stage", "due_soon")
    now = utcnow()
    at = c.sla_due_at - DUE_SOON[c.urgency] if stage == "due_soon" else c.sla_due_at
    if now < at:
        raise jobs.RetryLater((at - now).total_seconds() + 1, "not yet due")
    targets = [c.expert_id] if c.expert_id else []
    targets += await _triagers(session, c)
    event = "consultation_sla_due" if stage == "due_soon" else "consultation_sla_breached"
    await _notify(session, targets, event, c, ref_suffix=stage, urgent=True)
    audit.record(session, f"consultation.{event}", patient_id=c.patient_id, resource_type="Consultation",
                 resource_id=c.id, username="system", detail={"stage": stage})
    if stage == "due_soon":
        await _schedule_sla_reminder(session, c, "breached")


async def run_start_reminder(session: AsyncSession, payload: dict[str, Any]) -> None:
    """15 minutes before the session: tell everyone in the room (skipped if it was rescheduled or ended)."""
    c = await repository.get(session, uuid.UUID(payload["consultation_id"]))
    if c is None or c.status != Status.ACCEPTED or c.scheduled_at is None:
        return
    if c.scheduled_at.isoformat() != payload.get("scheduled_at"):
        return  # rescheduled: the new time has its own job
    now = utcnow()
    if now < c.scheduled_at - START_REMINDER:
        raise jobs.RetryLater((c.scheduled_at - START_REMINDER - now).total_seconds() + 1, "not yet due")
    users = [p.user_id for p in await repository.participants_of(session, c.id) if p.role != "patient"]
    await _notify(session, users, "consultation_starting", c, ref_suffix=payload["scheduled_at"], urgent=True)


# --- patient merge -----------------------------------------------------------------------------------------


async def _on_merge(session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
    """Re-point consultations when two patient records are merged."""
    await session.execute(update(Consultation).where(Consultation.patient_id == from_id).values(patient_id=to_id))
    await session.execute(update(ConsultationConsent).where(ConsultationConsent.patient_id == from_id).values(patient_id=to_id))


patients.register_merge_hook(_on_merge)


async def run_media_close(session: AsyncSession, settings: Any, payload: dict[str, Any]) -> list[Path]:
    """Close the consultation's media room and archive its recordings under the consultation's folder
    (``<data dir>/consultations/recordings/<id>``); Janus down raises, so the job retries."""
    cid = uuid.UUID(payload["consultation_id"])
    archive = Path(settings.data_dir) / "consultations" / "recordings" / str(cid)
    files = await media_service.close_room(settings, str(cid), archive)
    c = await repository.get(session, cid)
    if c is not None and files:
        audit.record(session, "consultation.recording.archived", patient_id=c.patient_id, resource_type="Consultation",
                     resource_id=c.id, detail={"files": [f.name for f in files]})
    return files


async def invitable(session: AsyncSession, actor: Actor, consultation_id: uuid.UUID, institution_id: uuid.UUID
                    ) -> list[dict[str, Any]]:
    """Who could be invited (not already in the room), for the invite picker: clinical staff of ``institution_id``
    as colleagues, then the patient's own portal account (role "patient"); only for someone who may invite now
    (404 audited / 409 otherwise, as the invite itself)."""
    c, roles = await check_visible(session, actor, consultation_id, action="consultation.invite")
    check_transition(c, roles, "invite")
    staff = tuple(r for r in perms.ROLE_PERMISSIONS if r != "patient" and perms.has(r, "consult:participate"))
    present = {p.user_id for p in await repository.participants_of(session, c.id)}
    people = await repository.experts(session, institution_id, None, roles=staff)
    people += await repository.patient_accounts(session, c.patient_id)
    return [u for u in people if u["id"] not in present]


async def experts_for(session: AsyncSession, actor: Actor, institution_id: uuid.UUID,
                      department: str | None) -> list[dict[str, Any]]:
    """Who at ``institution_id`` can answer a consultation (experts and department heads), for the pickers."""
    if not (perms.can(actor, "consult:request") or perms.can(actor, "consult:triage")):
        raise Forbidden()
    return await repository.experts(session, institution_id, department)
