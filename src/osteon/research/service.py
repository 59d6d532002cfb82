"""Build a de-identified research dataset (SECURITY 17).

HIPAA Safe Harbor (45 CFR §164.514(b)(2)) and GB/T 37964-2019 direct identifiers: nothing that names, numbers,
locates or contacts a person leaves — no name, MRN, visit or admission number, ID card, phone, address,
emergency contact, HIS id, device or image UIDs, no free text (notes and complaints can hold any of those).
Dates become the year; ages of 90 and over become the band "90+" with no birth year. Patients are random study
codes made for this export only, not derived from anything about them, and the key is not kept. Only the
exporter's own institution (and department subtree) is exported — never patients seen through a consultation
grant or a care relationship elsewhere. Each exported patient gets an audit record.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters.models import Diagnosis, Encounter, ScoreObservation
from osteon.inpatient.models import Admission
from osteon.kit.errors import BadRequest
from osteon.patients.models import Patient
from osteon.research.schemas import (
    ExportRequest,
    ResearchAdmission,
    ResearchDiagnosis,
    ResearchEncounter,
    ResearchExport,
    ResearchPatient,
    ResearchScore,
    ResearchSurgery,
)
from osteon.security import audit
from osteon.security.deps import Actor
from osteon.surgery.models import Surgery

METHOD = ("HIPAA Safe Harbor 45 CFR 164.514(b)(2): the 18 identifiers removed, dates reduced to the year, ages "
          "90+ aggregated; GB/T 37964-2019 direct identifiers removed; random study codes not derived from "
          "patient data; coded data only, no free text")
AGE_BANDS = ((18, "0-17"), (45, "18-44"), (65, "45-64"), (90, "65-89"))


class BadYears(BadRequest):
    """The year range is reversed or too long."""

    code = "research.years"
    title_zh = "年份范围不正确:起始年份不能晚于结束年份,且不超过 20 年"
    title_en = "Invalid year range: the first year must not be after the last, and at most 20 years"


def age_band(birth: date | None, today: date) -> tuple[str, int | None]:
    """(band, birth year or None): the birth year is withheld from 90 on (Safe Harbor)."""
    if birth is None:
        return "unknown", None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    for upper, band in AGE_BANDS:
        if age < upper:
            return band, birth.year
    return "90+", None


def _in_scope(actor: Actor):
    """The exporter's own patients: institution, and department subtree for department staff."""
    cond = Patient.institution_id == actor.institution_id
    if actor.department_ids:
        cond = and_(cond, Patient.department_id.in_(actor.department_ids))
    return and_(cond, Patient.merged_into_id.is_(None))


def _year_range(col, first: int, last: int):
    return and_(col >= datetime(first, 1, 1, tzinfo=UTC), col < datetime(last + 1, 1, 1, tzinfo=UTC))


async def export(session: AsyncSession, actor: Actor, req: ExportRequest) -> ResearchExport:
    """The de-identified dataset of the actor's patients active in the years asked for."""
    if req.from_year > req.to_year or req.to_year - req.from_year > 20:
        raise BadYears()
    scope = _in_scope(actor)
    encounters = (await session.execute(
        select(Encounter).join(Patient, Patient.id == Encounter.patient_id)
        .where(scope, _year_range(Encounter.started_at, req.from_year, req.to_year), Encounter.status != "cancelled")
        .order_by(Encounter.started_at))).scalars().all()
    surgeries = (await session.execute(
        select(Surgery).join(Patient, Patient.id == Surgery.patient_id)
        .where(scope, Surgery.status == "completed",
               or_(_year_range(Surgery.actual_start_at, req.from_year, req.to_year),
                   and_(Surgery.actual_start_at.is_(None), _year_range(Surgery.created_at, req.from_year, req.to_year))))
        .order_by(Surgery.created_at))).scalars().all()
    admissions = (await session.execute(
        select(Admission).join(Patient, Patient.id == Admission.patient_id)
        .where(scope, _year_range(Admission.admitted_at, req.from_year, req.to_year))
        .order_by(Admission.admitted_at))).scalars().all()

    patient_ids = {r.patient_id for r in (*encounters, *surgeries, *admissions)}
    patients = (await session.execute(select(Patient).where(Patient.id.in_(patient_ids)))).scalars().all() if patient_ids else []
    rng = random.SystemRandom()
    numbers = rng.sample(range(100000, 1000000), len(patients))
    code_of = {p.id: f"S{n}" for p, n in zip(patients, numbers, strict=True)}
    today = datetime.now(UTC).date()

    diagnoses: dict[uuid.UUID, list[ResearchDiagnosis]] = {}
    scores: dict[uuid.UUID, list[ResearchScore]] = {}
    enc_ids = [e.id for e in encounters]
    if enc_ids:
        for d in (await session.execute(select(Diagnosis).where(Diagnosis.encounter_id.in_(enc_ids))
                                        .order_by(Diagnosis.rank))).scalars():
            diagnoses.setdefault(d.encounter_id, []).append(ResearchDiagnosis(
                icd10=d.icd10_code, rank=d.rank, laterality=d.laterality, fracture_system=d.fracture_system,
                fracture_code=d.fracture_code))
        for s in (await session.execute(select(ScoreObservation).where(ScoreObservation.encounter_id.in_(enc_ids))
                                        .order_by(ScoreObservation.recorded_at))).scalars():
            scores.setdefault(s.encounter_id, []).append(ResearchScore(
                code=s.code, definition_version=s.definition_version, total=s.total))

    out_patients = []
    for p in sorted(patients, key=lambda p: code_of[p.id]):  # order carries nothing about the person
        band, birth_year = age_band(p.birth_date, today)
        out_patients.append(ResearchPatient(code=code_of[p.id], sex=p.sex, birth_year=birth_year, age_band=band,
                                            insurance_type=p.insurance_type))
        audit.record(session, "research.export", patient_id=p.id, resource_type="Patient", resource_id=p.id,
                     detail={"from_year": req.from_year, "to_year": req.to_year})

    def minutes(s: Surgery) -> int | None:
        if s.actual_start_at and s.actual_end_at:
            return int((s.actual_end_at - s.actual_start_at).total_seconds() // 60)
        return None

    return ResearchExport(
        method=METHOD, from_year=req.from_year, to_year=req.to_year, patients=out_patients,
        encounters=[ResearchEncounter(patient=code_of[e.patient_id], year=e.started_at.year,
                                      encounter_class=e.encounter_class, subspecialty=e.subspecialty,
                                      diagnoses=diagnoses.get(e.id, []), scores=scores.get(e.id, []))
                    for e in encounters],
        surgeries=[ResearchSurgery(patient=code_of[s.patient_id], year=(s.actual_start_at or s.created_at).year,
                                   procedure_code=s.planned_code, grade=s.grade, asa_class=s.asa_class,
                                   duration_minutes=minutes(s), blood_loss_ml=s.blood_loss_ml,
                                   unplanned_return=s.unplanned_return) for s in surgeries],
        admissions=[ResearchAdmission(patient=code_of[a.patient_id], year=a.admitted_at.year, source=a.source,
                                      los_days=a.los_days) for a in admissions],
    )
