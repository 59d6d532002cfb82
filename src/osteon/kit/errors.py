"""Typed errors rendered as RFC 9457 problem+json, with messages in zh-CN and en."""

from __future__ import annotations

from typing import Any, ClassVar


class OsteonError(Exception):
    """Base of every error a caller may see: a status, a stable code and a bilingual message."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title_zh: ClassVar[str] = "请求有误"
    title_en: ClassVar[str] = "Bad request"

    def __init__(
        self, zh: str | None = None, en: str | None = None, *, code_override: str | None = None, **extra: Any
    ) -> None:
        """Optionally override the message or code; extra keys go into the problem document."""
        self.code = code_override or type(self).code  # type: ignore[misc]
        self.zh = zh or self.title_zh
        self.en = en or self.title_en
        self.extra = extra
        super().__init__(self.en)

    def message(self, lang: str) -> str:
        """The message in the caller's language."""
        return self.zh if lang.startswith("zh") else self.en


class BadRequest(OsteonError):
    """400."""


class Unauthorized(OsteonError):
    """401: not logged in, or credentials rejected."""

    status = 401
    code = "unauthorized"
    title_zh = "请先登录"
    title_en = "Please log in"


class Forbidden(OsteonError):
    """403: known user, action not allowed (never used to hide a record: that is NotFound)."""

    status = 403
    code = "forbidden"
    title_zh = "您没有执行此操作的权限"
    title_en = "You are not allowed to do this"


class NotFound(OsteonError):
    """404: missing, or not visible to this user (the two look the same, SECURITY 9)."""

    status = 404
    code = "not_found"
    title_zh = "未找到该记录"
    title_en = "Record not found"


class Conflict(OsteonError):
    """409: the request conflicts with the current state."""

    status = 409
    code = "conflict"
    title_zh = "操作与当前状态冲突"
    title_en = "This conflicts with the current state"


class StaleVersion(Conflict):
    """409: someone else saved the record first (optimistic versioning)."""

    code = "stale_version"
    title_zh = "该记录已被他人修改,请刷新后重试"
    title_en = "Someone else changed this record; reload and try again"


class PayloadTooLarge(OsteonError):
    """413."""

    status = 413
    code = "payload_too_large"
    title_zh = "提交的内容过大"
    title_en = "The request body is too large"


class ServiceUnavailable(OsteonError):
    """503: an optional component is not configured or not reachable."""

    status = 503
    code = "unavailable"
    title_zh = "该功能暂不可用"
    title_en = "This feature is not available right now"
