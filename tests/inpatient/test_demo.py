"""The clinical demo data: a ward ~70 % full, 王建国's signed spine visits with results, today's OR list."""

from __future__ import annotations

from datetime import date

from osteon.encounters.service import local_date
from tests.conftest import login


async def test_demo_fills_the_ward_the_records_and_the_or(client, demo):
    """Demo fills the ward the records and the or."""
    nurse = await login(client, "nurse")
    board = (await client.get("/api/v1/bed-board", headers=nurse)).json()
    counts = board["counts"]
    total = sum(counts.values())
    assert total == 20 and counts["occupied"] >= 12 and counts.get("cleaning") and counts.get("reserved")
    doctor = await login(client, "doctor")
    patients = (await client.get("/api/v1/patients", params={"q": "王建国"}, headers=doctor)).json()["items"]
    wang = patients[0]["id"]
    visits = (await client.get(f"/api/v1/patients/{wang}/encounters", headers=doctor)).json()
    assert len(visits) >= 2
    latest = (await client.get(f"/api/v1/encounters/{visits[0]['id']}", headers=doctor)).json()
    assert latest["record"]["status"] == "signed" and latest["diagnoses"][0]["icd10_code"] == "M48.0"
    orders = (await client.get(f"/api/v1/patients/{wang}/orders", headers=doctor)).json()
    mri = next(o for o in orders if o["item_code"] == "MR-LS")
    assert mri["accession_number"].startswith("ACC") and mri["status"] == "reported" and mri["result"]["conclusion"]
    lab = next(o for o in orders if o["kind"] == "lab")
    assert [v["flag"] for v in lab["result"]["values"] if v["flag"]] == ["H"]
    board = (await client.get("/api/v1/or-schedule", params={"day": local_date().isoformat()}, headers=nurse)).json()
    assert len(board) == 2 and all(row["status"] == "scheduled" for row in board)
    assert isinstance(date.fromisoformat(board[0]["booking"]["start_at"][:10]), date)
