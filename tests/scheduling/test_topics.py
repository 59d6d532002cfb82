"""The queue over the WebSocket hub (real uvicorn, real client): staff queue, waiting-room display, patient phone."""

from __future__ import annotations

import json
from datetime import date

from osteon.kit.masking import mask_name
from tests.realtime.wsutil import connect, recv, recv_until, send, serve
from tests.scheduling.helpers import fast_user, headers, make_clinic, patients

API = "/api/v1/scheduling"


def tok(who: tuple[str, str]) -> str:
    """The token of a fast user."""
    return who[1][6:]


async def test_queue_topics_snapshot_then_live_updates_after_call_next(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    ps = await patients(db, app, clinic.world, 5, birth_date=date(1975, 6, 1))
    hn = await headers(client, clinic.nurse)
    ids = []
    for p in ps:
        r = await client.post(f"{API}/registrations", json={"session_id": str(clinic.session_id), "patient_id": str(p.id)}, headers=hn)
        ids.append(r.json()["id"])
    me = await fast_user(db, clinic.world, "patient", department=None, patient_id=ps[2].id)
    staff_topic = f"queue:{clinic.doctor_id}:{clinic.day.isoformat()}"
    display_topic = f"queue-display:{clinic.world.ortho.id}"  # the parent department's screen shows its units
    mine = f"queue-patient:{ids[2]}"
    async with serve(app) as addr:
        nurse_ws = await connect(addr, tok(clinic.nurse))
        await send(nurse_ws, op="subscribe", topic=staff_topic)
        await send(nurse_ws, op="subscribe", topic=display_topic)
        snap = await recv(nurse_ws)
        assert snap["op"] == "snapshot" and snap["topic"] == staff_topic
        [sess] = snap["data"]["sessions"]
        assert [w["appointment_id"] for w in sess["waiting"]] == ids and sess["current"] is None
        board = await recv(nurse_ws)
        assert board["op"] == "snapshot" and board["topic"] == display_topic
        assert [n["name"] for n in board["data"]["sessions"][0]["next"]] == [mask_name(p.name) for p in ps]

        phone = await connect(addr, tok(me))
        await send(phone, op="subscribe", topic=mine)
        pos = await recv(phone)
        assert pos["data"]["ahead"] == 2 and pos["data"]["eta_minutes"] == 2 * 15 and pos["data"]["your_turn"] is False
        await send(phone, op="subscribe", topic=f"queue-patient:{ids[0]}")
        assert (await recv(phone))["code"] == "not_found"  # someone else's appointment
        await send(phone, op="subscribe", topic=staff_topic)
        assert (await recv(phone))["code"] == "forbidden"

        hd = await headers(client, clinic.doctor)
        for _ in range(2):
            await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=hd)
            await client.post(f"{API}/queues/{clinic.session_id}/complete", headers=hd)
        called = await client.post(f"{API}/queues/{clinic.session_id}/call-next", headers=hd)
        assert called.json()["id"] == ids[2]

        frames = await recv_until(nurse_ws, lambda f: f.get("topic") == staff_topic and f.get("event") == "queue.called"
                                  and f["data"]["current"] and f["data"]["current"]["appointment_id"] == ids[2])
        staff_seqs = [f["seq"] for f in frames if f.get("topic") == staff_topic]
        assert staff_seqs == sorted(staff_seqs) and len(set(staff_seqs)) == len(staff_seqs)
        display_frames = [f for f in frames if f.get("topic") == display_topic]
        assert display_frames and all(p.name not in json.dumps(f, ensure_ascii=False) for f in display_frames for p in ps)
        turn = await recv_until(phone, lambda f: f.get("op") == "event" and f["data"]["your_turn"])
        assert turn[-1]["data"]["ahead"] is None and turn[-1]["data"]["calling_queue_no"] == 3
        assert [f["data"]["ahead"] for f in turn[:-1]] == sorted([f["data"]["ahead"] for f in turn[:-1]], reverse=True)
        inbox = (await client.get("/api/v1/notifications", headers=await headers(client, me))).json()
        assert "your_turn" in {n["event_code"] for n in inbox["items"]}  # never 3 ahead: no queue_near
        for ws in (nurse_ws, phone):
            await ws.close()


async def test_staff_of_another_hospital_cannot_watch_the_queue(client, app, db, settings):
    clinic = await make_clinic(db, app, settings)
    other = await make_clinic(db, app, settings)
    async with serve(app) as addr:
        ws = await connect(addr, tok(other.nurse))
        await send(ws, op="subscribe", topic=f"queue:{clinic.doctor_id}:{clinic.day.isoformat()}")
        assert (await recv(ws))["code"] == "not_found"
        await send(ws, op="subscribe", topic=f"queue-display:{clinic.world.ortho.id}")
        assert (await recv(ws))["code"] == "not_found"
        await send(ws, op="subscribe", topic=f"queue:{clinic.doctor_id}:2026-13-45")
        assert (await recv(ws))["code"] == "not_found"
        await ws.close()
