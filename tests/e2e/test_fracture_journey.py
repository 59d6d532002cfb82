"""E2E (issue 3): one fracture patient from booking to discharge across the patient's phone, the registration desk,
the doctor's workstation, the cashier (收费), the radiographer's imaging worklist and the nurse's bed board. Real
`osteon serve --demo`, real Chromium; screenshots journey-NN-*.png in test-artifacts/e2e/.

The patient is the demo portal user 王建国 (the only patient with a portal login). Every step goes through a screen;
the HTTP API is used only to look up ids and to check what the screens did. The cashier is the nurse account (the
demo has no cashier role; charge:pay), the radiographer is the technician account ``tech`` (order:execute,
result:report). The surgery request, pre-op checklist, OR booking and the surgical record (手术记录) use the surgery
panel of the bed board.

Clinic hours are real: a phone booking needs a session that has not started, check-in opens 60 minutes before it.
So the desk step depends on the hour — (A) within the hour before a session: the phone booking is checked in at the
desk; (B) otherwise: the phone booking is for a later day, and the desk registers the patient as an emergency walk-in
(现场挂号, which checks in) into today's session; (C) after the last session of the day has ended: the patient's
demo appointment of this morning, already checked in, is the visit; the doctor calls through the morning queue
to reach it. The trauma clinic runs every day of the week in the demo.

Path C uses up the demo morning queue that other browser tests open, so this module runs on a server of its own.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import serve, shot
from tests.e2e.test_patients_flow import fill, login

TZ = ZoneInfo("Asia/Shanghai")
CHIEF_COMPLAINT = "摔伤致右髋疼痛活动受限3小时"
CONCLUSION = "右股骨颈骨折,断端移位(Garden III型)。"
INSTRUCTIONS = "扶双拐患肢不负重6周,按时口服抗凝药,术后14天拆线。"
FINDINGS = "右股骨颈骨皮质连续性中断,断端错位,股骨头后倾。"
IMPLANT_LOT = "E2E-L2311"
IMPLANT_UDI = "(01)06901234567892(17)291231(10)E2E-L2311"
ACTIVE = ("booked", "checked_in", "called")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """This journey's own demo server (see the module docstring)."""
    yield from serve(tmp_path_factory)


def api(base: str, username: str) -> httpx.Client:
    """An API client signed in as a demo user (session cookie + CSRF header, like the browser)."""
    c = httpx.Client(base_url=base, timeout=30)
    r = c.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = c.cookies.get("osteon_csrf") or ""
    return c


def ok(r: httpx.Response, status: int = 200) -> dict | list:
    """The JSON of a response with the expected status (the problem document otherwise)."""
    assert r.status_code == status, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}"
    return r.json()


def ts(value: str) -> datetime:
    """An API timestamp."""
    return datetime.fromisoformat(value)


def option(page, text: str) -> None:
    """Click the visible Element Plus select option with this text."""
    page.locator(".el-select-dropdown__item:visible", has_text=text).first.click()


def plan_visit(pat, doctor_id: str, now: datetime) -> dict:
    """Which session the phone books and how the patient gets checked in today (see the module docstring)."""
    me = ok(pat.get("/api/v1/auth/me"))
    sessions = ok(pat.get("/api/v1/scheduling/sessions", params={"institution_id": me["institution"]["id"]}))
    mine = ok(pat.get("/api/v1/scheduling/appointments/mine"))
    taken = {a["session_id"] for a in mine if a["status"] in ACTIVE}
    today = now.astimezone(TZ).date()
    ours = sorted((s for s in sessions if s["doctor_id"] == doctor_id and s["status"] == "open"), key=lambda s: s["starts_at"])
    bookable = [s for s in ours if s["available"] > 0 and s["id"] not in taken and ts(s["starts_at"]) > now + timedelta(minutes=3)]
    check_in_now = [s for s in bookable if ts(s["starts_at"]) - timedelta(minutes=58) <= now]
    if check_in_now:
        return {"path": "A", "book": check_in_now[0], "walk_in": None, "existing": None}
    later = [s for s in bookable if date.fromisoformat(s["session_date"]) != today]
    assert later, "no bookable session of the trauma doctor in the next 7 days"
    walk_in = [s for s in ours if date.fromisoformat(s["session_date"]) == today and s["available"] > 0 and s["id"] not in taken
               and ts(s["ends_at"]) > now + timedelta(minutes=15)]
    if walk_in:
        return {"path": "B", "book": later[0], "walk_in": walk_in[0], "existing": None}
    existing = [a for a in mine if a["status"] in ("checked_in", "called") and a["doctor_id"] == doctor_id
                and date.fromisoformat(a["session_date"]) == today]
    assert existing, "no clinic session of the trauma doctor today"
    return {"path": "C", "book": later[0], "walk_in": None, "existing": existing[0]}


def test_fracture_patient_from_booking_to_discharge(server, browser):
    new_page = lambda **kw: browser.new_context(locale="zh-CN", **kw).new_page()
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    desk = new_page(viewport={"width": 1366, "height": 850})
    doctor = new_page(viewport={"width": 1440, "height": 900}, timezone_id="Asia/Shanghai")
    nurse = new_page(viewport={"width": 1366, "height": 850}, timezone_id="Asia/Shanghai")
    cashier = new_page(viewport={"width": 1366, "height": 850}, timezone_id="Asia/Shanghai")
    radiology = new_page(viewport={"width": 1440, "height": 900}, timezone_id="Asia/Shanghai")
    pages = (("phone", phone), ("desk", desk), ("doctor", doctor), ("nurse", nurse), ("cashier", cashier), ("radiology", radiology))
    pat, doc, nur, tech = (api(server, u) for u in ("patient", "doctor", "nurse", "tech"))
    try:
        doctor_id = ok(doc.get("/api/v1/auth/me"))["id"]
        patient_id = ok(pat.get("/api/v1/auth/me"))["patient_id"]
        plan = plan_visit(pat, doctor_id, datetime.now(UTC))
        booked_session = plan["book"]

        # 1. the patient books the trauma clinic on the phone
        phone.goto(server + "/m/book?department=trauma")
        phone.wait_for_url(re.compile(r"/m/login"))
        fill(phone, "login-username", "patient")
        fill(phone, "login-password", DEMO_PASSWORD)
        phone.get_by_test_id("login-submit").click()
        phone.wait_for_url(re.compile(r"/m/book\?department=trauma"))
        phone.locator('[data-testid="book-department"][aria-checked="true"]').wait_for(timeout=15_000)
        phone.locator(f'[data-testid="book-date"][data-date="{booked_session["session_date"]}"]').click()
        phone.locator(f'[data-testid="book-session"][data-session="{booked_session["id"]}"]').click()
        phone.locator('[data-testid="book-slot"]:not([disabled])').first.click()
        phone.locator(".el-message-box__btns .el-button--primary").wait_for()
        shot(phone, "journey-01-booking")
        phone.locator(".el-message-box__btns .el-button--primary").click()
        phone.get_by_test_id("book-done").wait_for(timeout=15_000)
        shot(phone, "journey-02-booked")
        booked = next(a for a in ok(pat.get("/api/v1/scheduling/appointments/mine"))
                      if a["session_id"] == booked_session["id"] and a["status"] == "booked")
        mrn = booked["patient_mrn"]
        phone.get_by_test_id("book-to-queue").click()
        phone.locator(f'[data-testid="portal-appointment"][data-appointment="{booked["id"]}"][data-status="booked"]').wait_for(timeout=15_000)
        shot(phone, "journey-03-portal-appointments")

        # 2. the registration desk checks the patient in
        login(desk, server, "nurse")
        desk.goto(server + "/registration")
        desk.get_by_test_id("registration-desk").wait_for()
        fill(desk, "desk-patient", mrn)
        desk.locator(".el-autocomplete-suggestion:visible [data-testid=patient-picker-option]").first.click()
        desk.get_by_test_id("desk-picked").wait_for()
        if plan["path"] == "A":
            visit = booked
            desk.locator(f'[data-testid="desk-check-in"][data-appointment="{visit["id"]}"]').click()
        elif plan["path"] == "B":
            desk.get_by_test_id("desk-emergency").click()  # a fracture: emergency priority
            desk.locator(f'[data-testid="desk-walk-in"][data-session="{plan["walk_in"]["id"]}"]').click()
            desk.locator(".el-message--success").first.wait_for(timeout=15_000)
            visit = next(a for a in ok(pat.get("/api/v1/scheduling/appointments/mine"))
                         if a["session_id"] == plan["walk_in"]["id"] and a["status"] in ACTIVE)
        else:
            visit = plan["existing"]
        desk.locator(f'[data-testid="desk-appt-status"][data-appointment="{visit["id"]}"][data-status="checked_in"]').wait_for(timeout=15_000)
        shot(desk, f"journey-04-desk-checked-in-path-{plan['path']}")
        desk.context.close()

        phone.goto(server + "/m/queue")
        phone.locator('[data-testid="queue-ahead"], [data-testid="queue-your-turn"]').first.wait_for(timeout=15_000)
        shot(phone, "journey-05-portal-queue-position")

        # 3. the doctor calls the patient from the queue
        login(doctor, server, "doctor")
        doctor.goto(server + "/workstation")
        doctor.locator('[data-testid="ws-status"][data-status="open"]').wait_for(timeout=15_000)
        doctor.get_by_test_id("queue-current").wait_for(timeout=15_000)
        switch = doctor.locator(f'[data-testid="queue-session-select"] [data-session="{visit["session_id"]}"]')
        if switch.count():
            switch.click()
            doctor.locator(f'[data-testid="queue-session-select"] [data-session="{visit["session_id"]}"].is-active').wait_for()
        for _ in range(40):
            current = doctor.get_by_test_id("queue-current")
            if doctor.get_by_test_id("queue-current-no").count():
                if mrn in current.inner_text():
                    break
                doctor.get_by_test_id("queue-complete").click()
                doctor.get_by_test_id("queue-current-no").wait_for(state="detached", timeout=15_000)
            else:
                doctor.get_by_test_id("queue-call-next").click()
                doctor.get_by_test_id("queue-current-no").wait_for(timeout=15_000)
        assert mrn in doctor.get_by_test_id("queue-current").inner_text()
        shot(doctor, "journey-06-doctor-called")

        # 4. the encounter: trauma template, 主诉, S72.0, VAS, sign
        doctor.get_by_test_id("enc-open").wait_for(timeout=15_000)
        doctor.get_by_test_id("encounter-editor").get_by_test_id("enc-template").click()
        option(doctor, "创伤")
        doctor.get_by_test_id("enc-open").click()
        doctor.get_by_test_id("enc-visit-no").wait_for(timeout=15_000)
        fill(doctor, "enc-chief-complaint", CHIEF_COMPLAINT)
        fill(doctor, "enc-hpi", "3小时前行走时滑倒,右髋着地,伤后右髋疼痛、不能站立行走,无昏迷,无其他部位疼痛。")
        doctor.get_by_test_id("enc-icd-search").fill("S72.0")
        doctor.get_by_test_id("enc-icd-option").filter(has_text="S72.0").first.click()
        doctor.get_by_test_id("enc-diagnosis").filter(has_text="S72.0").wait_for()
        # classification aids offered for S72.0: Garden, AO/OTA. A click on an option while Element Plus's dropdown is
        # still opening can be lost (seen once in CI: the grade select never appeared), so the choice is checked
        for _ in range(3):
            doctor.get_by_test_id("enc-fracture-system").click()
            doctor.get_by_test_id("enc-fracture-system-garden").click()
            try:
                doctor.get_by_test_id("enc-fracture-code").wait_for(timeout=5_000)
                break
            except PlaywrightTimeout:
                doctor.keyboard.press("Escape")
        doctor.get_by_test_id("enc-fracture-code").click()
        doctor.get_by_test_id("enc-fracture-code-III").click()
        fill(doctor, "enc-plan", "右髋正侧位X线;收入院,限期手术。")
        # the VAS from the score definitions, with its live band
        doctor.get_by_test_id("score-pick").click()
        doctor.get_by_test_id("score-option-vas_pain").click()
        fill(doctor, "score-num-pain", "7")
        doctor.keyboard.press("Tab")
        doctor.locator('[data-testid="score-live"][data-total="7"]').wait_for()
        assert "重度疼痛" in doctor.get_by_test_id("score-band").inner_text()
        doctor.get_by_test_id("score-save").click()
        doctor.get_by_test_id("enc-score").filter(has_text="vas_pain").wait_for(timeout=15_000)
        doctor.get_by_test_id("enc-sign").click()
        doctor.locator(".el-message-box__btns .el-button--primary").click()
        doctor.locator('[data-testid="enc-status"][data-status="signed"]').wait_for(timeout=15_000)
        doctor.get_by_test_id("enc-coded-diagnosis").filter(has_text="S72.0").filter(has_text="Garden").filter(has_text="III").wait_for()
        shot(doctor, "journey-07-encounter-signed")
        encounter = next(e for e in ok(doc.get(f"/api/v1/patients/{patient_id}/encounters")) if e["appointment_id"] == visit["id"])
        assert encounter["chief_complaint"] == CHIEF_COMPLAINT and encounter["record_status"] == "signed"
        dx = ok(doc.get(f"/api/v1/encounters/{encounter['id']}"))["diagnoses"][0]
        assert (dx["icd10_code"], dx["fracture_system"], dx["fracture_code"]) == ("S72.0", "garden", "III")

        # 5. the X-ray order
        doctor.get_by_role("tab", name="医嘱与结果").click()
        doctor.get_by_test_id("order-kind-imaging").click()
        doctor.get_by_test_id("order-item").click()
        doctor.get_by_test_id("order-item-XR-HIP-2V").click()
        fill(doctor, "order-question", "右股骨颈骨折?移位程度?")
        doctor.get_by_test_id("order-submit").click()
        doctor.locator(".el-message--success", has_text="ACC").wait_for(timeout=15_000)
        order = None
        for o in ok(doc.get(f"/api/v1/patients/{patient_id}/orders")):
            if o["item_code"] == "XR-HIP-2V" and o["encounter_id"] == encounter["id"]:
                order = o
        assert order and order["accession_number"].startswith("ACC")
        doctor.locator(f'[data-testid="order-status"][data-order="{order["id"]}"][data-status="ordered"]').wait_for(timeout=15_000)
        shot(doctor, "journey-08-xray-ordered")

        # 5a. the radiographer's worklist shows the new exam, waiting for payment
        login(radiology, server, "tech")
        radiology.goto(server + "/imaging-worklist")
        radiology.get_by_test_id("imaging-worklist").wait_for()
        radiology.locator('[data-testid="ws-status"][data-status="open"]').wait_for(timeout=15_000)
        radiology.get_by_test_id("worklist-filter-all").click()
        wl_status = lambda status: radiology.locator(f'[data-testid="worklist-status"][data-order="{order["id"]}"][data-status="{status}"]')
        wl_status("ordered").wait_for(timeout=15_000)
        wl_row = radiology.locator(f'tr:has([data-testid="worklist-row"][data-order="{order["id"]}"])')
        assert order["accession_number"] in wl_row.inner_text() and "右股骨颈骨折?移位程度?" in wl_row.inner_text()
        assert "王*国" in wl_row.get_by_test_id("worklist-patient").inner_text()  # masked in the list
        # scheduling an unpaid outpatient exam: the server's 409 names the missing step
        radiology.locator(f'[data-testid="worklist-schedule"][data-order="{order["id"]}"]').click()
        assert "缴费" in radiology.get_by_test_id("worklist-problem").inner_text()
        shot(radiology, "journey-08a-worklist-awaiting-payment")

        # 5b. the cashier (收费) finds the patient and takes payment for the X-ray only
        login(cashier, server, "nurse")
        cashier.goto(server + "/cashier")
        cashier.get_by_test_id("cashier").wait_for()
        fill(cashier, "cashier-patient", mrn)
        cashier.locator(".el-autocomplete-suggestion:visible [data-testid=patient-picker-option]").first.click()
        cashier.locator(f'[data-testid="cashier-picked"][data-patient="{patient_id}"]').wait_for()
        xray_row = cashier.locator(f'tr:has([data-testid="cashier-charge"][data-order="{order["id"]}"])')
        xray_row.wait_for(timeout=15_000)
        assert "检查" in xray_row.inner_text() and "90.00" in xray_row.inner_text()
        cashier.locator('[data-testid="cashier-total"]:not([data-fen="0"])').wait_for()  # all due lines ticked by default
        cashier.locator(".el-table__header .el-checkbox").click()  # untick all …
        cashier.locator('[data-testid="cashier-total"][data-fen="0"]').wait_for()
        xray_row.locator(".el-checkbox").click()  # … and tick the X-ray
        cashier.locator('[data-testid="cashier-total"][data-fen="9000"]').wait_for()
        shot(cashier, "journey-08b-cashier")
        cashier.get_by_test_id("cashier-pay").click()
        cashier.locator(".el-message-box__btns .el-button--primary").click()
        receipt = cashier.get_by_test_id("cashier-receipt")
        receipt.wait_for(timeout=15_000)
        assert receipt.get_by_test_id("receipt-total").inner_text() == "90.00"
        assert receipt.get_by_test_id("receipt-line").count() == 1 and "髋关节" in receipt.inner_text()
        reference = receipt.get_by_test_id("receipt-reference").inner_text()
        paid = [c for c in ok(nur.get(f"/api/v1/patients/{patient_id}/charges", params={"status": "paid"})) if c["order_id"] == order["id"]]
        assert paid and all(c["payment_ref"] == reference for c in paid)
        xray_row.wait_for(state="detached", timeout=15_000)  # no longer due
        shot(cashier, "journey-08c-receipt")
        doctor.locator(f'[data-testid="order-status"][data-order="{order["id"]}"][data-status="paid"]').wait_for(timeout=20_000)

        # 5c. the radiographer: the worklist follows live (paid), then 登记 → 检查完成 → report (findings + impression)
        wl_status("paid").wait_for(timeout=20_000)
        radiology.locator(f'[data-testid="worklist-schedule"][data-order="{order["id"]}"]').click()
        wl_status("scheduled").wait_for(timeout=15_000)
        radiology.locator(f'[data-testid="worklist-perform"][data-order="{order["id"]}"]').click()
        wl_status("performed").wait_for(timeout=15_000)
        radiology.locator(f'[data-testid="worklist-report"][data-order="{order["id"]}"]').click()
        dialog = radiology.get_by_test_id("report-dialog")
        fill(radiology, "report-findings", FINDINGS)
        fill(radiology, "report-impression", CONCLUSION)
        shot(radiology, "journey-08d-report")
        radiology.keyboard.press("Control+Enter")  # keyboard: Ctrl+Enter sends (focus is in the impression)
        wl_status("reported").wait_for(timeout=15_000)
        dialog.get_by_test_id("report-findings").wait_for(state="hidden")
        shot(radiology, "journey-08e-worklist-reported")
        steps = {e["to_status"]: e["actor_id"] for e in ok(doc.get(f"/api/v1/orders/{order['id']}"))["events"]}
        tech_id = ok(tech.get("/api/v1/auth/me"))["id"]
        assert steps["scheduled"] == steps["performed"] == steps["reported"] == tech_id
        radiology.context.close()
        cashier.context.close()

        # 6. the result reaches the doctor (live) and the patient's phone
        doctor.locator(f'[data-testid="order-status"][data-order="{order["id"]}"][data-status="reported"]').wait_for(timeout=20_000)
        doctor.locator(f'[data-testid="order-review"][data-order="{order["id"]}"]').click()
        doctor.locator(f'[data-testid="order-status"][data-order="{order["id"]}"][data-status="reviewed"]').wait_for(timeout=15_000)
        doctor.locator(f'tr:has([data-order="{order["id"]}"]) .el-table__expand-icon').click()
        doctor.get_by_test_id("order-result").filter(has_text=CONCLUSION).wait_for()
        shot(doctor, "journey-09-doctor-reviews-result")
        doctor.get_by_test_id("queue-complete").click()  # 诊毕: the outpatient visit ends, the ward takes over
        doctor.get_by_test_id("queue-current-no").wait_for(state="detached", timeout=15_000)
        phone.goto(server + "/m/results")
        phone.get_by_test_id("portal-result").filter(has_text=CONCLUSION).wait_for(timeout=15_000)
        shot(phone, "journey-10-portal-results")

        # 7. the nurse admits the patient to a free bed on the bed board
        login(nurse, server, "nurse")
        nurse.goto(server + "/beds")
        nurse.get_by_test_id("bed-cell").first.wait_for(timeout=15_000)
        assert not nurse.locator('[data-testid="bed-cell"][data-state="occupied"]', has_text="王建国").count(), "already admitted"
        free = nurse.locator('[data-testid="bed-cell"][data-state="free"]').first
        bed_code = free.get_attribute("data-bed")
        free.click()
        panel = nurse.get_by_test_id("bed-panel")
        fill(nurse, "admit-patient", mrn)
        nurse.locator(".el-autocomplete-suggestion:visible [data-testid=patient-picker-option]").first.click()
        fill(nurse, "admit-diagnosis", "右股骨颈骨折")
        panel.get_by_test_id("admit-submit").click()
        nurse.locator(f'[data-testid="bed-cell"][data-bed="{bed_code}"][data-state="occupied"]').wait_for(timeout=15_000)
        shot(nurse, "journey-11-admitted")
        bed = next(b for b in ok(nur.get("/api/v1/bed-board"))["beds"] if b["patient_id"] == patient_id)
        admission_id = bed["admission_id"]

        # 8. surgery on the ward: the doctor requests it, the nurse ticks the pre-op checklist, the doctor books the OR
        def open_surgery_tab(pg):
            pg.goto(server + "/beds")
            cell = pg.locator(f'[data-testid="bed-cell"][data-bed="{bed_code}"][data-state="occupied"]')
            cell.wait_for(timeout=15_000)
            cell.click()
            pg.get_by_test_id("bed-panel").get_by_role("tab", name="手术").click()
            pg.get_by_test_id("surgery-panel").wait_for()

        open_surgery_tab(doctor)
        doctor.get_by_test_id("surgery-code").fill("79.35")
        doctor.get_by_test_id("surgery-code-option").filter(has_text="79.35").first.click()
        assert doctor.get_by_test_id("surgery-procedure").input_value() == "股骨骨折切开复位内固定术"
        fill(doctor, "surgery-procedure", "右股骨颈骨折切开复位内固定术")
        doctor.get_by_test_id("surgery-side-right").click()
        doctor.get_by_test_id("surgery-implants").click()
        doctor.get_by_test_id("surgery-submit").click()
        card = doctor.locator('[data-testid="surgery-card"][data-status="requested"]', has_text="右股骨颈骨折切开复位内固定术")
        card.wait_for(timeout=15_000)
        surgery_id = card.get_attribute("data-surgery")
        assert "手术知情同意书" in card.get_by_test_id("checklist-missing").inner_text()
        # booking before the checklist is complete: the server's 409 names what is missing
        doctor.get_by_test_id("book-room").click()
        doctor.locator('.el-select-dropdown__item:visible').first.click()
        doctor.get_by_test_id("book-start").fill((datetime.now(TZ) + timedelta(days=1)).strftime("%Y-%m-%dT08:00"))
        doctor.get_by_test_id("book-submit").click()
        assert "术前核查未完成" in doctor.get_by_test_id("surgery-problem").inner_text()
        shot(doctor, "journey-12-surgery-requested")

        open_surgery_tab(nurse)
        checklist = nurse.locator(f'[data-testid="surgery-card"][data-surgery="{surgery_id}"]')
        for item in ("consent_signed", "anaesthesia_assessed", "site_marked", "implants_prepared"):
            box = checklist.get_by_test_id(f"check-{item}")
            box.click()
            checklist.locator(f'[data-testid="check-{item}"].is-checked').wait_for()  # saved (the box follows the server)
        checklist.get_by_test_id("check-asa-II").click()
        checklist.locator('[data-testid="check-asa-II"].is-active').wait_for()
        fill(nurse, "check-caprini", "5")
        nurse.keyboard.press("Tab")
        checklist.locator('[data-testid="check-vte_assessed"]:not(.is-disabled)').click()  # enabled once the Caprini score is saved
        checklist.locator('[data-testid="check-vte_assessed"].is-checked').wait_for()
        checklist.get_by_test_id("checklist-complete").wait_for(timeout=15_000)
        shot(nurse, "journey-13-preop-checklist")

        # the first OR time (from the next half hour) where a room and the surgeon are free on today's board
        rooms = {r["code"]: r["id"] for r in ok(doc.get("/api/v1/or-rooms"))}
        begin = (datetime.now(TZ) + timedelta(minutes=45)).replace(second=0, microsecond=0)
        begin -= timedelta(minutes=begin.minute % 30)
        booking = room_code = None
        for k in range(96):
            t0 = begin + timedelta(minutes=30 * k)
            t1 = t0 + timedelta(minutes=90)
            if t0.hour < 8 or (t1.hour, t1.minute) > (20, 0) or t1.date() != t0.date():
                continue  # within the OR board's working day
            board = [r for d in {t0.date(), t1.date()} for r in ok(doc.get("/api/v1/or-schedule", params={"day": d.isoformat()}))]
            busy = [r for r in board if ts(r["booking"]["start_at"]) < t1 and ts(r["booking"]["end_at"]) > t0]
            if any(r["booking"]["surgeon_id"] == doctor_id for r in busy):
                continue
            free = [code for code in sorted(rooms) if all(r["room_code"] != code for r in busy)]
            if free:
                booking, room_code = t0, free[0]
                break
        assert booking is not None
        open_surgery_tab(doctor)
        doctor.get_by_test_id("book-room").click()
        doctor.get_by_test_id(f"book-room-{room_code}").click()
        doctor.get_by_test_id("book-start").fill(booking.strftime("%Y-%m-%dT%H:%M"))
        fill(doctor, "book-minutes", "90")
        doctor.keyboard.press("Tab")
        doctor.get_by_test_id("book-submit").click()
        doctor.locator(f'[data-testid="surgery-card"][data-surgery="{surgery_id}"][data-status="scheduled"]').wait_for(timeout=15_000)
        shot(doctor, "journey-14-or-booked")
        doctor.goto(server + "/or")
        doctor.get_by_test_id("or-board").wait_for()
        for _ in range((booking.date() - datetime.now(TZ).date()).days):
            doctor.get_by_test_id("or-next").click()
        doctor.get_by_test_id("or-case").filter(has_text="王建国").filter(has_text="股骨颈").wait_for(timeout=15_000)
        shot(doctor, "journey-15-or-board")

        # 8b. after the operation the surgeon writes the surgical record (手术记录) on the surgery panel
        open_surgery_tab(doctor)
        card = doctor.locator(f'[data-testid="surgery-card"][data-surgery="{surgery_id}"][data-status="scheduled"]')
        form = card.get_by_test_id("surgery-record-form")
        form.wait_for()
        assert form.locator('[data-testid="record-code"][data-code="79.35"]').count() == 1  # the planned code, prefilled
        ended = datetime.now(TZ).replace(second=0, microsecond=0) - timedelta(minutes=20)  # the server refuses future end times
        form.get_by_test_id("record-start").fill((ended - timedelta(minutes=95)).strftime("%Y-%m-%dT%H:%M"))
        form.get_by_test_id("record-end").fill(ended.strftime("%Y-%m-%dT%H:%M"))
        fill(form, "record-blood-loss", "200")  # within this surgery's form: the demo patient has another scheduled one
        doctor.keyboard.press("Tab")
        form.get_by_test_id("record-grade-3").click()
        for field, text in (("manufacturer", "威高骨科"), ("product", "空心加压螺钉 7.3mm"), ("lot", IMPLANT_LOT), ("udi", IMPLANT_UDI)):
            fill(form, f"implant-{field}-0", text)
        fill(form, "record-note", "腰硬联合麻醉,仰卧位,前外侧入路切开复位,置入3枚空心加压螺钉,C臂透视位置良好。")
        shot(doctor, "journey-15b-surgical-record")
        form.get_by_test_id("record-submit").click()
        done = doctor.locator(f'[data-testid="surgery-card"][data-surgery="{surgery_id}"][data-status="completed"]')
        done.wait_for(timeout=15_000)
        done.locator(f'[data-testid="record-implant-row"][data-lot="{IMPLANT_LOT}"]').wait_for()
        done.locator('[data-testid="record-procedure"][data-code="79.35"]').wait_for()
        assert done.get_by_test_id("record-grade-value").get_attribute("data-grade") == "3"
        assert done.get_by_test_id("record-blood-loss-value").inner_text() == "200"
        shot(doctor, "journey-15c-surgery-completed")
        surgery = ok(doc.get(f"/api/v1/surgeries/{surgery_id}"))
        assert surgery["status"] == "completed" and surgery["blood_loss_ml"] == 200 and not surgery["unplanned_return"]
        registry = ok(doc.get("/api/v1/implants", params={"lot": IMPLANT_LOT}))
        assert [(i["patient_id"], i["udi"]) for i in registry] == [(patient_id, IMPLANT_UDI)]

        # 9. the doctor discharges from the bed board: the 出院小结 first (the server names the missing step)
        doctor.goto(server + "/beds")
        cell = doctor.locator(f'[data-testid="bed-cell"][data-bed="{bed_code}"][data-state="occupied"]')
        cell.wait_for(timeout=15_000)
        cell.click()
        doctor.get_by_test_id("discharge-submit").click()
        assert "出院小结" in doctor.get_by_test_id("bed-problem").inner_text()
        doctor.get_by_test_id("summary-form").wait_for()
        for field, text in (("admission_diagnosis", "右股骨颈骨折"), ("discharge_diagnosis", "右股骨颈骨折"),
                            ("hospital_course", "入院后完善检查,行右股骨颈骨折切开复位内固定术,术后恢复良好。"),
                            ("procedures", "右股骨颈骨折切开复位内固定术"), ("condition_at_discharge", "伤口愈合良好,生命体征平稳"),
                            ("instructions", INSTRUCTIONS), ("follow_up", "术后2周骨科门诊复诊")):
            fill(doctor, f"summary-{field}", text)
        doctor.get_by_test_id("summary-save").click()
        doctor.locator(".el-message--success").first.wait_for(timeout=15_000)
        shot(doctor, "journey-16-discharge-summary")
        doctor.get_by_role("tab", name="患者").click()
        doctor.get_by_test_id("discharge-submit").click()
        doctor.locator(f'[data-testid="bed-cell"][data-bed="{bed_code}"][data-state="cleaning"]').wait_for(timeout=15_000)
        shot(doctor, "journey-17-discharged")
        assert ok(doc.get(f"/api/v1/admissions/{admission_id}"))["status"] == "discharged"

        # 10. the patient reads the discharge instructions on the phone
        phone.goto(server + "/m/discharge")
        phone.get_by_test_id("portal-discharge").get_by_test_id("notification").filter(has_text=INSTRUCTIONS[:12]).wait_for(timeout=15_000)
        shot(phone, "journey-18-portal-discharge")
    except Exception:
        for name, pg in pages:
            if not pg.is_closed():
                shot(pg, f"journey-failure-{name}")
        raise
    finally:
        for c in (pat, doc, nur, tech):
            c.close()
        for _, pg in pages:
            if not pg.is_closed():
                pg.context.close()


pytestmark = pytest.mark.e2e
