"""Institution rules: department scopes and MRN allocation."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.institutions import repository
from osteon.institutions.models import Department, Institution, Ward
from osteon.kit.errors import NotFound

list_institutions = repository.list_institutions
list_departments = repository.list_departments
list_wards = repository.list_wards
get_department = repository.get_department
get_institution_by_code = repository.get_institution_by_code
get_department_by_code = repository.get_department_by_code
# For other domains' SQL: the subtree of the departments a select picks (one statement with the caller's query).
subtree_cte = repository.subtree_cte


class InstitutionNotFound(NotFound):
    """404."""

    code = "institutions.not_found"
    title_zh = "未找到该医院"
    title_en = "Institution not found"


async def get_institution(session: AsyncSession, institution_id: uuid.UUID) -> Institution:
    """One institution or 404."""
    inst = await repository.get_institution(session, institution_id)
    if inst is None:
        raise InstitutionNotFound()
    return inst


async def department_subtree(session: AsyncSession, department_id: uuid.UUID) -> list[uuid.UUID]:
    """A department and every unit under it (骨科 → 脊柱外科, 关节外科 …), from one query."""
    children: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for dep_id, parent_id in await repository.department_parents(session, department_id):
        children.setdefault(parent_id, []).append(dep_id)
    result, frontier = [department_id], [department_id]
    while frontier:
        frontier = [child for dep in frontier for child in children.get(dep, [])]
        result.extend(frontier)
    return result


async def allocate_mrn(session: AsyncSession, institution_id: uuid.UUID) -> str:
    """Next 病历号 of the institution, e.g. GZP00001234 (prefix + 8 digits)."""
    prefix, number = await repository.next_mrn_number(session, institution_id)
    return f"{prefix}{number:08d}"


__all__ = ["Department", "Institution", "Ward", "allocate_mrn", "department_subtree", "get_institution"]
