"""Institution, department and ward schemas."""

from __future__ import annotations

import uuid

from osteon.kit.schemas import Schema


class InstitutionRead(Schema):
    """A hospital."""

    id: uuid.UUID
    code: str
    name: str
    name_en: str
    level: str
    region: str
    timezone: str


class DepartmentRead(Schema):
    """A department or subspecialty unit."""

    id: uuid.UUID
    institution_id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str
    name: str
    name_en: str
    subspecialty: str | None


class WardRead(Schema):
    """A ward."""

    id: uuid.UUID
    institution_id: uuid.UUID
    department_id: uuid.UUID
    code: str
    name: str
    floor: str


class InstitutionRef(Schema):
    """Short reference to an institution."""

    id: uuid.UUID
    code: str
    name: str


class DepartmentRef(Schema):
    """Short reference to a department."""

    id: uuid.UUID
    code: str
    name: str
