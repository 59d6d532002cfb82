"""Imaging orders → Modality Worklist: every imaging order of the orders domain gets its ``imaging_requests`` row
(same accession number), so a modality's worklist C-FIND returns it and the images it sends match the order.

The orders table is the source of truth and the link is idempotent (the accession number is unique in both
tables), so the row is created — always in a transaction of its own, after the order committed — by whichever of
these comes first:

1. the ``imaging.orders`` event the orders domain publishes after commit (``imaging.order.created``), received by a
   listener started with the app (fast path; an event lost in a crash or a restart is harmless because of 2–4);
2. every Modality Worklist C-FIND: missing rows of the caller's institution are created before the answer
   (the worklist can never lag behind committed orders);
3. an arriving study whose accession number names an order without a request (a modality that skipped the
   worklist and had the accession typed in);
4. a sweep at start-up and every ``SWEEP_SECONDS``.

Cancelled orders take their still-open requests off the worklist (status ``cancelled``) on the same paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging import repository
from osteon.imaging.models import ImagingRequest
from osteon.orders.models import Order
from osteon.security import audit

log = logging.getLogger(__name__)

TOPIC = "imaging.orders"
SWEEP_SECONDS = 300.0
SWEEP_BATCH = 500
SYSTEM_USER = "system:imaging-orders"
LATERALITY = {"left": "L", "right": "R", "bilateral": "B"}


def _request_for(order: Order) -> ImagingRequest:
    """The worklist row of an imaging order."""
    details: dict[str, Any] = order.details or {}
    acc = order.accession_number or ""
    views = ", ".join(str(v) for v in details.get("views") or [])
    procedure = f"{order.title} ({views})" if views else order.title
    return ImagingRequest(
        institution_id=order.institution_id, patient_id=order.patient_id, accession_number=acc,
        requested_procedure_id=acc[-16:], requested_procedure=procedure[:64],
        modality=str(details.get("modality") or "")[:16], body_part=str(details.get("body_part") or "")[:64],
        laterality=LATERALITY.get(str(details.get("laterality") or ""), ""), scheduled_at=order.ordered_at,
        scheduled_station_ae="", reason=str(details.get("clinical_question") or "")[:200],
        requested_by_id=order.ordered_by_id,
    )


async def link_order(session: AsyncSession, order: Order) -> ImagingRequest:
    """The imaging request of ``order``, created when missing (flush only; audited). A concurrent creator
    makes the flush fail with IntegrityError inside a savepoint; the row it created is returned."""
    assert order.accession_number
    existing = await repository.request_by_accession(session, order.accession_number)
    if existing is not None:
        return existing
    req = _request_for(order)
    try:
        async with session.begin_nested():
            session.add(req)
            await session.flush()
    except IntegrityError:
        existing = await repository.request_by_accession(session, order.accession_number)
        if existing is None:
            raise
        return existing
    audit.record(session, "imaging.request.create", patient_id=order.patient_id, resource_type="ServiceRequest",
                 resource_id=req.id, username=SYSTEM_USER,
                 detail={"accession": req.accession_number, "modality": req.modality, "order": str(order.id)})
    return req


async def sync(session: AsyncSession, *, institution_id: Any = None, accession: str | None = None,
               limit: int = SWEEP_BATCH) -> tuple[int, int]:
    """Create the missing requests and cancel those of cancelled orders (flush only). Returns (created, cancelled)."""
    created = 0
    for order in await repository.imaging_orders_without_request(session, institution_id, accession, limit):
        await link_order(session, order)
        created += 1
    cancelled = 0
    for req in await repository.open_requests_of_cancelled_orders(session, institution_id, accession):
        req.status = "cancelled"
        audit.record(session, "imaging.request.cancel", patient_id=req.patient_id, resource_type="ServiceRequest",
                     resource_id=req.id, username=SYSTEM_USER, detail={"accession": req.accession_number})
        cancelled += 1
    if cancelled:
        await session.flush()
    return created, cancelled


async def sync_in_own_transaction(db: Any, *, institution_id: Any = None, accession: str | None = None
                                  ) -> tuple[int, int]:
    """``sync`` in a unit of work of its own (retried once when another instance linked the same order)."""
    for attempt in range(2):
        try:
            async with db.transaction() as session:
                return await sync(session, institution_id=institution_id, accession=accession)
        except IntegrityError:
            if attempt:
                raise
    return 0, 0


async def link_on_ingest(session: AsyncSession, accession: str) -> ImagingRequest | None:
    """An arriving study names ``accession``: the request of that imaging order (created if still missing)."""
    order = await repository.imaging_order_by_accession(session, accession)
    if order is None or order.status == "cancelled":
        return None
    return await link_order(session, order)


def _accession_of(message: dict[str, Any]) -> str | None:
    """The accession number of an ``imaging.order.created`` event (raw, or in the realtime hub's envelope)."""
    body = message.get("data") if isinstance(message.get("data"), dict) else message
    if not isinstance(body, dict) or body.get("type") != "imaging.order.created":
        return None
    acc = body.get("accession_number")
    return acc if isinstance(acc, str) and 0 < len(acc) <= 16 else None


async def _listen(app: Any) -> None:
    """Link each order named by an ``imaging.orders`` event (fast path)."""
    while True:
        try:
            async with app.state.broker.subscribe(TOPIC) as messages:
                async for message in messages:
                    acc = _accession_of(message)
                    if acc is None:
                        continue
                    try:
                        await sync_in_own_transaction(app.state.db, accession=acc)
                    except Exception:  # the sweep and the worklist query link it later
                        log.exception("linking imaging order %s failed", acc)
        except asyncio.CancelledError:
            raise
        except Exception:  # broker hiccup (Redis restart): resubscribe
            log.exception("imaging.orders subscription lost; resubscribing")
            await asyncio.sleep(5)


async def _sweep(app: Any) -> None:
    """Link everything missed, at start-up and then every ``SWEEP_SECONDS``."""
    while True:
        try:
            created, cancelled = await sync_in_own_transaction(app.state.db)
            if created or cancelled:
                log.info("imaging orders sweep: %d requests created, %d cancelled", created, cancelled)
        except asyncio.CancelledError:
            raise
        except Exception:  # retried at the next sweep
            log.exception("imaging orders sweep failed")
        await asyncio.sleep(SWEEP_SECONDS)


async def start(app: Any) -> None:
    """Start the listener and the sweep with the app."""
    app.state.imaging_order_tasks = [asyncio.create_task(_listen(app), name="imaging-orders-listen"),
                                     asyncio.create_task(_sweep(app), name="imaging-orders-sweep")]


async def stop(app: Any) -> None:
    """Stop them."""
    tasks = getattr(app.state, "imaging_order_tasks", [])
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    app.state.imaging_order_tasks = []
