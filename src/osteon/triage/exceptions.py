"""Triage errors, each with a stable code and a message in zh-CN and en."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, NotFound, PayloadTooLarge


class InterviewNotFound(NotFound):
    """404: no such interview, or the caller holds neither its token nor the right to see it."""

    code = "triage.interview_not_found"
    title_zh = "未找到该问诊记录"
    title_en = "Interview not found"


class InterviewFinished(Conflict):
    """409: the interview has already ended."""

    code = "triage.interview_finished"
    title_zh = "本次问诊已结束"
    title_en = "This interview has already ended"


class InterviewClaimed(Conflict):
    """409: the interview already belongs to a patient."""

    code = "triage.interview_claimed"
    title_zh = "该问诊已关联到其他患者"
    title_en = "This interview already belongs to another patient"


class WrongPatient(BadRequest):
    """400: linking an interview to another patient's appointment."""

    code = "triage.wrong_patient"
    title_zh = "问诊与预约不属于同一位患者"
    title_en = "The interview and the appointment belong to different patients"


class SummaryNotFound(NotFound):
    """404: no interview summary is attached to the appointment (or not visible)."""

    code = "triage.summary_not_found"
    title_zh = "该预约没有预问诊小结"
    title_en = "No pre-visit summary for this appointment"


class BodyTooLarge(PayloadTooLarge):
    """413: triage requests are short texts (at most 2 kB)."""

    code = "triage.body_too_large"
    title_zh = "描述太长了,请简要说明(不超过2 kB)"
    title_en = "Please keep the description short (at most 2 kB)"
