"""Institutions, departments and wards API."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from osteon.db import DbSession
from osteon.institutions import service
from osteon.institutions.schemas import DepartmentRead, InstitutionRead, WardRead
from osteon.security.deps import require

router = APIRouter(prefix="/api/v1/institutions", tags=["institutions"])
CanRead = require("institution:read")


@router.get("", response_model=list[InstitutionRead])
async def list_institutions(session: DbSession, _: object = CanRead) -> list[InstitutionRead]:
    """All institutions in this deployment."""
    return [InstitutionRead.model_validate(i) for i in await service.list_institutions(session)]


@router.get("/{institution_id}/departments", response_model=list[DepartmentRead])
async def list_departments(institution_id: uuid.UUID, session: DbSession, _: object = CanRead) -> list[DepartmentRead]:
    """Departments and subspecialty units of an institution."""
    await service.get_institution(session, institution_id)
    return [DepartmentRead.model_validate(d) for d in await service.list_departments(session, institution_id)]


@router.get("/{institution_id}/wards", response_model=list[WardRead])
async def list_wards(institution_id: uuid.UUID, session: DbSession, _: object = CanRead) -> list[WardRead]:
    """Wards of an institution."""
    await service.get_institution(session, institution_id)
    return [WardRead.model_validate(w) for w in await service.list_wards(session, institution_id)]
