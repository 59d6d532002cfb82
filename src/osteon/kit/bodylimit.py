"""Request body limits (SECURITY 21): refuse a body over its limit with 413 before it is read into memory.

The app-wide limit is ``OSTEON_MAX_BODY_BYTES``; a domain raises it for its own paths in ``setup(app)`` with
:func:`allow`, e.g. DICOMweb STOW-RS or a consultation chat message carrying a 20 MB attachment, optionally
with its own error (a message that names its limit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from osteon.kit import problems
from osteon.kit.errors import OsteonError, PayloadTooLarge


@dataclass(frozen=True)
class Rule:
    """Paths matching ``pattern`` (full match) may send up to ``limit`` bytes; over it, ``error``."""

    pattern: re.Pattern[str]
    limit: int
    error: type[OsteonError] = PayloadTooLarge


def allow(app: FastAPI, pattern: str, limit: int, error: type[OsteonError] = PayloadTooLarge) -> None:
    """Let paths matching the regex ``pattern`` send bodies up to ``limit`` (first matching rule wins)."""
    app.state.body_limits.append(Rule(re.compile(pattern), limit, error))


class BodyLimit:
    """The middleware: checks Content-Length first, then counts streamed bytes."""

    def __init__(self, app: ASGIApp, default: int, rules: list[Rule]) -> None:
        """Wrap ``app``; ``rules`` is the app's live list (domains add to it at setup)."""
        self.app, self.default, self.rules = app, default, rules
        self._default_rule = Rule(re.compile(""), default)

    def _rule(self, path: str) -> Rule:
        for rule in self.rules:
            if rule.pattern.fullmatch(path):
                return rule
        return self._default_rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse early when the declared length is too big, else stop reading past the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self._rule(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > rule.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _problem(scope, send, rule)
                    return
        seen, tripped, replaced = 0, False, False

        async def limited() -> Message:
            nonlocal seen, tripped
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > rule.limit:
                    tripped = True
                    raise rule.error()
            return message

        async def guarded(message: Message) -> None:
            # However the app reacted to the limit (a parse error, an exception), the caller gets the 413.
            nonlocal replaced
            if replaced:
                return
            if tripped and message["type"] == "http.response.start":
                replaced = True
                await _problem(scope, send, rule)
                return
            await send(message)

        await self.app(scope, limited, guarded)


async def _problem(scope: Scope, send: Send, rule: Rule) -> None:
    """Send the 413 problem document."""
    request = Request(scope)
    response = problems.problem(request, 413, rule.error.code, rule.error().message(problems.language(request)))
    await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
