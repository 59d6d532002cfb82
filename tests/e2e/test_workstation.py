"""E2E (issue 3 item 9): the demo doctor opens the workstation and calls the next patient (live queue over /ws);
the waiting-room display shows the call; the nurse opens the bed board. Real server, real Chromium;
screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import re

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot
from tests.e2e.test_patients_flow import fill, login


def test_doctor_calls_next_and_nurse_sees_the_bed_board(server, page, browser):
    login(page, server, "doctor")
    page.goto(server + "/workstation")
    page.get_by_test_id("doctor-workstation").wait_for()
    # the queue arrives as a snapshot over the WebSocket
    page.locator('[data-testid="ws-status"][data-status="open"]').wait_for(timeout=15_000)
    page.get_by_test_id("queue-current").wait_for(timeout=15_000)
    shot(page, "w01-doctor-queue")

    waiting = page.get_by_test_id("queue-waiting-row")
    assert waiting.count() > 0, "the demo morning has patients waiting"
    if page.get_by_test_id("queue-current-no").count():
        page.get_by_test_id("queue-complete").click()
        page.get_by_test_id("queue-current-no").wait_for(state="detached", timeout=10_000)
    first_no = waiting.first.get_attribute("data-queue-no")
    before = waiting.count()

    # keyboard shortcut N = call next
    page.locator("body").press("n")
    page.get_by_test_id("queue-current-no").wait_for(timeout=10_000)
    assert page.get_by_test_id("queue-current-no").inner_text().strip() == first_no
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=queue-waiting-row]').length === n", arg=before - 1, timeout=10_000
    )
    page.get_by_test_id("encounter-editor").wait_for()
    shot(page, "w02-doctor-called-next")

    # the chief complaint counter checks the 20-character limit live
    if page.get_by_test_id("enc-open").count():
        page.get_by_test_id("enc-open").click()
    cc = page.get_by_test_id("enc-chief-complaint")
    cc.wait_for(timeout=10_000)
    cc.fill("右膝关节疼痛伴活动受限三个月余加重一周伴肿胀")
    assert "/20" in page.get_by_test_id("enc-cc-count").inner_text()
    assert "over" in (page.get_by_test_id("enc-cc-count").get_attribute("class") or "")
    shot(page, "w03-encounter-editor")

    # a valid record: chief complaint, an ICD-10 diagnosis from the autocomplete, save, sign
    cc.fill("右膝疼痛3月")
    assert "over" not in (page.get_by_test_id("enc-cc-count").get_attribute("class") or "")
    page.get_by_test_id("enc-icd-search").fill("M17")
    page.get_by_test_id("enc-icd-option").first.click()
    page.get_by_test_id("enc-diagnosis").first.wait_for()
    page.get_by_test_id("enc-save").click()
    page.get_by_test_id("enc-sign").click()
    page.locator(".el-message-box__btns .el-button--primary").click()
    page.locator('[data-testid="enc-status"][data-status="signed"]').wait_for(timeout=10_000)
    shot(page, "w03b-encounter-signed")

    # a second screen: the waiting-room display of the doctor's department shows the current call
    dept = page.evaluate("() => fetch('/api/v1/auth/me').then(r => r.json()).then(m => m.department && m.department.id)")
    if dept:
        display = page.context.new_page()
        display.goto(f"{server}/display/{dept}")
        display.get_by_test_id("queue-display").wait_for()
        display.locator('[data-testid="ws-status"][data-status="open"]').wait_for(timeout=15_000)
        display.get_by_test_id("display-room").first.wait_for(timeout=15_000)
        assert first_no in display.get_by_test_id("queue-display").inner_text()
        shot(display, "w04-waiting-room-display")
        display.close()

    # the nurse's bed board
    nurse = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 850}).new_page()
    login(nurse, server, "nurse")
    nurse.goto(server + "/beds")
    nurse.get_by_test_id("bed-board").wait_for()
    nurse.get_by_test_id("bed-cell").first.wait_for(timeout=15_000)
    assert nurse.get_by_test_id("bed-cell").count() > 0
    shot(nurse, "w05-nurse-bed-board")
    occupied = nurse.locator('[data-testid="bed-cell"][data-state="occupied"]')
    if occupied.count():
        occupied.first.focus()
        occupied.first.press("Enter")
        nurse.get_by_test_id("bed-panel").get_by_test_id("transfer-bed").wait_for()
        shot(nurse, "w06-nurse-bed-panel")
        # observations: pain NRS and pulse, then the trend chart
        nurse.get_by_role("tab", name="护理观察").click()
        fill(nurse, "obs-pain", "4")
        fill(nurse, "obs-pulse", "88")
        nurse.get_by_test_id("obs-submit").click()
        nurse.locator('[data-testid="obs-form"] ~ .echart').wait_for(timeout=10_000)
        shot(nurse, "w06b-nurse-observations")
    nurse.context.close()

    # the doctor discharges from the bed board: without a 出院小结 the server's 409 is shown and the summary opens
    page.goto(server + "/beds")
    cell = page.locator('[data-testid="bed-cell"][data-state="occupied"]').first
    cell.wait_for(timeout=15_000)
    cell.click()
    page.get_by_test_id("discharge-submit").click()
    problem = page.get_by_test_id("bed-problem")
    problem.wait_for(timeout=10_000)
    assert "出院小结" in problem.inner_text()
    page.get_by_test_id("summary-form").wait_for()
    shot(page, "w06c-discharge-needs-summary")
    assert page.url.endswith("/beds")


def test_patient_books_from_the_triage_link_and_follows_the_queue(server, page):
    # the triage chat links to /m/book?department=<code>; an anonymous visitor logs in first and comes back
    page.goto(server + "/m/book?department=trauma")
    page.wait_for_url(re.compile(r"/m/login"))
    fill(page, "login-username", "patient")
    fill(page, "login-password", DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"/m/book\?department=trauma"))
    page.get_by_test_id("portal-book").wait_for()
    page.locator('[data-testid="book-department"][aria-checked="true"]').wait_for(timeout=10_000)
    # the demo patient already waits in this morning's queue: book the last open session instead
    page.locator('[data-testid="book-session"]:not([disabled])').last.click()
    page.locator('[data-testid="book-slot"]:not([disabled])').first.click()
    shot(page, "w07-portal-book")
    page.locator(".el-message-box__btns .el-button--primary").click()
    page.get_by_test_id("book-done").wait_for(timeout=10_000)
    shot(page, "w08-portal-booked")
    page.get_by_test_id("book-to-queue").click()
    page.get_by_test_id("portal-queue").wait_for()
    page.get_by_test_id("portal-appointment").first.wait_for(timeout=10_000)
    # the demo patient is checked in this morning: the position comes live over /ws
    page.locator('[data-testid="queue-ahead"], [data-testid="queue-your-turn"]').first.wait_for(timeout=15_000)
    shot(page, "w09-portal-queue")
