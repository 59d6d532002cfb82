"""Patient rules: registration with MRN, encryption and duplicate checks; search; merge; access."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from pypinyin import Style, lazy_pinyin
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from osteon.institutions import service as institutions
from osteon.kit.errors import BadRequest, Conflict, Forbidden, NotFound, StaleVersion
from osteon.kit.masking import mask_id_number, mask_phone
from osteon.kit.models import utcnow
from osteon.patients import idcard, repository
from osteon.patients.models import Patient, PatientIdentifier
from osteon.patients.schemas import (
    DuplicateRef,
    EmergencyContact,
    HisId,
    PatientCreate,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from osteon.security import audit
from osteon.security.crypto import FieldCipher
from osteon.security.deps import Actor
from osteon.security.models import AccessGrant, CareRelationship

BREAK_GLASS_HOURS = 4
MergeHook = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]
_merge_hooks: list[MergeHook] = []


class PatientNotFound(NotFound):
    """404 — also what a user who may not see the patient gets."""

    code = "patients.not_found"
    title_zh = "未找到该患者"
    title_en = "Patient not found"


class DuplicatePatient(Conflict):
    """409: probably already registered."""

    code = "patients.duplicate"
    title_zh = "该患者可能已经登记过,请先核对"
    title_en = "This patient may already be registered; please check"


class DuplicateIdNumber(Conflict):
    """409: the ID number is already registered in this hospital."""

    code = "patients.duplicate_id_number"
    title_zh = "该身份证号已登记,请勿重复建档"
    title_en = "This ID number is already registered"


class DuplicateHisId(Conflict):
    """409."""

    code = "patients.duplicate_his_id"
    title_zh = "该HIS患者号已关联到其他患者"
    title_en = "This HIS patient ID is already linked to another patient"


def register_merge_hook(hook: MergeHook) -> None:
    """Let another domain re-point its rows when two patients are merged (in the same transaction)."""
    _merge_hooks.append(hook)


def age_on(birth: date | None, today: date) -> int | None:
    """Completed years."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def pinyin_of(name: str) -> tuple[str, str]:
    """(full pinyin, initials) for name search: 张三 → ("zhangsan", "zs")."""
    syllables = lazy_pinyin(name, errors="default")
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if s).lower()
    return re.sub(r"[^a-z0-9]", "", full)[:200], re.sub(r"[^a-z0-9]", "", initials)[:50]


def _set_protected(p: Patient, cipher: FieldCipher, *, id_number: str | None = ..., phone: str | None = ...,  # type: ignore[assignment]
                   address: str | None = ..., contact: EmergencyContact | None = ...) -> None:  # type: ignore[assignment]
    """Encrypt protected fields, refresh blind indexes and masks."""
    if id_number is not ...:
        p.id_number_enc = cipher.encrypt(id_number, context="patients.id_number")
        p.id_number_bidx = cipher.blind_index(id_number, context="patients.id_number")
        p.id_number_masked = mask_id_number(id_number)
    if phone is not ...:
        p.phone_enc = cipher.encrypt(phone, context="patients.phone")
        p.phone_bidx = cipher.blind_index(phone, context="patients.phone")
        p.phone_tail_bidx = cipher.blind_index(phone[-4:], context="patients.phone_tail") if phone else None
        p.phone_masked = mask_phone(phone)
    if address is not ...:
        p.address_enc = cipher.encrypt(address, context="patients.address")
    if contact is not ...:
        p.emergency_contact_enc = cipher.encrypt(contact.model_dump_json() if contact else None,
                                                 context="patients.emergency_contact")


def to_summary(p: Patient, today: date | None = None) -> PatientSummary:
    """List view: masked values only, nothing decrypted."""
    return PatientSummary(
        id=p.id, mrn=p.mrn, name=p.name, sex=p.sex, birth_date=p.birth_date,
        age=age_on(p.birth_date, today or date.today()), phone_masked=p.phone_masked,
        id_number_masked=p.id_number_masked, insurance_type=p.insurance_type, institution_id=p.institution_id,
    )


async def to_read(session: AsyncSession, p: Patient, cipher: FieldCipher) -> PatientRead:
    """Full view for an authorised reader."""
    contact_json = cipher.decrypt(p.emergency_contact_enc, context="patients.emergency_contact")
    ids = await repository.identifiers_of(session, p.id)
    return PatientRead(
        **to_summary(p).model_dump(),
        id_number=cipher.decrypt(p.id_number_enc, context="patients.id_number"),
        phone=cipher.decrypt(p.phone_enc, context="patients.phone"),
        address=cipher.decrypt(p.address_enc, context="patients.address"),
        allergies=list(p.allergies or []),
        emergency_contact=EmergencyContact.model_validate(json.loads(contact_json)) if contact_json else None,
        his_ids=[HisId(system=i.system, value=i.value) for i in ids],
        department_id=p.department_id, merged_into_id=p.merged_into_id, version=p.version,
        created_at=p.created_at, updated_at=p.updated_at,
    )


async def add_care_relationship(session: AsyncSession, user_id: uuid.UUID, patient_id: uuid.UUID, kind: str = "treating") -> None:
    """Record that a clinician cares for the patient (idempotent)."""
    if not await repository.has_care_relationship(session, user_id, patient_id):
        session.add(CareRelationship(user_id=user_id, patient_id=patient_id, kind=kind))


async def register(
    session: AsyncSession, actor: Actor, cipher: FieldCipher, data: PatientCreate, *, force: bool = False
) -> Patient:
    """Register a patient in the actor's institution and give them an MRN."""
    if not actor.can("patient:write"):
        raise Forbidden()
    birth_date, sex = data.birth_date, data.sex.value
    if data.id_number:
        parsed = idcard.parse(data.id_number)
        if birth_date and birth_date != parsed.birth_date:
            raise BadRequest("出生日期与身份证号不一致", "The birth date does not match the ID number",
                             code_override="patients.birth_date_mismatch", errors=[{"field": "birth_date", "message": "出生日期与身份证号不一致"}])
        birth_date, sex = parsed.birth_date, parsed.sex
    id_bidx = cipher.blind_index(data.id_number, context="patients.id_number")
    phone_bidx = cipher.blind_index(data.phone, context="patients.phone")
    dups, same_id = await repository.find_duplicates(session, actor.institution_id, id_bidx=id_bidx,
                                                     name=data.name, birth_date=birth_date, phone_bidx=phone_bidx)
    if same_id:
        raise DuplicateIdNumber(duplicates=[DuplicateRef.model_validate(d).model_dump(mode="json") for d in dups])
    if dups and not force:
        raise DuplicatePatient(duplicates=[DuplicateRef.model_validate(d).model_dump(mode="json") for d in dups])
    department_id = data.department_id or actor.department_id
    if department_id is not None:
        dep = await institutions.get_department(session, department_id)
        if dep is None or dep.institution_id != actor.institution_id:
            raise BadRequest("科室不存在", "Unknown department", code_override="patients.unknown_department")
    full, initials = pinyin_of(data.name)
    p = Patient(
        mrn=await institutions.allocate_mrn(session, actor.institution_id),
        institution_id=actor.institution_id, department_id=department_id, name=data.name, pinyin=full,
        pinyin_initials=initials, sex=sex, birth_date=birth_date, insurance_type=data.insurance_type.value,
        allergies=data.allergies,
    )
    _set_protected(p, cipher, id_number=data.id_number, phone=data.phone, address=data.address, contact=data.emergency_contact)
    session.add(p)
    try:
        await session.flush()
        for his in data.his_ids:
            session.add(PatientIdentifier(patient_id=p.id, system=his.system, value=his.value))
        await add_care_relationship(session, actor.user_id, p.id, kind="registered")
        await session.flush()
    except IntegrityError as exc:
        # Lost a race with an identical registration, or a HIS ID already mapped.
        message = str(exc.orig)
        if "patient_identifiers" in message:
            raise DuplicateHisId() from None
        if "id_number_bidx" in message:
            raise DuplicateIdNumber() from None
        raise
    audit.record(session, "patient.create", patient_id=p.id, resource_type="Patient", resource_id=p.id,
                 detail={"mrn": p.mrn, "forced": force and bool(dups)})
    return p


def deny(session: AsyncSession, action: str, patient_id: uuid.UUID, **detail: object) -> PatientNotFound:
    """Audit a refused read; returns the error, which looks exactly like a missing record."""
    audit.record(session, action, patient_id=patient_id, resource_type="Patient", resource_id=patient_id,
                 outcome="denied", severity="warning", keep_on_failure=True, detail=detail or None)
    return PatientNotFound()


async def access_scope(session: AsyncSession, actor: Actor, patient_id: uuid.UUID) -> frozenset[str] | None:
    """How much of a (readable) patient the actor may see: None = the whole record (own hospital or
    department, care relationship, break-the-glass); otherwise only the items shared with them through scoped
    grants — a consultation's ``study:<uid>``, ``encounter:<id>``, ``order:<id>``, ``result:<id>``."""
    now = utcnow()
    if actor.role == "patient":
        return None
    grants = await repository.active_grants(session, actor, now, patient_id)
    if not grants or any(g.scope is None for g in grants):
        return None  # the usual case: no grant on this patient, so access comes from home or care
    full = await repository.full_access_ids(session, actor, now)
    home = select(Patient.id).where(Patient.id == patient_id, repository.readable_by(actor, full))
    if (await session.execute(home)).first() is not None:
        return None
    return frozenset(str(r) for g in grants for r in (g.scope or ()))


async def get_for(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, *, action: str = "patient.read",
                  scoped: bool = False) -> Patient:
    """A patient the actor may see, audited; otherwise 404 (and the denial is audited too).

    A user who sees the patient only through a scoped grant (a consultation expert) gets the patient only
    where the caller says it filters by the shared items (``scoped=True``: the patient header, imaging,
    encounters, orders); every other domain refuses them, so sharing opens nothing by accident."""
    p = await repository.get_readable(session, actor, patient_id, utcnow())
    if p is None:
        raise deny(session, action, patient_id)
    if not scoped and await access_scope(session, actor, patient_id) is not None:
        raise deny(session, action, patient_id, reason="not shared")
    audit.record(session, action, patient_id=p.id, resource_type="Patient", resource_id=p.id)
    return p


async def check_shared(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, ref: str, *,
                       action: str) -> None:
    """Refuse (404, audited) an item of a patient the actor sees only through grants that don't share it."""
    scope = await access_scope(session, actor, patient_id)
    if scope is not None and ref not in scope:
        raise deny(session, action, patient_id, ref=ref, reason="not shared")


async def fully_readable_ids(session: AsyncSession, actor: Actor) -> list[uuid.UUID]:
    """For other domains' SQL: the shared patients whose whole record the actor may see (use with
    ``readable_by``); items shared by scoped grants come from :func:`shared_refs`."""
    return await repository.full_access_ids(session, actor, utcnow())


async def shared_refs(session: AsyncSession, actor: Actor, kind: str) -> list[str]:
    """The ids of ``kind`` items ("study", "encounter", …) shared with the actor through scoped grants now."""
    return _refs_in([g.scope for g in await repository.active_grants(session, actor, utcnow())], kind)


async def sharing(session: AsyncSession, actor: Actor, kind: str) -> tuple[list[uuid.UUID], list[str]]:
    """:func:`fully_readable_ids` and :func:`shared_refs` together, from one statement (a DICOMweb query needs
    both on every request)."""
    cared, grants = await repository.shared_with(session, actor, utcnow())
    full = set(cared).union(patient_id for patient_id, scope in grants if scope is None)
    return list(full), _refs_in([scope for _, scope in grants], kind)


def _refs_in(scopes: list[list[str] | None], kind: str) -> list[str]:
    prefix = f"{kind}:"
    return sorted({str(r)[len(prefix):] for scope in scopes if scope for r in scope if str(r).startswith(prefix)})


# For other domains' SQL: ``readable_by(actor, now)`` is the visibility condition on ``Patient``;
# ``readable_now(actor)`` is the same with bound parameters, for statements built once.
readable_by = repository.readable_by
readable_now = repository.readable_now


async def readable_condition(session: AsyncSession, actor: Actor) -> ColumnElement[bool]:
    """A SQL condition on ``Patient`` selecting exactly the patients ``actor`` may see — for other
    domains that filter their own rows by patient (join or ``Patient.id`` subquery)."""
    return await repository.readable_filter(session, actor, utcnow())


async def get_self(session: AsyncSession, actor: Actor) -> Patient:
    """The patient record of a patient-portal user."""
    if actor.patient_id is None:
        raise PatientNotFound()
    return await get_for(session, actor, actor.patient_id)


def _search_condition(q: str, cipher: FieldCipher, sqlite: bool = False) -> ColumnElement[bool] | None:
    """Interpret the search box: ID number, phone, phone tail, MRN, pinyin (initials) or name."""
    q = q.strip()
    if not q:
        return None
    compact = idcard.normalize(q)
    if re.fullmatch(r"\d{17}[\dX]", compact):
        return Patient.id_number_bidx == cipher.blind_index(compact, context="patients.id_number")
    if re.fullmatch(r"1[3-9]\d{9}", q):
        return Patient.phone_bidx == cipher.blind_index(q, context="patients.phone")
    if re.fullmatch(r"\d{4}", q):  # 手机尾号 (an indexed lookup; a 4-digit MRN suffix would scan every row)
        return Patient.phone_tail_bidx == cipher.blind_index(q, context="patients.phone_tail")
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,7}\d{3,}", q) or re.fullmatch(r"\d{5,}", q):
        return or_(Patient.mrn == q.upper(), Patient.mrn.endswith(q.upper()))
    if re.fullmatch(r"[A-Za-z]+", q):
        low = q.lower()
        return or_(_prefix(Patient.pinyin_initials, low, sqlite), _prefix(Patient.pinyin, low, sqlite))
    return _prefix(Patient.name, q[:50], sqlite)


def _prefix(column, text: str, sqlite: bool) -> ColumnElement[bool]:
    """``column`` starts with ``text``, in a form each database answers from its index: SQLite's LIKE
    is case-insensitive and skips the (binary) index, so it gets a range; PostgreSQL's
    varchar_pattern_ops index serves LIKE 'x%'."""
    if sqlite:
        return and_(column >= text, column < text + "\U0010ffff")
    return column.startswith(text)


async def search(session: AsyncSession, actor: Actor, cipher: FieldCipher, q: str, limit: int, offset: int) -> tuple[list[Patient], int]:
    """Search readable patients; the search and the patients it showed are audited."""
    if not actor.can("patient:read"):
        raise Forbidden()
    sqlite = session.bind is not None and session.bind.dialect.name == "sqlite"
    rows, total = await repository.search(session, actor, utcnow(), _search_condition(q, cipher, sqlite), limit, offset)
    audit.record(session, "patient.search", resource_type="Patient",
                 detail={"query_kind": _query_kind(q), "results": [str(p.id) for p in rows]})
    return rows, total


def _query_kind(q: str) -> str:
    """What kind of query was typed (the query itself may be an ID number: never log it raw, SECURITY 16)."""
    q = q.strip()
    if not q:
        return "all"
    if re.fullmatch(r"[\dXx]{15,18}", q):
        return "id_number"
    if re.fullmatch(r"\d+", q):
        return "digits"
    if re.fullmatch(r"[A-Za-z]+", q):
        return "pinyin"
    return "name"


async def update(session: AsyncSession, actor: Actor, cipher: FieldCipher, patient_id: uuid.UUID, data: PatientUpdate) -> Patient:
    """Change demographics with optimistic versioning."""
    if not actor.can("patient:write"):
        raise Forbidden()
    p = await get_for(session, actor, patient_id, action="patient.update")
    if p.version != data.version:
        raise StaleVersion(current_version=p.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    changed: list[str] = []
    if changes.get("id_number"):
        parsed = idcard.parse(changes["id_number"])
        changes["birth_date"], changes["sex"] = parsed.birth_date, parsed.sex
    for key in ("name", "sex", "birth_date", "insurance_type", "allergies"):
        if key in changes and changes[key] is not None:
            value = changes[key].value if hasattr(changes[key], "value") else changes[key]
            if getattr(p, key) != value:
                setattr(p, key, value)
                changed.append(key)
    if "name" in changed:
        p.pinyin, p.pinyin_initials = pinyin_of(p.name)
    protected = {k: changes[k] for k in ("id_number", "phone", "address") if k in changes}
    if "emergency_contact" in changes:
        protected["contact"] = data.emergency_contact
    if protected:
        _set_protected(p, cipher, **protected)
        changed.extend(protected)
    if not changed:
        return p
    p.updated_at = utcnow()
    try:
        await session.flush()
    except StaleDataError:
        raise StaleVersion() from None
    except IntegrityError:
        raise DuplicateIdNumber() from None
    audit.record(session, "patient.update", patient_id=p.id, resource_type="Patient", resource_id=p.id,
                 detail={"fields": sorted(changed)})
    return p


async def merge(session: AsyncSession, actor: Actor, survivor_id: uuid.UUID, duplicate_id: uuid.UUID) -> Patient:
    """Merge a duplicate record into the survivor: identifiers, access and other domains' rows move."""
    if not actor.can("patient:merge"):
        raise Forbidden()
    if survivor_id == duplicate_id:
        raise BadRequest("不能与自身合并", "A patient cannot be merged with itself", code_override="patients.merge_self")
    survivor = await get_for(session, actor, survivor_id, action="patient.merge")
    duplicate = await get_for(session, actor, duplicate_id, action="patient.merge")
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise Conflict("该患者已被合并", "This patient was already merged", code_override="patients.already_merged")
    if survivor.institution_id != duplicate.institution_id:
        raise Conflict("不同医院的患者不能合并", "Patients of different hospitals cannot be merged",
                       code_override="patients.merge_cross_institution")
    for field in ("id_number_enc", "phone_enc", "address_enc", "emergency_contact_enc", "birth_date"):
        if getattr(survivor, field) is None and getattr(duplicate, field) is not None:
            setattr(survivor, field, getattr(duplicate, field))
            if field == "id_number_enc":
                survivor.id_number_bidx, survivor.id_number_masked = duplicate.id_number_bidx, duplicate.id_number_masked
            if field == "phone_enc":
                survivor.phone_bidx, survivor.phone_tail_bidx, survivor.phone_masked = (
                    duplicate.phone_bidx, duplicate.phone_tail_bidx, duplicate.phone_masked)
    survivor.allergies = list(dict.fromkeys([*(survivor.allergies or []), *(duplicate.allergies or [])]))
    duplicate.merged_into_id = survivor.id
    duplicate.id_number_bidx = None  # the survivor now owns the ID number's uniqueness
    await session.flush()
    await repository.move_identifiers(session, duplicate.id, survivor.id)
    await repository.move_access(session, duplicate.id, survivor.id)
    for hook in _merge_hooks:
        await hook(session, duplicate.id, survivor.id)
    audit.record(session, "patient.merge", patient_id=survivor.id, resource_type="Patient", resource_id=survivor.id,
                 severity="warning", detail={"merged": str(duplicate.id), "merged_mrn": duplicate.mrn})
    return survivor


async def break_glass(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, reason: str) -> AccessGrant:
    """Emergency access within the actor's institution, for a few hours, with a high-severity audit."""
    if not actor.can("break_glass"):
        raise Forbidden()
    p = await repository.get_any(session, patient_id)
    if p is None or p.institution_id != actor.institution_id:
        audit.record(session, "patient.break_glass", patient_id=patient_id, outcome="denied", severity="high",
                     detail={"reason": reason}, keep_on_failure=True)
        raise PatientNotFound()
    now = utcnow()
    grant = AccessGrant(grantee_id=actor.user_id, patient_id=p.id, source="break_glass", reason=reason,
                        granted_by_id=actor.user_id, starts_at=now, ends_at=now + timedelta(hours=BREAK_GLASS_HOURS))
    session.add(grant)
    await session.flush()
    audit.record(session, "patient.break_glass", patient_id=p.id, resource_type="Patient", resource_id=p.id,
                 severity="high", detail={"reason": reason, "hours": BREAK_GLASS_HOURS})
    return grant


async def add_identifier(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, his: HisId) -> Patient:
    """Map an external (HIS) identifier to a patient."""
    if not actor.can("patient:write"):
        raise Forbidden()
    p = await get_for(session, actor, patient_id, action="patient.update")
    session.add(PatientIdentifier(patient_id=p.id, system=his.system, value=his.value))
    try:
        await session.flush()
    except IntegrityError:
        raise DuplicateHisId() from None
    audit.record(session, "patient.update", patient_id=p.id, resource_type="Patient", resource_id=p.id,
                 detail={"fields": ["his_ids"], "system": his.system})
    return p


async def find_for_integration(session: AsyncSession, identifier: str, system: str | None = None) -> Patient | None:
    """Match an incoming identifier (DICOM PatientID, HL7 PID-3): the MRN, else a mapped HIS ID.

    System path: callers (DICOM, HL7) are devices, not users; they audit what they store."""
    if system:
        return await repository.find_by_identifier(session, system, identifier)
    p = await repository.get_by_mrn(session, identifier)
    if p is None:
        return None
    while p.merged_into_id:  # follow merges to the surviving record
        nxt = await repository.get_any(session, p.merged_into_id)
        if nxt is None:
            break
        p = nxt
    return p
