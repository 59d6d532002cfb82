"""The bed board over /ws: a nurse subscribes to beds:<ward_id>, gets the snapshot, then the bed change."""

from __future__ import annotations

from tests.inpatient.test_beds import _admit, _beds
from tests.orders.clinic import make_clinic, make_ward
from tests.realtime.wsutil import connect, recv, recv_until, send, serve


async def test_bed_board_snapshot_then_live_change_over_websocket(client, app, db, settings):
    """Snapshot with the ward's beds, then the admission's bed.changed event with a higher seq."""
    c = await make_clinic(app, db, settings, client)
    ward = await make_ward(db, c)
    [bed] = await _beds(client, c, ward, "01", ["1"])
    token = c.h("nurse")["Authorization"].split()[1]
    async with serve(app) as addr:
        ws = await connect(addr, token)
        try:
            await send(ws, op="subscribe", topic=f"beds:{ward}")
            snap = await recv(ws)
            assert snap["op"] == "snapshot" and snap["data"]["beds"][0]["state"] == "free"
            assert (await _admit(client, c, ward, c.patient_id, bed)).status_code == 201
            frames = await recv_until(ws, lambda f: f.get("event") == "bed.changed")
            event = frames[-1]
            assert event["data"]["state"] == "occupied" and event["seq"] > snap["seq"]
        finally:
            await ws.close()
    other = await make_clinic(app, db, settings, client, roles=("nurse",), fresh=True)
    async with serve(app) as addr:
        ws = await connect(addr, other.h("nurse")["Authorization"].split()[1])
        try:
            await send(ws, op="subscribe", topic=f"beds:{ward}")
            assert (await recv(ws))["op"] == "error"  # another hospital's ward looks like a missing one
        finally:
            await ws.close()
