"""External channels: an SMS provider adapter over HTTP, and e-mail over SMTP. They raise
:class:`DeliveryFailed` for anything retryable; error texts never carry the number, address or body."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import httpx

from osteon.notifications.config import NotifySettings


class DeliveryFailed(Exception):
    """A retryable failure (non-2xx, timeout, connection refused, SMTP error)."""

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        """A short, PII-free reason."""
        super().__init__(reason)
        self.http_status = http_status


class NotConfigured(Exception):
    """The channel has no settings in this deployment."""


async def send_sms(settings: NotifySettings, to: str, text: str, ref: str) -> int:
    """POST one SMS to the gateway; returns the HTTP status (2xx)."""
    if not settings.sms_url:
        raise NotConfigured("sms")
    headers = {"Idempotency-Key": ref}  # lets the gateway drop a resend of a message it already took
    if settings.sms_api_key:
        headers["Authorization"] = f"Bearer {settings.sms_api_key}"
    payload = {"to": to, "text": text, "sign": settings.sms_sign, "ref": ref}
    try:
        async with httpx.AsyncClient(timeout=settings.sms_timeout_seconds) as client:
            response = await client.post(settings.sms_url, json=payload, headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryFailed("gateway timeout") from exc
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"gateway unreachable ({type(exc).__name__})") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"gateway answered HTTP {response.status_code}", response.status_code)
    return response.status_code


def _smtp_send(settings: NotifySettings, to: str, subject: str, body: str) -> None:
    """Blocking SMTP send (run in a thread)."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)


async def send_email(settings: NotifySettings, to: str, subject: str, body: str) -> None:
    """Send one e-mail over SMTP (stdlib smtplib in a worker thread: aiosmtplib is not a dependency)."""
    if not settings.smtp_host:
        raise NotConfigured("email")
    try:
        await asyncio.to_thread(_smtp_send, settings, to, subject, body)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP failure ({type(exc).__name__})") from exc
