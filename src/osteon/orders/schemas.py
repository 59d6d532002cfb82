"""Order, result, alert and charge schemas."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from osteon.encounters.schemas import Clean
from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_text, field_error

OrderKind = Literal["imaging", "lab", "prescription", "consumable", "procedure"]
ChargeCategory = Literal["drug", "material", "exam", "lab", "treatment", "surgery", "bed", "nursing", "registration", "other"]


class _OrderBase(Clean):
    """Where the order belongs: a patient, and an encounter or an admission."""

    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    admission_id: uuid.UUID | None = None
    item_code: str = Field(max_length=32)
    note: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _context(self) -> _OrderBase:
        """An order belongs to a visit or a stay."""
        if self.encounter_id is None and self.admission_id is None:
            raise field_error("order_context", "医嘱需关联门诊就诊或住院", "An order needs an encounter or an admission")
        return self


class ImagingOrderCreate(_OrderBase):
    """X-ray/CT/MRI request (FHIR ServiceRequest, category imaging)."""

    kind: Literal["imaging"]
    modality: Literal["DX", "CR", "CT", "MR"]
    body_part: str = Field(min_length=1, max_length=64)
    laterality: Literal["left", "right", "bilateral", "none"] = "none"
    views: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(default_factory=list, max_length=10)
    clinical_question: str = Field(min_length=2, max_length=500)
    priority: Literal["routine", "urgent", "stat"] = "routine"

    @field_validator("clinical_question")
    @classmethod
    def _q(cls, v: str) -> str:
        """Readable question."""
        return clean_text(v, max_len=500, label_zh="临床问题", label_en="Clinical question")


class LabOrderCreate(_OrderBase):
    """Lab panel request."""

    kind: Literal["lab"]
    specimen: Literal["blood", "urine", "joint_fluid", "wound_swab", "other"] = "blood"
    priority: Literal["routine", "urgent", "stat"] = "routine"


class PrescriptionCreate(_OrderBase):
    """A medication order (FHIR MedicationRequest)."""

    kind: Literal["prescription"]
    dose: float = Field(gt=0, le=10_000)
    dose_unit: Literal["mg", "g", "ug", "ml", "IU", "片", "粒", "支"]
    route: Literal["po", "iv", "im", "sc", "topical", "intra_articular"]
    frequency: Literal["once", "qd", "bid", "tid", "qid", "q8h", "q12h", "qn", "prn"]
    days: int = Field(ge=1, le=90)
    quantity: int = Field(ge=1, le=1000)  # dispensing units of the price-list item


class ConsumableCreate(_OrderBase):
    """A consumable (brace, cast …)."""

    kind: Literal["consumable"]
    quantity: int = Field(1, ge=1, le=100)


class ProcedureCreate(_OrderBase):
    """A bedside/clinic procedure (injection, dressing, rehab session)."""

    kind: Literal["procedure"]
    quantity: int = Field(1, ge=1, le=100)
    laterality: Literal["left", "right", "bilateral", "none"] = "none"


OrderCreate = Annotated[ImagingOrderCreate | LabOrderCreate | PrescriptionCreate | ConsumableCreate | ProcedureCreate,
                        Field(discriminator="kind")]


class TransitionIn(Clean):
    """Move an order to its next step (scheduled or performed)."""

    to: Literal["scheduled", "performed"]
    note: str = Field("", max_length=500)


class LabValueIn(Clean):
    """One analyte value."""

    analyte: str = Field(max_length=32)
    value: float = Field(ge=-1e6, le=1e7)
    unit: str = Field(max_length=32)


class ReportIn(Clean):
    """The report: radiology text, or lab values (units must match the catalogue)."""

    findings: str = Field("", max_length=10_000)
    conclusion: str = Field("", max_length=5_000)
    values: list[LabValueIn] = Field(default_factory=list, max_length=100)


class AckIn(Clean):
    """Acknowledge a critical value with what was done."""

    note: str = Field("", max_length=500)


class OrderEventRead(Schema):
    """One lifecycle step."""

    from_status: str
    to_status: str
    actor_id: uuid.UUID | None
    at: datetime
    note: str


class LabValueRead(Schema):
    """A lab value with flag."""

    id: uuid.UUID
    analyte: str
    name: str
    loinc: str
    value: float
    unit: str
    ref_low: float | None
    ref_high: float | None
    flag: str
    critical: bool


class ResultRead(Schema):
    """A report."""

    id: uuid.UUID
    findings: str
    conclusion: str
    reported_by_id: uuid.UUID
    reported_at: datetime
    reviewed_by_id: uuid.UUID | None
    reviewed_at: datetime | None
    values: list[LabValueRead] = []


class OrderRead(Schema):
    """An order with its steps and result."""

    id: uuid.UUID
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None
    admission_id: uuid.UUID | None
    kind: str
    item_code: str
    title: str
    details: dict[str, Any]
    quantity: int
    status: str
    accession_number: str | None
    ordered_by_id: uuid.UUID
    ordered_at: datetime
    next_steps: list[str] = []
    events: list[OrderEventRead] = []
    result: ResultRead | None = None


class AlertRead(Schema):
    """A critical-value alert."""

    id: uuid.UUID
    order_id: uuid.UUID
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    message: str
    created_at: datetime
    acknowledged_by_id: uuid.UUID | None
    acknowledged_at: datetime | None
    ack_note: str


class ChargeRead(Schema):
    """A charge line; amounts in fen (1/100 yuan) and as a yuan string."""

    id: uuid.UUID
    patient_id: uuid.UUID
    order_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    admission_id: uuid.UUID | None
    category: str
    item_code: str
    item_name: str
    unit: str
    unit_price_fen: int
    quantity: int
    amount_fen: int
    amount_yuan: str = ""
    status: str
    service_date: date
    paid_at: datetime | None
    payment_ref: str


class PayIn(Clean):
    """Charges the cashier confirms as paid."""

    charge_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


class WorklistPatient(Schema):
    """The patient on a worklist line: masked name (lists show masked names, SECURITY 15), MRN, sex, age."""

    id: uuid.UUID
    name_masked: str
    mrn: str
    sex: str
    age: int | None


class WorklistRow(Schema):
    """One imaging order on the technician's/radiologist's worklist."""

    order: OrderRead
    patient: WorklistPatient


class RatiosRead(Schema):
    """药占比 and 耗占比, exact from charges (percent strings with 2 decimals; None when undefined)."""

    total_fen: int
    drug_fen: int
    material_fen: int
    by_category_fen: dict[str, int]
    drug_ratio_percent: str | None
    consumables_ratio_percent: str | None
