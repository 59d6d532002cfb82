"""Patient schemas: what registration accepts and what readers see."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator

from osteon.kit.schemas import Schema
from osteon.kit.validation import clean_phone, clean_text, field_error
from osteon.patients import idcard


class Sex(StrEnum):
    """Administrative sex (FHIR AdministrativeGender subset)."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class InsuranceType(StrEnum):
    """医保类型."""

    EMPLOYEE = "employee"  # 城镇职工基本医疗保险
    RESIDENT = "resident"  # 城乡居民基本医疗保险
    SELF_PAY = "self_pay"  # 自费
    COMMERCIAL = "commercial"  # 商业保险
    OTHER = "other"


def _name(v: str) -> str:
    return clean_text(v, max_len=50, label_zh="姓名", label_en="Name")


class EmergencyContact(Schema):
    """紧急联系人."""

    name: str = Field(max_length=200)
    relation: str = Field(default="", max_length=200)
    phone: str = Field(max_length=40)

    @field_validator("name")
    @classmethod
    def _v_name(cls, v: str) -> str:
        return _name(v)

    @field_validator("relation")
    @classmethod
    def _v_relation(cls, v: str) -> str:
        return clean_text(v, max_len=20, label_zh="关系", label_en="Relation") if v.strip() else ""

    @field_validator("phone")
    @classmethod
    def _v_phone(cls, v: str) -> str:
        return clean_phone(v)


class HisId(Schema):
    """An identifier in another system."""

    system: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    value: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")


class _PatientFields(Schema):
    @field_validator("name", check_fields=False)
    @classmethod
    def _v_name(cls, v: str | None) -> str | None:
        return None if v is None else _name(v)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _v_phone(cls, v: str | None) -> str | None:
        return clean_phone(v) if v else None

    @field_validator("address", check_fields=False)
    @classmethod
    def _v_address(cls, v: str | None) -> str | None:
        return clean_text(v, max_len=200, label_zh="地址", label_en="Address") if v and v.strip() else None

    @field_validator("id_number", check_fields=False)
    @classmethod
    def _v_id(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            return idcard.parse(v).value
        except idcard.InvalidIdNumber as exc:
            raise field_error("id_number_invalid", exc.zh, exc.en) from None

    @field_validator("allergies", check_fields=False)
    @classmethod
    def _v_allergies(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        out: list[str] = []
        for item in v:
            text = clean_text(item, max_len=50, label_zh="过敏物", label_en="Allergy")
            if text not in out:
                out.append(text)
        return out

    @field_validator("birth_date", check_fields=False)
    @classmethod
    def _v_birth(cls, v: date | None) -> date | None:
        if v is not None and (v > date.today() or v.year < 1890):
            raise field_error("birth_date_invalid", "出生日期不合理", "The birth date is not plausible")
        return v


class PatientCreate(_PatientFields):
    """Register a patient; with an ID number, birth date and sex are derived from it."""

    name: str = Field(max_length=200, description="姓名")
    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = None
    id_number: str | None = Field(default=None, max_length=40, description="居民身份证号")
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    insurance_type: InsuranceType = InsuranceType.SELF_PAY
    allergies: list[str] = Field(default_factory=list, max_length=50)
    emergency_contact: EmergencyContact | None = None
    his_ids: list[HisId] = Field(default_factory=list, max_length=10)
    department_id: uuid.UUID | None = None


class PatientUpdate(_PatientFields):
    """Change demographics; ``version`` must be the version you read (optimistic locking)."""

    version: int = Field(ge=1)
    name: str | None = Field(default=None, max_length=200)
    sex: Sex | None = None
    birth_date: date | None = None
    id_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    insurance_type: InsuranceType | None = None
    allergies: list[str] | None = Field(default=None, max_length=50)
    emergency_contact: EmergencyContact | None = None


class PatientSummary(Schema):
    """A row in a list: protected values masked."""

    id: uuid.UUID
    mrn: str
    name: str
    sex: Sex
    birth_date: date | None
    age: int | None
    phone_masked: str | None
    id_number_masked: str | None
    insurance_type: InsuranceType
    institution_id: uuid.UUID


class PatientRead(PatientSummary):
    """One patient, protected fields decrypted for an authorised reader."""

    id_number: str | None
    phone: str | None
    address: str | None
    allergies: list[str]
    emergency_contact: EmergencyContact | None
    his_ids: list[HisId]
    department_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


class DuplicateRef(Schema):
    """A possible duplicate shown at registration."""

    id: uuid.UUID
    mrn: str
    name: str


class MergeRequest(Schema):
    """Merge ``duplicate_id`` into the patient in the path."""

    duplicate_id: uuid.UUID


class BreakGlassRequest(Schema):
    """Emergency access to a patient outside one's scope; the reason is audited."""

    reason: str = Field(max_length=1000)

    @field_validator("reason")
    @classmethod
    def _v_reason(cls, v: str) -> str:
        v = clean_text(v, max_len=500, label_zh="理由", label_en="Reason")
        if len(v) < 4:
            raise field_error("reason_too_short", "请写明紧急访问的理由(至少4个字)", "Give the reason for emergency access (at least 4 characters)")
        return v


class HisIdCreate(HisId):
    """Map a HIS patient ID to this patient."""
