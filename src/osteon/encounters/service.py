"""Encounter rules: open visits, edit drafts with optimistic versioning, sign, amend with history,
validate codes against the code module, store scores with their definition version."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from osteon.encounters import codes, repository, scoring
from osteon.encounters.exceptions import (
    EncounterClosed,
    EncounterNotFound,
    InvalidScore,
    RecordIncomplete,
    RecordNotSigned,
    RecordSigned,
    UnknownTemplate,
)
from osteon.encounters.models import Encounter, EncounterRecord, EncounterRecordVersion, ScoreObservation
from osteon.encounters.permissions import check
from osteon.encounters.schemas import (
    TEMPLATES_DIR,
    DiagnosisRead,
    EncounterCreate,
    EncounterRead,
    RecordAmend,
    RecordContent,
    RecordRead,
    RecordUpdate,
    ScoreCreate,
    ScoreRead,
    TemplateRead,
)
from osteon.kit.errors import BadRequest, OsteonError, StaleVersion
from osteon.kit.models import utcnow
from osteon.patients import service as patients
from osteon.patients.models import Patient
from osteon.security import audit
from osteon.security.deps import Actor

DEFAULT_TZ = "Asia/Shanghai"
_VISIT_PREFIX = {"outpatient": "MZ", "emergency": "JZ", "inpatient": "ZY"}


# --------------------------------------------------------------------------- numbers and dates


def local_date(at: datetime | None = None, tz: str = DEFAULT_TZ) -> date:
    """The calendar date of ``at`` (default now) in the institution's time zone."""
    return (at or utcnow()).astimezone(ZoneInfo(tz)).date()


async def next_number(session: AsyncSession, prefix: str, *, width: int = 5, at: datetime | None = None) -> str:
    """A human number unique per prefix and day: ``<prefix><YYYYMMDD><seq>`` (e.g. ACC2026112500001)."""
    day = local_date(at)
    seq = await repository.next_counter(session, f"{prefix}:{day:%Y%m%d}")
    return f"{prefix}{day:%Y%m%d}{seq:0{width}d}"


# --------------------------------------------------------------------------- templates


@functools.cache
def load_templates() -> dict[str, TemplateRead]:
    """Subspecialty templates from templates/*.yaml, validated against the exam catalogue."""
    from osteon.encounters.schemas import exam_catalogue

    catalogue = exam_catalogue()
    found: dict[str, TemplateRead] = {}
    for path in sorted(TEMPLATES_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        t = TemplateRead.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for joint, movements in t.rom.items():
            known = catalogue["rom"].get(joint, {}).get("movements", {})
            bad = [m for m in movements if m not in known]
            if joint not in catalogue["rom"] or bad:
                raise ValueError(f"{path.name}: unknown ROM {joint} {bad}")
        unknown = [x for x in t.special_tests if x not in catalogue["special_tests"]]
        if unknown:
            raise ValueError(f"{path.name}: unknown special tests {unknown}")
        found[t.code] = t
    return found


def get_template(code: str) -> TemplateRead:
    """A template by code, or 404."""
    t = load_templates().get(code)
    if t is None:
        raise UnknownTemplate()
    return t


# --------------------------------------------------------------------------- code validation


def resolve_icd10(code: str) -> Any:
    """The ICD-10 entry for ``code``; a national-clinical-edition extension (M48.061) resolves to its stem."""
    c = re.sub(r"\s", "", code).upper()
    while len(c) >= 3:
        entry = codes.get_icd10(c)
        if entry is not None:
            return entry
        c = c[:-1].rstrip(".")
    return None


def check_diagnoses(content: RecordContent, encounter: Encounter, actor: Actor) -> list[dict[str, Any]]:
    """Validate diagnosis codes and fracture classes; return the rows to store."""
    rows = []
    for rank, d in enumerate(content.diagnoses, start=1):
        entry = resolve_icd10(d.icd10_code)
        if entry is None:
            raise BadRequest(f"诊断编码 {d.icd10_code} 不在ICD-10骨科编码库中", f"Diagnosis code {d.icd10_code} is not in the ICD-10 orthopedic subset",
                             code_override="encounters.icd10_unknown")
        if d.fracture_system or d.fracture_code:
            if not (d.fracture_system and d.fracture_code):
                raise BadRequest("骨折分型需同时填写分型系统和分型", "A fracture classification needs both the system and the class",
                                 code_override="encounters.fracture_incomplete")
            try:
                system = codes.fracture_classification(d.fracture_system)
            except codes.UnknownClassificationError as e:
                raise BadRequest(e.message_zh, e.message_en, code_override="encounters.fracture_system_unknown") from None
            if system.find(d.fracture_code) is None:
                raise BadRequest(f"{system.name.zh}中没有分型 {d.fracture_code}", f"{system.name.en} has no class {d.fracture_code}",
                                 code_override="encounters.fracture_code_unknown")
        rows.append({
            "id": uuid.uuid4(), "encounter_id": encounter.id, "patient_id": encounter.patient_id, "rank": rank,
            "icd10_code": d.icd10_code, "name": entry.name_zh, "laterality": d.laterality,
            "fracture_system": d.fracture_system, "fracture_code": d.fracture_code,
            "recorded_by_id": actor.user_id, "recorded_at": utcnow(),
        })
    return rows


# --------------------------------------------------------------------------- access


async def get_for(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID, *, action: str = "encounter.read") -> tuple[Encounter, Patient]:
    """An encounter whose patient the actor may see (audited), else 404."""
    check(actor, "encounter:read")
    enc = await repository.get_encounter(session, encounter_id)
    if enc is None:
        raise EncounterNotFound()
    # Reading an encounter shared through a consultation is allowed; writing to one never is.
    read = action in _READ_ACTIONS
    patient = await patients.get_for(session, actor, enc.patient_id, action=action, scoped=read)
    if read:
        try:
            await patients.check_shared(session, actor, enc.patient_id, f"encounter:{enc.id}", action=action)
        except patients.PatientNotFound:
            raise EncounterNotFound() from None
    return enc, patient


_READ_ACTIONS = frozenset({"encounter.read", "encounter.triage_summary", "encounter.record.history"})


async def _flush(session: AsyncSession) -> None:
    """Flush, turning a concurrent version bump into 409 StaleVersion."""
    try:
        await session.flush()
    except StaleDataError:
        raise StaleVersion() from None


def _prefill(summary: dict[str, Any] | None) -> dict[str, Any]:
    """Record content pre-filled from a triage summary (chief complaint ≤ 20 characters, HPI)."""
    if not summary:
        return RecordContent().model_dump()
    cc = str(summary.get("chief_complaint") or "")[:20]
    hpi = str(summary.get("hpi") or summary.get("history") or "")[:5000]
    try:
        return RecordContent(chief_complaint=cc, hpi=hpi).model_dump()
    except ValueError:
        return RecordContent().model_dump()


# --------------------------------------------------------------------------- do_*


async def open_encounter(session: AsyncSession, actor: Actor, data: EncounterCreate) -> Encounter:
    """Open a visit and its empty (or triage-pre-filled) draft record."""
    check(actor, "encounter:write")
    patient = await patients.get_for(session, actor, data.patient_id, action="encounter.create")
    department_id = data.department_id or actor.department_id or patient.department_id
    if department_id is None:
        raise BadRequest("请指定科室", "Please choose a department", code_override="encounters.department_required")
    if await repository.department_institution(session, department_id) != patient.institution_id:
        raise BadRequest("科室不属于该患者的医院", "The department is not in the patient's hospital", code_override="encounters.department_unknown")
    triage_summary = data.triage_summary
    if triage_summary is None and data.appointment_id is not None:
        # The patient's pre-visit interview (预问诊) pre-fills 主诉 and 现病史; the doctor edits from there.
        from osteon.triage import service as triage

        try:
            triage_summary = await triage.summary_for_appointment(session, actor, data.appointment_id)
        except OsteonError:  # a pre-fill is a convenience: never a reason not to open the visit
            triage_summary = None
    enc = Encounter(
        visit_no=await next_number(session, _VISIT_PREFIX[data.encounter_class]),
        institution_id=patient.institution_id, department_id=department_id, patient_id=patient.id,
        encounter_class=data.encounter_class, subspecialty=data.subspecialty, appointment_id=data.appointment_id,
        attending_id=actor.user_id if actor.role in ("doctor", "dept_head") else None,
        triage_summary=triage_summary,
    )
    session.add(enc)
    await session.flush()
    content = _prefill(triage_summary)
    session.add(EncounterRecord(encounter_id=enc.id, patient_id=patient.id, template=data.subspecialty or "general",
                                content=content, chief_complaint=content["chief_complaint"]))
    await patients.add_care_relationship(session, actor.user_id, patient.id)
    await session.flush()
    audit.record(session, "encounter.create", patient_id=patient.id, resource_type="Encounter", resource_id=enc.id,
                 detail={"class": data.encounter_class})
    return enc


async def set_triage_summary(session: AsyncSession, encounter_id: uuid.UUID, summary: dict[str, Any]) -> None:
    """Store what triage learned; pre-fill an untouched draft's chief complaint and HPI (for the triage module)."""
    enc = await repository.get_encounter(session, encounter_id)
    if enc is None:
        raise EncounterNotFound()
    enc.triage_summary = summary
    record = await repository.get_record(session, encounter_id)
    if record is not None and record.status == "draft" and not record.content.get("chief_complaint") and not record.content.get("hpi"):
        record.content = _prefill(summary)
        record.chief_complaint = record.content["chief_complaint"]
    await _flush(session)
    audit.record(session, "encounter.triage_summary", patient_id=enc.patient_id, resource_type="Encounter", resource_id=enc.id)


async def save_draft(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID, data: RecordUpdate) -> EncounterRecord:
    """Save the draft record if nobody saved it since ``data.version`` (else 409 StaleVersion)."""
    check(actor, "encounter:write")
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.record.write")
    record = await repository.get_record(session, enc.id, for_update=True)
    if record is None:
        raise EncounterNotFound()
    if record.status != "draft":
        raise RecordSigned()
    if record.version != data.version:
        raise StaleVersion()
    if data.template and data.template != "general":
        get_template(data.template)
    rows = check_diagnoses(data.content, enc, actor)
    record.content = data.content.model_dump()
    record.chief_complaint = data.content.chief_complaint
    if data.template:
        record.template = data.template
    await repository.replace_diagnoses(session, enc.id, rows)
    await _flush(session)
    audit.record(session, "encounter.record.save", patient_id=enc.patient_id, resource_type="EncounterRecord",
                 resource_id=record.id, detail={"version": record.version})
    return record


async def sign(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID, version: int) -> EncounterRecord:
    """Sign the draft (doctors only): it becomes revision 1 and is never silently changed again."""
    check(actor, "record:sign")
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.record.sign")
    record = await repository.get_record(session, enc.id, for_update=True)
    if record is None:
        raise EncounterNotFound()
    if record.status != "draft":
        raise RecordSigned("病历已签名", "The record is already signed", code_override="encounters.already_signed")
    if record.version != version:
        raise StaleVersion()
    missing_zh, missing_en = [], []
    if not record.content.get("chief_complaint"):
        missing_zh.append("主诉"), missing_en.append("chief complaint")
    if not record.content.get("diagnoses"):
        missing_zh.append("诊断"), missing_en.append("diagnosis")
    if missing_zh:
        raise RecordIncomplete(f"病历缺少:{'、'.join(missing_zh)},不能签名", f"Cannot sign: missing {', '.join(missing_en)}",
                               missing=missing_en)
    now = utcnow()
    record.status, record.revision, record.signed_by_id, record.signed_at = "signed", 1, actor.user_id, now
    session.add(EncounterRecordVersion(record_id=record.id, revision=1, kind="signed", content=record.content,
                                       author_id=actor.user_id, created_at=now))
    await _flush(session)
    audit.record(session, "encounter.record.sign", patient_id=enc.patient_id, resource_type="EncounterRecord", resource_id=record.id)
    return record


async def amend(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID, data: RecordAmend) -> EncounterRecord:
    """Amend a signed record: a new version row with reason, author and time; earlier text stays readable."""
    check(actor, "record:sign")
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.record.amend")
    record = await repository.get_record(session, enc.id, for_update=True)
    if record is None:
        raise EncounterNotFound()
    if record.status == "draft":
        raise RecordNotSigned()
    if record.version != data.version:
        raise StaleVersion()
    rows = check_diagnoses(data.content, enc, actor)
    record.revision += 1
    record.status = "amended"
    record.content = data.content.model_dump()
    record.chief_complaint = data.content.chief_complaint
    session.add(EncounterRecordVersion(record_id=record.id, revision=record.revision, kind="amendment", content=record.content,
                                       reason=data.reason, author_id=actor.user_id, created_at=utcnow()))
    await repository.replace_diagnoses(session, enc.id, rows)
    await _flush(session)
    audit.record(session, "encounter.record.amend", patient_id=enc.patient_id, resource_type="EncounterRecord",
                 resource_id=record.id, detail={"revision": record.revision, "reason": data.reason})
    return record


async def add_score(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID, data: ScoreCreate) -> ScoreObservation:
    """Score answers with ``scoring.compute`` and store answers, result and definition version."""
    check(actor, "encounter:write")
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.score.write")
    try:
        result = scoring.compute(data.code, data.answers)
    except scoring.ScoreInputError as e:
        raise InvalidScore(e.message_zh, e.message_en, code_override=f"encounters.{e.code}") from None
    obs = ScoreObservation(encounter_id=enc.id, patient_id=enc.patient_id, code=result.code, definition_version=result.version,
                           answers=data.answers, result=result.model_dump(mode="json"), total=result.total,
                           recorded_by_id=actor.user_id, recorded_at=utcnow())
    session.add(obs)
    await session.flush()
    audit.record(session, "encounter.score.create", patient_id=enc.patient_id, resource_type="Observation", resource_id=obs.id,
                 detail={"code": result.code, "total": result.total})
    return obs


async def finish(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID) -> Encounter:
    """Close the visit."""
    check(actor, "encounter:write")
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.finish")
    if enc.status != "in_progress":
        raise EncounterClosed()
    enc.status, enc.ended_at = "finished", utcnow()
    await session.flush()
    audit.record(session, "encounter.finish", patient_id=enc.patient_id, resource_type="Encounter", resource_id=enc.id)
    return enc


# --------------------------------------------------------------------------- reads


async def to_read(session: AsyncSession, enc: Encounter) -> EncounterRead:
    """The full view of an encounter (3 queries: record, diagnoses, scores)."""
    record = await repository.get_record(session, enc.id)
    return EncounterRead(
        id=enc.id, visit_no=enc.visit_no, patient_id=enc.patient_id, institution_id=enc.institution_id,
        department_id=enc.department_id, encounter_class=enc.encounter_class, status=enc.status, subspecialty=enc.subspecialty,
        attending_id=enc.attending_id, appointment_id=enc.appointment_id, started_at=enc.started_at, ended_at=enc.ended_at, triage_summary=enc.triage_summary,
        record=RecordRead.model_validate(record) if record else None,
        diagnoses=[DiagnosisRead.model_validate(d) for d in await repository.diagnoses_of(session, enc.id)],
        scores=[ScoreRead.model_validate(s) for s in await repository.scores_of(session, enc.id)],
    )


async def versions(session: AsyncSession, actor: Actor, encounter_id: uuid.UUID) -> list[EncounterRecordVersion]:
    """Every signed/amended version of the record."""
    enc, _ = await get_for(session, actor, encounter_id, action="encounter.record.history")
    record = await repository.get_record(session, enc.id)
    return await repository.versions_of(session, record.id) if record else []


async def list_for_patient(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, limit: int, offset: int) -> list[tuple[Encounter, str, str | None]]:
    """A patient's encounters (audited read)."""
    check(actor, "encounter:read")
    await patients.get_for(session, actor, patient_id, action="encounter.list", scoped=True)
    rows = await repository.encounters_of_patient(session, patient_id, limit, offset)
    shared = await patients.access_scope(session, actor, patient_id)
    return rows if shared is None else [r for r in rows if f"encounter:{r[0].id}" in shared]


async def patient_scores(session: AsyncSession, actor: Actor, patient_id: uuid.UUID, code: str | None, limit: int) -> list[ScoreObservation]:
    """A patient's scores across visits, oldest first (audited read; unknown score code → 400)."""
    check(actor, "encounter:read")
    if code is not None:
        try:
            scoring.get_definition(code)
        except scoring.ScoreInputError as e:
            raise InvalidScore(e.message_zh, e.message_en, code_override=f"encounters.{e.code}") from None
    await patients.get_for(session, actor, patient_id, action="encounter.score.list", scoped=True)
    scores = await repository.scores_of_patient(session, patient_id, code, limit)
    shared = await patients.access_scope(session, actor, patient_id)
    return scores if shared is None else [s for s in scores if f"encounter:{s.encounter_id}" in shared]


async def encounter_brief(session: AsyncSession, encounter_id: uuid.UUID) -> Encounter | None:
    """The encounter row for other domains (orders, surgery, inpatient) that already authorised the patient."""
    return await repository.get_encounter(session, encounter_id)
