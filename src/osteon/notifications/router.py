"""Notifications API: my inbox, mark read, my preferences, the delivery log of my messages."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.db import DbSession
from osteon.kit.errors import NotFound
from osteon.notifications import config, service
from osteon.notifications.schemas import (
    DeliveryRead,
    NotificationPage,
    NotificationRead,
    PreferenceRead,
    PreferenceUpdate,
)
from osteon.realtime.hub import register_topic
from osteon.security.deps import Actor, CurrentUser

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


async def _authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``notifications:<user_id>``: only that user."""
    if m["user_id"].lower() != str(actor.user_id):
        raise NotFound()
    return True


async def _snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Unread count and the latest messages."""
    return await service.inbox_snapshot(session, actor.user_id)


def setup(app: FastAPI) -> None:
    """Keep the settings and the field cipher for delivery jobs; register the inbox topic."""
    config.configure(config.NotifySettings(), app.state.cipher)
    register_topic(r"notifications:(?P<user_id>[0-9a-fA-F-]{36})", _authorize, _snapshot, name="notifications")


@router.get("", response_model=NotificationPage)
async def list_notifications(
    actor: CurrentUser, session: DbSession, unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NotificationPage:
    """My notifications, newest first, with the unread count."""
    rows, total, unread = await service.list_mine(session, actor, unread_only=unread_only, limit=limit, offset=offset)
    return NotificationPage(items=[NotificationRead.model_validate(n) for n in rows], total=total, unread=unread,
                            limit=limit, offset=offset)


@router.post("/read-all")
async def mark_all_read(actor: CurrentUser, session: DbSession) -> dict[str, int]:
    """Mark all my notifications read."""
    return {"updated": await service.mark_all_read(session, actor)}


@router.get("/preferences", response_model=PreferenceRead)
async def get_preferences(actor: CurrentUser, session: DbSession) -> PreferenceRead:
    """My channels (SMS, e-mail), muted events, quiet hours and language."""
    return PreferenceRead.model_validate(await service.get_preferences(session, actor))


@router.put("/preferences", response_model=PreferenceRead)
async def put_preferences(body: PreferenceUpdate, actor: CurrentUser, session: DbSession) -> PreferenceRead:
    """Change my preferences (send the version you read)."""
    return PreferenceRead.model_validate(await service.put_preferences(session, actor, body))


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def mark_read(notification_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> NotificationRead:
    """Mark one of my notifications read."""
    return NotificationRead.model_validate(await service.mark_read(session, actor, notification_id))


@router.get("/{notification_id}/deliveries", response_model=list[DeliveryRead])
async def list_deliveries(notification_id: uuid.UUID, actor: CurrentUser, session: DbSession) -> list[DeliveryRead]:
    """How one of my notifications went out: SMS/e-mail deliveries and every attempt."""
    out = []
    for d, attempts in await service.deliveries_of(session, actor, notification_id):
        out.append(DeliveryRead.model_validate({**{k: getattr(d, k) for k in (
            "id", "channel", "destination_masked", "status", "attempts", "not_before", "sent_at", "last_error")},
            "log": [a for a in attempts]}))
    return out
