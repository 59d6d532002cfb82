"""The notification service: ``notify(session, recipient, event_code, context)`` stores the in-app message,
pushes it on ``notifications:<user_id>`` after commit, and queues SMS/e-mail as durable delivery jobs that
retry with backoff and log every attempt. Preferences and quiet hours decide channels and timing."""

from __future__ import annotations

import logging
import time as clock
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from osteon import jobs
from osteon.kit.errors import NotFound, StaleVersion
from osteon.kit.models import utcnow
from osteon.notifications import channels, config, templates
from osteon.notifications.models import Delivery, DeliveryAttempt, Notification, Preference
from osteon.patients.models import Patient
from osteon.realtime import hub
from osteon.security.deps import Actor
from osteon.security.models import User

log = logging.getLogger(__name__)
DELIVER_JOB = "notifications.deliver"


class NotificationNotFound(NotFound):
    """404."""

    code = "notifications.not_found"
    title_zh = "未找到该消息"
    title_en = "Notification not found"


@dataclass(frozen=True)
class Recipient:
    """Who to tell: a user (staff or portal account), a patient (their portal accounts and their phone), or both."""

    user_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None


# --- preferences and quiet hours ---------------------------------------------------------------------


def _hm(text: str) -> time:
    """'22:00' → time(22, 0)."""
    h, m = text.split(":")
    return time(int(h), int(m))


def quiet_until(now: datetime, start: str, end: str, tz: str) -> datetime | None:
    """The end of the quiet period (UTC) if ``now`` falls inside it, else None; the period may span midnight."""
    local = now.astimezone(ZoneInfo(tz))
    s, e = _hm(start), _hm(end)
    t = local.timetz().replace(tzinfo=None)
    if s == e:
        return None
    inside = (s <= t < e) if s < e else (t >= s or t < e)
    if not inside:
        return None
    end_day = local.date() if t < e else local.date() + timedelta(days=1)
    return datetime.combine(end_day, e, ZoneInfo(tz)).astimezone(UTC)


async def preferences_of(session: AsyncSession, user_id: uuid.UUID) -> Preference | None:
    """A user's stored preferences (None: defaults)."""
    return (await session.execute(select(Preference).where(Preference.user_id == user_id))).scalar_one_or_none()


async def get_preferences(session: AsyncSession, actor: Actor) -> Preference:
    """My preferences (defaults until saved; not persisted by reading)."""
    pref = await preferences_of(session, actor.user_id)
    return pref or Preference(user_id=actor.user_id, sms=True, email=False, muted_events=[], quiet_enabled=True,
                              language="zh-CN", version=0)


async def put_preferences(session: AsyncSession, actor: Actor, data: Any) -> Preference:
    """Save my preferences; send the ``version`` you read (409 if changed meanwhile)."""
    pref = await preferences_of(session, actor.user_id)
    if pref is None:
        if data.version not in (0, None):
            raise StaleVersion()
        pref = Preference(user_id=actor.user_id, version=0)
        session.add(pref)
    elif data.version is not None and data.version != pref.version:
        raise StaleVersion()
    pref.sms, pref.email = data.sms, data.email
    pref.muted_events = sorted(set(data.muted_events))
    pref.quiet_enabled = data.quiet_enabled
    pref.quiet_start, pref.quiet_end = data.quiet_start, data.quiet_end
    pref.language = data.language
    if data.email_address is not None:
        address = data.email_address or None
        pref.email_enc = config.cipher().encrypt(address, context="notifications.email") if address else None
        pref.email_masked = _mask_email(address) if address else None
    pref.version = (pref.version or 0) + 1
    await session.flush()
    return pref


def _mask_email(address: str) -> str:
    """w***@example.com."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


# --- notify ------------------------------------------------------------------------------------------


async def notify(session: AsyncSession, recipient: Recipient, event_code: str, context: dict[str, Any], *,
                 ref: str = "", urgent: bool | None = None) -> list[Notification]:
    """Tell someone about ``event_code`` on every channel their preferences allow. Call inside your transaction:
    nothing leaves before the commit. ``ref`` (e.g. ``appointment:<id>``) makes a repeated call a no-op."""
    event = templates.events()[event_code]
    is_urgent = event.urgent if urgent is None else urgent
    users: list[User] = []
    patient: Patient | None = None
    if recipient.patient_id is not None:
        patient = await session.get(Patient, recipient.patient_id)
        users = list((await session.execute(
            select(User).where(User.patient_id == recipient.patient_id, User.is_active.is_(True)))).scalars())
    if recipient.user_id is not None:
        user = await session.get(User, recipient.user_id)
        if user is not None and user.id not in {u.id for u in users}:
            users.append(user)
            if patient is None and user.patient_id is not None:
                patient = await session.get(Patient, user.patient_id)
    if ref and await _already_sent(session, event_code, ref, recipient):
        return []
    prefs = {u.id: await preferences_of(session, u.id) for u in users}
    main = prefs.get(users[0].id) if users else None
    language = (main.language if main else None) or "zh-CN"
    created: list[Notification] = []
    targets: list[uuid.UUID | None] = [u.id for u in users] or [None]
    for user_id in targets:
        lang = (prefs.get(user_id).language if user_id and prefs.get(user_id) else None) or language  # type: ignore[union-attr]
        title, body = templates.render(event_code, lang, context)
        n = Notification(user_id=user_id, patient_id=patient.id if patient else None, event_code=event_code,
                         language=lang, title=title, body=body, urgent=is_urgent, ref=ref,
                         data={k: v for k, v in context.items() if isinstance(v, (str, int, float, bool)) or v is None})
        session.add(n)
        created.append(n)
    await session.flush()
    for n in created:
        if n.user_id is not None:
            hub.publish_after_commit(session, f"notifications:{n.user_id}", "notification.new", to_dict(n))
    first = created[0]
    muted = set(main.muted_events) if main else set()
    settings = config.current()
    if "sms" in event.channels and (main is None or main.sms) and event_code not in muted and patient and patient.phone_enc:
        defer = None
        if not is_urgent and (main is None or main.quiet_enabled):
            defer = quiet_until(utcnow(), (main and main.quiet_start) or settings.quiet_start,
                                (main and main.quiet_end) or settings.quiet_end, settings.timezone)
        await _queue_delivery(session, first, "sms", patient.phone_enc, "patients.phone", patient.phone_masked or "",
                              configured=bool(settings.sms_url), defer_until=defer)
    if "email" in event.channels and main is not None and main.email and main.email_enc and event_code not in muted:
        await _queue_delivery(session, first, "email", main.email_enc, "notifications.email", main.email_masked or "",
                              configured=bool(settings.smtp_host), defer_until=None)
    return created


async def _already_sent(session: AsyncSession, event_code: str, ref: str, recipient: Recipient) -> bool:
    """True when this event about this thing was already sent to this recipient."""
    q = select(func.count()).select_from(Notification).where(Notification.event_code == event_code, Notification.ref == ref)
    if recipient.patient_id is not None:
        q = q.where(Notification.patient_id == recipient.patient_id)
    elif recipient.user_id is not None:
        q = q.where(Notification.user_id == recipient.user_id)
    return bool((await session.execute(q)).scalar_one())


async def _queue_delivery(session: AsyncSession, n: Notification, channel: str, to_enc: str, to_ctx: str, masked: str, *,
                          configured: bool, defer_until: datetime | None) -> Delivery:
    """A delivery row and its durable job; the job carries the destination still encrypted (no plaintext at rest)."""
    d = Delivery(notification_id=n.id, channel=channel, destination_masked=masked,
                 status="queued" if configured else "skipped", not_before=defer_until,
                 last_error="" if configured else f"{channel} channel not configured")
    if configured and defer_until is not None:
        d.status = "deferred"
    session.add(d)
    await session.flush()
    if configured:
        delay = max(0.0, (defer_until - utcnow()).total_seconds()) if defer_until else 0.0
        payload = {"delivery_id": str(d.id), "channel": channel, "to_enc": to_enc, "to_ctx": to_ctx,
                   "subject": n.title, "body": n.body, "attempt": 1}
        await jobs.enqueue(session, DELIVER_JOB, payload, delay=delay, max_attempts=3)
    return d


def backoff_seconds(attempt: int, settings: config.NotifySettings) -> float:
    """Wait before attempt ``attempt + 1``: base × 2^(attempt-1), capped."""
    return min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** (attempt - 1))


@jobs.handler(DELIVER_JOB)
async def deliver(session: AsyncSession, payload: dict[str, Any]) -> None:
    """One delivery attempt. The external call happens before any database access (no lock held while
    waiting on the gateway); then the attempt is logged and, on failure, the next attempt is queued."""
    settings = config.current()
    attempt = int(payload.get("attempt", 1))
    started = clock.monotonic()
    outcome, error, status = "sent", "", None
    try:
        to = config.cipher().decrypt(payload["to_enc"], context=payload["to_ctx"])
        if payload["channel"] == "sms":
            status = await channels.send_sms(settings, to, payload["body"], payload["delivery_id"])
        else:
            await channels.send_email(settings, to, payload["subject"], payload["body"])
    except channels.DeliveryFailed as exc:
        outcome, error, status = "retry", str(exc), exc.http_status
    except channels.NotConfigured:
        outcome, error = "dead", "channel not configured"
    elapsed = int((clock.monotonic() - started) * 1000)
    d = await session.get(Delivery, uuid.UUID(payload["delivery_id"]))
    if d is None:
        return
    if outcome == "retry" and attempt >= settings.max_attempts:
        outcome = "dead"
    session.add(DeliveryAttempt(delivery_id=d.id, attempt=attempt, outcome=outcome, http_status=status,
                                error=error, duration_ms=elapsed))
    d.attempts = attempt
    d.last_error = error
    if outcome == "sent":
        d.status, d.sent_at = "sent", utcnow()
    elif outcome == "dead":
        d.status = "dead"
        log.warning("notification delivery %s gave up after %d attempts: %s", d.id, attempt, error)
    else:
        d.status = "retrying"
        await jobs.enqueue(session, DELIVER_JOB, {**payload, "attempt": attempt + 1},
                           delay=backoff_seconds(attempt, settings), max_attempts=3)
    await session.flush()


# --- inbox -------------------------------------------------------------------------------------------


def to_dict(n: Notification) -> dict[str, Any]:
    """JSON view of a notification (the WebSocket payload and the API item)."""
    return {"id": str(n.id), "event_code": n.event_code, "title": n.title, "body": n.body, "urgent": n.urgent,
            "ref": n.ref, "data": n.data, "language": n.language, "created_at": n.created_at.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None}


async def list_mine(session: AsyncSession, actor: Actor, *, unread_only: bool, limit: int, offset: int) -> tuple[list[Notification], int, int]:
    """My notifications, newest first: (page, total, unread)."""
    base = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        base = base.where(Notification.read_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    unread = (await session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None)))).scalar_one()
    rows = (await session.execute(base.order_by(Notification.created_at.desc()).limit(limit).offset(offset))).scalars()
    return list(rows), int(total), int(unread)


async def mark_read(session: AsyncSession, actor: Actor, notification_id: uuid.UUID) -> Notification:
    """Mark one of my notifications read (404 for anyone else's)."""
    n = await session.get(Notification, notification_id)
    if n is None or n.user_id != actor.user_id:
        raise NotificationNotFound()
    if n.read_at is None:
        n.read_at = utcnow()
        await session.flush()
    return n


async def mark_all_read(session: AsyncSession, actor: Actor) -> int:
    """Mark all my notifications read; returns how many changed."""
    result = await session.execute(update(Notification).where(Notification.user_id == actor.user_id,
                                                              Notification.read_at.is_(None)).values(read_at=utcnow()))
    return int(result.rowcount or 0)


async def deliveries_of(session: AsyncSession, actor: Actor, notification_id: uuid.UUID) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """The delivery log of one of my notifications."""
    n = await session.get(Notification, notification_id)
    if n is None or n.user_id != actor.user_id:
        raise NotificationNotFound()
    return await delivery_log(session, n)


async def delivery_log(session: AsyncSession, n: Notification) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """Deliveries of a notification with their attempts (system/tests; no access check)."""
    ds = list((await session.execute(select(Delivery).where(Delivery.notification_id == n.id)
                                     .order_by(Delivery.created_at))).scalars())
    if not ds:
        return []
    attempts = list((await session.execute(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_([d.id for d in ds]))
                                           .order_by(DeliveryAttempt.attempt))).scalars())
    return [(d, [a for a in attempts if a.delivery_id == d.id]) for d in ds]


async def inbox_snapshot(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """Topic ``notifications:<user_id>``: the unread count and the latest 20."""
    rows = (await session.execute(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.created_at.desc()).limit(20))).scalars()
    unread = (await session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))).scalar_one()
    return {"unread": int(unread), "items": [to_dict(n) for n in rows]}
