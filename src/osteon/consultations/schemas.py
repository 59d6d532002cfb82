"""Consultation API shapes: create, actions, report, chat, and the read views both sides see."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text, field_error


class ConsultType(StrEnum):
    """疑难病例讨论 · 术前远程评估 · 远程手术指导 · 影像会诊."""

    DIFFICULT_CASE = "difficult_case"
    PREOP_ASSESSMENT = "preop_assessment"
    SURGICAL_GUIDANCE = "surgical_guidance"
    IMAGING = "imaging"


class Urgency(StrEnum):
    """Urgent: the expert responds within 2 h; routine: within 24 h."""

    URGENT = "urgent"
    ROUTINE = "routine"


class Status(StrEnum):
    """The consultation's lifecycle (docs/consultation.md §1)."""

    REQUESTED = "requested"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TIME_PROPOSED = "time_proposed"
    IN_SESSION = "in_session"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SharedKind(StrEnum):
    """What kind of record is shared."""

    STUDY = "study"
    ENCOUNTER = "encounter"
    ORDER = "order"
    RESULT = "result"


_REF = re.compile(r"^[0-9A-Za-z.\-]{1,100}$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")


def _aware(value: datetime, label_zh: str, label_en: str) -> datetime:
    """Times must carry a zone (the two hospitals may not share one); stored as UTC."""
    if value.tzinfo is None:
        raise field_error("naive_time", f"{label_zh}必须带时区(例如 2026-11-25T14:00:00+08:00)",
                          f"{label_en} must include a time zone (e.g. 2026-11-25T14:00:00+08:00)")
    return value.astimezone(UTC)


class SharedItemIn(Schema):
    """One item of the patient's record to share: a study (by Study Instance UID) or an encounter/order/result (by id)."""

    kind: SharedKind
    ref: str = Field(max_length=100)
    label: str = Field("", max_length=200)

    @field_validator("ref")
    @classmethod
    def _ref(cls, v: str) -> str:
        if not _REF.match(v):
            raise field_error("ref_invalid", "共享资料的编号格式不正确", "The shared item's reference is not valid")
        return v

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        return clean_text(v, max_len=200, label_zh="资料名称", label_en="Label") if v.strip() else ""


class ConsentIn(Schema):
    """The patient's (or guardian's) consent to share, recorded before anything is shared."""

    given_by: str = Field(pattern="^(patient|guardian)$")
    method: str = Field(pattern="^(written|verbal|electronic)$")
    note: str = Field("", max_length=1000)
    recording: bool = False  # consent to record the video session

    @field_validator("note")
    @classmethod
    def _note(cls, v: str) -> str:
        return clean_text(v, max_len=1000, label_zh="知情同意备注", label_en="Consent note", allow_newlines=True) if v.strip() else ""


class ConsultationCreate(Schema):
    """A consultation request."""

    patient_id: uuid.UUID
    type: ConsultType
    urgency: Urgency = Urgency.ROUTINE
    question: str = Field(max_length=4000)
    target_institution_id: uuid.UUID
    preferred_expert_id: uuid.UUID | None = None
    subspecialty: str | None = Field(None, max_length=32, description="Department code at the target, e.g. SPINE")
    shared: list[SharedItemIn] = Field(default_factory=list, max_length=50)
    consent: ConsentIn | None = None

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return clean_text(v, max_len=4000, label_zh="会诊问题", label_en="Clinical question", allow_newlines=True)

    @field_validator("subspecialty")
    @classmethod
    def _sub(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not re.fullmatch(r"[A-Za-z_]{1,32}", v):
            raise field_error("subspecialty_invalid", "亚专业代码格式不正确", "The subspecialty code is not valid")
        return v.upper()

    @model_validator(mode="after")
    def _consent_first(self) -> ConsultationCreate:
        if self.consent is None:
            raise field_error("consent_required", "请先记录患者(或监护人)同意共享资料的知情同意",
                              "Record the patient's (or guardian's) consent to share before requesting")
        return self


class AssignIn(Schema):
    """Triage: give the request to an expert."""

    expert_id: uuid.UUID
    note: str = Field("", max_length=1000)


class AcceptIn(Schema):
    """Accept with a time."""

    scheduled_at: datetime
    note: str = Field("", max_length=1000)

    @field_validator("scheduled_at")
    @classmethod
    def _when(cls, v: datetime) -> datetime:
        return _aware(v, "会诊时间", "The scheduled time")


class ConfirmIn(AcceptIn):
    """The requester confirms one of the proposed times."""


class DeclineIn(Schema):
    """Decline with a reason."""

    reason: str = Field(max_length=1000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        return clean_text(v, max_len=1000, label_zh="拒绝理由", label_en="Reason", allow_newlines=True)


class CancelIn(Schema):
    """Cancel with a reason."""

    reason: str = Field(max_length=1000)

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        return clean_text(v, max_len=1000, label_zh="取消原因", label_en="Reason", allow_newlines=True)


class ProposeIn(Schema):
    """The expert proposes one to five times."""

    times: list[datetime] = Field(min_length=1, max_length=5)
    note: str = Field("", max_length=1000)

    @field_validator("times")
    @classmethod
    def _times(cls, v: list[datetime]) -> list[datetime]:
        return sorted({_aware(t, "建议时间", "A proposed time") for t in v})


class NoteIn(Schema):
    """An optional note with a step (start, close)."""

    note: str = Field("", max_length=1000)


class ReportIn(Schema):
    """A report draft; ``version`` is the version last read (0 when there is no draft yet)."""

    version: int = Field(ge=0)
    assessment: str = Field("", max_length=8000)
    diagnosis_text: str = Field("", max_length=2000)
    icd10_codes: list[str] = Field(default_factory=list, max_length=20)
    recommendation: str = Field("", max_length=8000)
    transfer_advised: bool = False
    surgery_advised: bool = False
    preop_plan: str = Field("", max_length=8000)

    @field_validator("assessment", "diagnosis_text", "recommendation", "preop_plan")
    @classmethod
    def _text(cls, v: str) -> str:
        return clean_text(v, max_len=8000, label_zh="报告内容", label_en="Report text", allow_newlines=True) if v.strip() else ""

    @field_validator("icd10_codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for code in v:
            c = code.strip().upper()
            if not _ICD10.match(c):
                raise field_error("icd10_invalid", f"ICD-10 编码格式不正确:{code[:20]}(例如 M48.06)",
                                  f"Not a valid ICD-10 code: {code[:20]} (e.g. M48.06)")
            if c not in out:
                out.append(c)
        return out


class SignIn(Schema):
    """Sign the version last read."""

    version: int = Field(ge=1)


class ParticipantIn(Schema):
    """Invite a colleague or the patient into the room."""

    user_id: uuid.UUID
    role: str = Field(pattern="^(colleague|patient)$")


class MessageIn(Schema):
    """A text-only chat message (JSON); attachments go as multipart."""

    body: str = Field(max_length=4000)

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        return clean_text(v, max_len=4000, label_zh="消息", label_en="Message", allow_newlines=True)


# --- read views ---------------------------------------------------------------------------------------


class PersonRef(Schema):
    """A user as both sides see them."""

    id: uuid.UUID
    name: str
    title: str = ""
    institution_id: uuid.UUID | None = None
    institution_name: str = ""


class PatientBrief(Schema):
    """What the consultation shows about the patient (no contact or ID data)."""

    id: uuid.UUID
    name: str
    sex: str
    age: int | None = None
    mrn: str | None = None  # only for the requesting side


class SharedItemRead(Schema):
    """A shared item."""

    kind: str
    ref: str
    label: str


class ConsentRead(Schema):
    """The recorded consent."""

    given_by: str
    method: str
    note: str
    recording: bool
    recorded_by_id: uuid.UUID
    recorded_at: datetime


class EventRead(Schema):
    """One step of the status history."""

    seq: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    action: str
    from_status: str | None
    to_status: str
    note: str


class ParticipantRead(Schema):
    """A room participant."""

    user_id: uuid.UUID
    name: str
    role: str
    institution_name: str
    added_at: datetime


class ReportRead(Schema):
    """The structured report."""

    id: uuid.UUID
    version: int
    status: str
    assessment: str
    diagnosis_text: str
    icd10_codes: list[str]
    recommendation: str
    transfer_advised: bool
    surgery_advised: bool
    preop_plan: str
    author_id: uuid.UUID
    signed_at: datetime | None
    signed_by_id: uuid.UUID | None
    signed_by_name: str
    amends_id: uuid.UUID | None
    updated_at: datetime


class GrantRead(Schema):
    """A grant this consultation gave (for transparency to both sides)."""

    grantee_id: uuid.UUID
    scope: list[str] | None
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None


class ConsultationSummary(Schema):
    """A consultation in a list (the patient page and the worklists)."""

    id: uuid.UUID
    status: str
    type: str
    urgency: str
    question: str
    patient: PatientBrief
    requester: PersonRef
    requesting_institution_name: str
    target_institution_id: uuid.UUID
    target_institution_name: str
    subspecialty: str
    expert: PersonRef | None
    scheduled_at: datetime | None
    sla_due_at: datetime
    sla_state: str
    created_at: datetime
    updated_at: datetime
    report_signed_at: datetime | None = None
    report_diagnosis: str | None = None
    report_recommendation: str | None = None


class ConsultationRead(ConsultationSummary):
    """The full consultation: history, SLA, shared items, participants, report and what the viewer may do."""

    preferred_expert: PersonRef | None
    proposed_times: list[datetime]
    proposal_note: str
    decline_reason: str
    cancel_reason: str
    responded_at: datetime | None
    started_at: datetime | None
    reported_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    version: int
    consent: ConsentRead | None
    shared: list[SharedItemRead]
    participants: list[ParticipantRead]
    events: list[EventRead]
    report: ReportRead | None
    grants: list[GrantRead]
    my_role: str  # requester | expert | triage | colleague | patient | viewer
    allowed_actions: list[str]


class AttachmentRead(Schema):
    """A chat attachment's description."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    url: str


class MessageRead(Schema):
    """A chat message."""

    id: uuid.UUID
    consultation_id: uuid.UUID
    sender_id: uuid.UUID
    sender_name: str
    body: str
    attachment: AttachmentRead | None
    created_at: datetime


class RoomJoinRead(Schema):
    """What the room page needs to connect."""

    topic: str
    participant: dict[str, Any]
    media: dict[str, Any]


class ExpertRead(Schema):
    """Someone who can answer a consultation."""

    id: uuid.UUID
    full_name: str
    title: str
    role: str
    department: str | None
    department_name: str | None
