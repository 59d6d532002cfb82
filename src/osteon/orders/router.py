"""Orders API: create orders, walk the lifecycle, report and review results, critical values, charges."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from osteon.db import DbSession
from osteon.kit.errors import BadRequest
from osteon.orders import service
from osteon.orders.schemas import (
    AckIn,
    AlertRead,
    ChargeRead,
    OrderCreate,
    OrderRead,
    PayIn,
    RatiosRead,
    ReportIn,
    TransitionIn,
    WorklistRow,
)
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["orders"])
NO_STORE = {"Cache-Control": "no-store"}


ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _parse_day(value: str | None) -> date | None:
    """A YYYY-MM-DD query value (timestamps such as "0" are refused, unlike pydantic's lax date)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest("日期格式不正确(例如 2026-11-25)", "Not a valid date (e.g. 2026-11-25)", code_override="invalid_date") from None


async def _one(session, order) -> OrderRead:
    """One order as read."""
    return (await service.to_reads(session, [order]))[0]


@router.post("/orders", response_model=OrderRead, status_code=status.HTTP_201_CREATED)
async def create_order(data: Annotated[OrderCreate, Body()], actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """Order imaging (gets an accession number), lab, prescription, consumable or procedure; charges are created."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.create_order(session, actor, data))


@router.get("/orders/{order_id}", response_model=OrderRead)
async def get_order(order_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """An order with its steps (who/when) and result."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.get_for(session, actor, order_id))


@router.get("/patients/{patient_id}/orders", response_model=list[OrderRead])
async def list_patient_orders(
    patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
    encounter_id: uuid.UUID | None = None, admission_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[OrderRead]:
    """A patient's orders, newest first."""
    response.headers.update(NO_STORE)
    orders = await service.patient_orders(session, actor, patient_id, encounter_id, admission_id, limit, offset)
    return await service.to_reads(session, orders)


@router.post("/orders/{order_id}/transitions", response_model=OrderRead)
async def transition_order(order_id: uuid.UUID, data: TransitionIn, actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """Schedule or perform an order (409 naming the missing step when one is skipped)."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.advance(session, actor, order_id, data.to, data.note))


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
async def cancel_order(order_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """Cancel an order not yet performed (paid charges are refunded)."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.cancel(session, actor, order_id))


@router.post("/orders/{order_id}/report", response_model=OrderRead)
async def report_order(order_id: uuid.UUID, data: ReportIn, actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """Report the result: radiology text or lab values (flags and critical values computed)."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.report(session, actor, order_id, data))


@router.post("/orders/{order_id}/review", response_model=OrderRead)
async def review_order(order_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> OrderRead:
    """The doctor has read the result."""
    response.headers.update(NO_STORE)
    return await _one(session, await service.review(session, actor, order_id))


@router.get("/imaging-worklist", response_model=list[WorklistRow])
async def imaging_worklist(
    actor: CurrentUser, session: DbSession, response: Response,
    day: Annotated[str | None, Query(pattern=ISO_DATE)] = None, include_open: bool = True,
) -> list[WorklistRow]:
    """The imaging worklist of my hospital: a day's imaging orders (today by default) plus older ones still open;
    live changes on topic worklist:<institution_id>."""
    response.headers.update(NO_STORE)
    return await service.imaging_worklist(session, actor, _parse_day(day), include_open)


@router.get("/critical-alerts", response_model=list[AlertRead])
async def my_alerts(actor: CurrentUser, session: DbSession, response: Response) -> list[AlertRead]:
    """My unacknowledged critical values."""
    response.headers.update(NO_STORE)
    return [AlertRead.model_validate(a) for a in await service.my_open_alerts(session, actor)]


@router.post("/critical-alerts/{alert_id}/ack", response_model=AlertRead)
async def ack_alert(alert_id: uuid.UUID, data: AckIn, actor: CurrentUser, session: DbSession, response: Response) -> AlertRead:
    """Acknowledge a critical value (audited)."""
    response.headers.update(NO_STORE)
    return AlertRead.model_validate(await service.acknowledge_alert(session, actor, alert_id, data.note))


@router.get("/patients/{patient_id}/charges", response_model=list[ChargeRead])
async def list_patient_charges(
    patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
    status_: Annotated[str | None, Query(alias="status", pattern="^(unpaid|paid|refunded)$")] = None,
    encounter_id: uuid.UUID | None = None, admission_id: uuid.UUID | None = None,
) -> list[ChargeRead]:
    """A patient's charges (amounts in fen and yuan)."""
    response.headers.update(NO_STORE)
    rows = await service.patient_charges(session, actor, patient_id, status_, encounter_id, admission_id)
    return [service.charge_read(c) for c in rows]


@router.post("/charges/pay", response_model=list[ChargeRead])
async def pay_charges(data: PayIn, actor: CurrentUser, session: DbSession, response: Response) -> list[ChargeRead]:
    """Confirm payment of charges through the payment gateway (cashier by default)."""
    response.headers.update(NO_STORE)
    return [service.charge_read(c) for c in await service.pay(session, actor, data.charge_ids)]


@router.get("/charges/ratios", response_model=RatiosRead)
async def charge_ratios(
    actor: CurrentUser, session: DbSession,
    department_id: uuid.UUID | None = None, encounter_id: uuid.UUID | None = None, admission_id: uuid.UUID | None = None,
    start: Annotated[str | None, Query(pattern=ISO_DATE)] = None, end: Annotated[str | None, Query(pattern=ISO_DATE)] = None,
) -> RatiosRead:
    """药占比 and 耗占比 of your institution, by department, encounter, admission and service-date range."""
    return await service.ratios_report(session, actor, department_id=department_id, encounter_id=encounter_id,
                                       admission_id=admission_id, start=_parse_day(start), end=_parse_day(end))


def setup(app: object) -> None:
    """Register the imaging-worklist topic with the WebSocket hub."""
    from osteon.orders import topics

    topics.register()
