"""Clinical demo data (DEMO_HOOKS): wards with beds (~70 % occupied), 王建国's spine visits with orders and
results, an OR day with two scheduled surgeries and one completed TKA with implants.

Everything goes through the domain services, so numbers, charges, events rows and audit look real.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.encounters import service as encounters
from osteon.encounters.schemas import EncounterCreate, RecordContent, RecordUpdate, ScoreCreate
from osteon.inpatient import service as inpatient
from osteon.inpatient.schemas import (
    AdmissionCreate,
    BedsCreate,
    DischargeIn,
    DischargeSummaryIn,
    ObservationIn,
    ProgressNoteIn,
)
from osteon.institutions.models import Ward
from osteon.kit.models import utcnow
from osteon.orders import service as orders
from osteon.orders.schemas import ImagingOrderCreate, LabOrderCreate, PrescriptionCreate, ReportIn
from osteon.patients import service as patients
from osteon.security.deps import Actor
from osteon.security.permissions import permissions_of
from osteon.surgery import service as surgery
from osteon.surgery.schemas import (
    BookingCreate,
    ChecklistUpdate,
    ImplantIn,
    ProcedureCodeIn,
    RoomCreate,
    SurgeryCreate,
    SurgeryRecordIn,
)

SH = ZoneInfo("Asia/Shanghai")
DIAGNOSES = [("M48.0", "腰椎管狭窄症"), ("M51.1", "腰椎间盘突出症伴坐骨神经痛"), ("M17.1", "膝关节骨关节炎"), ("S72.0", "股骨颈骨折"),
             ("S82.2", "胫骨干骨折"), ("M16.1", "髋关节骨关节炎"), ("S32.0", "腰椎骨折"), ("M87.0", "股骨头坏死")]
WANG_RECORD = {
    "chief_complaint": "腰痛伴双下肢麻木无力2年",
    "hpi": "2年前无明显诱因出现腰痛,伴双下肢麻木、无力,行走约200米后需蹲下休息,休息后可继续行走(间歇性跛行)。"
           "近3月加重,行走距离缩短至100米。无大小便功能障碍,无鞍区麻木。曾口服塞来昔布、理疗,效果欠佳。",
    "past_history": "高血压病史10年,口服氨氯地平控制可。否认糖尿病。",
    "exam": [{"region": "lumbar_spine", "inspection": "腰椎生理前凸减小", "palpation": "L4/5棘突旁压痛(+)",
              "neurovascular": "双小腿外侧及足背针刺觉减退,双拇背伸肌力4级,双侧膝反射、跟腱反射减弱",
              "rom": [{"joint": "lumbar_spine", "movement": "flexion", "degrees": 45},
                      {"joint": "lumbar_spine", "movement": "extension", "degrees": 10}],
              "special_tests": [{"test": "straight_leg_raise", "result": "negative", "side": "left", "angle": 75},
                                {"test": "straight_leg_raise", "result": "negative", "side": "right", "angle": 70},
                                {"test": "femoral_stretch", "result": "negative", "side": "bilateral"}]}],
    "imaging_summary": "外院腰椎X线:L4/5椎间隙变窄,骨质增生。",
    "diagnoses": [{"icd10_code": "M48.0", "note": "腰椎管狭窄症(L4/5)"}, {"icd10_code": "M51.1", "note": "L4/5椎间盘突出"}],
    "plan": "完善腰椎MRI、血常规、电解质;建议手术治疗(L4/5 TLIF),完善术前准备。",
}


def _actor(user: Any, dep_ids: list[uuid.UUID]) -> Actor:
    """An Actor for a demo user with the orthopedics scope of their hospital."""
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name, role=user.role, institution_id=user.institution_id,
                 department_id=user.department_id, department_ids=frozenset(dep_ids), patient_id=None, permissions=permissions_of(user.role))


def _at(day_offset: int, hh: int, mm: int = 0) -> datetime:
    """A Shanghai wall-clock time ``day_offset`` days from today."""
    d = encounters.local_date() + timedelta(days=day_offset)
    return datetime.combine(d, time(hh, mm), tzinfo=SH)


class _As:
    """Run service calls as a demo user (the audit trail names them)."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        """Remember the session and actor."""
        self.session, self.actor = session, actor

    def __enter__(self) -> Actor:
        """Switch the session's actor."""
        self.saved = self.session.info.get("actor")
        self.session.info["actor"] = self.actor
        return self.actor

    def __exit__(self, *exc: object) -> None:
        """Restore it."""
        self.session.info["actor"] = self.saved


async def seed_clinical(session: AsyncSession, rng: random.Random, insts: dict, deps: dict, users: dict, created: list) -> None:
    """The DEMO_HOOKS entry: beds, admissions, encounters, orders, results, OR day."""
    scope = {code: [d.id for (ic, _), d in deps.items() if ic == code and (d.parent_id == deps[(code, "ORTHO")].id or d.code == "ORTHO")]
             for code in insts}
    wards = (await session.execute(select(Ward).where(Ward.institution_id.in_([insts["XCPH"].id, insts["QSCH"].id])))).scalars().all()
    await _beds_and_admissions(session, rng, insts, users, created, scope, wards)
    await _wang(session, users, created[0], scope["QSCH"])
    await _or_day(session, rng, insts, users, created, scope)


async def _beds_and_admissions(session: AsyncSession, rng: random.Random, insts: dict, users: dict, created: list, scope: dict,
                               wards: list) -> None:
    """~60 beds in XCPH and QSCH wards, ~70 % occupied, a few cleaning/reserved/closed, three discharged stays."""
    nurse_of = {insts["QSCH"].id: "nurse", insts["XCPH"].id: "nurse_prov"}
    doctor_of = {insts["QSCH"].id: "doctor", insts["XCPH"].id: "doctor_prov"}
    # 王建国 (created[0]) stays an outpatient: he is the source document's outpatient example.
    pool = {iid: [p for p in created[1:] if p.institution_id == iid] for iid in nurse_of}
    for ward in sorted(wards, key=lambda w: (str(w.institution_id), w.code)):
        code = "QSCH" if ward.institution_id == insts["QSCH"].id else "XCPH"
        nurse = _actor(users[nurse_of[ward.institution_id]], scope[code])
        doctor = _actor(users[doctor_of[ward.institution_id]], scope[code])
        with _As(session, nurse):
            beds = []
            for room in range(1, 6):
                beds += await inpatient.add_beds(session, nurse, ward.id, BedsCreate(room_code=f"{room:02d}",
                                                                                    bed_codes=[f"{room:02d}{b}" for b in range(1, 5)]))
        states = ["occupied"] * 14 + ["free"] * 2 + ["cleaning", "reserved", "closed", "free"]
        rng.shuffle(states)
        for bed, state in zip(beds, states, strict=True):
            if state == "occupied" and pool[ward.institution_id]:
                p = pool[ward.institution_id].pop()
                code_, name = rng.choice(DIAGNOSES)
                with _As(session, nurse):
                    adm = await inpatient.admit(session, nurse, AdmissionCreate(patient_id=p.id, ward_id=ward.id, bed_id=bed.id,
                                                                                attending_id=doctor.user_id, admission_diagnosis_code=code_,
                                                                                admission_diagnosis=name))
                    adm.admitted_at = utcnow() - timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 10))
                    await inpatient.add_observation(session, nurse, adm.id, ObservationIn(
                        temperature_c=round(rng.uniform(36.3, 37.8), 1), pulse=rng.randint(62, 96), systolic=rng.randint(110, 150),
                        diastolic=rng.randint(65, 90), spo2=rng.randint(95, 99), resp_rate=rng.randint(14, 20), pain_nrs=rng.randint(0, 6)))
                with _As(session, doctor):
                    await inpatient.add_note(session, doctor, adm.id, ProgressNoteIn(text=f"{name}。患者一般情况可,继续目前治疗。"))
            elif state in ("cleaning", "reserved", "closed"):
                with _As(session, nurse):
                    await inpatient.change_bed_state(session, nurse, bed.id, state)
        # Three discharged stays last week, for LOS and bed-day figures.
        for k in range(3 if code == "XCPH" else 0):
            if not pool[ward.institution_id]:
                break
            p = pool[ward.institution_id].pop()
            with _As(session, nurse):
                adm = await inpatient.admit(session, nurse, AdmissionCreate(patient_id=p.id, ward_id=ward.id, attending_id=doctor.user_id,
                                                                            admission_diagnosis_code="M17.1", admission_diagnosis="膝关节骨关节炎"))
            adm.admitted_at = _at(-9 - k, 9)
            with _As(session, doctor):
                await inpatient.save_summary(session, doctor, adm.id, DischargeSummaryIn(
                    admission_diagnosis="右膝骨关节炎", discharge_diagnosis="右膝骨关节炎 全膝关节置换术后", discharge_diagnosis_code="M17.1",
                    hospital_course="入院后完善术前检查,行右侧全膝关节置换术,术后切口愈合良好,康复训练顺利。", procedures="右侧全膝关节置换术(81.54)",
                    condition_at_discharge="切口愈合良好,膝关节屈曲90°", instructions="助行器辅助行走,继续康复训练,口服利伐沙班抗凝至术后35天",
                    follow_up="术后2周拆线,术后6周门诊复查"))
                await inpatient.discharge(session, doctor, adm.id, DischargeIn(discharged_at=_at(-3 - k, 10)))


async def _wang(session: AsyncSession, users: dict, wang: Any, scope: list[uuid.UUID]) -> None:
    """王建国: an earlier signed visit and today's visit with MRI (accession, report), X-ray and a lab panel."""
    doctor, tech, nurse = (_actor(users[u], scope) for u in ("doctor", "tech", "nurse"))
    await patients.add_care_relationship(session, tech.user_id, wang.id, "performing")
    with _As(session, doctor):
        first = await encounters.open_encounter(session, doctor, EncounterCreate(patient_id=wang.id, subspecialty="spine"))
        first.started_at = utcnow() - timedelta(days=60)
        content = RecordContent.model_validate({**WANG_RECORD, "chief_complaint": "腰痛伴双下肢麻木1年余", "plan": "保守治疗,复诊"})
        rec = await encounters.save_draft(session, doctor, first.id, RecordUpdate(version=1, template="spine", content=content))
        await encounters.sign(session, doctor, first.id, rec.version)
        await encounters.finish(session, doctor, first.id)
        enc = await encounters.open_encounter(session, doctor, EncounterCreate(
            patient_id=wang.id, subspecialty="spine", triage_summary={"chief_complaint": "腰痛伴双下肢麻木无力2年", "department": "spine",
                                                                     "urgency": "routine", "red_flags": []}))
        rec = await encounters.save_draft(session, doctor, enc.id, RecordUpdate(version=1, template="spine",
                                                                               content=RecordContent.model_validate(WANG_RECORD)))
        await encounters.sign(session, doctor, enc.id, rec.version)
        from osteon.encounters import scoring

        items = scoring.get_definition("odi").items
        odi = {item.id: v for item, v in zip(items, [3, 2, 2, 3, 3, 2, 1, 2, 2, 2], strict=False)}
        await encounters.add_score(session, doctor, enc.id, ScoreCreate(code="odi", answers=odi))
        mri = await orders.create_order(session, doctor, ImagingOrderCreate(
            kind="imaging", patient_id=wang.id, encounter_id=enc.id, item_code="MR-LS", modality="MR", body_part="LSPINE",
            views=["SAG T1", "SAG T2", "AX T2"], clinical_question="L4/5椎管狭窄程度?神经根受压?"))
        xr = await orders.create_order(session, doctor, ImagingOrderCreate(
            kind="imaging", patient_id=wang.id, encounter_id=enc.id, item_code="XR-LS-2V", modality="DX", body_part="LSPINE",
            views=["AP", "LAT", "过伸过屈位"], clinical_question="腰椎不稳?"))
        lab = await orders.create_order(session, doctor, LabOrderCreate(kind="lab", patient_id=wang.id, encounter_id=enc.id, item_code="LAB-BMP"))
        await orders.create_order(session, doctor, PrescriptionCreate(
            kind="prescription", patient_id=wang.id, encounter_id=enc.id, item_code="DRUG-MECOB", dose=0.5, dose_unit="mg", route="po",
            frequency="tid", days=14, quantity=42))
    with _As(session, nurse):
        charges = await orders.patient_charges(session, nurse, wang.id, "unpaid", enc.id, None)
        await orders.pay(session, nurse, [c.id for c in charges if c.order_id in (mri.id, xr.id, lab.id)])
    with _As(session, tech):
        for o in (mri, xr, lab):
            await orders.advance(session, tech, o.id, "scheduled")
            await orders.advance(session, tech, o.id, "performed")
        await orders.report(session, tech, mri.id, ReportIn(
            findings="腰椎生理曲度变直,L4/5椎间盘向后突出,硬膜囊受压,双侧侧隐窝狭窄,黄韧带肥厚;L5/S1椎间盘膨出。"
                     "L4/5椎管前后径约8mm。", conclusion="L4/5椎间盘突出并椎管狭窄(重度),L5/S1椎间盘膨出。"))
        await orders.report(session, tech, xr.id, ReportIn(findings="腰椎退行性变,L4/5椎间隙变窄,过伸过屈位未见明显滑移。",
                                                           conclusion="腰椎退行性变。"))
        await orders.report(session, tech, lab.id, ReportIn(values=[
            {"analyte": "K", "value": 4.1, "unit": "mmol/L"}, {"analyte": "NA", "value": 140, "unit": "mmol/L"},
            {"analyte": "CREA", "value": 86, "unit": "umol/L"}, {"analyte": "GLU", "value": 7.2, "unit": "mmol/L"}]))
    with _As(session, doctor):
        await orders.review(session, doctor, xr.id)


async def _or_day(session: AsyncSession, rng: random.Random, insts: dict, users: dict, created: list, scope: dict) -> None:
    """QSCH OR rooms with two surgeries today (checklists done); XCPH: a TKA completed yesterday with implants."""
    head = _actor(users["head_qs"], scope["QSCH"])
    doctor = _actor(users["doctor"], scope["QSCH"])
    nurse = _actor(users["nurse"], scope["QSCH"])
    with _As(session, head):
        rooms = [await surgery.add_room(session, head, RoomCreate(code=f"OR{i}", name=f"第{i}手术间")) for i in (1, 2)]
    wang = created[0]
    enc_id = (await _latest_encounter(session, wang.id))
    plan = [(wang.id, enc_id, None, "L4/5 经椎间孔腰椎椎体间融合术(TLIF)", "81.08", True, True, rooms[0], (8, 30), (12, 0))]
    qs_inpatient = await _admitted(session, insts["QSCH"].id, exclude=wang.id)
    if qs_inpatient is not None:
        plan.append((qs_inpatient.patient_id, None, qs_inpatient.id, "胫骨骨折切开复位内固定术", "79.36", True, False, rooms[1], (13, 30), (15, 30)))
    for pid, enc, adm, name, code, implants, blood, room, (h1, m1), (h2, m2) in plan:
        with _As(session, doctor):
            s = await surgery.request_surgery(session, doctor, SurgeryCreate(
                patient_id=pid, encounter_id=enc, admission_id=adm, planned_procedure=name, planned_code=code if _known(code) else "",
                grade=4 if code == "81.08" else 3, laterality="none", implants_required=implants, blood_required=blood))
        with _As(session, nurse):
            await surgery.update_checklist(session, nurse, s.id, ChecklistUpdate(
                version=s.version, consent_signed=True, asa_class="II", anaesthesia_assessed=True, site_marked=True,
                implants_prepared=implants, blood_prepared=blood, vte_assessed=True, caprini_score=rng.randint(3, 6)))
        with _As(session, doctor):
            await surgery.schedule(session, doctor, s.id, BookingCreate(room_id=room.id, surgeon_id=doctor.user_id,
                                                                        start_at=_at(0, h1, m1), end_at=_at(0, h2, m2)))
    # XCPH: completed TKA yesterday.
    prov_head = _actor(users["head"], scope["XCPH"])
    joint = _actor(users["doctor_prov"], scope["XCPH"])
    prov_nurse = _actor(users["nurse_prov"], scope["XCPH"])
    with _As(session, prov_head):
        room = await surgery.add_room(session, prov_head, RoomCreate(code="OR1", name="第1手术间(关节)"))
    adm = await _admitted(session, insts["XCPH"].id, exclude=None)
    if adm is None:
        return
    with _As(session, joint):
        s = await surgery.request_surgery(session, joint, SurgeryCreate(patient_id=adm.patient_id, admission_id=adm.id,
                                                                        planned_procedure="右侧全膝关节置换术", planned_code="81.54",
                                                                        laterality="right", implants_required=True))
    with _As(session, prov_nurse):
        await surgery.update_checklist(session, prov_nurse, s.id, ChecklistUpdate(
            version=s.version, consent_signed=True, asa_class="II", anaesthesia_assessed=True, site_marked=True, implants_prepared=True,
            vte_assessed=True, caprini_score=7))
    with _As(session, joint):
        await surgery.schedule(session, joint, s.id, BookingCreate(room_id=room.id, surgeon_id=joint.user_id, start_at=_at(-1, 8, 30),
                                                                   end_at=_at(-1, 11, 0)))
        await surgery.complete(session, joint, s.id, SurgeryRecordIn(
            actual_start_at=_at(-1, 8, 45), actual_end_at=_at(-1, 10, 20), procedures=[ProcedureCodeIn(code="81.54")], blood_loss_ml=150,
            operative_note="腰硬联合麻醉,上止血带,膝正中切口髌旁内侧入路,截骨后安装假体,骨水泥固定,冲洗后逐层缝合。",
            charge_item_code="SURG-TKA",
            implants=[ImplantIn(manufacturer="威高骨科", product="膝关节假体-股骨髁(骨水泥型)", lot="WG2611A027", udi="(01)06941234500017(10)WG2611A027",
                                item_code="MAT-TKA"),
                      ImplantIn(manufacturer="威高骨科", product="膝关节假体-胫骨平台垫片", lot="WG2610P115", udi="(01)06941234500024(10)WG2610P115")]))


def _known(code: str) -> bool:
    """True when the ICD-9-CM-3 subset has ``code``."""
    from osteon.encounters import codes

    return codes.get_procedure(code) is not None


async def _latest_encounter(session: AsyncSession, patient_id: uuid.UUID) -> uuid.UUID | None:
    """The patient's latest encounter id."""
    from osteon.encounters.models import Encounter

    row = await session.execute(select(Encounter.id).where(Encounter.patient_id == patient_id).order_by(Encounter.started_at.desc()).limit(1))
    return row.scalar_one_or_none()


async def _admitted(session: AsyncSession, institution_id: uuid.UUID, exclude: uuid.UUID | None) -> Any:
    """One currently admitted stay of the institution."""
    from osteon.inpatient.models import Admission

    stmt = select(Admission).where(Admission.institution_id == institution_id, Admission.status == "admitted").order_by(Admission.admission_no)
    if exclude is not None:
        stmt = stmt.where(Admission.patient_id != exclude)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()
