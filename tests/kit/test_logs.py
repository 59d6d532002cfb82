"""SECURITY 16: log records are redacted without breaking their formatters."""

from __future__ import annotations

import logging

from osteon.kit.logs import RedactingFilter


def test_uvicorn_access_records_keep_their_five_arguments_redacted():
    """uvicorn's access formatter unpacks (client, method, path, version, status): the filter must redact
    inside them, not flatten them (which made every access line a logging error)."""
    import io

    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/v1/patients?q=13812345678&token=abc123", "1.1", 200), None)
    RedactingFilter().filter(record)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s "%(request_line)s" %(status_code)s', use_colors=False))
    handler.emit(record)
    line = stream.getvalue()
    assert "13812345678" not in line and "abc123" not in line and "138****5678" in line and "200" in line
