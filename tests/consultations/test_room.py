"""The consultation room on /ws: access, presence, the presenter rule, validation, snapshot and resume —
through a real uvicorn server and real WebSocket clients (memory broker; Redis in tests/realtime)."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from osteon.consultations import room as roommod
from osteon.kit.models import utcnow
from osteon.realtime import interactive as ia
from osteon.realtime.router import _Connection
from osteon.security.models import AccessGrant, AuditEvent
from tests.consultations.roomkit import make_room, person
from tests.factories import make_world
from tests.realtime.wsutil import connect, recv, recv_until, send, serve

VOI = {"voi": {"windowWidth": 400, "windowCenter": 40}}
SERIES = {"studyUid": "1.2.840.1", "seriesUid": "1.2.840.1.2", "imageIndex": 12}
COBB = {"uid": "cobb-1", "tool": "cobb", "seriesUid": "1.2.840.1.2", "sopUid": "1.2.840.1.2.3", "label": "Cobb 23°",
        "points": [[0, 0, 0], [10, 2, 0], [0, 30, 0], [10, 28, 0]]}


async def join(addr: str, token: str, topic: str, since: int | None = None):
    """Open a socket, subscribe, return (ws, first frame)."""
    ws = await connect(addr, token)
    frame = {"op": "subscribe", "topic": topic} | ({"since": since} if since is not None else {})
    await ws.send(json.dumps(frame))
    return ws, await recv(ws)


async def pub(ws, topic: str, event: str, data: dict | None = None, ref: str | None = None) -> None:
    """Publish one client event."""
    await send(ws, op="publish", topic=topic, event=event, data=data or {}, **({"ref": ref} if ref else {}))


async def next_event(ws, event: str) -> dict:
    """Skip frames until ``event``."""
    return (await recv_until(ws, lambda f: f.get("event") == event))[-1]


async def test_requester_and_expert_join_and_see_each_other(app, db):
    r = await make_room(db, app)
    async with serve(app) as addr:
        wa, snap_a = await join(addr, r.requester.token, r.topic)
        assert snap_a["op"] == "snapshot" and snap_a["topic"] == r.topic
        assert [p["user_id"] for p in snap_a["data"]["participants"]] == [r.requester.user_id]
        assert snap_a["data"]["participants"][0]["role"] == "requester"
        assert snap_a["data"]["presenter"] is None and snap_a["data"]["viewer"] is None
        assert snap_a["data"]["chat"] == []
        wb, snap_b = await join(addr, r.expert.token, r.topic)
        assert {p["user_id"]: p["role"] for p in snap_b["data"]["participants"]} == {
            r.requester.user_id: "requester", r.expert.user_id: "expert"}
        joined = await recv(wa)
        assert joined["event"] == "presence.join" and joined["seq"] == snap_b["seq"]
        assert joined["data"]["user_id"] == r.expert.user_id and joined["data"]["role"] == "expert"
        await wa.close()
        await wb.close()


async def test_stranger_and_other_institution_user_are_refused_and_audited(app, db):
    r = await make_room(db, app)
    stranger = await person(db, r.provincial, "expert")  # same hospital as the expert, not in this consultation
    outsider = await person(db, await make_world(db), "doctor")
    async with serve(app) as addr:
        for p in (stranger, outsider):
            ws, frame = await join(addr, p.token, r.topic)
            assert frame == {"op": "error", "code": "not_found", "message": "no such topic", "topic": r.topic}
            await pub(ws, r.topic, "presenter.take", ref="x1")
            assert (await recv(ws))["code"] == "not_found"
            await ws.close()
        # an unknown consultation looks the same
        ws, frame = await join(addr, stranger.token, "consult:00000000-0000-0000-0000-000000000000")
        assert frame["code"] == "not_found"
        await ws.close()
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditEvent).where(AuditEvent.action == "consultation.room.subscribe",
                                                         AuditEvent.resource_id == str(r.id)))).scalars().all()
    denied = [(str(a.user_id), a.outcome, a.patient_id) for a in rows]
    assert denied.count((stranger.user_id, "denied", r.patient_id)) == 2  # the subscribe and the publish
    assert denied.count((outsider.user_id, "denied", r.patient_id)) == 2


async def test_expert_whose_grant_was_revoked_cannot_join(app, db):
    r = await make_room(db, app)
    async with db.transaction() as s:
        g = (await s.execute(select(AccessGrant).where(AccessGrant.consultation_id == r.id,
                                                       AccessGrant.grantee_id == uuid.UUID(r.expert.user_id)))).scalar_one()
        g.revoked_at = utcnow()
    async with serve(app) as addr:
        ws, frame = await join(addr, r.expert.token, r.topic)
        assert frame["code"] == "not_found"
        await ws.close()


async def test_only_the_presenter_moves_the_shared_viewer(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        wb, _ = await join(addr, r.expert.token, t)
        await next_event(wa, "presence.join")
        await pub(wb, t, "viewer.voi.set", VOI, ref="b1")
        err = await recv(wb)
        assert err == {"op": "error", "code": "forbidden", "topic": t, "ref": "b1",
                       "message": "only the presenter can change the shared viewer; take the presenter role first"}
        await pub(wb, t, "presenter.take", ref="b2")
        took_b = await recv(wb)
        took_a = await recv(wa)  # the refused event never reached the requester
        assert took_a == took_b and took_a["event"] == "presenter.take" and took_a["ref"] == "b2"
        assert took_a["data"] == {"presenter": r.expert.user_id, "by": r.expert.user_id}
        await pub(wb, t, "viewer.series.select", SERIES)
        await pub(wb, t, "viewer.voi.set", VOI)
        sel, voi = await recv(wa), await recv(wa)
        assert (sel["event"], sel["data"]["imageIndex"], voi["event"], voi["data"]) == (
            "viewer.series.select", 12, "viewer.voi.set", {**VOI, "by": r.expert.user_id})
        assert voi["seq"] == sel["seq"] + 1 == took_a["seq"] + 2
        await pub(wa, t, "viewer.image.index", {"imageIndex": 3}, ref="a1")
        assert (await recv(wa))["code"] == "forbidden"
        await pub(wa, t, "presenter.take")  # anyone may take the role over
        assert (await recv(wa))["data"]["presenter"] == r.requester.user_id
        await pub(wb, t, "pointer.move", {"x": 10, "y": 20}, ref="b3")
        frames = await recv_until(wb, lambda f: f.get("ref") == "b3")
        assert frames[-1]["op"] == "error" and frames[-1]["code"] == "forbidden"
        await wa.close()
        await wb.close()


BAD = [
    ("viewer.voi.set", {"voi": {"windowWidth": -5, "windowCenter": 40}}),  # out of range
    ("viewer.voi.set", {"voi": {"windowWidth": 400, "windowCenter": 40, "gamma": 2}}),  # unknown field
    ("viewer.image.index", {"imageIndex": True}),  # a boolean is not an index
    ("viewer.image.index", {"imageIndex": "7"}),
    ("viewer.camera.set", {"camera": {"zoom": 1e9}}),
    ("viewer.camera.set", {"camera": {}}),
    ("viewer.layout.set", {"layout": "3x3"}),
    ("viewer.series.select", {"studyUid": "1.2; DROP", "seriesUid": "1.2"}),
    ("annotation.add", {"annotation": {**COBB, "tool": "laser"}}),
    ("annotation.add", {"annotation": {**COBB, "points": [[0, 0, 0]] * 2001}}),
    ("annotation.add", {"annotation": {**COBB, "points": [[0, 0]]}}),
    ("annotation.update", {"annotation": {**COBB, "uid": "never-added"}}),  # out of order: no such annotation
    ("annotation.remove", {"uid": "never-added"}),
    ("pointer.move", {"x": 1, "y": 2, "z": 3}),
    ("telestration.add", {"target": "or-camera", "frame": "live", "id": "m1",
                          "strokes": [{"points": [[0.5, 1.5]]}]}),  # outside the frame
    ("media.state", {"camera": "yes", "mic": True}),
    ("signal", {"to": "not-a-user", "kind": "offer"}),
    ("chat.message", {"body": "server only"}),
    ("presence.join", {}),
    ("presenter.clear", {}),
    ("viewer.zoom", {"zoom": 2}),  # unknown event
]


async def test_bad_events_go_back_to_their_sender_only_and_others_keep_receiving(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        wb, _ = await join(addr, r.expert.token, t)
        await next_event(wa, "presence.join")
        await pub(wb, t, "presenter.take")
        await pub(wb, t, "viewer.series.select", SERIES)
        await pub(wb, t, "annotation.add", {"annotation": COBB})
        last = (await next_event(wa, "annotation.add"))["seq"]
        await next_event(wb, "annotation.add")
        for i, (event, data) in enumerate(BAD):
            await pub(wb, t, event, data, ref=f"bad{i}")
            err = await recv(wb)
            assert (err["op"], err["code"], err["ref"], err["topic"]) == ("error", "bad_request", f"bad{i}", t), (event, err)
            assert err["message"]
        await pub(wb, t, "annotation.add", {"annotation": COBB}, ref="dup")  # already there: out of order
        assert (await recv(wb))["message"].startswith("an annotation with this uid exists")
        # NaN and Infinity are valid Python JSON but not finite numbers
        await wb.send('{"op":"publish","topic":"TOPIC","event":"viewer.voi.set","ref":"nan",'
                      '"data":{"voi":{"windowWidth":NaN,"windowCenter":40}}}'.replace("TOPIC", t))
        assert (await recv(wb))["ref"] == "nan"
        await wb.send('{"op":"publish","topic":"TOPIC","event":"pointer.move","ref":"inf","data":{"x":Infinity,"y":0}}'
                      .replace("TOPIC", t))
        assert (await recv(wb))["ref"] == "inf"
        await send(wb, op="publish", topic=t, event="pointer.move", data={"x": 1, "y": 1}, ref="x" * 65)
        assert (await recv(wb))["code"] == "bad_request"
        await send(wb, op="publish", topic=t, event="pointer.move", data={"x": 1, "y": 1}, extra=1)
        assert (await recv(wb))["code"] == "bad_request"
        # the requester saw none of it; the next good event follows without a gap in seq
        await pub(wb, t, "viewer.image.index", {"imageIndex": 13})
        good = await recv(wa)
        assert (good["event"], good["seq"], good["data"]["imageIndex"]) == ("viewer.image.index", last + 1, 13)
        await wa.close()
        await wb.close()


async def test_late_joiner_snapshot_has_viewer_annotations_presence_and_media(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wb, _ = await join(addr, r.expert.token, t)
        await pub(wb, t, "presenter.take")
        await pub(wb, t, "viewer.series.select", SERIES)
        await pub(wb, t, "viewer.voi.set", VOI)
        await pub(wb, t, "viewer.camera.set", {"camera": {"zoom": 2.5, "rotation": -90}})
        await pub(wb, t, "viewer.invert.set", {"invert": True})
        await pub(wb, t, "annotation.add", {"annotation": COBB})
        await pub(wb, t, "annotation.add", {"annotation": {**COBB, "uid": "len-1", "tool": "length",
                                                           "points": [[0, 0, 0], [5, 5, 0]]}})
        await pub(wb, t, "annotation.update", {"annotation": {**COBB, "label": "Cobb 25°"}})
        await pub(wb, t, "annotation.remove", {"uid": "len-1"})
        await pub(wb, t, "pointer.move", {"x": 100, "y": 120})
        await pub(wb, t, "media.state", {"camera": True, "mic": False})
        mark = {"target": "or-camera", "frame": "frozen", "id": "m1",
                "strokes": [{"points": [[0.1, 0.2], [0.3, 0.4]], "color": "#00ff00", "width": 4}]}
        await pub(wb, t, "telestration.add", mark, ref="last")
        last = (await recv_until(wb, lambda f: f.get("ref") == "last"))[-1]
        wa, snap = await join(addr, r.requester.token, t)
        assert snap["seq"] == last["seq"] + 1  # the requester's own presence.join
        d = snap["data"]
        assert d["presenter"] == r.expert.user_id
        assert d["viewer"] == {"studyUid": "1.2.840.1", "seriesUid": "1.2.840.1.2", "imageIndex": 12,
                               "voi": {"windowWidth": 400.0, "windowCenter": 40.0},
                               "camera": {"zoom": 2.5, "pan": [0.0, 0.0], "rotation": 270, "flipH": False, "flipV": False},
                               "invert": True, "layout": "1x1", "visibleAnnotationUids": ["cobb-1"]}
        assert list(d["annotations"]) == ["cobb-1"] and d["annotations"]["cobb-1"]["label"] == "Cobb 25°"
        assert d["media"] == {r.expert.user_id: {"camera": True, "mic": False, "screen": False, "quality": "unknown"}}
        assert [m["id"] for m in d["telestration"]["or-camera"]] == ["m1"]
        assert d["telestration"]["or-camera"][0]["strokes"][0]["color"] == "#00ff00"
        assert sorted(p["user_id"] for p in d["participants"]) == sorted([r.requester.user_id, r.expert.user_id])
        await pub(wb, t, "telestration.clear", {"target": "or-camera"})
        assert (await recv(wa))["event"] == "telestration.clear"
        await wa.close()
        await wb.close()


async def test_resume_with_since_after_a_drop_gets_exactly_the_missed_events_in_order(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        wb, _ = await join(addr, r.expert.token, t)
        await next_event(wa, "presence.join")
        await pub(wa, t, "presenter.take")
        await pub(wa, t, "viewer.series.select", SERIES)
        seen_b = await next_event(wb, "viewer.series.select")
        await next_event(wa, "viewer.series.select")
        await wb.close()  # the drop
        assert (await recv(wa))["event"] == "presence.leave"
        for i in range(30):
            await pub(wa, t, "viewer.image.index", {"imageIndex": i})
        await pub(wa, t, "annotation.add", {"annotation": COBB})
        seen_a = await recv_until(wa, lambda f: f.get("event") == "annotation.add")
        wb, head = await join(addr, r.expert.token, t, since=seen_b["seq"])
        assert head == {"op": "resumed", "topic": t, "since": seen_b["seq"], "seq": head["seq"]}
        rejoin = await recv(wa)
        assert rejoin["event"] == "presence.join"
        missed = [await recv(wb) for _ in range(head["seq"] - seen_b["seq"])]
        assert [m["seq"] for m in missed] == list(range(seen_b["seq"] + 1, head["seq"] + 1))
        # exactly what the requester saw while the expert was away, then the expert's own re-join
        assert missed[1:-1] == seen_a and missed[0]["event"] == "presence.leave" and missed[-1] == rejoin
        await pub(wa, t, "viewer.image.index", {"imageIndex": 99})
        live = await recv(wb)
        assert (live["seq"], live["data"]["imageIndex"]) == (head["seq"] + 1, 99)  # no gap, no duplicate
        await wa.close()
        await wb.close()


async def test_presence_leave_waits_for_the_last_socket_and_a_leaving_presenter_clears_the_role(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        wb1, _ = await join(addr, r.expert.token, t)
        wb2, snap = await join(addr, r.expert.token, t)  # a second tab: no second join
        assert len(snap["data"]["participants"]) == 2
        assert (await recv(wa))["event"] == "presence.join"
        await pub(wb1, t, "presenter.take")
        assert (await recv(wa))["event"] == "presenter.take"
        await wb1.close()
        await pub(wb2, t, "media.state", {"camera": False, "mic": True})
        assert (await recv(wa))["event"] == "media.state"  # no presence.leave: the second tab is still there
        await send(wb2, op="unsubscribe", topic=t)
        leave, cleared = await recv(wa), await recv(wa)
        assert (leave["event"], leave["data"]) == ("presence.leave", {"user_id": r.expert.user_id})
        assert (cleared["event"], cleared["data"]) == ("presenter.clear", {"presenter": None, "reason": "left", "by": None})
        assert cleared["seq"] == leave["seq"] + 1
        wc, snap = await join(addr, r.colleague.token, t)
        assert snap["data"]["presenter"] is None and snap["data"]["media"] == {}
        assert sorted(p["user_id"] for p in snap["data"]["participants"]) == sorted([r.requester.user_id, r.colleague.user_id])
        for ws in (wa, wb2, wc):
            await ws.close()


async def test_signal_reaches_only_its_addressee_without_a_seq(app, db):
    r = await make_room(db, app)
    t = r.topic
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        wb, _ = await join(addr, r.expert.token, t)
        wc, _ = await join(addr, r.colleague.token, t)
        await recv_until(wa, lambda f: f.get("data", {}).get("user_id") == r.colleague.user_id)
        await recv_until(wb, lambda f: f.get("data", {}).get("user_id") == r.colleague.user_id)
        offer = {"type": "offer", "sdp": "v=0\r\n..."}
        await pub(wa, t, "signal", {"to": r.expert.user_id, "kind": "offer", "payload": offer}, ref="s1")
        got = await recv(wb)
        assert "seq" not in got and got["event"] == "signal" and got["ref"] == "s1"
        assert got["data"] == {"to": r.expert.user_id, "kind": "offer", "payload": offer, "by": r.requester.user_id}
        await pub(wa, t, "media.state", {"camera": True, "mic": True})
        for ws in (wa, wc):  # the sender and the third participant get the next stored event, not the signal
            assert (await recv(ws))["event"] == "media.state"
        await pub(wa, t, "signal", {"to": r.requester.user_id, "kind": "bye"}, ref="self")
        assert (await recv(wa))["code"] == "bad_request"
        for ws in (wa, wb, wc):
            await ws.close()


def test_rate_limit_lets_a_60_hz_pointer_through_and_stops_a_flood(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("osteon.realtime.router.time.monotonic", lambda: clock[0])
    conn = _Connection.__new__(_Connection)
    conn._buckets = {}
    spec = roommod.SPEC.interactive
    assert spec is not None
    passed = 0
    for _ in range(60 * 30):  # pointer.move and camera.set at 60 Hz each, for 30 s
        clock[0] += 1 / 60
        passed += conn._take_token("t", spec) + conn._take_token("t", spec)
    assert passed == 2 * 60 * 30
    refused = 0
    for _ in range(2000):  # a flood: 2000 events at 10 kHz
        clock[0] += 1 / 10_000
        refused += not conn._take_token("t", spec)
    assert refused > 1000


@pytest.mark.parametrize("event,data", [("viewer.voi.set", {"voi": None}), ("pointer.move", {"x": 0, "y": 0, "world": [1, 2, 3]})])
def test_presenter_events_are_conditional_on_being_the_presenter(event, data):
    ctx = ia.PublishContext("consult:x", None, type("A", (), {"user_id": "u1"})(), {}, event, data)  # type: ignore[arg-type]
    steps = roommod.on_publish(ctx)
    assert isinstance(steps, list)
    assert steps[0].when[0] == roommod._presenter("u1")


async def test_heartbeat_reaps_a_crashed_instances_user_and_rejoins_a_stalled_socket(app, db):
    r = await make_room(db, app)
    t = r.topic
    hub = app.state.hub
    async with serve(app) as addr:
        wa, _ = await join(addr, r.requester.token, t)
        # another instance had the expert in the room as presenter, then died: its entry is past its expiry
        state = hub.sequencer._state[t]
        state.presence[f"{r.expert.user_id}|deadbeef"] = 1.0
        state.fields[f"m:{r.expert.user_id}"] = json.dumps({"user_id": r.expert.user_id, "name": "x", "role": "expert",
                                                            "institution": "y"})
        state.fields["presenter"] = json.dumps(r.expert.user_id)
        await hub.heartbeat_once()
        leave, cleared = await recv(wa), await recv(wa)
        assert (leave["event"], leave["data"]) == ("presence.leave", {"user_id": r.expert.user_id})
        assert (cleared["event"], cleared["data"]["reason"]) == ("presenter.clear", "left")
        # this instance stalled past the TTL and someone reaped the requester's live socket: it joins again
        mine = next(k for k in state.presence if k.startswith(r.requester.user_id))
        del state.presence[mine]
        await hub.heartbeat_once()
        back = await recv(wa)
        assert (back["event"], back["data"]["user_id"]) == ("presence.join", r.requester.user_id)
        await wa.close()
