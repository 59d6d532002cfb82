"""Triage request and response shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text

MAX_TEXT = 600  # characters; the whole body is also capped at 2 kB

Urgency = Literal["emergency", "urgent", "routine"]
Sex = Literal["male", "female"]


def _text(value: str) -> str:
    """Clean a patient's words; empty text is refused with a clear zh/en message."""
    return clean_text(value, max_len=MAX_TEXT, label_zh="病情描述", label_en="The description")


class AssessRequest(Schema):
    """What the patient (or the nurse, for them) says."""

    text: str = Field(description="Free text in any dialect or English, e.g. 腰杆疼了两个多月")
    age: float | None = Field(default=None, ge=0, le=130, strict=True)  # a number, not "12" or true
    sex: Sex | None = None

    @field_validator("text")
    @classmethod
    def _clean(cls, v: str) -> str:
        """Refuse empty or over-long text (bilingual message)."""
        return _text(v)


class AssessResult(Schema):
    """The engine's answer: department, urgency, red flags, evidence and a plain instruction."""

    model_config = ConfigDict(extra="allow")
    department: str
    department_name: dict[str, str]
    urgency: Urgency
    red_flags: list[str]
    red_flag_details: list[dict[str, Any]]
    alternatives: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    confidence: float
    instruction: dict[str, str]
    conditions: list[str]
    facts: dict[str, Any]
    findings: list[dict[str, Any]]
    backend: str = "rules"


class InterviewCreate(Schema):
    """Start an interview, optionally with the complaint already typed."""

    complaint: str | None = Field(default=None, description="What is wrong, in the patient's words")
    age: float | None = Field(default=None, ge=0, le=130, strict=True)  # a number, not "12" or true
    sex: Sex | None = None
    lang: Literal["zh", "en"] = "zh"

    @field_validator("complaint")
    @classmethod
    def _clean(cls, v: str | None) -> str | None:
        """Empty complaint = ask 'what is wrong' first."""
        return None if v is None or not v.strip() else _text(v)


class AnswerCreate(Schema):
    """One reply: free text or a quick-reply value (有 / 没有 / 不知道 / an option)."""

    text: str

    @field_validator("text")
    @classmethod
    def _clean(cls, v: str) -> str:
        """Refuse empty or over-long text (bilingual message)."""
        return _text(v)


class QuickReply(Schema):
    """A quick-reply button."""

    value: str
    label_zh: str
    label_en: str


class Question(Schema):
    """The question waiting for an answer."""

    id: str
    kind: str
    text: str
    text_zh: str
    text_en: str
    options: list[QuickReply]
    red_flag: bool
    number: int


class ChatMessage(Schema):
    """One bubble of the chat: from the assistant (question / message) or from the patient."""

    role: Literal["assistant", "patient"]
    text_zh: str
    text_en: str
    qid: str | None = None


class SummarySentence(Schema):
    """A summary sentence and the patient's own words it came from."""

    text: str
    refs: list[int]
    quotes: list[str]


class Utterance(Schema):
    """Something the patient said (index = position in the interview)."""

    model_config = ConfigDict(extra="allow")
    i: int
    text: str
    qid: str | None = None
    kind: str


class TriageSummary(Schema):
    """The doctor-facing pre-visit summary: 主诉, 现病史, positives, negatives, red flags screened."""

    chief_complaint: SummarySentence
    hpi: list[SummarySentence]
    hpi_text: str
    positives: list[SummarySentence]
    negatives: list[SummarySentence]
    red_flags_screened: list[SummarySentence]
    triage: list[SummarySentence]
    department: str
    urgency: Urgency
    red_flags: list[str]
    utterances: list[Utterance]


class BookableSession(Schema):
    """A clinic session (号源) with places left in the recommended department."""

    session_id: uuid.UUID
    department_id: uuid.UUID
    department_name: str | None = None
    doctor_name: str | None = None
    doctor_title: str | None = None
    session_date: date
    period: str
    starts_at: datetime
    available: int


class Booking(Schema):
    """Where to book the recommended department (a portal link, and sessions when we could look them up)."""

    department: str
    department_name: dict[str, str]
    link: str
    sessions: list[BookableSession] = Field(default_factory=list)


class InterviewRead(Schema):
    """An interview as the chat page sees it (resume: history, current question, result so far)."""

    id: uuid.UUID
    token: str | None = Field(default=None, description="Only in the response that starts the interview")
    lang: str
    done: bool
    stop_reason: str | None
    question: Question | None
    message: dict[str, str] | None = None
    transcript: list[ChatMessage]
    department: str
    department_name: dict[str, str]
    urgency: Urgency
    red_flags: list[str]
    instruction: dict[str, str]
    summary: TriageSummary | None
    booking: Booking | None
    claimed: bool
    appointment_id: uuid.UUID | None
    created_at: datetime
    finished_at: datetime | None


class InterviewListItem(Schema):
    """A row in a patient's interview list (staff)."""

    id: uuid.UUID
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    done: bool
    department: str
    urgency: Urgency
    red_flags: list[str]
    chief_complaint: str | None
    created_at: datetime
    finished_at: datetime | None


class LinkRequest(Schema):
    """Attach the interview's summary to an appointment."""

    appointment_id: uuid.UUID


class SummaryRead(Schema):
    """The doctor's view of a pre-visit summary."""

    interview_id: uuid.UUID
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    complete: bool
    created_at: datetime
    finished_at: datetime | None
    department_name: dict[str, str]
    summary: TriageSummary
