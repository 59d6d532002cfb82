"""Orders with their lifecycle events, results (DiagnosticReport/Observation), critical-value alerts
and charge items (FHIR ChargeItem; amounts in integer fen so sums are exact)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin, utcnow


class Order(IdMixin, TimestampMixin, Base):
    """One order line: imaging, lab, prescription, consumable or procedure."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_patient_ordered", "patient_id", "ordered_at"),
        Index("ix_orders_status_kind", "institution_id", "status", "kind"),
    )

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounters.id"), default=None, index=True)
    admission_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)  # inpatient admission, no FK
    kind: Mapped[str] = mapped_column(String(16))  # imaging|lab|prescription|consumable|procedure
    item_code: Mapped[str] = mapped_column(String(32))  # price-list code
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quantity: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="ordered")
    accession_number: Mapped[str | None] = mapped_column(String(16), unique=True, default=None)
    ordered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    ordered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class OrderEvent(IdMixin, Base):
    """One lifecycle step of an order: who moved it to which status, and when."""

    __tablename__ = "order_events"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")


class OrderResult(IdMixin, Base):
    """A report on an order (FHIR DiagnosticReport): radiology text or a lab panel."""

    __tablename__ = "order_results"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), unique=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    findings: Mapped[str] = mapped_column(Text, default="")  # 检查所见
    conclusion: Mapped[str] = mapped_column(Text, default="")  # 诊断意见
    reported_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)


class LabValue(IdMixin, Base):
    """One analyte result (FHIR Observation) with its unit, reference range and flag."""

    __tablename__ = "lab_values"

    result_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_results.id"), index=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    analyte: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    loinc: Mapped[str] = mapped_column(String(16), default="")
    value: Mapped[float] = mapped_column()
    unit: Mapped[str] = mapped_column(String(32))
    ref_low: Mapped[float | None] = mapped_column(default=None)
    ref_high: Mapped[float | None] = mapped_column(default=None)
    flag: Mapped[str] = mapped_column(String(2), default="")  # "" | H | L | HH | LL
    critical: Mapped[bool] = mapped_column(default=False)


class CriticalAlert(IdMixin, Base):
    """A critical value (危急值) reported to the ordering doctor; open until acknowledged."""

    __tablename__ = "critical_alerts"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    lab_value_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lab_values.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"))
    doctor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    ack_note: Mapped[str] = mapped_column(String(500), default="")


class ChargeItem(IdMixin, Base):
    """A billable line (FHIR ChargeItem); amount_fen = unit_price_fen × quantity, exact."""

    __tablename__ = "charge_items"
    __table_args__ = (
        Index("ix_charge_items_dept_date", "department_id", "service_date"),
        Index("ix_charge_items_institution_date", "institution_id", "service_date"),
    )

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"))
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    encounter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("encounters.id"), default=None, index=True)
    admission_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"), default=None, index=True)
    category: Mapped[str] = mapped_column(String(16))  # drug|material|exam|lab|treatment|surgery|bed|nursing|registration|other
    item_code: Mapped[str] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="")
    unit_price_fen: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column(default=1)
    amount_fen: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="unpaid")  # unpaid|paid|refunded
    service_date: Mapped[date] = mapped_column()
    charged_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    payment_ref: Mapped[str] = mapped_column(String(64), default="")
    refunded_at: Mapped[datetime | None] = mapped_column(default=None)
