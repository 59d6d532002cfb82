"""Logging that never holds passwords, tokens or full ID numbers (SECURITY 16)."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # Resident ID numbers (18 characters; 15-digit old format) anywhere, e.g. in a search URL.
    (re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8,11}([\dXx])(?![0-9A-Za-z])"), r"\1********\2"),
    # Mainland mobile numbers.
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # Bearer tokens, session cookies, token query parameters, passwords in form/JSON bodies.
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (re.compile(r"(?i)((?:token|access_token|password|totp|osteon_session)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;}]+"), r"\1***"),
]


def redact(text: str) -> str:
    """Mask secrets and identifiers in a log line."""
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts each record's message and arguments in place, keeping the arguments' shape — uvicorn's access
    formatter unpacks its five arguments, so they must stay a tuple of five."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, redacted."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = _clean(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True


def _clean(value: object) -> object:
    """A string redacted; any other value replaced by its redacted text only if that text held a secret."""
    if isinstance(value, str):
        return redact(value)
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def install() -> None:
    """Attach the filter to the handlers of the root, uvicorn and osteon loggers."""
    flt = RedactingFilter()
    for name in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "osteon", "sqlalchemy.engine", "pynetdicom"):
        logger = logging.getLogger(name)
        logger.addFilter(flt)
        for handler in logger.handlers:
            handler.addFilter(flt)
