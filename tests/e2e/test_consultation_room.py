"""E2E (issue 6, item 3): the county doctor (``doctor``, 青石县人民医院) and the provincial expert (``expert``, 省人民医院)
open the demo consultation about 王建国 (accepted, scheduled today — seeded by the workflow demo), enter the room in
two browser contexts and see each other's camera (Chromium's fake device) actually playing over a peer-to-peer
WebRTC connection signalled through the /ws room topic; the doctor takes the presenter role and changes the window —
the expert's viewport shows the same W/W and W/C; the doctor draws a Cobb angle — it appears on the expert's viewer;
a chat message arrives. Real server, real Chromium; screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import re

import httpx

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot
from tests.e2e.test_patients_flow import login
from tests.e2e.test_viewer import _stow
from tests.imaging.dicomgen import ct_slice

# the shared lumbar CT of the demo consultation (src/osteon/consultations/demo.py DEMO_STUDY_UID)
DEMO_STUDY_UID = "1.2.826.0.1.3680043.8.498.49622115361048209642944844203498326208"

PLAYING_JS = """async el => {
  if (!el || !el.srcObject) return false;
  const t0 = el.currentTime;
  await new Promise(r => setTimeout(r, 700));
  return el.videoWidth > 0 && el.videoHeight > 0 && el.currentTime > t0 && !el.paused;
}"""


def _api_login(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _prepare(base: str) -> str:
    """STOW the demo consultation's lumbar CT for 王建国; return the consultation id."""
    headers = _api_login(base, "doctor")
    r = httpx.get(f"{base}/api/v1/patients", params={"q": "王建国"}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    wang = next(p for p in r.json()["items"] if p["name"] == "王建国")
    series = "1.2.826.0.1.3680043.8.498.1000001"
    cts = [ct_slice(patient_id=wang["mrn"], study_uid=DEMO_STUDY_UID, series_uid=series, index=i, size=256)
           for i in range(1, 11)]
    for ds in cts:
        ds.StudyDescription = "Lumbar CT"
    _stow(base, headers, cts)
    r = httpx.get(f"{base}/api/v1/consultations", params={"role": "requested"}, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    demo = [c for c in r.json()["items"] if c["patient"]["name"] == "王建国" and c["status"] in ("accepted", "in_session")]
    assert demo, r.json()
    return demo[0]["id"]


def _me(page) -> str:
    return page.evaluate("async () => (await (await fetch('/api/v1/auth/me')).json()).id")


def _wait_remote_video_playing(page, name: str) -> None:
    video = page.get_by_test_id("video-remote").first
    video.wait_for(timeout=45_000)
    page.wait_for_function("() => { const v = document.querySelector('[data-testid=video-remote]');"
                           " return v && v.videoWidth > 0 && v.readyState >= 2; }", timeout=45_000)
    assert video.evaluate(PLAYING_JS), f"{name}: the other side's video is not playing"
    size = video.evaluate("v => [v.videoWidth, v.videoHeight, v.currentTime]")
    print(f"{name} sees the remote video at {size[0]}x{size[1]}, t={size[2]:.2f}s")


def _wait_viewport(page) -> None:
    page.wait_for_function("() => { const el = document.querySelector('[data-testid=room-viewer] [data-testid=viewport-0]');"
                           " return el && el.dataset.firstImageMs !== '' && el.dataset.ww !== ''; }", timeout=60_000)


def _voi(page) -> tuple[float, float]:
    vp = page.locator("[data-testid=room-viewer] [data-testid=viewport-0]")
    return float(vp.get_attribute("data-ww")), float(vp.get_attribute("data-wc"))


def _wait_same_voi(page, ww: float, wc: float) -> None:
    page.wait_for_function(
        """([ww, wc]) => { const el = document.querySelector('[data-testid=room-viewer] [data-testid=viewport-0]');
           return el && Math.abs(Number(el.dataset.ww) - ww) < 0.01 && Math.abs(Number(el.dataset.wc) - wc) < 0.01; }""",
        arg=[ww, wc], timeout=15_000)


def test_doctor_and_expert_meet_in_the_room_and_share_the_viewer(server, browser):
    consultation_id = _prepare(server)
    contexts = []
    try:
        pages = {}
        for user in ("doctor", "expert"):
            ctx = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 950})
            contexts.append(ctx)
            page = ctx.new_page()
            page.on("console", lambda m, u=user: m.type in ("error", "warning") and print(f"[{u} console] {m.text}"))
            login(page, server, user)
            pages[user] = page
        doctor, expert = pages["doctor"], pages["expert"]
        doctor_id = _me(doctor)

        # both open the consultation and enter the room from its page
        for user, page in pages.items():
            page.goto(f"{server}/consultations/{consultation_id}")
            page.get_by_test_id("consult-detail").wait_for()
            page.get_by_test_id("consult-sla").first.wait_for(state="attached") if page.get_by_test_id("consult-sla").count() else None
            shot(page, f"consult-detail-{user}")
            page.get_by_test_id("consult-enter-room").click()
            page.wait_for_url(re.compile(r"/consultations/[0-9a-f-]+/room$"))
            page.get_by_test_id("consult-room").wait_for()
        assert doctor.get_by_test_id("consult-room").get_attribute("data-backend") in ("p2p", "")

        # presence: each sees two participants
        for page in (doctor, expert):
            page.wait_for_function("() => document.querySelectorAll('[data-testid=room-participant]').length === 2",
                                   timeout=30_000)

        # each sees the other's camera playing (fake device → real WebRTC over loopback)
        _wait_remote_video_playing(doctor, "doctor")
        _wait_remote_video_playing(expert, "expert")
        assert doctor.get_by_test_id("consult-room").get_attribute("data-backend") == "p2p"

        # the shared CT is on both viewers
        _wait_viewport(doctor)
        _wait_viewport(expert)

        # the doctor presents
        doctor.get_by_test_id("take-presenter").click()
        for page in (doctor, expert):
            page.wait_for_function(f"() => document.querySelector('[data-testid=room-presenter]').dataset.presenter === '{doctor_id}'",
                                   timeout=15_000)
        doctor.wait_for_function("() => document.querySelector('[data-testid=room-viewer]').dataset.presenting === 'true'")

        # window/level by dragging on the doctor's image → the expert's viewport shows the same W/W, W/C
        before = _voi(expert)
        vp = doctor.locator("[data-testid=room-viewer] [data-testid=viewport-0]")
        box = vp.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        doctor.mouse.move(cx, cy)
        doctor.mouse.down()
        doctor.mouse.move(cx + 80, cy + 50, steps=10)
        doctor.mouse.up()
        doctor.wait_for_timeout(300)
        ww, wc = _voi(doctor)
        assert (ww, wc) != before, "the drag did not change the doctor's window"
        _wait_same_voi(expert, ww, wc)
        print(f"W/L after drag: doctor {ww:.2f}/{wc:.2f}, expert {_voi(expert)[0]:.2f}/{_voi(expert)[1]:.2f} (was {before})")
        # and a preset, exactly
        doctor.get_by_test_id("room-preset-bone").click()
        _wait_same_voi(expert, 2000, 500)
        assert _voi(expert) == (2000.0, 500.0)
        shot(expert, "consult-room-expert-wl")

        # the laser pointer: the doctor's mouse over the image shows a dot on the expert's screen
        doctor.mouse.move(cx - 30, cy - 20)
        doctor.mouse.move(cx - 10, cy - 5, steps=4)
        expert.get_by_test_id("room-laser").wait_for(timeout=10_000)

        # a Cobb angle drawn by the doctor appears on the expert's viewer
        doctor.get_by_test_id("room-tool-cobb").click()
        a1, a2 = (cx - 100, cy - 90), (cx + 90, cy - 60)
        b1, b2 = (cx - 90, cy + 80), (cx + 100, cy + 40)
        for p, q in ((a1, a2), (b1, b2)):
            doctor.mouse.move(*p)
            doctor.mouse.down()
            doctor.mouse.move(*q, steps=12)
            doctor.mouse.up()
            doctor.wait_for_timeout(150)
        row = expert.locator('[data-testid="room-annotation-row"][data-tool="cobb"]')
        row.wait_for(timeout=15_000)
        expert.wait_for_function("() => document.querySelector('[data-testid=room-viewer]').dataset.annotations === '1'")
        # the expert's Cornerstone draws the same angle on its image (its own SVG label); the list and the drawing
        # are updated by separate renders, so let the last event of the drag reach both before reading them
        expert.wait_for_function(
            """() => {
              const num = (s) => parseFloat((s.match(/\\d+(\\.\\d+)?/) || ['NaN'])[0]);
              const row = document.querySelector('[data-testid=room-annotation-row][data-tool=cobb] [data-testid=room-annotation-value]');
              const t = [...document.querySelectorAll('[data-testid=room-viewer] [data-testid=viewport-0] svg text')]
                .find((e) => e.textContent.includes('°'));
              return row && t && Math.abs(num(row.textContent) - num(t.textContent)) < 0.1;
            }""",
            timeout=15_000,
        )
        label = row.get_by_test_id("room-annotation-value").inner_text()
        drawn = next(t for t in expert.locator("[data-testid=room-viewer] [data-testid=viewport-0] svg text").all_text_contents()
                     if "°" in t)
        shown = float(re.search(r"\d+(\.\d+)?", label).group(0))
        on_image = float(re.search(r"\d+(\.\d+)?", drawn).group(0))
        print(f"Cobb angle: doctor's label {label!r}, drawn on the expert's image {drawn.strip()!r}")
        assert abs(shown - on_image) < 0.1

        # chat: the doctor writes, the expert reads it (REST post → chat.message on the room topic)
        text = "请看 L4/5 椎管狭窄处,Cobb 角已标注"
        doctor.get_by_test_id("chat-input").fill(text)
        doctor.get_by_test_id("chat-send").click()
        expert.locator("[data-testid=chat-message-body]", has_text=text).wait_for(timeout=15_000)

        shot(doctor, "consult-room-doctor")
        shot(expert, "consult-room-expert")
    finally:
        for ctx in contexts:
            ctx.close()
