"""Ward rules: beds change state only through conditional updates (two nurses, one bed: one wins),
admissions, transfers, notes, vitals, discharge with a summary, LOS by the national rule, bed-days."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters import service as encounters
from osteon.inpatient import repository
from osteon.inpatient.exceptions import (
    AdmissionNotFound,
    AlreadyAdmitted,
    BedNotAvailable,
    BedNotFound,
    BedStateConflict,
    DischargeSummaryMissing,
    NotAdmitted,
    WardNotFound,
)
from osteon.inpatient.models import (
    Admission,
    Bed,
    BedAssignment,
    DischargeSummary,
    NursingObservation,
    ProgressNote,
    WardRoom,
)
from osteon.inpatient.permissions import check
from osteon.inpatient.schemas import (
    AdmissionCreate,
    BedBoard,
    BedCell,
    BedsCreate,
    DischargeIn,
    DischargeSummaryIn,
    ObservationIn,
    ProgressNoteIn,
)
from osteon.kit.errors import BadRequest, Conflict, NotFound, StaleVersion
from osteon.kit.models import utcnow
from osteon.orders import service as orders
from osteon.patients import service as patients
from osteon.security import audit
from osteon.security.deps import Actor

# Housekeeping moves a nurse may make by hand (occupied ↔ * only through admit/transfer/discharge).
MANUAL_MOVES = {
    "free": ("reserved", "cleaning", "closed"),
    "reserved": ("free",),
    "cleaning": ("free",),
    "closed": ("free",),
}
DAILY_CHARGES = ("BED-3", "NURS-2")  # posted per bed-day at discharge (demo price list)


# --------------------------------------------------------------------------- rules


def los_days(admitted_at: datetime, discharged_at: datetime, tz: str = encounters.DEFAULT_TZ) -> int:
    """实际住院天数 = discharge date − admission date (local calendar days); same-day stays count 1.

    Source: 国家卫生计生委《住院病案首页数据填写质量规范(暂行)》(2016) 第二十一条: "实际住院天数:入院日与出院日只计算1天,
    例如:2011年6月12日入院,2011年6月15日出院,计住院天数为3天".
    """
    days = (encounters.local_date(discharged_at, tz) - encounters.local_date(admitted_at, tz)).days
    return max(days, 1)


def bed_day_dates(admitted_at: datetime, discharged_at: datetime, tz: str = encounters.DEFAULT_TZ) -> list[date]:
    """The census days of a stay (one per night spent; a same-day stay counts its admission day) — len == LOS."""
    start = encounters.local_date(admitted_at, tz)
    return [start + timedelta(days=i) for i in range(los_days(admitted_at, discharged_at, tz))]


def _publish_bed(session: AsyncSession, ward_id: uuid.UUID, bed_id: uuid.UUID, state: str,
                 admission_id: uuid.UUID | None = None, patient_id: uuid.UUID | None = None) -> None:
    """Bed change on topic beds:<ward_id> after commit."""
    orders.publish(session, f"beds:{ward_id}", {"type": "bed.changed", "ward_id": str(ward_id), "bed_id": str(bed_id), "state": state,
                                               "admission_id": str(admission_id) if admission_id else None,
                                               "patient_id": str(patient_id) if patient_id else None, "at": utcnow().isoformat()})


async def _ward_for(session: AsyncSession, actor: Actor, ward_id: uuid.UUID) -> Any:
    """A ward of the actor's institution, else 404."""
    ward = await repository.get_ward(session, ward_id)
    if ward is None or ward.institution_id != actor.institution_id:
        raise WardNotFound()
    return ward


async def admission_brief(session: AsyncSession, admission_id: uuid.UUID | None) -> Admission | None:
    """The admission row for other domains (orders, surgery) that authorise the patient themselves."""
    return await repository.get_admission(session, admission_id) if admission_id else None


async def get_for(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, *, action: str = "admission.read",
                  for_update: bool = False) -> Admission:
    """An admission whose patient the actor may see (audited), else 404."""
    check(actor, "admission:read")
    adm = await repository.get_admission(session, admission_id, for_update=for_update)
    if adm is None:
        raise AdmissionNotFound()
    await patients.get_for(session, actor, adm.patient_id, action=action)
    return adm


# --------------------------------------------------------------------------- beds


async def add_beds(session: AsyncSession, actor: Actor, ward_id: uuid.UUID, data: BedsCreate) -> list[Bed]:
    """Add a room and its beds to a ward."""
    check(actor, "bed:manage")
    ward = await _ward_for(session, actor, ward_id)
    room = await repository.room_by_code(session, ward.id, data.room_code)
    if room is None:
        room = WardRoom(ward_id=ward.id, code=data.room_code, name=f"{data.room_code}室")
        session.add(room)
        await session.flush()
    beds = [Bed(institution_id=ward.institution_id, ward_id=ward.id, room_id=room.id, code=c) for c in data.bed_codes]
    session.add_all(beds)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("床号已存在", "A bed with this number already exists", code_override="inpatient.bed_exists") from None
    audit.record(session, "bed.create", resource_type="Location", resource_id=ward.id, detail={"beds": data.bed_codes})
    return beds


async def bed_board(session: AsyncSession, actor: Actor, ward_ids: list[uuid.UUID] | None = None) -> BedBoard:
    """Snapshot of beds and occupants for the given wards (default: all of the institution) in one query."""
    check(actor, "bed:read")
    if ward_ids:
        for wid in ward_ids:
            await _ward_for(session, actor, wid)
    else:
        ward_ids = [w.id for w in await repository.wards_of(session, actor.institution_id)]
    rows = await repository.bed_board(session, ward_ids)
    today = encounters.local_date()
    beds = []
    for (bed_id, code, room, ward_id, state, updated_at, adm_id, admitted_at, diagnosis, attending_id,
         pid, name, mrn, sex, birth) in rows:
        beds.append(BedCell(bed_id=bed_id, code=code, room=room or "", ward_id=ward_id, state=state, updated_at=updated_at,
                            admission_id=adm_id, patient_id=pid, patient_name=name, mrn=mrn, sex=sex,
                            age=patients.age_on(birth, today) if birth else None, admitted_at=admitted_at,
                            diagnosis=diagnosis, attending_id=attending_id))
    occupants = [b.patient_id for b in beds if b.patient_id]
    # One audit event for the board (it lists the ward's patients), not one per bed.
    audit.record(session, "inpatient.bed_board.read", resource_type="Location",
                 resource_id=str(ward_ids[0]) if len(ward_ids) == 1 else f"institution:{actor.institution_id}",
                 detail={"patients": len(occupants), "wards": [str(w) for w in ward_ids][:50]})
    return BedBoard(ward_ids=ward_ids, counts=dict(Counter(b.state for b in beds)), beds=beds, at=utcnow())


async def change_bed_state(session: AsyncSession, actor: Actor, bed_id: uuid.UUID, to: str) -> Bed:
    """Housekeeping moves: reserve/release, cleaning done, close/reopen (never to or from occupied)."""
    check(actor, "bed:manage")
    bed = await repository.get_bed(session, bed_id)
    if bed is None or bed.institution_id != actor.institution_id:
        raise BedNotFound()
    allowed_from = [s for s, targets in MANUAL_MOVES.items() if to in targets]
    if not await repository.set_bed_state(session, bed.id, to, allowed_from, utcnow()):
        current = (await repository.get_bed(session, bed.id)).state
        raise BedStateConflict(f"床位当前为“{current}”状态,不能改为“{to}”", f"The bed is {current}; it cannot become {to}",
                               current_state=current)
    bed = await repository.get_bed(session, bed.id)
    _publish_bed(session, bed.ward_id, bed.id, to)
    audit.record(session, "bed.state", resource_type="Location", resource_id=bed.id, detail={"to": to})
    return bed


async def _occupy(session: AsyncSession, actor: Actor, adm: Admission, bed_id: uuid.UUID, reason: str) -> Bed:
    """Take a bed for an admission (conditional UPDATE) and open a bed assignment."""
    bed = await repository.get_bed(session, bed_id)
    if bed is None or bed.institution_id != adm.institution_id:
        raise BedNotFound()
    now = utcnow()
    if not await repository.take_bed(session, bed.id, adm.id, now):
        raise BedNotAvailable(bed_id=str(bed.id), bed_code=bed.code)
    session.add(BedAssignment(admission_id=adm.id, bed_id=bed.id, ward_id=bed.ward_id, start_at=now, reason=reason, by_id=actor.user_id))
    adm.bed_id, adm.ward_id = bed.id, bed.ward_id
    _publish_bed(session, bed.ward_id, bed.id, "occupied", adm.id, adm.patient_id)
    return bed


# --------------------------------------------------------------------------- admissions


async def admit(session: AsyncSession, actor: Actor, data: AdmissionCreate) -> Admission:
    """Admit from an outpatient/emergency encounter, taking the bed if given (409 if someone took it first)."""
    check(actor, "admission:write")
    patient = await patients.get_for(session, actor, data.patient_id, action="admission.create")
    ward = await _ward_for(session, actor, data.ward_id)
    if await repository.open_admission_of(session, patient.id) is not None:
        raise AlreadyAdmitted()
    source = "outpatient"
    if data.source_encounter_id is not None:
        enc = await encounters.encounter_brief(session, data.source_encounter_id)
        if enc is None or enc.patient_id != patient.id:
            raise NotFound("未找到该就诊记录", "Encounter not found", code_override="encounters.not_found")
        source = "emergency" if enc.encounter_class == "emergency" else "outpatient"
    if data.attending_id is not None:
        from osteon.surgery import service as surgery  # the same "doctor of this hospital" rule as OR staff

        if not await surgery.is_clinician(session, ward.institution_id, data.attending_id):
            raise BadRequest("主治医生不是本院在职医生", "The attending is not an active doctor of this hospital",
                             code_override="inpatient.attending_unknown")
    diagnosis_name = data.admission_diagnosis
    if data.admission_diagnosis_code:
        entry = encounters.resolve_icd10(data.admission_diagnosis_code)
        if entry is None:
            raise BadRequest(f"诊断编码 {data.admission_diagnosis_code} 不在ICD-10骨科编码库中",
                             f"Diagnosis code {data.admission_diagnosis_code} is not in the ICD-10 orthopedic subset",
                             code_override="encounters.icd10_unknown")
        diagnosis_name = diagnosis_name or entry.name_zh
    adm = Admission(admission_no=await encounters.next_number(session, "ZYH", width=4), institution_id=ward.institution_id,
                    department_id=ward.department_id, ward_id=ward.id, patient_id=patient.id,
                    source_encounter_id=data.source_encounter_id, source=source, admitted_at=utcnow(),
                    attending_id=data.attending_id or (actor.user_id if actor.role in ("doctor", "dept_head") else None),
                    admission_diagnosis_code=data.admission_diagnosis_code.upper(), admission_diagnosis=diagnosis_name)
    session.add(adm)
    await session.flush()
    if data.bed_id is not None:
        await _occupy(session, actor, adm, data.bed_id, "admission")
    await patients.add_care_relationship(session, actor.user_id, patient.id)
    await session.flush()
    audit.record(session, "admission.create", patient_id=patient.id, resource_type="Encounter", resource_id=adm.id,
                 detail={"ward": str(ward.id), "bed": str(data.bed_id) if data.bed_id else None})
    return adm


async def assign_bed(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, bed_id: uuid.UUID) -> Admission:
    """Give a bed to an admission that has none (two nurses, one bed: exactly one succeeds)."""
    check(actor, "bed:assign")
    adm = await get_for(session, actor, admission_id, action="admission.bed.assign", for_update=True)
    if adm.status != "admitted":
        raise NotAdmitted()
    if adm.bed_id is not None:
        raise BedStateConflict("该患者已有床位,请使用转床", "The patient already has a bed; use a transfer", code_override="inpatient.has_bed")
    await _occupy(session, actor, adm, bed_id, "assignment")
    await _flush(session)
    audit.record(session, "admission.bed.assign", patient_id=adm.patient_id, resource_type="Encounter", resource_id=adm.id,
                 detail={"bed": str(bed_id)})
    return adm


async def transfer(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, bed_id: uuid.UUID, reason: str) -> Admission:
    """Move to another bed: the new bed is taken first (409 if gone), then the old one goes to cleaning."""
    check(actor, "bed:assign")
    adm = await get_for(session, actor, admission_id, action="admission.transfer", for_update=True)
    if adm.status != "admitted":
        raise NotAdmitted()
    old_bed_id, old_ward = adm.bed_id, adm.ward_id
    if old_bed_id == bed_id:
        raise BedStateConflict("患者已在该床位", "The patient is already in this bed", code_override="inpatient.same_bed")
    await repository.close_assignment(session, adm.id, utcnow())
    await _occupy(session, actor, adm, bed_id, reason or "transfer")
    if old_bed_id is not None:
        await repository.set_bed_state(session, old_bed_id, "cleaning", ("occupied",), utcnow())
        _publish_bed(session, old_ward, old_bed_id, "cleaning")
    await _flush(session)
    audit.record(session, "admission.transfer", patient_id=adm.patient_id, resource_type="Encounter", resource_id=adm.id,
                 detail={"from": str(old_bed_id) if old_bed_id else None, "to": str(bed_id), "reason": reason})
    return adm


async def _flush(session: AsyncSession) -> None:
    """Flush; a concurrent version bump becomes 409."""
    from sqlalchemy.orm.exc import StaleDataError

    try:
        await session.flush()
    except StaleDataError:
        raise StaleVersion() from None


async def add_note(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, data: ProgressNoteIn) -> ProgressNote:
    """A progress note."""
    check(actor, "note:write")
    adm = await get_for(session, actor, admission_id, action="admission.note.write")
    if adm.status != "admitted":
        raise NotAdmitted()
    note = ProgressNote(admission_id=adm.id, kind=data.kind, text=data.text, author_id=actor.user_id, written_at=utcnow())
    session.add(note)
    await session.flush()
    audit.record(session, "admission.note.create", patient_id=adm.patient_id, resource_type="Composition", resource_id=note.id)
    return note


async def add_observation(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, data: ObservationIn) -> NursingObservation:
    """Record vital signs and pain score."""
    check(actor, "observation:write")
    adm = await get_for(session, actor, admission_id, action="admission.observation.write")
    if adm.status != "admitted":
        raise NotAdmitted()
    obs = NursingObservation(admission_id=adm.id, patient_id=adm.patient_id, recorded_by_id=actor.user_id,
                             **data.model_dump(exclude={"observed_at"}), observed_at=data.observed_at or utcnow())
    if obs.observed_at > utcnow() + timedelta(minutes=5):
        raise BadRequest("观察时间不能晚于现在", "The observation time cannot be in the future", code_override="inpatient.future_time")
    session.add(obs)
    await session.flush()
    audit.record(session, "admission.observation.create", patient_id=adm.patient_id, resource_type="Observation", resource_id=obs.id)
    return obs


async def save_summary(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, data: DischargeSummaryIn) -> DischargeSummary:
    """Write or update the discharge summary (出院小结)."""
    check(actor, "discharge:write")
    adm = await get_for(session, actor, admission_id, action="admission.summary.write")
    summary = await repository.summary_of(session, adm.id)
    if summary is None:
        summary = DischargeSummary(admission_id=adm.id, author_id=actor.user_id, **data.model_dump())
        session.add(summary)
    else:
        if adm.status != "admitted":
            raise NotAdmitted("已出院的出院小结不能直接修改", "The summary of a discharged stay cannot be edited",
                              code_override="inpatient.summary_locked")
        for k, v in data.model_dump().items():
            setattr(summary, k, v)
        summary.author_id = actor.user_id
    await session.flush()
    audit.record(session, "admission.summary.write", patient_id=adm.patient_id, resource_type="Composition", resource_id=summary.id)
    return summary


async def discharge(session: AsyncSession, actor: Actor, admission_id: uuid.UUID, data: DischargeIn) -> Admission:
    """Discharge: needs the summary (409 naming it); sets LOS, writes bed-days and daily charges, frees the bed to cleaning."""
    check(actor, "discharge:write")
    adm = await get_for(session, actor, admission_id, action="admission.discharge", for_update=True)
    if adm.status != "admitted":
        raise NotAdmitted()
    if await repository.summary_of(session, adm.id) is None:
        raise DischargeSummaryMissing(missing="discharge_summary")
    at = data.discharged_at or utcnow()
    if at < adm.admitted_at or at > utcnow() + timedelta(minutes=5):
        raise BadRequest("出院时间应在入院时间之后且不晚于现在", "Discharge time must be after admission and not in the future",
                         code_override="inpatient.discharge_time")
    adm.status, adm.discharged_at, adm.discharge_disposition = "discharged", at, data.disposition
    adm.los_days = los_days(adm.admitted_at, at)
    days = bed_day_dates(adm.admitted_at, at)
    await repository.add_bed_days(session, [
        {"id": uuid.uuid4(), "admission_id": adm.id, "patient_id": adm.patient_id, "institution_id": adm.institution_id,
         "department_id": adm.department_id, "ward_id": adm.ward_id, "day": d} for d in days])
    for code in DAILY_CHARGES:
        await orders.add_charge(session, patient_id=adm.patient_id, institution_id=adm.institution_id, department_id=adm.department_id,
                                item_code=code, quantity=len(days), admission_id=adm.id, service_date=encounters.local_date(at))
    await repository.close_assignment(session, adm.id, at)
    if adm.bed_id is not None:
        await repository.set_bed_state(session, adm.bed_id, "cleaning", ("occupied",), utcnow())
        _publish_bed(session, adm.ward_id, adm.bed_id, "cleaning")
    await _flush(session)
    summary = await repository.summary_of(session, adm.id)
    await orders.notify_patient(session, adm.patient_id, "discharge_instructions",
                                {"summary": summary.instructions[:200], "follow_up": summary.follow_up[:100]}, ref=f"admission:{adm.id}:discharged")
    audit.record(session, "admission.discharge", patient_id=adm.patient_id, resource_type="Encounter", resource_id=adm.id,
                 detail={"los_days": adm.los_days, "disposition": data.disposition})
    return adm


async def notes(session: AsyncSession, actor: Actor, admission_id: uuid.UUID) -> list[ProgressNote]:
    """Progress notes (audited read)."""
    adm = await get_for(session, actor, admission_id, action="admission.note.read")
    return await repository.notes_of(session, adm.id)


async def observations(session: AsyncSession, actor: Actor, admission_id: uuid.UUID) -> list[NursingObservation]:
    """Vital signs (audited read)."""
    adm = await get_for(session, actor, admission_id, action="admission.observation.read")
    return await repository.observations_of(session, adm.id)


async def summary(session: AsyncSession, actor: Actor, admission_id: uuid.UUID) -> DischargeSummary:
    """The discharge summary, or 404."""
    adm = await get_for(session, actor, admission_id, action="admission.summary.read")
    s = await repository.summary_of(session, adm.id)
    if s is None:
        raise NotFound("尚无出院小结", "No discharge summary yet", code_override="inpatient.summary_not_found")
    return s


async def ward_admissions(session: AsyncSession, actor: Actor, ward_id: uuid.UUID, status: str | None, limit: int,
                          offset: int) -> list[Admission]:
    """Admissions/discharges of a ward for the nurse station (one audit event for the list)."""
    check(actor, "bed:read")
    ward = await _ward_for(session, actor, ward_id)
    rows = await repository.admissions_of_ward(session, ward.id, status, limit, offset)
    audit.record(session, "inpatient.admissions.list", resource_type="Location", resource_id=ward.id,
                 detail={"patients": [str(a.patient_id) for a in rows][:200], "status": status})
    return rows
