"""Demo data: DEMO_CT at the county hospital may echo, store and query; 王建国 has imaging requests."""

from __future__ import annotations

from sqlalchemy import select

from osteon.imaging.models import DicomDevice, ImagingRequest
from tests.imaging.conftest import need, run


async def test_demo_ct_can_echo_and_pull_its_worklist(demo, db, scp, tmp_path):
    """The demo modality is registered and sees the demo orders on its worklist."""
    async with db.transaction() as s:
        device = (await s.execute(select(DicomDevice).where(DicomDevice.ae_title == "DEMO_CT"))).scalar_one()
        requests = (await s.execute(select(ImagingRequest).where(
            ImagingRequest.institution_id == device.institution_id))).scalars().all()
    assert device.may_echo and device.may_store and device.may_query
    assert len(requests) >= 2
    r = await run(need("/usr/bin/echoscu"), "-aet", "DEMO_CT", "-aec", scp.ae_title, "127.0.0.1", str(scp.port))
    assert r.returncode == 0, r.stdout
    r = await run("/usr/bin/findscu", "-W", "-aet", "DEMO_CT", "-aec", scp.ae_title, "-k", "AccessionNumber",
                  "-k", "PatientID", "-k", "ScheduledProcedureStepSequence[0].Modality=CT", "127.0.0.1", str(scp.port))
    assert r.returncode == 0 and any(q.accession_number in r.stdout for q in requests if q.modality == "CT"), r.stdout
