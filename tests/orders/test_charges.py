"""药占比 and 耗占比: exact arithmetic on worked numbers, and the figures from stored charges."""

from __future__ import annotations

from fractions import Fraction

from osteon.orders.service import Ratios, compute_ratios, flag_value, price_list
from tests.orders.clinic import make_clinic, open_encounter


def test_ratios_on_worked_numbers():
    """Ratios on worked numbers."""
    # 药品 300.00, 卫生材料 150.00, 检查 450.00, 挂号 100.00 → 医疗收入 1000.00
    r = compute_ratios({"drug": 30000, "material": 15000, "exam": 45000, "registration": 10000})
    assert r.total_fen == 100000
    assert r.drug_ratio == Fraction(3, 10) and Ratios.percent(r.drug_ratio) == "30.00"
    # 耗占比 = 150 ÷ (1000 − 300) = 21.428571…%
    assert r.consumables_ratio == Fraction(15000, 70000) and Ratios.percent(r.consumables_ratio) == "21.43"


def test_ratios_are_undefined_without_revenue():
    """Ratios are undefined without revenue."""
    r = compute_ratios({})
    assert r.drug_ratio is None and r.consumables_ratio is None
    only_drugs = compute_ratios({"drug": 500})
    assert only_drugs.drug_ratio == 1 and only_drugs.consumables_ratio is None


def test_prices_are_exact_integer_fen():
    """Prices are exact integer fen."""
    assert price_list()["DRUG-LOXO"]["price_fen"] == 45
    assert price_list()["MAT-TKA"]["price_fen"] == 500000


def test_flags_follow_reference_and_critical_limits():
    """Flags follow reference and critical limits."""
    assert flag_value("K", 6.5, 3.5, 5.3) == ("HH", True)
    assert flag_value("K", 5.5, 3.5, 5.3) == ("H", False)
    assert flag_value("K", 3.0, 3.5, 5.3) == ("L", False)
    assert flag_value("K", 2.79, 3.5, 5.3) == ("LL", True)
    assert flag_value("K", 2.8, 3.5, 5.3) == ("L", False)  # the limit itself is not critical ("< 2.8")
    assert flag_value("CRP", 5, 0, 10) == ("", False)


async def test_encounter_ratios_come_from_its_charges(client, app, db, settings):
    """Encounter ratios come from its charges."""
    c = await make_clinic(app, db, settings, client)
    enc = await open_encounter(client, c)
    base = {"patient_id": str(c.patient_id), "encounter_id": enc["id"]}
    await client.post("/api/v1/orders", headers=c.h("doctor"), json={**base, "kind": "prescription", "item_code": "DRUG-CELE", "dose": 0.2,
                                                                   "dose_unit": "g", "route": "po", "frequency": "qd", "days": 10, "quantity": 10})
    await client.post("/api/v1/orders", headers=c.h("doctor"), json={**base, "kind": "consumable", "item_code": "MAT-BRACE-L"})
    await client.post("/api/v1/orders", headers=c.h("doctor"), json={**base, "kind": "imaging", "item_code": "XR-LS-2V", "modality": "DX",
                                                                   "body_part": "LSPINE", "clinical_question": "腰椎退变?"})
    r = await client.get("/api/v1/charges/ratios", params={"encounter_id": enc["id"]}, headers=c.h("dept_head"))
    assert r.status_code == 200, r.text
    body = r.json()
    # drug 12.00, material 120.00, exam 110.00 → total 242.00; 药占比 12/242 = 4.96 %; 耗占比 120/230 = 52.17 %
    assert body["total_fen"] == 24200 and body["drug_ratio_percent"] == "4.96" and body["consumables_ratio_percent"] == "52.17"
    assert (await client.get("/api/v1/charges/ratios", headers=c.h("nurse"))).status_code == 403
