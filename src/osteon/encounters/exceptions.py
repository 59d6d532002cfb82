"""Errors of the encounter domain, each with a stable code and a message in zh-CN and en."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, NotFound


class EncounterNotFound(NotFound):
    """404."""

    code = "encounters.not_found"
    title_zh = "未找到该就诊记录"
    title_en = "Encounter not found"


class RecordSigned(Conflict):
    """409: a signed record changes only through an amendment."""

    code = "encounters.record_signed"
    title_zh = "病历已签名,只能通过修订(需填写原因)更改"
    title_en = "The record is signed; change it through an amendment with a reason"


class RecordNotSigned(Conflict):
    """409: amendments apply to signed records only."""

    code = "encounters.record_not_signed"
    title_zh = "病历尚未签名,请直接修改草稿"
    title_en = "The record is not signed yet; edit the draft instead"


class RecordIncomplete(Conflict):
    """409: signing needs the chief complaint and at least one diagnosis."""

    code = "encounters.record_incomplete"
    title_zh = "病历不完整,不能签名"
    title_en = "The record is incomplete and cannot be signed"


class EncounterClosed(Conflict):
    """409."""

    code = "encounters.closed"
    title_zh = "该就诊已结束"
    title_en = "This encounter is closed"


class InvalidScore(BadRequest):
    """400: the score answers cannot be scored."""

    code = "encounters.score_invalid"
    title_zh = "评分答案有误"
    title_en = "The score answers are not valid"


class UnknownTemplate(NotFound):
    """404."""

    code = "encounters.template_not_found"
    title_zh = "未找到该病历模板"
    title_en = "Record template not found"
