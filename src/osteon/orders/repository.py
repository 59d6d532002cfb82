"""Every query of the orders domain."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.orders.models import ChargeItem, CriticalAlert, LabValue, Order, OrderEvent, OrderResult


async def get_order(session: AsyncSession, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
    """An order by id (row-locked on PostgreSQL when asked)."""
    stmt = select(Order).where(Order.id == order_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of(session: AsyncSession, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[OrderEvent]]:
    """Lifecycle events of several orders in one query."""
    out: dict[uuid.UUID, list[OrderEvent]] = defaultdict(list)
    if order_ids:
        rows = await session.execute(select(OrderEvent).where(OrderEvent.order_id.in_(order_ids)).order_by(OrderEvent.at))
        for e in rows.scalars():
            out[e.order_id].append(e)
    return out


async def results_of(session: AsyncSession, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[OrderResult, list[LabValue]]]:
    """Results and their lab values of several orders in two queries."""
    if not order_ids:
        return {}
    results = list((await session.execute(select(OrderResult).where(OrderResult.order_id.in_(order_ids)))).scalars())
    values: dict[uuid.UUID, list[LabValue]] = defaultdict(list)
    if results:
        rows = await session.execute(select(LabValue).where(LabValue.result_id.in_([r.id for r in results])))
        for v in rows.scalars():
            values[v.result_id].append(v)
    return {r.order_id: (r, values[r.id]) for r in results}


async def result_of(session: AsyncSession, order_id: uuid.UUID) -> OrderResult | None:
    """The result of one order."""
    return (await session.execute(select(OrderResult).where(OrderResult.order_id == order_id))).scalar_one_or_none()


async def orders_of_patient(session: AsyncSession, patient_id: uuid.UUID, encounter_id: uuid.UUID | None,
                            admission_id: uuid.UUID | None, limit: int, offset: int) -> list[Order]:
    """A patient's orders, newest first, optionally of one encounter/admission."""
    stmt = select(Order).where(Order.patient_id == patient_id)
    if encounter_id:
        stmt = stmt.where(Order.encounter_id == encounter_id)
    if admission_id:
        stmt = stmt.where(Order.admission_id == admission_id)
    rows = await session.execute(stmt.order_by(Order.ordered_at.desc()).limit(limit).offset(offset))
    return list(rows.scalars())


async def charges_by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[ChargeItem]:
    """Charges by id, row-locked."""
    rows = await session.execute(select(ChargeItem).where(ChargeItem.id.in_(ids)).with_for_update())
    return list(rows.scalars())


async def charges_of_orders(session: AsyncSession, order_ids: list[uuid.UUID]) -> list[ChargeItem]:
    """All charges of the given orders."""
    if not order_ids:
        return []
    return list((await session.execute(select(ChargeItem).where(ChargeItem.order_id.in_(order_ids)))).scalars())


async def charges_of_patient(session: AsyncSession, patient_id: uuid.UUID, status: str | None,
                             encounter_id: uuid.UUID | None, admission_id: uuid.UUID | None) -> list[ChargeItem]:
    """A patient's charges."""
    stmt = select(ChargeItem).where(ChargeItem.patient_id == patient_id)
    if status:
        stmt = stmt.where(ChargeItem.status == status)
    if encounter_id:
        stmt = stmt.where(ChargeItem.encounter_id == encounter_id)
    if admission_id:
        stmt = stmt.where(ChargeItem.admission_id == admission_id)
    return list((await session.execute(stmt.order_by(ChargeItem.charged_at))).scalars())


async def totals_by_category(session: AsyncSession, *, institution_id: uuid.UUID, encounter_id: uuid.UUID | None = None,
                             admission_id: uuid.UUID | None = None, department_id: uuid.UUID | None = None,
                             start: date | None = None, end: date | None = None) -> dict[str, int]:
    """Sum of amount_fen per category over non-refunded charges (one GROUP BY query)."""
    stmt = select(ChargeItem.category, func.sum(ChargeItem.amount_fen)).where(
        ChargeItem.institution_id == institution_id, ChargeItem.status != "refunded")
    if encounter_id:
        stmt = stmt.where(ChargeItem.encounter_id == encounter_id)
    if admission_id:
        stmt = stmt.where(ChargeItem.admission_id == admission_id)
    if department_id:
        stmt = stmt.where(ChargeItem.department_id == department_id)
    if start:
        stmt = stmt.where(ChargeItem.service_date >= start)
    if end:
        stmt = stmt.where(ChargeItem.service_date <= end)
    rows = await session.execute(stmt.group_by(ChargeItem.category))
    return {cat: int(total or 0) for cat, total in rows.all()}


async def get_alert(session: AsyncSession, alert_id: uuid.UUID) -> CriticalAlert | None:
    """A critical alert."""
    return await session.get(CriticalAlert, alert_id)


async def open_alerts_for(session: AsyncSession, doctor_id: uuid.UUID) -> list[CriticalAlert]:
    """Unacknowledged alerts of a doctor."""
    rows = await session.execute(select(CriticalAlert).where(CriticalAlert.doctor_id == doctor_id,
                                                             CriticalAlert.acknowledged_at.is_(None))
                                 .order_by(CriticalAlert.created_at))
    return list(rows.scalars())


async def orders_of_results(session: AsyncSession, result_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The orders the given results report on."""
    return list((await session.execute(select(OrderResult.order_id).where(OrderResult.id.in_(result_ids)))).scalars())


async def imaging_worklist(session: AsyncSession, institution_id: uuid.UUID, start: datetime, end: datetime,
                           include_open: bool, patient_ok: ColumnElement[bool], limit: int) -> list[tuple]:
    """Imaging orders of an institution ordered in [start, end) — plus, with ``include_open``, older ones still waiting
    for the department (paid/scheduled/performed, or an inpatient order, which has no payment step) — with their
    patient, oldest first, in one query."""
    from osteon.patients.models import Patient

    when: ColumnElement[bool] = Order.ordered_at >= start
    if include_open:
        when = or_(when, Order.status.in_(("paid", "scheduled", "performed")),
                   and_(Order.status == "ordered", Order.admission_id.is_not(None)))
    stmt = (
        select(Order, Patient)
        .join(Patient, Patient.id == Order.patient_id)
        .where(Order.institution_id == institution_id, Order.kind == "imaging", Order.ordered_at < end, when, patient_ok)
        .order_by(Order.ordered_at)
        .limit(limit)
    )
    return [tuple(r) for r in (await session.execute(stmt)).all()]
