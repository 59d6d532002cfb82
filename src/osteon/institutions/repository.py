"""Institution queries."""

from __future__ import annotations

import uuid

from sqlalchemy import CTE, Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from osteon.institutions.models import Department, Institution, Ward


async def list_institutions(session: AsyncSession) -> list[Institution]:
    """All institutions, by name."""
    return list((await session.execute(select(Institution).order_by(Institution.code))).scalars())


async def get_institution(session: AsyncSession, institution_id: uuid.UUID) -> Institution | None:
    """One institution."""
    return await session.get(Institution, institution_id)


async def get_institution_by_code(session: AsyncSession, code: str) -> Institution | None:
    """One institution by code."""
    return (await session.execute(select(Institution).where(Institution.code == code))).scalar_one_or_none()


async def list_departments(session: AsyncSession, institution_id: uuid.UUID) -> list[Department]:
    """Departments of an institution."""
    q = select(Department).where(Department.institution_id == institution_id).order_by(Department.code)
    return list((await session.execute(q)).scalars())


async def get_department(session: AsyncSession, department_id: uuid.UUID) -> Department | None:
    """One department."""
    return await session.get(Department, department_id)


async def get_department_by_code(session: AsyncSession, institution_id: uuid.UUID, code: str) -> Department | None:
    """A department by institution and code."""
    q = select(Department).where(Department.institution_id == institution_id, Department.code == code)
    return (await session.execute(q)).scalar_one_or_none()


async def department_parents(session: AsyncSession, department_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID | None]]:
    """(id, parent_id) of every department in the same institution as ``department_id`` (one query)."""
    inst = select(Department.institution_id).where(Department.id == department_id).scalar_subquery()
    rows = await session.execute(select(Department.id, Department.parent_id).where(Department.institution_id == inst))
    return [(r[0], r[1]) for r in rows]


def subtree_cte(roots: Select) -> CTE:
    """The departments whose ids ``roots`` selects and every unit under them (same institution), as a recursive
    CTE with an ``id`` column — for callers that need the subtree inside their own statement."""
    tree = (select(Department.id, Department.institution_id).where(Department.id.in_(roots))
            .cte("department_tree", recursive=True))
    child = aliased(Department)
    # UNION, not UNION ALL: a parent_id cycle ends the recursion instead of looping.
    return tree.union(select(child.id, child.institution_id).join(
        tree, and_(child.parent_id == tree.c.id, child.institution_id == tree.c.institution_id)))


async def list_wards(session: AsyncSession, institution_id: uuid.UUID) -> list[Ward]:
    """Wards of an institution."""
    q = select(Ward).where(Ward.institution_id == institution_id).order_by(Ward.code)
    return list((await session.execute(q)).scalars())


async def next_mrn_number(session: AsyncSession, institution_id: uuid.UUID) -> tuple[str, int]:
    """Atomically take the next MRN counter value (row-level increment, safe under concurrency)."""
    result = await session.execute(
        update(Institution)
        .where(Institution.id == institution_id)
        .values(mrn_counter=Institution.mrn_counter + 1)
        .returning(Institution.mrn_prefix, Institution.mrn_counter)
    )
    prefix, counter = result.one()
    return prefix, counter
