"""Errors of the consultation domain (zh-CN and en)."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, NotFound, PayloadTooLarge


class ConsultationNotFound(NotFound):
    """404 — also what someone who may not see the consultation gets."""

    code = "consultations.not_found"
    title_zh = "未找到该会诊"
    title_en = "Consultation not found"


class AttachmentNotFound(NotFound):
    """404."""

    code = "consultations.attachment_not_found"
    title_zh = "未找到该附件"
    title_en = "Attachment not found"


class IllegalTransition(Conflict):
    """409: the consultation's status does not allow this step; the message names both."""

    code = "consultations.illegal_transition"
    title_zh = "会诊当前状态不允许此操作"
    title_en = "The consultation's status does not allow this"


class ReportSigned(Conflict):
    """409: a signed report never changes."""

    code = "consultations.report_signed"
    title_zh = "会诊报告已签署,不能再修改"
    title_en = "The consultation report is signed and can no longer be changed"


class ReportIncomplete(BadRequest):
    """400: a report cannot be signed with required parts empty."""

    code = "consultations.report_incomplete"
    title_zh = "会诊报告不完整,不能签署"
    title_en = "The consultation report is incomplete and cannot be signed"


class InvalidExpert(BadRequest):
    """400: the chosen user cannot answer consultations for the target institution."""

    code = "consultations.invalid_expert"
    title_zh = "所选专家不属于目标医院或不能接受会诊"
    title_en = "The chosen expert does not belong to the target institution or cannot take consultations"


class InvalidParticipant(BadRequest):
    """400."""

    code = "consultations.invalid_participant"
    title_zh = "不能邀请该用户参加会诊"
    title_en = "This user cannot be invited to the consultation"


class InvalidShare(BadRequest):
    """400: a shared item does not belong to the patient or does not exist."""

    code = "consultations.invalid_share"
    title_zh = "共享的资料不属于该患者或不存在"
    title_en = "A shared item does not belong to this patient or does not exist"


class AttachmentTooLarge(PayloadTooLarge):
    """413: chat attachments are limited to 20 MB."""

    code = "consultations.attachment_too_large"
    title_zh = "附件过大:会诊聊天附件不能超过 20 MB,请压缩后再发送"
    title_en = "The attachment is too large: chat attachments are limited to 20 MB; please compress it and try again"
