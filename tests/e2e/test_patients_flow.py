"""E2E (issue 2): the demo doctor registers a patient, finds them, opens their page; the audit administrator
then sees that access in the audit trail. Real server, real Chromium; screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import random
import re

import pyotp

from osteon.demo import demo_totp_secret
from osteon.patients import idcard
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot

DEMO_SEED = 20261125


def fill(page, testid: str, value: str) -> None:
    """Type into an input by test id (Element Plus puts the id on the input or its wrapper)."""
    el = page.get_by_test_id(testid)
    tag = el.evaluate("e => e.tagName")
    target = el if tag in ("INPUT", "TEXTAREA") else el.locator("input, textarea").first
    target.fill(value)


def login(page, base: str, username: str, totp_secret: str | None = None) -> None:
    """Log in through the login page (with the TOTP step when asked)."""
    page.goto(base + "/login")
    fill(page, "login-username", username)
    fill(page, "login-password", DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    if totp_secret:
        page.get_by_test_id("totp-input").wait_for()
        fill(page, "totp-input", pyotp.TOTP(totp_secret).now())  # six digits submit by themselves
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def test_doctor_registers_finds_and_opens_a_patient_then_the_auditor_sees_it(server, page, browser):
    login(page, server, "doctor")
    assert page.get_by_test_id("demo-banner").is_visible()
    shot(page, "01-doctor-home")

    # register
    first17 = f"511922{random.randint(1940, 1960)}0{random.randint(1, 9)}1{random.randint(0, 8)}{random.randint(100, 999)}"
    idn = first17 + idcard.check_digit(first17)
    name = random.choice("赵钱孙李周吴郑王") + random.choice(["国栋", "秀英", "长贵", "德福", "玉兰"]) + random.choice("甲乙丙丁")
    page.goto(server + "/patients/new")
    fill(page, "reg-name", name)
    fill(page, "reg-id-number", idn)
    fill(page, "reg-phone", f"139{random.randint(10**7, 10**8 - 1)}")
    page.get_by_test_id("reg-insurance").click()
    page.get_by_test_id("insurance-option-resident").click()
    shot(page, "02-register-form")
    page.get_by_test_id("register-submit").click()
    page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"))
    page.get_by_test_id("patient-mrn").wait_for()
    mrn = re.search(r"[A-Z][A-Z0-9]*\d{4,}", page.get_by_test_id("patient-mrn").inner_text()).group(0)
    assert page.get_by_test_id("patient-name").inner_text().strip() == name
    shot(page, "03-patient-detail")

    # find by pinyin initials is covered by API tests; here: by name, from the search page
    page.goto(server + "/patients")
    fill(page, "patient-search", name)
    row = page.locator(f'[data-testid="patient-row"][data-mrn="{mrn}"]')
    row.first.wait_for()
    shot(page, "04-patient-search")
    row.first.click()
    page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"))
    patient_id = page.url.rsplit("/", 1)[1]
    page.get_by_test_id("patient-mrn").wait_for()

    # the audit administrator sees the doctor's read of this patient
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 850})
    auditor = ctx.new_page()
    login(auditor, server, "auditor", totp_secret=demo_totp_secret(DEMO_SEED, "auditor"))
    auditor.goto(server + "/audit")
    fill(auditor, "audit-username", "doctor")
    fill(auditor, "audit-patient-id", patient_id)
    auditor.get_by_test_id("audit-search").click()
    auditor.get_by_test_id("audit-table").get_by_text("patient.read").first.wait_for()
    shot(auditor, "05-audit-trail")
    auditor.get_by_test_id("audit-verify").click()
    auditor.get_by_test_id("audit-verify-result").wait_for()
    assert "OK" in auditor.get_by_test_id("audit-verify-result").inner_text() or "完整" in auditor.get_by_test_id("audit-verify-result").inner_text()
    shot(auditor, "06-audit-verify")
    ctx.close()


def test_patient_h5_shows_my_own_record_in_large_text(server, browser):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(server + "/m/login")
    fill(page, "login-username", "patient")
    fill(page, "login-password", DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"/m/?$"))
    page.get_by_test_id("large-text-toggle").click()
    page.goto(server + "/m/info")
    page.get_by_test_id("portal-info-name").wait_for()
    assert "王建国" in page.get_by_test_id("portal-info-name").inner_text()
    shot(page, "07-patient-h5")
    ctx.close()
