"""The app serving the current request or job, for code that runs outside FastAPI's dependencies
(job handlers, DICOM association threads). Several apps may live in one process (tests, benchmarks), so
this is a context variable, never a module global."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

current_app: ContextVar[Any] = ContextVar("osteon_current_app", default=None)
