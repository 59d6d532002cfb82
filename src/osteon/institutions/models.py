"""Hospitals, departments and wards (FHIR Organization / Location)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from osteon.kit.models import Base, IdMixin, TimestampMixin


class Institution(IdMixin, TimestampMixin, Base):
    """A hospital: a provincial tertiary hospital or a county hospital."""

    __tablename__ = "institutions"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150), default="")
    level: Mapped[str] = mapped_column(String(20), default="county")  # provincial_tertiary | municipal | county
    region: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(50), default="Asia/Shanghai")
    mrn_prefix: Mapped[str] = mapped_column(String(8), unique=True)  # MRNs are unique across the deployment
    mrn_counter: Mapped[int] = mapped_column(default=0)


class Department(IdMixin, TimestampMixin, Base):
    """A department (骨科) or an orthopedic subspecialty unit within it (脊柱外科 …)."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"), default=None)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150), default="")
    # Triage department code (DOMAIN.md): spine, joint, sports, trauma, hand, foot_ankle, pediatric,
    # bone_tumor, rheumatology, neurology, emergency, other; None for a parent department or radiology.
    subspecialty: Mapped[str | None] = mapped_column(String(32), default=None)


class Ward(IdMixin, TimestampMixin, Base):
    """An inpatient ward (病区) of a department."""

    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    institution_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    department_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("departments.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    floor: Mapped[str] = mapped_column(String(20), default="")
