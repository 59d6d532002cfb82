"""The browser half of tests/e2e/test_consultation_room_janus.py; runs INSIDE the media network namespace.

Janus only works with clients inside its namespace (tests/media/engines.py), so the Osteon server, this script
and its Chromium all run there: ``nsenter --net=<ns> .venv/bin/python tests/e2e/janus_room_browser.py`` with
JSON arguments on stdin (``base``, ``admin_url``, ``admin_secret``). The demo users ``doctor`` and ``expert``
open the demo consultation's room in two Chromium contexts; the script records what it observed — the
``/room/join`` answers the pages received, the ``data-backend`` of each room, each page's remote <video>
(key, size, whether it plays), the VideoRoom's participants from Janus's Admin API — and prints it as one
JSON line. The assertions are in the test. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sys
import time
import traceback
from typing import Any

import httpx

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, shot
from tests.e2e.test_consultation_room import PLAYING_JS, _api_login
from tests.e2e.test_patients_flow import login

# the remote <video> of the other participant: its tile key, size, and whether it plays (currentTime advances)
REMOTE_JS = """async () => {
  const v = document.querySelector('[data-testid=video-remote]');
  if (!v) return null;
  const t0 = v.currentTime;
  await new Promise(r => setTimeout(r, 700));
  return {key: v.dataset.key, width: v.videoWidth, height: v.videoHeight, t0, t1: v.currentTime, paused: v.paused,
          remotes: document.querySelectorAll('[data-testid=video-remote]').length};
}"""


def _wait_healthy(base: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not become healthy")
        time.sleep(0.2)


def _demo_consultation(base: str) -> str:
    """The demo consultation about 王建国 (doctor → expert, accepted for today)."""
    headers = _api_login(base, "doctor")
    r = httpx.get(f"{base}/api/v1/consultations", params={"role": "requested"}, headers=headers, timeout=30)
    r.raise_for_status()
    demo = [c for c in r.json()["items"] if c["patient"]["name"] == "王建国" and c["status"] in ("accepted", "in_session")]
    if not demo:
        raise RuntimeError(f"no demo consultation: {r.json()}")
    return demo[0]["id"]


def _participants(admin_url: str, admin_secret: str, room: int) -> list[dict[str, Any]]:
    """The VideoRoom's participants, from Janus's Admin API (``listparticipants`` via ``message_plugin``)."""
    r = httpx.post(admin_url, timeout=10, json={
        "janus": "message_plugin", "plugin": "janus.plugin.videoroom", "transaction": secrets.token_hex(6),
        "admin_secret": admin_secret, "request": {"request": "listparticipants", "room": room}})
    r.raise_for_status()
    data = r.json().get("response", {})
    if data.get("videoroom") != "participants":
        raise RuntimeError(f"listparticipants: {r.json()}")
    return data["participants"]


def run(args: dict[str, Any], out: dict[str, Any]) -> None:
    """Fill ``out`` with what was observed (partially, when something fails)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    base = args["base"]
    t0 = time.monotonic()
    _wait_healthy(base)
    out["server_ready_s"] = round(time.monotonic() - t0, 1)
    consultation_id = _demo_consultation(base)
    out["consultation_id"] = consultation_id

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages: dict[str, Any] = {}
        try:
            for user in ("doctor", "expert"):
                ctx = browser.new_context(locale="zh-CN", viewport={"width": 1600, "height": 950})
                page = ctx.new_page()
                page.on("console", lambda m, u=user: m.type in ("error", "warning")
                        and out["console"].append(f"[{u}] {m.text}"[:300]))

                def on_response(resp, u=user) -> None:
                    if resp.request.method == "POST" and resp.url.endswith("/room/join"):
                        try:
                            out["joins"].setdefault(u, []).append({"status": resp.status, "body": resp.json()})
                        except Exception as exc:  # noqa: BLE001 - recorded, asserted by the test
                            out["joins"].setdefault(u, []).append({"status": resp.status, "error": str(exc)})

                page.on("response", on_response)
                login(page, base, user)
                out["me"][user] = page.evaluate("async () => (await (await fetch('/api/v1/auth/me')).json()).id")
                pages[user] = page

            # both open the consultation and enter the room from its page
            for user, page in pages.items():
                page.goto(f"{base}/consultations/{consultation_id}")
                page.get_by_test_id("consult-detail").wait_for()
                page.get_by_test_id("consult-enter-room").click()
                page.wait_for_url(re.compile(r"/consultations/[0-9a-f-]+/room$"))
                page.get_by_test_id("consult-room").wait_for()
            t_room = time.monotonic()

            # each sees the other's camera (Chromium's fake device) playing, through the VideoRoom
            for user, page in pages.items():
                page.wait_for_function("() => { const v = document.querySelector('[data-testid=video-remote]');"
                                       " return v && v.videoWidth > 0 && v.readyState >= 2; }", timeout=45_000)
            out["video_after_s"] = round(time.monotonic() - t_room, 1)
            for user, page in pages.items():
                out["backend"][user] = page.get_by_test_id("consult-room").get_attribute("data-backend")
                remote = page.evaluate(REMOTE_JS)
                remote["playing"] = page.get_by_test_id("video-remote").first.evaluate(PLAYING_JS)
                out["remote"][user] = remote

            # the network-quality badge of the other's tile comes from the subscriber connection's statistics
            for user, page in pages.items():
                with contextlib.suppress(PlaywrightTimeout):  # what the badge shows is recorded and asserted
                    page.wait_for_function("() => { const q = document.querySelector("
                                           "'[data-testid=video-tile][data-local=false] [data-testid=tile-quality]');"
                                           " return q && q.dataset.quality !== 'unknown'; }", timeout=15_000)
                out["remote"][user]["quality"] = page.evaluate(
                    "() => document.querySelector('[data-testid=video-tile][data-local=false]"
                    " [data-testid=tile-quality]')?.dataset.quality ?? null")

            # while both are in the room: who does Janus say is in it?
            room = out["joins"]["doctor"][-1]["body"]["media"]["janus"]["room"]
            out["janus_participants"] = _participants(args["admin_url"], args["admin_secret"], room)

            for user, page in pages.items():
                shot(page, f"consult-room-janus-{user}")
        finally:
            if "janus_participants" not in out:  # failed: keep what each page showed
                for user, page in pages.items():
                    with contextlib.suppress(Exception):  # best effort: the failure is reported anyway
                        shot(page, f"consult-room-janus-{user}-failed")
            browser.close()
    out["total_s"] = round(time.monotonic() - t0, 1)


def main() -> None:
    args = json.loads(sys.stdin.read() or "{}")
    out: dict[str, Any] = {"joins": {}, "backend": {}, "remote": {}, "me": {}, "console": []}
    try:
        run(args, out)
    except Exception:  # noqa: BLE001 - reported to the test as JSON, which fails with it
        out["error"] = traceback.format_exc()[-4000:]
    print(json.dumps(out, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
