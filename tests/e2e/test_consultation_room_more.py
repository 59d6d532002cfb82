"""E2E (issue 6, §3 and §4) beyond the two-party room of test_consultation_room.py, in real Chromium contexts against
a real `osteon serve --demo` (P2P media with Chromium's fake camera, the /ws room topic):

- telestration (远程手术指导): the expert freezes the county doctor's camera (the OR camera) and draws; the marks
  appear on the doctor's own tile (the OR screen) and on the expert's, `telestration.clear` wipes them everywhere;
- a third participant: the requester invites a colleague; three contexts each see two remote videos playing;
- reconnect: the expert's /ws socket is dropped while the presenter keeps changing the window and posts a chat
  message; the "reconnecting" banner comes and goes, the expert ends at the presenter's W/L, chat intact;
- arrow and free-hand annotations drawn by the presenter show on the follower.

Screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import math
import os

import httpx
import pytest

from tests.e2e.conftest import shot
from tests.e2e.test_consultation_room import (
    PLAYING_JS,
    _api_login,
    _me,
    _prepare,
    _voi,
    _wait_remote_video_playing,
    _wait_same_voi,
    _wait_viewport,
)
from tests.e2e.test_patients_flow import login

# Test hook for the reconnect test (no app code involved): remembers the page's WebSockets and, while
# `window.__blockWs` is true, points new /ws connections at a closed port so reconnect attempts fail.
WS_HOOK = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__blockWs = false;
  function Hooked(url, protocols) {
    const target = window.__blockWs && String(url).endsWith('/ws') ? 'ws://127.0.0.1:9/ws' : url;
    const s = protocols === undefined ? new Native(target) : new Native(target, protocols);
    window.__sockets.push(s);
    return s;
  }
  Hooked.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Hooked[k] = Native[k];
  window.WebSocket = Hooked;
})();"""

CANVAS_INK_JS = """c => { const ctx = c.getContext('2d'); if (!c.width || !c.height) return 0;
  const d = ctx.getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


@pytest.fixture(scope="module")
def consultation(server) -> str:
    return _prepare(server)


# ROOM_DEBUG=1: a log of each RTCPeerConnection's negotiation and ICE steps, printed when the 3-party wait fails.
PC_HOOK = """(() => { const N = window.RTCPeerConnection; window.__pcs = []; window.__log = [];
  window.RTCPeerConnection = function(c) { const pc = new N(c); const k = window.__pcs.length; window.__pcs.push(pc);
    const L = (m) => window.__log.push(k + ' ' + (performance.now() / 1000).toFixed(1) + ' ' + m);
    const sld = pc.setLocalDescription.bind(pc), srd = pc.setRemoteDescription.bind(pc), aic = pc.addIceCandidate.bind(pc), ri = pc.restartIce.bind(pc);
    pc.setLocalDescription = (d) => { L('sld ' + (d ? d.type : '-') + ' in ' + pc.signalingState); return sld(d).then(r => {L('sld ok ' + pc.localDescription.type); return r}, e => {L('sld ERR ' + e); throw e}); };
    pc.setRemoteDescription = (d) => { L('srd ' + d.type + ' in ' + pc.signalingState); return srd(d).then(r => {L('srd ok'); return r}, e => {L('srd ERR ' + e); throw e}); };
    pc.addIceCandidate = (c) => aic(c).then(r => {L('aic ok'); return r}, e => {L('aic ERR ' + e); throw e});
    pc.restartIce = () => { L('restartIce'); return ri(); };
    pc.addEventListener('negotiationneeded', () => L('nn in ' + pc.signalingState));
    pc.addEventListener('icegatheringstatechange', () => L('gather ' + pc.iceGatheringState));
    pc.addEventListener('iceconnectionstatechange', () => L('ice ' + pc.iceConnectionState));
    return pc; };
  window.RTCPeerConnection.prototype = N.prototype; })();"""


def _enter(
    browser, server: str, user: str, consultation_id: str, contexts: list, *, init_script: str | None = None
):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 950})
    contexts.append(ctx)
    if init_script:
        ctx.add_init_script(init_script)
    if os.environ.get("ROOM_DEBUG"):  # log every RTCPeerConnection step
        ctx.add_init_script(PC_HOOK)
    page = ctx.new_page()
    page.on("console", lambda m, u=user: m.type == "error" and print(f"[{user} console] {m.text}"))
    login(page, server, user)
    page.goto(f"{server}/consultations/{consultation_id}/room")
    page.get_by_test_id("consult-room").wait_for()
    return page


def _wait_participants(page, n: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=room-participant]').length === {n}", timeout=30_000
    )


def _take_presenter(page, others) -> None:
    me = _me(page)
    if page.get_by_test_id("take-presenter").count():
        page.get_by_test_id("take-presenter").click()
    for p in (page, *others):
        p.wait_for_function(
            f"() => document.querySelector('[data-testid=room-presenter]').dataset.presenter === '{me}'",
            timeout=15_000,
        )
    page.wait_for_function(
        "() => document.querySelector('[data-testid=room-viewer]').dataset.presenting === 'true'"
    )


def _viewport_center(page) -> tuple[float, float]:
    box = page.locator("[data-testid=room-viewer] [data-testid=viewport-0]").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _tiles(page) -> list:
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=video-tile]')].map(t => [t.dataset.key.slice(0, 8),"
        " t.dataset.local, t.dataset.state, (v => [!!v.srcObject, v.videoWidth, v.readyState])(t.querySelector('video'))])"
    )


def _strokes(page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-strokes"))


def test_expert_telestrates_on_the_or_camera_and_the_or_screen_shows_it(server, browser, consultation):
    contexts: list = []
    try:
        # the county OR: the doctor's camera is the OR camera
        doctor = _enter(browser, server, "doctor", consultation, contexts)
        expert = _enter(browser, server, "expert", consultation, contexts)
        doctor_id = _me(doctor)
        for page in (doctor, expert):
            _wait_participants(page, 2)
        _wait_remote_video_playing(expert, "expert")
        _wait_remote_video_playing(doctor, "doctor")
        # start from a clean picture whatever an earlier run left in the room state
        tile = expert.locator(f"[data-testid=video-tile][data-key='{doctor_id}']")
        tile.wait_for()
        tile.get_by_test_id("telestration-clear").click()
        own = "[data-testid=video-tile][data-local=true] [data-testid=telestration-canvas]"
        doctor.wait_for_function(f"() => document.querySelector(\"{own}\").dataset.strokes === '0'")

        # the expert freezes the OR frame: a still copy of the doctor's camera under the marks
        tile.get_by_test_id("telestration-freeze").click()
        still = tile.get_by_test_id("telestration-still")
        still.wait_for(state="visible")
        assert still.evaluate(CANVAS_INK_JS) > 0, "the frozen frame is blank"
        tile.get_by_test_id("telestration-draw").click()
        canvas = tile.get_by_test_id("telestration-canvas")
        box = canvas.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.3
        expert.mouse.move(x0, y0)
        expert.mouse.down()
        expert.mouse.move(x0 + box["width"] * 0.4, y0 + box["height"] * 0.3, steps=15)
        expert.mouse.up()
        # a circle around the "lesion"
        cx, cy, r = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5, box["height"] * 0.15
        expert.mouse.move(cx + r, cy)
        expert.mouse.down()
        for i in range(1, 25):
            a = 2 * math.pi * i / 24
            expert.mouse.move(cx + r * math.cos(a), cy + r * math.sin(a))
        expert.mouse.up()

        # the OR screen (the doctor's own tile) shows both marks, drawn on its overlay
        doctor.wait_for_function(
            f"() => document.querySelector(\"{own}\").dataset.strokes === '2'", timeout=15_000
        )
        doctor.wait_for_function(
            f'() => {{ const c = document.querySelector("{own}"); return ({CANVAS_INK_JS})(c) > 50; }}',
            timeout=10_000,
        )
        ink = doctor.locator(own).evaluate(CANVAS_INK_JS)
        assert (
            _strokes(
                expert, f"[data-testid=video-tile][data-key='{doctor_id}'] [data-testid=telestration-canvas]"
            )
            == 2
        )
        assert tile.get_by_test_id("telestration-canvas").evaluate(CANVAS_INK_JS) > 50
        print(f"telestration: 2 strokes, {ink} inked pixels on the OR screen's own tile")
        shot(doctor, "consult-telestration-or-screen")
        shot(expert, "consult-telestration-expert")
        # unfreezing returns the expert to the live picture; the marks stay
        tile.get_by_test_id("telestration-freeze").click()
        still.wait_for(state="hidden")
        assert (
            _strokes(
                expert, f"[data-testid=video-tile][data-key='{doctor_id}'] [data-testid=telestration-canvas]"
            )
            == 2
        )

        # a late joiner (a reload of the OR screen) gets the marks from the snapshot
        doctor.reload()
        doctor.get_by_test_id("consult-room").wait_for()
        doctor.wait_for_function(
            f"() => document.querySelector(\"{own}\")?.dataset.strokes === '2'", timeout=20_000
        )

        # clear removes them on every screen, and the overlay is blank again
        tile.get_by_test_id("telestration-clear").click()
        doctor.wait_for_function(
            f"() => document.querySelector(\"{own}\").dataset.strokes === '0'", timeout=15_000
        )
        doctor.wait_for_function(
            f'() => ({CANVAS_INK_JS})(document.querySelector("{own}")) === 0', timeout=10_000
        )
        assert tile.get_by_test_id("telestration-canvas").evaluate(CANVAS_INK_JS) == 0
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_colleague_joins_as_the_third_participant(server, browser, consultation):
    # the requester invites a county colleague (曾长贵, dept head at 青石县) from the consultation page
    doctor_headers = _api_login(server, "doctor")
    colleague_id = httpx.get(f"{server}/api/v1/auth/me", headers=_api_login(server, "head_qs"), timeout=30).json()["id"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 950})
    try:
        page = ctx.new_page()
        login(page, server, "doctor")
        page.goto(f"{server}/consultations/{consultation}")
        page.get_by_test_id("consult-action-invite").click()
        page.get_by_test_id("consult-invite-institution").click()
        page.locator(".el-select-dropdown__item:visible", has_text="青石县").first.click()
        page.get_by_test_id("consult-invite-person").click()
        page.locator(".el-select-dropdown__item:visible", has_text="曾长贵").first.click()
        page.get_by_test_id("consult-dialog-submit").click()
        page.locator('[data-testid="consult-participant"][data-role="colleague"]', has_text="曾长贵").wait_for()
        page.wait_for_timeout(500)  # the dialog has faded out
        shot(page, "consult-invite-colleague")
    finally:
        ctx.close()
    detail = httpx.get(
        f"{server}/api/v1/consultations/{consultation}", headers=doctor_headers, timeout=30
    ).json()
    assert any(p["user_id"] == colleague_id and p["role"] == "colleague" for p in detail["participants"])

    contexts: list = []
    try:
        pages = {
            u: _enter(browser, server, u, consultation, contexts) for u in ("doctor", "expert", "head_qs")
        }
        for page in pages.values():
            _wait_participants(page, 3)
        for user, page in pages.items():
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('[data-testid=video-remote]')]"
                    ".filter(v => v.videoWidth > 0 && v.readyState >= 2).length === 2",
                    timeout=60_000,
                )
            except Exception:
                for u, p in pages.items():
                    print(u, _tiles(p))
                    if p.evaluate("() => !!window.__log"):
                        print(
                            u,
                            p.evaluate(
                                "() => window.__pcs.map(pc => [pc.signalingState, pc.iceConnectionState, pc.iceGatheringState])"
                            ),
                        )
                        print("\n".join(p.evaluate("() => window.__log")))
                raise
            videos = page.get_by_test_id("video-remote")
            assert videos.count() == 2
            for i in range(2):
                assert videos.nth(i).evaluate(PLAYING_JS), f"{user}: remote video {i} is not playing"
            roles = sorted(
                page.locator("[data-testid=room-participant]").evaluate_all(
                    "els => els.map(e => e.dataset.role)"
                )
            )
            assert roles == ["colleague", "expert", "requester"], roles
            print(f"{user} sees 3 participants and 2 remote videos playing")
        shot(pages["head_qs"], "consult-room-three-colleague")
        shot(pages["doctor"], "consult-room-three-doctor")
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_dropped_follower_reconnects_to_the_presenters_current_state(server, browser, consultation):
    contexts: list = []
    try:
        doctor = _enter(browser, server, "doctor", consultation, contexts)
        expert = _enter(browser, server, "expert", consultation, contexts, init_script=WS_HOOK)
        for page in (doctor, expert):
            _wait_participants(page, 2)
        _wait_viewport(doctor)
        _wait_viewport(expert)
        _take_presenter(doctor, [expert])
        doctor.get_by_test_id("room-preset-soft").click()
        _wait_same_voi(expert, 400, 40)
        before = f"重连前的消息 {id(doctor)}"
        doctor.get_by_test_id("chat-input").fill(before)
        doctor.get_by_test_id("chat-send").click()
        expert.locator("[data-testid=chat-message-body]", has_text=before).wait_for(timeout=15_000)
        chat_before = expert.get_by_test_id("chat-message-body").count()

        # drop the expert's socket and keep reconnect attempts failing for now
        expert.evaluate("() => { window.__blockWs = true; for (const s of window.__sockets) s.close(); }")
        expert.get_by_test_id("room-reconnecting").wait_for(timeout=10_000)
        shot(expert, "consult-room-reconnecting")

        # meanwhile the presenter keeps working: presets, a drag, and a chat message
        doctor.get_by_test_id("room-preset-bone").click()
        doctor.get_by_test_id("room-tool-windowLevel").click()
        cx, cy = _viewport_center(doctor)
        doctor.mouse.move(cx, cy)
        doctor.mouse.down()
        doctor.mouse.move(cx - 60, cy + 40, steps=8)
        doctor.mouse.up()
        doctor.wait_for_timeout(300)
        ww, wc = _voi(doctor)
        assert (ww, wc) != (2000.0, 500.0)
        during = f"断线期间的消息 {id(expert)}"
        doctor.get_by_test_id("chat-input").fill(during)
        doctor.get_by_test_id("chat-send").click()
        doctor.locator("[data-testid=chat-message-body]", has_text=during).wait_for(timeout=15_000)
        # still dropped: the expert has not seen any of it
        assert expert.get_by_test_id("room-reconnecting").is_visible()
        assert _voi(expert) == (400.0, 40.0)

        # the network comes back: the banner goes, the missed events are applied in order
        expert.evaluate("() => { window.__blockWs = false; }")
        expert.get_by_test_id("room-reconnecting").wait_for(state="detached", timeout=45_000)
        _wait_same_voi(expert, ww, wc)
        print(f"after the reconnect the expert shows W/L {_voi(expert)} = the presenter's {(ww, wc)}")
        expert.locator("[data-testid=chat-message-body]", has_text=during).wait_for(timeout=15_000)
        bodies = expert.get_by_test_id("chat-message-body").all_inner_texts()
        assert sum(before in b for b in bodies) == 1 and sum(during in b for b in bodies) == 1, bodies
        assert len(bodies) == chat_before + 1
        # the follower is live again: the next change arrives directly
        doctor.get_by_test_id("room-preset-soft").click()
        _wait_same_voi(expert, 400, 40)
        shot(expert, "consult-room-reconnected")
    finally:
        for ctx in contexts:
            ctx.close()


def test_arrow_and_freehand_annotations_reach_the_follower(server, browser, consultation):
    contexts: list = []
    try:
        doctor = _enter(browser, server, "doctor", consultation, contexts)
        expert = _enter(browser, server, "expert", consultation, contexts)
        for page in (doctor, expert):
            _wait_participants(page, 2)
        _wait_viewport(doctor)
        _wait_viewport(expert)
        _take_presenter(doctor, [expert])
        cx, cy = _viewport_center(doctor)

        # an arrow with a note
        note = f"L4/5 狭窄 {id(doctor) % 1000}"
        doctor.get_by_test_id("room-tool-arrow").click()
        doctor.mouse.move(cx - 80, cy - 60)
        doctor.mouse.down()
        doctor.mouse.move(cx - 10, cy - 5, steps=10)
        doctor.mouse.up()
        box = doctor.locator(".room-arrow-text")
        box.wait_for(timeout=10_000)
        box.locator("input").fill(note)
        box.locator(".el-button--primary").click()
        row = expert.locator('[data-testid="room-annotation-row"][data-tool="arrow"]', has_text=note)
        row.wait_for(timeout=15_000)
        # the follower's Cornerstone draws the arrow with its note on the image
        expert.wait_for_function(
            "note => [...document.querySelectorAll('[data-testid=room-viewer] [data-testid=viewport-0] svg text')]"
            ".some(t => t.textContent.includes(note))",
            arg=note,
            timeout=15_000,
        )

        # a free-hand outline
        doctor.locator(".room-arrow-text").wait_for(state="hidden")  # the note prompt's overlay is gone
        doctor.get_by_test_id("room-tool-freehand").click()
        # lower right, clear of the arrow above and of the Cobb angle an earlier test of this module left in the
        # shared room (a mouse-down on its line grabs that annotation instead of starting a new outline)
        r, ox, oy = 35, cx + 90, cy + 130
        doctor.mouse.move(ox + r, oy)
        doctor.mouse.down()
        for i in range(1, 31):
            a = 2 * math.pi * i / 30
            doctor.mouse.move(ox + r * math.cos(a), oy + r * math.sin(a))
            # one move per frame: on a loaded machine Chromium coalesces moves sent faster than it paints, and a
            # contour left with a handful of points is not a free-hand outline
            doctor.wait_for_timeout(20)
        doctor.mouse.up()
        # the presenter's own list has it first (a failure here is the drawing, not the fan-out)
        try:
            doctor.locator('[data-testid="room-annotation-row"][data-tool="freehand"]').first.wait_for(timeout=15_000)
        except Exception:
            shot(doctor, "consult-room-freehand-failed-doctor")
            raise
        free = expert.locator('[data-testid="room-annotation-row"][data-tool="freehand"]')
        free.first.wait_for(timeout=15_000)
        # and Cornerstone on the follower draws it (a polyline/path in its SVG layer with many points)
        expert.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=room-viewer] [data-testid=viewport-0] svg polyline, "
            "[data-testid=room-viewer] [data-testid=viewport-0] svg path')]"
            ".some(e => (e.getAttribute('points') || e.getAttribute('d') || '').length > 100)",
            timeout=15_000,
        )
        shot(doctor, "consult-room-arrow-doctor")
        shot(expert, "consult-room-arrow-expert")
        # the presenter's own list has them too
        doctor.locator('[data-testid="room-annotation-row"][data-tool="arrow"]', has_text=note).wait_for()
    finally:
        for ctx in contexts:
            ctx.close()
