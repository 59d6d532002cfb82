"""Notifications API (inbox, read, preferences), templates, and the in-app push on the WebSocket hub."""

from __future__ import annotations

import uuid

import pytest

from osteon.notifications import service, templates
from osteon.notifications.service import Recipient
from tests.factories import make_patient, make_world
from tests.realtime.wsutil import connect, recv, send, serve
from tests.scheduling.helpers import fast_user, headers

EVENTS = ["booking_confirmed", "queue_near", "your_turn", "order_to_pay", "exam_scheduled", "results_ready",
          "surgery_scheduled", "bed_ready", "discharge_instructions"]
EVENTS += [f"consultation_{e}" for e in ("requested", "assigned", "accepted", "declined", "time_proposed", "cancelled",
                                          "reported", "sla_due", "sla_breached", "starting")]  # issue 6, staff in-app


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_event_has_a_template_in_both_languages(lang):
    assert sorted(templates.events()) == sorted(EVENTS)
    for code in EVENTS:
        title, body = templates.render(code, lang, {"patient_name": "王建国"})
        assert title and "王建国" in body and "{" not in body


def test_urgent_events_are_the_time_critical_ones():
    assert {c for c, e in templates.events().items() if e.urgent} == {"queue_near", "your_turn", "bed_ready"}


async def _me(db, app):
    world = await make_world(db)
    p = await make_patient(db, app.state.cipher, world)
    return world, p, await fast_user(db, world, "patient", department=None, patient_id=p.id)


async def test_inbox_lists_marks_read_and_hides_other_peoples_messages(client, app, db):
    world, p, me = await _me(db, app)
    async with db.transaction() as s:
        for code in ("booking_confirmed", "results_ready"):
            await service.notify(s, Recipient(patient_id=p.id), code, {"patient_name": p.name, "report": "血常规"})
    h = await headers(client, me)
    inbox = (await client.get("/api/v1/notifications", headers=h)).json()
    assert inbox["total"] == 2 and inbox["unread"] == 2
    first = inbox["items"][0]["id"]
    r = await client.post(f"/api/v1/notifications/{first}/read", headers=h)
    assert r.status_code == 200 and r.json()["read_at"]
    assert (await client.get("/api/v1/notifications", params={"unread_only": True}, headers=h)).json()["total"] == 1
    assert (await client.post("/api/v1/notifications/read-all", headers=h)).json() == {"updated": 1}
    other = await fast_user(db, world, "nurse")
    ho = await headers(client, other)
    assert (await client.post(f"/api/v1/notifications/{first}/read", headers=ho)).status_code == 404
    assert (await client.get(f"/api/v1/notifications/{first}/deliveries", headers=ho)).status_code == 404
    log = (await client.get(f"/api/v1/notifications/{first}/deliveries", headers=h)).json()
    assert [d["channel"] for d in log] == ["sms"]
    assert (await client.post(f"/api/v1/notifications/{uuid.uuid4()}/read", headers=h)).status_code == 404


async def test_preferences_round_trip_with_optimistic_version(client, app, db):
    _, _, me = await _me(db, app)
    h = await headers(client, me)
    assert (await client.get("/api/v1/notifications/preferences", headers=h)).json()["version"] == 0
    body = {"sms": False, "email": False, "muted_events": ["booking_confirmed"], "quiet_start": "21:30", "quiet_end": "06:30",
            "language": "en", "version": 0}
    r = await client.put("/api/v1/notifications/preferences", json=body, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["quiet_start"] == "21:30"
    stale = await client.put("/api/v1/notifications/preferences", json=body, headers=h)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    bad = await client.put("/api/v1/notifications/preferences", json={**body, "quiet_start": "25:00", "version": 1}, headers=h)
    assert bad.status_code == 422
    bad = await client.put("/api/v1/notifications/preferences", json={**body, "muted_events": ["nope"], "version": 1}, headers=h)
    assert bad.status_code == 422


async def test_muted_events_and_sms_off_skip_sms_but_keep_in_app(client, app, db):
    _, p, me = await _me(db, app)
    h = await headers(client, me)
    await client.put("/api/v1/notifications/preferences", json={"sms": True, "muted_events": ["results_ready"], "version": 0}, headers=h)
    async with db.transaction() as s:
        [n] = await service.notify(s, Recipient(patient_id=p.id), "results_ready", {"patient_name": p.name})
        nid = n.id
    assert (await client.get(f"/api/v1/notifications/{nid}/deliveries", headers=h)).json() == []
    inbox = (await client.get("/api/v1/notifications", headers=h)).json()
    assert inbox["items"][0]["language"] == "zh-CN"


async def test_in_app_notifications_are_pushed_on_the_users_topic(client, app, db):
    world, p, me = await _me(db, app)
    async with db.sessionmaker() as s:
        from sqlalchemy import select

        from osteon.security.models import User

        user_id = (await s.execute(select(User.id).where(User.username == me[0]))).scalar_one()
    async with serve(app) as addr:
        ws = await connect(addr, me[1][6:])
        await send(ws, op="subscribe", topic=f"notifications:{user_id}")
        snap = await recv(ws)
        assert snap["op"] == "snapshot" and snap["data"]["unread"] == 0
        async with db.transaction() as s:
            await service.notify(s, Recipient(user_id=user_id), "surgery_scheduled", {"patient_name": p.name, "procedure": "TKA"})
        ev = await recv(ws)
        assert ev["event"] == "notification.new" and ev["data"]["event_code"] == "surgery_scheduled" and ev["seq"] == 1
        other = await fast_user(db, world, "nurse")
        ws2 = await connect(addr, other[1][6:])
        await send(ws2, op="subscribe", topic=f"notifications:{user_id}")
        assert (await recv(ws2))["code"] == "not_found"
        await ws.close()
        await ws2.close()
