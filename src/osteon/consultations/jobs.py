"""Durable consultation jobs: the SLA reminder (answer due soon / overdue) and the 15-minute start reminder."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon import jobs
from osteon.consultations import service


@jobs.handler(service.SLA_JOB)
async def sla_reminder(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Run one SLA reminder stage."""
    await service.run_sla_reminder(session, payload)


@jobs.handler(service.START_JOB)
async def start_reminder(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Run the start reminder."""
    await service.run_start_reminder(session, payload)


@jobs.handler(service.MEDIA_CLOSE_JOB)
async def media_close(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Close the video room of a closed or cancelled consultation."""
    from osteon.kit.context import current_app

    app = current_app.get()
    if app is None:
        raise jobs.RetryLater(60)
    await service.run_media_close(session, app.state.settings, payload)
