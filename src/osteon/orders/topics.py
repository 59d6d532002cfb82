"""WebSocket topic of the orders domain: ``worklist:<institution_id>``, the imaging worklist of a hospital.

Events carry ids and the new status only (``worklist.changed``); screens reload the list through the API, which
filters by what the reader may see and audits the read."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters.service import local_date
from osteon.kit.errors import NotFound
from osteon.orders.permissions import ROLE_PERMISSIONS
from osteon.security.deps import Actor

UUID = r"[0-9a-fA-F-]{36}"


async def _authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """Staff of that hospital who execute orders (another hospital: like a missing topic)."""
    if uuid.UUID(m["institution_id"]) != actor.institution_id:
        raise NotFound()
    return "order:execute" in ROLE_PERMISSIONS.get(actor.role, frozenset())


async def _snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Only the day: the list itself comes from GET /api/v1/imaging-worklist (filtered and audited)."""
    return {"day": local_date().isoformat()}


def register() -> None:
    """Register the topic with the hub (no-op without the realtime module)."""
    try:
        from osteon.realtime.hub import register_topic
    except ImportError:
        return
    register_topic(rf"worklist:(?P<institution_id>{UUID})", _authorize, _snapshot, name="worklist")
