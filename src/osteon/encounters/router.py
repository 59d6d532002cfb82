"""Encounter API: visits, the orthopedic record (draft, sign, amend, history), scores, templates."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from osteon.db import DbSession
from osteon.encounters import codes, scoring, service
from osteon.encounters.schemas import (
    EncounterCreate,
    EncounterRead,
    EncounterSummary,
    PatientScoreRead,
    RecordAmend,
    RecordRead,
    RecordSign,
    RecordUpdate,
    RecordVersionRead,
    ScoreCreate,
    ScoreDefinitionRead,
    ScoreRead,
    TemplateRead,
    TriageSummaryIn,
)
from osteon.kit.errors import NotFound
from osteon.security.deps import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["encounters"])
NO_STORE = {"Cache-Control": "no-store"}


@router.post("/encounters", response_model=EncounterRead, status_code=status.HTTP_201_CREATED)
async def open_encounter(data: EncounterCreate, actor: CurrentUser, session: DbSession, response: Response) -> EncounterRead:
    """Open an outpatient, emergency or inpatient visit with an empty (or triage-pre-filled) record."""
    response.headers.update(NO_STORE)
    enc = await service.open_encounter(session, actor, data)
    return await service.to_read(session, enc)


@router.get("/encounters/{encounter_id}", response_model=EncounterRead)
async def get_encounter(encounter_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> EncounterRead:
    """An encounter with its record, diagnoses and scores."""
    response.headers.update(NO_STORE)
    enc, _ = await service.get_for(session, actor, encounter_id)
    return await service.to_read(session, enc)


@router.get("/patients/{patient_id}/encounters", response_model=list[EncounterSummary])
async def list_patient_encounters(
    patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
    limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[EncounterSummary]:
    """A patient's visits, newest first."""
    response.headers.update(NO_STORE)
    rows = await service.list_for_patient(session, actor, patient_id, limit, offset)
    return [EncounterSummary(id=e.id, visit_no=e.visit_no, patient_id=e.patient_id, encounter_class=e.encounter_class,
                             status=e.status, subspecialty=e.subspecialty, started_at=e.started_at, chief_complaint=cc,
                             appointment_id=e.appointment_id, record_status=st)
            for e, cc, st in rows]


@router.put("/encounters/{encounter_id}/record", response_model=RecordRead)
async def save_record(encounter_id: uuid.UUID, data: RecordUpdate, actor: CurrentUser, session: DbSession, response: Response) -> RecordRead:
    """Save the draft record (409 stale_version if someone saved first; 409 record_signed once signed)."""
    response.headers.update(NO_STORE)
    return RecordRead.model_validate(await service.save_draft(session, actor, encounter_id, data))


@router.post("/encounters/{encounter_id}/record/sign", response_model=RecordRead)
async def sign_record(encounter_id: uuid.UUID, data: RecordSign, actor: CurrentUser, session: DbSession, response: Response) -> RecordRead:
    """Sign the record (doctors only)."""
    response.headers.update(NO_STORE)
    return RecordRead.model_validate(await service.sign(session, actor, encounter_id, data.version))


@router.post("/encounters/{encounter_id}/record/amendments", response_model=RecordRead)
async def amend_record(encounter_id: uuid.UUID, data: RecordAmend, actor: CurrentUser, session: DbSession, response: Response) -> RecordRead:
    """Amend a signed record with a reason; a new version is kept, the earlier text stays readable."""
    response.headers.update(NO_STORE)
    return RecordRead.model_validate(await service.amend(session, actor, encounter_id, data))


@router.get("/encounters/{encounter_id}/record/versions", response_model=list[RecordVersionRead])
async def record_versions(encounter_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> list[RecordVersionRead]:
    """Every signed and amended version of the record."""
    response.headers.update(NO_STORE)
    return [RecordVersionRead.model_validate(v) for v in await service.versions(session, actor, encounter_id)]


@router.post("/encounters/{encounter_id}/scores", response_model=ScoreRead, status_code=status.HTTP_201_CREATED)
async def add_score(encounter_id: uuid.UUID, data: ScoreCreate, actor: CurrentUser, session: DbSession, response: Response) -> ScoreRead:
    """Score a questionnaire/clinician score and store answers, result and definition version."""
    response.headers.update(NO_STORE)
    return ScoreRead.model_validate(await service.add_score(session, actor, encounter_id, data))


@router.get("/patients/{patient_id}/scores", response_model=list[PatientScoreRead])
async def list_patient_scores(
    patient_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response,
    code: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z][a-z0-9_]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PatientScoreRead]:
    """A patient's recorded scores across visits (optionally one score code), oldest first — for trends."""
    response.headers.update(NO_STORE)
    return [PatientScoreRead.model_validate(s) for s in await service.patient_scores(session, actor, patient_id, code, limit)]


@router.get("/score-definitions", response_model=list[ScoreDefinitionRead])
async def list_score_definitions(actor: CurrentUser) -> list[ScoreDefinitionRead]:
    """Every score definition (items with options or ranges, scoring and missing-item rule, bands, sources, licence)."""
    return [ScoreDefinitionRead.model_validate(d) for d in scoring.list_definitions()]


@router.get("/score-definitions/{code}", response_model=ScoreDefinitionRead)
async def get_score_definition(code: Annotated[str, Path(max_length=32)], actor: CurrentUser) -> ScoreDefinitionRead:
    """One score definition."""
    try:
        return ScoreDefinitionRead.model_validate(scoring.get_definition(code))
    except scoring.UnknownScoreError as e:
        raise NotFound(e.message_zh, e.message_en, code_override="encounters.score_unknown") from None


@router.put("/encounters/{encounter_id}/triage-summary", status_code=status.HTTP_204_NO_CONTENT)
async def put_triage_summary(encounter_id: uuid.UUID, data: TriageSummaryIn, actor: CurrentUser, session: DbSession) -> None:
    """Attach a triage summary (pre-fills an untouched draft)."""
    await service.get_for(session, actor, encounter_id, action="encounter.triage_summary")
    service.check(actor, "encounter:write")
    await service.set_triage_summary(session, encounter_id, data.summary)


@router.post("/encounters/{encounter_id}/finish", response_model=EncounterRead)
async def finish_encounter(encounter_id: uuid.UUID, actor: CurrentUser, session: DbSession, response: Response) -> EncounterRead:
    """Close the visit."""
    response.headers.update(NO_STORE)
    enc = await service.finish(session, actor, encounter_id)
    return await service.to_read(session, enc)


@router.get("/encounter-templates", response_model=list[TemplateRead])
async def list_templates(actor: CurrentUser) -> list[TemplateRead]:
    """Subspecialty record templates (spine, joint, sports, trauma, hand, foot_ankle, pediatric)."""
    return list(service.load_templates().values())


@router.get("/encounter-templates/{code}", response_model=TemplateRead)
async def get_template(code: str, actor: CurrentUser) -> TemplateRead:
    """One template."""
    return service.get_template(code)


@router.get("/codes/icd10")
async def search_icd10(actor: CurrentUser, q: Annotated[str, Query(min_length=1, max_length=50)]) -> list[dict[str, str]]:
    """Search the orthopedic ICD-10 subset by code, Chinese or English name, or synonym."""
    return [{"code": e.code, "name_zh": e.name_zh, "name_en": e.name_en} for e in codes.search_icd10(q)]


@router.get("/codes/icd9cm3")
async def search_procedures(actor: CurrentUser, q: Annotated[str, Query(min_length=1, max_length=50)]) -> list[dict[str, str | None]]:
    """Search the orthopedic ICD-9-CM-3 procedure subset (with default surgical grade)."""
    return [{"code": e.code, "name_zh": e.name_zh, "name_en": e.name_en, "default_grade": e.default_grade}
            for e in codes.search_procedures(q)]


@router.get("/codes/fracture-classifications")
async def list_fracture_classifications(actor: CurrentUser) -> list[str]:
    """Names of the fracture classification systems (ao_ota, garden, neer, schatzker …)."""
    return codes.list_fracture_classifications()


@router.get("/codes/fracture-classifications/{system}")
async def get_fracture_classification(system: Annotated[str, Path(max_length=32)], actor: CurrentUser) -> dict:
    """One classification system with its class tree and sources."""
    try:
        return codes.fracture_classification(system).model_dump(mode="json")
    except codes.UnknownClassificationError as e:
        raise NotFound(e.message_zh, e.message_en, code_override="encounters.fracture_system_unknown") from None
