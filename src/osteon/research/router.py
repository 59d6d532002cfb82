"""Research exports under /api/v1/research: de-identified datasets for department heads."""

from __future__ import annotations

from fastapi import APIRouter, Response

from osteon.db import DbSession
from osteon.research import service
from osteon.research.schemas import ExportRequest, ResearchExport
from osteon.security.deps import Actor, require

router = APIRouter(prefix="/api/v1/research", tags=["research"])


@router.post("/exports", response_model=ResearchExport)
async def export(body: ExportRequest, session: DbSession, response: Response,
                 actor: Actor = require("patient:export")) -> ResearchExport:
    """A de-identified dataset (Safe Harbor / GB/T 37964) of your department's patients active in the years given."""
    response.headers["Cache-Control"] = "no-store"
    return await service.export(session, actor, body)
