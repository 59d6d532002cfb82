"""Demo imaging data: the county hospital's CT may echo, store and query; two scheduled requests."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.imaging.models import DicomDevice, ImagingRequest
from osteon.kit.models import utcnow


async def seed_imaging(session: AsyncSession, rng: random.Random, insts: dict[str, Any], deps: dict[Any, Any],
                       users: dict[str, Any], patients: list[Any]) -> None:
    """Register DEMO_CT at QSCH and order lumbar films and a lumbar CT for the first county patient (王建国)."""
    qsch = insts["QSCH"]
    session.add(DicomDevice(institution_id=qsch.id, ae_title="DEMO_CT", name="青石县人民医院 CT (演示)",
                            host="", port=0, modality="CT", may_echo=True, may_store=True, may_query=True,
                            may_retrieve=True))
    wang = patients[0]
    doctor = users.get("doctor")
    now = utcnow()
    for n, (modality, procedure, body_part, hours) in enumerate(
            [("DX", "腰椎正侧位 X 线", "LSPINE", 1), ("CT", "腰椎 CT 平扫", "LSPINE", 3)], start=1):
        session.add(ImagingRequest(
            institution_id=qsch.id, patient_id=wang.id, accession_number=f"QS{now:%y%m%d}{rng.randint(0, 9999):04d}{n}",
            requested_procedure_id=f"RP{n:04d}", requested_procedure=procedure, modality=modality,
            body_part=body_part, scheduled_at=now + timedelta(hours=hours),
            scheduled_station_ae="DEMO_CT" if modality == "CT" else "", reason="腰痛伴下肢放射痛",
            requested_by_id=doctor.id if doctor is not None else None))
    await session.flush()


def register() -> None:
    """Add the hook once."""
    from osteon import demo

    if seed_imaging not in demo.DEMO_HOOKS:
        demo.DEMO_HOOKS.append(seed_imaging)


register()  # importing the module is enough (the CLI may discover `osteon.<domain>.demo` modules)
