"""E2E (issue 5): from the patient's own colloquial words on the H5 chat to the doctor's pre-filled record.

A patient (before login) describes back pain with leg numbness in 川渝 words, answers the pre-visit interview with
quick replies and free text (including a correction "不对,是左边"), gets 脊柱外科 / routine, logs in to keep it,
follows the offered clinic session to book a slot (the booking attaches the interview to the appointment), checks
in on the portal; the doctor who owns the session calls the patient in /workstation and finds 主诉/现病史
pre-filled from the interview with the patient's own words one click away. A second case: a fall from the second
floor with saddle numbness shows "请立即到急诊" and no booking at all.

Time: portal booking closes when a session starts and check-in opens 60 minutes before it, so no real clinic
session can be both booked online and checked in at an arbitrary time of day. The test therefore opens a spine
clinic for the QSCH department head through the API and then moves that session to start 30 minutes from now
directly in the server's SQLite file (the "clock" step: the day of the visit has come). Everything else goes
through the real server and the real pages. Screenshots in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import DATA_DIRS, shot
from tests.e2e.test_patients_flow import fill, login
from tests.e2e.test_triage_chat import PHONE

COMPLAINT = "腰杆疼了两个多月，右腿杆发麻"
DOCTOR = "head_qs"  # 曾长贵, QSCH department head (a doctor role who runs his own clinic)


def _api(server: str, username: str) -> httpx.Client:
    token = httpx.post(f"{server}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}).json()
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=20)


def _db_file(server: str) -> Path:
    """The SQLite file of the E2E server at this URL."""
    return DATA_DIRS[server] / "osteon.db"


def _open_spine_clinic_starting_soon(server: str, db: Path) -> tuple[str, str]:
    """A QSCH spine clinic of ``DOCTOR`` today, moved to start in 30 minutes; returns (session id, doctor name)."""
    api = _api(server, DOCTOR)
    me = api.get("/api/v1/auth/me").json()
    inst = me["institution"]["id"]
    spine = next(d for d in api.get(f"/api/v1/institutions/{inst}/departments").json() if d.get("subspecialty") == "spine")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the demo institutions' time zone
    r = api.post("/api/v1/scheduling/sessions", json={
        "doctor_id": me["id"], "department_id": spine["id"], "session_date": today.isoformat(), "period": "evening",
        "slot_minutes": 10, "capacity": 6, "fee_category": "general", "room": "脊柱门诊(测试)",
    })
    assert r.status_code == 201, r.text
    session_id = r.json()["id"]
    # the clock step: the session now starts in 30 minutes (inside the check-in window, still bookable online)
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(minutes=30)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    hex_id = uuid.UUID(session_id).hex
    with sqlite3.connect(db, timeout=30) as con:
        con.execute("UPDATE clinic_sessions SET starts_at=?, ends_at=? WHERE id=?",
                    (start.strftime(fmt), (start + timedelta(hours=3)).strftime(fmt), hex_id))
        slots = con.execute("SELECT id FROM clinic_slots WHERE session_id=? ORDER BY starts_at", (hex_id,)).fetchall()
        assert slots
        for i, (slot_id,) in enumerate(slots):
            s = start + timedelta(minutes=10 * i)
            con.execute("UPDATE clinic_slots SET starts_at=?, ends_at=? WHERE id=?",
                        (s.strftime(fmt), (s + timedelta(minutes=10)).strftime(fmt), slot_id))
    return session_id, me["full_name"]


def _say(page, text: str) -> None:
    page.get_by_test_id("triage-input").fill(text)
    page.get_by_test_id("triage-send").click()


def _wait_for_bubbles(page, n: int) -> None:
    """The patient's n-th bubble is shown and the server has answered."""
    page.get_by_test_id("triage-bubble-patient").nth(n - 1).wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=triage-send].is-loading')")


def test_colloquial_interview_books_the_offered_slot_and_prefills_the_doctors_record(server, browser):
    session_id, doctor_name = _open_spine_clinic_starting_soon(server, _db_file(server))

    patient = browser.new_context(**PHONE)
    page = patient.new_page()
    try:
        # --- the patient, before login, in their own words
        page.goto(server + "/m/triage")
        page.get_by_test_id("triage-bubble-intro").wait_for()
        _say(page, COMPLAINT)
        _wait_for_bubbles(page, 1)
        page.get_by_test_id("triage-quick-replies").wait_for()
        assert not page.get_by_test_id("triage-emergency-banner").is_visible()
        page.get_by_test_id("triage-reply-没有").click()  # a quick reply (cauda equina screening: no)
        _wait_for_bubbles(page, 2)
        _say(page, "不对,是左边")  # a correction of the side
        _wait_for_bubbles(page, 3)
        assert "更正" in page.get_by_test_id("triage-bubble-assistant").all_inner_texts()[-2]
        shot(page, "triage-e2e-01-interview")

        free_text_used = False
        for _ in range(14):
            if page.get_by_test_id("triage-final").is_visible():
                break
            n = page.get_by_test_id("triage-bubble-patient").count()
            replies = page.get_by_test_id("triage-quick-replies")
            if replies.get_by_test_id("triage-reply-没有").count():
                replies.get_by_test_id("triage-reply-没有").click()
            elif not free_text_used:
                _say(page, "慢慢出现的，坐久了更疼")  # free text
                free_text_used = True
            else:
                replies.get_by_test_id("triage-reply-不知道").click()
            _wait_for_bubbles(page, n + 1)
        final = page.get_by_test_id("triage-final")
        final.wait_for()
        assert final.get_by_test_id("triage-final-department").get_attribute("data-department") == "spine"
        assert not page.get_by_test_id("triage-emergency-banner").is_visible()
        cc = final.get_by_test_id("triage-summary-cc").inner_text().strip()
        assert cc and len(cc) <= 20 and "左" in cc, cc
        shot(page, "triage-e2e-02-summary-anonymous")

        # --- log in to keep it: back on the chat, the interview is claimed and bookable sessions are offered
        page.get_by_test_id("triage-save-login").click()
        page.wait_for_url(re.compile(r"/m/login"))
        fill(page, "login-username", "patient")
        fill(page, "login-password", DEMO_PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(re.compile(r"/m/triage"))
        page.get_by_test_id("triage-saved").wait_for()
        offered = page.locator(f'[data-testid="triage-session"][data-session-id="{session_id}"]')
        offered.wait_for()
        assert doctor_name in offered.inner_text()
        shot(page, "triage-e2e-03-offered-session")

        # --- follow the offered session: the booking page opens on it; book the first free slot
        offered.click()
        page.wait_for_url(re.compile(rf"/m/book\?.*session={session_id}"))
        slot = page.locator('[data-testid="book-slot"]:not([disabled])').first
        slot.wait_for()
        slot.click()
        page.locator(".el-message-box__btns .el-button--primary").click()
        page.get_by_test_id("book-done").wait_for()
        page.get_by_test_id("book-triage-linked").wait_for()  # the interview is attached to the appointment
        shot(page, "triage-e2e-04-booked")

        # --- on the day: check in on the portal
        page.goto(server + "/m/queue")
        page.get_by_test_id("portal-check-in").wait_for()
        assert page.get_by_test_id("portal-check-in").count() == 1
        page.get_by_test_id("portal-check-in").click()
        page.get_by_test_id("portal-check-in").wait_for(state="detached")
    finally:
        patient.close()

    # --- the doctor who owns the session calls the patient and opens the visit
    doctor = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 850})
    dpage = doctor.new_page()
    try:
        login(dpage, server, DOCTOR)
        dpage.goto(server + "/workstation")
        dpage.get_by_test_id("doctor-workstation").wait_for()
        dpage.locator('[data-testid="ws-status"][data-status="open"]').wait_for(timeout=15_000)
        dpage.locator('[data-testid="queue-waiting-row"]').first.wait_for(timeout=15_000)
        assert dpage.get_by_test_id("queue-waiting-row").count() == 1  # only our patient waits in this clinic
        dpage.get_by_test_id("queue-call-next").click()
        dpage.get_by_test_id("queue-current-name").wait_for(timeout=10_000)
        assert dpage.get_by_test_id("queue-current-name").inner_text().strip() == "王建国"
        dpage.get_by_test_id("encounter-editor").wait_for()
        if dpage.get_by_test_id("enc-open").count():
            dpage.get_by_test_id("enc-open").click()
        record_cc = dpage.get_by_test_id("enc-chief-complaint")
        record_cc.wait_for(timeout=10_000)
        dpage.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=enc-chief-complaint]'); return i && i.value }"
        )
        assert record_cc.input_value() == cc  # 主诉 pre-filled from the interview, editable
        hpi = dpage.get_by_test_id("enc-hpi").input_value()
        assert "左" in hpi and "2" in hpi, hpi  # 现病史 pre-filled (left side after the correction, two months)
        shot(dpage, "triage-e2e-05-record-prefilled")

        # the pre-visit interview tab: every sentence opens the patient's own words
        dpage.get_by_role("tab", name="预问诊").click()
        card = dpage.get_by_test_id("triage-visit-summary")
        card.get_by_test_id("triage-summary-cc").wait_for()
        assert card.get_by_test_id("triage-summary-cc").inner_text().strip() == cc
        card.get_by_test_id("triage-summary-cc").click()
        assert COMPLAINT in card.get_by_test_id("triage-quotes").first.inner_text()
        shot(dpage, "triage-e2e-06-patient-words")
    finally:
        doctor.close()


def test_fall_from_the_second_floor_with_saddle_numbness_goes_to_the_emergency_room(server, browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(server + "/m/triage")
        page.get_by_test_id("triage-bubble-intro").wait_for()
        _say(page, "从二楼摔下来，腿动不了，屁股没感觉了")
        banner = page.get_by_test_id("triage-emergency-banner")
        banner.wait_for()
        assert "请立即到急诊" in banner.inner_text()
        final = page.get_by_test_id("triage-final")
        final.wait_for()
        assert final.get_by_test_id("triage-final-department").get_attribute("data-department") == "emergency"
        assert page.get_by_test_id("triage-book").count() == 0  # no routine booking
        assert page.get_by_test_id("triage-session").count() == 0
        assert page.get_by_test_id("triage-booking").count() == 0
        shot(page, "triage-e2e-07-emergency")
    finally:
        context.close()
