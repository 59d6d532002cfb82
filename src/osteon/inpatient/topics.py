"""WebSocket topics of the clinical domains, registered with the realtime hub: bed board, OR board,
critical-value alerts, a patient's order statuses. Each has an authorisation rule and a snapshot."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters.service import local_date
from osteon.inpatient import permissions as inpatient_perms
from osteon.inpatient import service as inpatient
from osteon.kit.errors import NotFound
from osteon.orders import permissions as order_perms
from osteon.orders import service as orders
from osteon.patients import service as patients
from osteon.security.deps import Actor
from osteon.surgery import permissions as surgery_perms
from osteon.surgery import service as surgery

UUID = r"[0-9a-fA-F-]{36}"


def _can(perms: Any, actor: Actor, permission: str) -> bool:
    """The domain permission map says yes."""
    return permission in perms.ROLE_PERMISSIONS.get(actor.role, frozenset())


async def _beds_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``beds:<ward_id>``: staff of the ward's hospital with bed:read (others: 404)."""
    ward = await inpatient.repository.get_ward(session, uuid.UUID(m["ward_id"]))
    if ward is None or ward.institution_id != actor.institution_id:
        raise NotFound()
    return _can(inpatient_perms, actor, "bed:read")


async def _beds_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """The ward's bed board."""
    return (await inpatient.bed_board(session, actor, [uuid.UUID(m["ward_id"])])).model_dump(mode="json")


async def _or_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``or:<institution_id>``: staff of that hospital with surgery:read."""
    if uuid.UUID(m["institution_id"]) != actor.institution_id:
        raise NotFound()
    return _can(surgery_perms, actor, "surgery:read")


async def _or_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Today's OR board."""
    rows = await surgery.day_schedule(session, actor, local_date())
    return {"day": local_date().isoformat(), "rows": [r.model_dump(mode="json") for r in rows]}


async def _alerts_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``alerts:<user_id>``: only that clinician."""
    if uuid.UUID(m["user_id"]) != actor.user_id:
        raise NotFound()
    return _can(order_perms, actor, "critical:ack")


async def _alerts_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """Open critical values of the clinician."""
    alerts = await orders.my_open_alerts(session, actor)
    return {"alerts": [{"id": str(a.id), "order_id": str(a.order_id), "patient_id": str(a.patient_id), "message": a.message,
                        "created_at": a.created_at.isoformat()} for a in alerts]}


async def _orders_authorize(session: AsyncSession, actor: Actor, m: re.Match[str]) -> bool:
    """``orders:<patient_id>``: whoever may see the patient (404 otherwise, audited)."""
    await patients.get_for(session, actor, uuid.UUID(m["patient_id"]), action="order.subscribe")
    return _can(order_perms, actor, "order:read")


async def _orders_snapshot(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any]:
    """The patient's latest orders with their status."""
    rows = await orders.patient_orders(session, actor, uuid.UUID(m["patient_id"]), None, None, 50, 0)
    return {"orders": [{"order_id": str(o.id), "kind": o.kind, "title": o.title, "status": o.status} for o in rows]}


def register() -> None:
    """Register the clinical topics with the hub (no-op without the realtime module)."""
    try:
        from osteon.realtime.hub import register_topic
    except ImportError:
        return
    register_topic(rf"beds:(?P<ward_id>{UUID})", _beds_authorize, _beds_snapshot, name="beds")
    register_topic(rf"or:(?P<institution_id>{UUID})", _or_authorize, _or_snapshot, name="or")
    register_topic(rf"alerts:(?P<user_id>{UUID})", _alerts_authorize, _alerts_snapshot, name="alerts")
    register_topic(rf"orders:(?P<patient_id>{UUID})", _orders_authorize, _orders_snapshot, name="orders")
