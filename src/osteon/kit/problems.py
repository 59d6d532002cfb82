"""RFC 9457 problem+json rendering, in the caller's language."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from osteon.kit.errors import OsteonError

log = logging.getLogger("osteon")
PROBLEM = "application/problem+json"


class FieldProblem(BaseModel):
    """One invalid field."""

    field: str
    message: str
    type: str = ""


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` is in the caller's language."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldProblem] | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


# Every route documents the problem responses it can give (schemathesis checks responses against these).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Bad request"),
    401: _documented("Not logged in, or the session expired"),
    403: _documented("Not allowed"),
    404: _documented("Not found, or not visible to you"),
    409: _documented("Conflicts with the current state"),
    406: _documented("None of the accepted media types can be produced"),
    413: _documented("Body too large"),
    415: _documented("Unsupported media type"),
    422: _documented("Invalid fields"),
    503: _documented("An optional component is not configured or not reachable"),
}

_HTTP_TEXT = {
    400: ("请求有误", "Bad request"),
    401: ("请先登录", "Please log in"),
    403: ("您没有执行此操作的权限", "You are not allowed to do this"),
    404: ("未找到", "Not found"),
    405: ("不支持该操作", "Method not allowed"),
    413: ("提交的内容过大", "The request body is too large"),
    406: ("无法提供所请求的格式", "Cannot produce an acceptable format"),
    415: ("不支持的内容类型", "Unsupported media type"),
    422: ("提交的内容有误,请检查标出的字段", "Some fields are not valid; please check them"),
    503: ("该功能暂不可用", "This feature is not available right now"),
    500: ("系统内部错误,请稍后再试;如果持续出现请联系信息科", "Internal error; please try again, and call IT if it persists"),
}

# Pydantic error types → bilingual messages a nurse understands.
_FIELD_TEXT: dict[str, tuple[str, str]] = {
    "missing": ("此项必填", "This field is required"),
    "extra_forbidden": ("不认识的字段", "Unknown field"),
    "string_too_long": ("内容过长", "Too long"),
    "string_too_short": ("内容过短", "Too short"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "string_type": ("应为文字", "Must be text"),
    "int_parsing": ("应为整数", "Must be a whole number"),
    "int_type": ("应为整数", "Must be a whole number"),
    "float_parsing": ("应为数字", "Must be a number"),
    "bool_parsing": ("应为是或否", "Must be true or false"),
    "date_from_datetime_parsing": ("日期格式不正确(例如 2024-05-01)", "Not a valid date (e.g. 2024-05-01)"),
    "date_parsing": ("日期格式不正确(例如 2024-05-01)", "Not a valid date (e.g. 2024-05-01)"),
    "datetime_parsing": ("时间格式不正确", "Not a valid date and time"),
    "datetime_from_date_parsing": ("时间格式不正确", "Not a valid date and time"),
    "uuid_parsing": ("编号格式不正确", "Not a valid identifier"),
    "enum": ("不是可选的值", "Not one of the allowed values"),
    "literal_error": ("不是可选的值", "Not one of the allowed values"),
    "json_invalid": ("提交的内容不是有效的 JSON", "The body is not valid JSON"),
    "model_attributes_type": ("格式不正确", "Wrong shape"),
    "dict_type": ("格式不正确", "Wrong shape"),
    "list_type": ("应为列表", "Must be a list"),
    "too_long": ("条目过多", "Too many items"),
    "too_short": ("条目过少", "Too few items"),
    "greater_than_equal": ("数值过小", "Value too small"),
    "less_than_equal": ("数值过大", "Value too large"),
    "greater_than": ("数值过小", "Value too small"),
    "less_than": ("数值过大", "Value too large"),
}


def language(request: Request) -> str:
    """zh unless the caller prefers English (Accept-Language, or ?lang=)."""
    lang = request.query_params.get("lang") or request.headers.get("accept-language", "zh-CN")
    first = lang.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def problem(request: Request, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """A problem+json response."""
    lang = language(request)
    zh, en = _HTTP_TEXT.get(status, _HTTP_TEXT[400 if status < 500 else 500])
    body = {"type": f"https://osteon.dev/problems/{code}", "title": zh if lang == "zh" else en,
            "status": status, "detail": detail, "code": code, **extra}
    headers = {"Cache-Control": "no-store", **(headers or {})}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_message(err: dict[str, Any], lang: str) -> str:
    ctx = err.get("ctx") or {}
    if "zh" in ctx and "en" in ctx:
        return str(ctx["zh"] if lang == "zh" else ctx["en"])
    zh, en = _FIELD_TEXT.get(err.get("type", ""), ("内容不正确", "Not valid"))
    if err.get("type") in ("string_too_long", "too_long") and "max_length" in ctx:
        zh, en = f"{zh}(最多 {ctx['max_length']})", f"{en} (at most {ctx['max_length']})"
    return zh if lang == "zh" else en


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the OpenAPI document declares at ``path`` (routes may live in included routers)."""
    table = getattr(app.state, "_allowed_methods", None)
    if table is None:
        table = []
        for template, operations in app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$")
            table.append((pattern, {m.upper() for m in operations if m in _HTTP_METHODS}))
        app.state._allowed_methods = table
    methods: set[str] = set()
    for pattern, declared in table:
        if pattern.match(path):
            methods |= declared
    return sorted(methods)


_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def install(app: FastAPI) -> None:
    """Register the error handlers."""

    @app.exception_handler(OsteonError)
    async def _osteon(request: Request, exc: OsteonError) -> JSONResponse:
        return problem(request, exc.status, exc.code, exc.message(language(request)), **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = language(request)
        errors = []
        for err in exc.errors()[:50]:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
            errors.append({"field": ".".join(loc), "message": _field_message(err, lang), "type": err.get("type", "")})
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:5])
        return problem(request, 422, "validation_error", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        zh, en = _HTTP_TEXT.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the first matching route's methods; a path served by several
            # routes (GET search + POST create) must list them all (RFC 9110 §15.5.6).
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
        return problem(request, exc.status_code, f"http_{exc.status_code}", zh if language(request) == "zh" else en,
                       headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        zh, en = _HTTP_TEXT[500]
        return problem(request, 500, "internal_error", zh if language(request) == "zh" else en)
