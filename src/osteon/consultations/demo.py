"""Demo consultations (DEMO_HOOKS), following the source story:

1. 李明 (``doctor``, 青石县人民医院 骨科) asks 林振宇 (``expert``, 省人民医院 脊柱外科) for a remote pre-op
   assessment of 王建国's lumbar stenosis — consent recorded, his spine visit, MRI report and lumbar CT shared,
   ALREADY ACCEPTED and scheduled for today, so both can log in and open the room at once;
2. an urgent request waiting in the provincial hospital's pool for the department head (``head``);
3. a closed imaging consultation with a signed report on another county patient.

The shared lumbar CT has a fixed Study Instance UID (:data:`DEMO_STUDY_UID`): the demo seeds no DICOM, so
tests and demos STOW a study with this UID for 王建国 (his MRN as PatientID) to have it in the room.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.consultations import service
from osteon.consultations.schemas import (
    AcceptIn,
    ConsentIn,
    ConsultationCreate,
    ReportIn,
    SharedItemIn,
    SignIn,
)
from osteon.kit.models import utcnow
from osteon.security.deps import Actor
from osteon.security.permissions import permissions_of

DEMO_STUDY_UID = "1.2.826.0.1.3680043.8.498.49622115361048209642944844203498326208"


def _actor(user: Any, dep_ids: list[Any]) -> Actor:
    """An Actor for a demo user."""
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name, role=user.role,
                 institution_id=user.institution_id, department_id=user.department_id,
                 department_ids=frozenset(dep_ids), patient_id=None, permissions=permissions_of(user.role))


def _scope(deps: dict, inst: str) -> list[Any]:
    """The orthopedics department of a demo hospital and its subspecialty units."""
    ortho = deps[(inst, "ORTHO")]
    return [d.id for (ic, _), d in deps.items() if ic == inst and (d.id == ortho.id or d.parent_id == ortho.id)]


async def _shared_for(session: AsyncSession, patient_id: Any) -> list[SharedItemIn]:
    """王建国's latest visit and its imaging results (seeded by the clinical demo, when present) and the CT."""
    from osteon.encounters.models import Encounter
    from osteon.orders.models import Order, OrderResult

    items = [SharedItemIn(kind="study", ref=DEMO_STUDY_UID, label="腰椎 CT 平扫")]
    enc = (await session.execute(select(Encounter).where(Encounter.patient_id == patient_id)
                                 .order_by(Encounter.started_at.desc()).limit(1))).scalar_one_or_none()
    if enc is not None:
        items.append(SharedItemIn(kind="encounter", ref=str(enc.id), label="脊柱外科门诊"))
        rows = (await session.execute(select(OrderResult, Order).join(Order, Order.id == OrderResult.order_id)
                                      .where(Order.encounter_id == enc.id, Order.kind == "imaging")
                                      .order_by(Order.item_code))).all()
        items += [SharedItemIn(kind="result", ref=str(r.id), label=o.title[:200]) for r, o in rows]
    return items


async def seed_consultations(session: AsyncSession, rng: random.Random, insts: dict[str, Any], deps: dict[Any, Any],
                             users: dict[str, Any], patients: list[Any]) -> None:
    """Three consultations between the county hospital and the provincial hospital."""
    if not {"doctor", "expert", "head"} <= set(users) or len(patients) < 5:
        return
    doctor = _actor(users["doctor"], _scope(deps, "QSCH"))
    expert = _actor(users["expert"], _scope(deps, "XCPH"))
    xcph = insts["XCPH"]
    saved = session.info.get("actor")
    now = utcnow()
    # Today, soon: both doctors can open the room right away (it opens from acceptance on).
    today = (now + timedelta(minutes=30)).replace(second=0, microsecond=0)
    consent = ConsentIn(given_by="patient", method="written", note="患者本人签署远程会诊知情同意书")
    try:
        session.info["actor"] = doctor
        wang = patients[0]
        c1 = await service.do_create(session, doctor, ConsultationCreate(
            patient_id=wang.id, type="preop_assessment", urgency="routine", target_institution_id=xcph.id,
            preferred_expert_id=users["expert"].id, subspecialty="SPINE", consent=consent,
            question="71岁男性,腰痛伴双下肢麻木无力2年,间歇性跛行约200米。MRI示L4/5椎间盘突出并椎管重度狭窄。"
                     "请评估手术指征及术式(减压固定融合?),以及高龄、空腹血糖7.2的围手术期风险。",
            shared=await _shared_for(session, wang.id)), check_shared=False)
        session.info["actor"] = expert
        await service.do_accept(session, expert, c1.id, AcceptIn(scheduled_at=today, note="今天下午视频会诊,请准备好腰椎CT"))

        session.info["actor"] = doctor
        await service.do_create(session, doctor, ConsultationCreate(
            patient_id=patients[1].id, type="difficult_case", urgency="urgent", target_institution_id=xcph.id,
            subspecialty="SPINE", consent=ConsentIn(given_by="guardian", method="verbal", note="家属口头同意,已记录在病程中"),
            question="腰椎骨折术后第3天,双下肢肌力较术前下降,是否需要急诊翻修探查?"))

        c3 = await service.do_create(session, doctor, ConsultationCreate(
            patient_id=patients[4].id, type="imaging", urgency="routine", target_institution_id=xcph.id,
            preferred_expert_id=users["expert"].id, subspecialty="SPINE", consent=consent,
            question="腰椎X线示L5椎弓峡部可疑裂隙,请协助判读是否存在峡部裂及滑脱分度。"))
        session.info["actor"] = expert
        await service.do_accept(session, expert, c3.id, AcceptIn(scheduled_at=now + timedelta(minutes=5)))
        await service.do_start(session, expert, c3.id)
        report = await service.do_save_report(session, expert, c3.id, ReportIn(
            version=0, assessment="腰椎侧位及斜位片示L5双侧椎弓峡部连续性中断,L5椎体相对S1向前滑移约15%。",
            diagnosis_text="L5椎弓峡部裂伴I度滑脱", icd10_codes=["M43.06"],
            recommendation="目前以保守治疗为主:腰背肌功能锻炼,避免负重及剧烈运动;3个月后复查动力位片,症状加重或滑脱进展再评估手术。",
            transfer_advised=False, surgery_advised=False))
        await service.do_sign_report(session, expert, c3.id, SignIn(version=report.version))
        session.info["actor"] = doctor
        await service.do_close(session, doctor, c3.id, "已向患者解释会诊意见")
    finally:
        session.info["actor"] = saved


def register() -> None:
    """Add the hook once (after the clinical demo's hook, so 王建国's visit and results exist)."""
    from osteon import demo

    if seed_consultations not in demo.DEMO_HOOKS:
        demo.DEMO_HOOKS.append(seed_consultations)


register()  # osteon.demo.seed imports every domain's demo module after the routers
