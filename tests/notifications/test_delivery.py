"""Notification delivery through a REAL local SMS gateway (HTTP) and a REAL local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from osteon.jobs import Job
from osteon.notifications import config, service
from osteon.notifications.config import NotifySettings
from osteon.notifications.models import Notification
from osteon.notifications.service import Recipient, quiet_until
from tests.factories import make_patient, make_world, phone
from tests.scheduling.helpers import fast_user, headers


class Gateway:
    """A tiny SMS gateway on 127.0.0.1 that records POSTs and answers 503 for the first ``fail`` of them."""

    def __init__(self, fail: int = 0) -> None:
        """Start on a free port."""
        self.fail, self.received, self.calls = fail, [], 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.calls += 1
                if gateway.calls <= gateway.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                gateway.received.append({"body": body, "auth": self.headers.get("Authorization"),
                                         "key": self.headers.get("Idempotency-Key")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop."""
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd handler collecting messages."""

    def __init__(self) -> None:
        """Empty."""
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        """Keep the message."""
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def notify_settings() -> Iterator:
    """Set channel settings for one test (fast retries), restore afterwards (stale jobs then find no channel)."""
    old = config._state["settings"]

    def apply(**kw: object) -> NotifySettings:
        kw = {"quiet_start": "00:00", "quiet_end": "00:00", **kw}  # no default quiet hours unless a test sets them
        s = NotifySettings(_env_file=None, retry_base_seconds=0, **kw)  # type: ignore[call-arg]
        config.configure(s)
        return s

    yield apply
    config._state["settings"] = NotifySettings(_env_file=None)  # type: ignore[call-arg]
    _ = old


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A healthy gateway."""
    g = Gateway()
    yield g
    g.close()


async def _patient_with_account(db, app):
    world = await make_world(db)
    number = phone()
    p = await make_patient(db, app.state.cipher, world, name="王建国", phone=number)
    user = await fast_user(db, world, "patient", department=None, patient_id=p.id)
    return world, p, number, user


async def _notify(db, recipient, event, context, **kw):
    async with db.transaction() as s:
        return [n.id for n in await service.notify(s, recipient, event, context, **kw)]


async def _deliveries(db, notification_id):
    async with db.sessionmaker() as s:
        n = await s.get(Notification, notification_id)
        return await service.delivery_log(s, n)


async def _drain(app, rounds: int = 10) -> None:
    for _ in range(rounds):
        if not await app.state.worker.run_due():
            return


async def test_sms_goes_through_the_real_gateway_with_the_decrypted_number(client, app, db, notify_settings, gateway):
    notify_settings(sms_url=gateway.url, sms_api_key="k-123")
    _, p, number, user = await _patient_with_account(db, app)
    [nid] = await _notify(db, Recipient(patient_id=p.id), "your_turn", {"patient_name": p.name, "queue_no": 7, "room": "3诊室"},
                          ref="t:turn")
    await _drain(app)
    mine = [r for r in gateway.received if r["body"]["to"] == number]
    assert len(mine) == 1 and "7号" in mine[0]["body"]["text"] and mine[0]["auth"] == "Bearer k-123"
    [(d, attempts)] = await _deliveries(db, nid)
    assert d.status == "sent" and d.destination_masked == p.phone_masked and number not in d.destination_masked
    assert [a.outcome for a in attempts] == ["sent"]
    inbox = (await client.get("/api/v1/notifications", headers=await headers(client, user))).json()
    assert inbox["unread"] == 1 and inbox["items"][0]["title"] == "请您就诊"
    async with db.sessionmaker() as s:
        payloads = [j.payload for j in (await s.execute(select(Job).where(Job.kind == service.DELIVER_JOB))).scalars()]
    assert all(number not in json.dumps(pl) for pl in payloads)  # the number is never stored in clear


async def test_a_failing_gateway_is_retried_and_the_message_delivered_once(app, db, notify_settings, caplog):
    g = Gateway(fail=2)
    try:
        notify_settings(sms_url=g.url)
        _, p, number, _ = await _patient_with_account(db, app)
        for name in ("osteon", "httpx", "httpcore"):
            caplog.set_level(logging.DEBUG, logger=name)
        [nid] = await _notify(db, Recipient(patient_id=p.id), "your_turn", {"patient_name": p.name, "queue_no": 8}, ref="t:retry")
        await _drain(app)
        assert [r["body"]["to"] for r in g.received].count(number) == 1
        [(d, attempts)] = await _deliveries(db, nid)
        assert d.status == "sent" and d.attempts == 3
        assert [(a.attempt, a.outcome, a.http_status) for a in attempts] == [(1, "retry", 503), (2, "retry", 503), (3, "sent", 200)]
        assert number not in caplog.text and "8号" not in caplog.text
    finally:
        g.close()


async def test_delivery_gives_up_after_the_configured_attempts(app, db, notify_settings, caplog):
    port = free_port()  # nothing listens there: connection refused every time
    notify_settings(sms_url=f"http://127.0.0.1:{port}/sms", max_attempts=3)
    _, p, number, _ = await _patient_with_account(db, app)
    for name in ("osteon", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    [nid] = await _notify(db, Recipient(patient_id=p.id), "your_turn", {"patient_name": p.name}, ref="t:dead")
    await _drain(app)
    [(d, attempts)] = await _deliveries(db, nid)
    assert d.status == "dead" and [a.outcome for a in attempts] == ["retry", "retry", "dead"]
    assert number not in caplog.text


async def test_email_goes_through_a_real_smtp_server(client, app, db, notify_settings):
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        notify_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="noreply@qsch.example")
        _, p, _, user = await _patient_with_account(db, app)
        h = await headers(client, user)
        r = await client.put("/api/v1/notifications/preferences", headers=h, json={
            "sms": False, "email": True, "email_address": "wang@example.com", "language": "en", "version": 0})
        assert r.status_code == 200 and r.json()["email_masked"] == "w***@example.com"
        [nid] = await _notify(db, Recipient(patient_id=p.id), "results_ready", {"patient_name": p.name, "report": "X-ray"}, ref="t:mail")
        await _drain(app)
        [(rcpt, content)] = box.messages
        assert rcpt == ["wang@example.com"] and "Subject: Results ready" in content and "X-ray" in content
        [(d, _)] = await _deliveries(db, nid)
        assert d.channel == "email" and d.status == "sent"  # SMS was switched off in the preferences
    finally:
        controller.stop()


async def test_quiet_hours_defer_non_urgent_sms_but_not_urgent_ones(client, app, db, notify_settings, gateway):
    notify_settings(sms_url=gateway.url)
    _, p, number, user = await _patient_with_account(db, app)
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    start, end = (local - timedelta(hours=1)).strftime("%H:%M"), (local + timedelta(hours=1)).strftime("%H:%M")
    h = await headers(client, user)
    r = await client.put("/api/v1/notifications/preferences", headers=h,
                         json={"quiet_start": start, "quiet_end": end, "version": 0})
    assert r.status_code == 200
    [later] = await _notify(db, Recipient(patient_id=p.id), "booking_confirmed", {"patient_name": p.name}, ref="t:q1")
    [now] = await _notify(db, Recipient(patient_id=p.id), "your_turn", {"patient_name": p.name}, ref="t:q2")
    await _drain(app)
    [(d_later, a_later)] = await _deliveries(db, later)
    [(d_now, _)] = await _deliveries(db, now)
    assert d_later.status == "deferred" and a_later == [] and d_later.not_before > datetime.now(UTC) + timedelta(minutes=50)
    assert d_now.status == "sent"
    assert len([x for x in gateway.received if x["body"]["to"] == number]) == 1


def test_quiet_hours_span_midnight_in_the_hospital_zone():
    tz = "Asia/Shanghai"
    at = lambda h, m=0: datetime(2026, 11, 25, h, m, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert quiet_until(at(23), "22:00", "07:00", tz) == at(7) + timedelta(days=1)
    assert quiet_until(at(3), "22:00", "07:00", tz) == at(7)
    assert quiet_until(at(12), "22:00", "07:00", tz) is None
    assert quiet_until(at(7), "22:00", "07:00", tz) is None
    assert quiet_until(at(13), "12:00", "14:00", tz) == at(14)


async def test_a_repeated_notify_with_the_same_ref_sends_nothing_more(app, db, notify_settings):
    notify_settings()
    _, p, _, _ = await _patient_with_account(db, app)
    first = await _notify(db, Recipient(patient_id=p.id), "bed_ready", {"patient_name": p.name}, ref="t:once")
    again = await _notify(db, Recipient(patient_id=p.id), "bed_ready", {"patient_name": p.name}, ref="t:once")
    assert len(first) == 1 and again == []
    [(d, _)] = await _deliveries(db, first[0])
    assert d.status == "skipped" and "not configured" in d.last_error  # no gateway configured: visible, not silent


async def test_patient_without_a_portal_account_still_gets_the_sms(app, db, notify_settings, gateway):
    notify_settings(sms_url=gateway.url)
    world = await make_world(db)
    number = phone()
    p = await make_patient(db, app.state.cipher, world, phone=number)
    [nid] = await _notify(db, Recipient(patient_id=p.id), "order_to_pay", {"patient_name": p.name, "item": "腰椎MRI", "amount": "480"})
    await _drain(app)
    assert next(x["body"]["text"] for x in gateway.received if x["body"]["to"] == number).count("腰椎MRI") == 1
    async with db.sessionmaker() as s:
        assert (await s.get(Notification, nid)).user_id is None
