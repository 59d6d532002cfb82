"""Channel settings (env prefix ``OSTEON_NOTIFY_``), read apart from the platform's Settings.

Jobs run without a request, so the settings and the field cipher they need are module-level references
set once by ``notifications.router.setup(app)`` (tests call :func:`configure`).
"""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifySettings(BaseSettings):
    """SMS gateway, SMTP and delivery policy."""

    model_config = SettingsConfigDict(env_prefix="OSTEON_NOTIFY_", env_file=".env", extra="ignore")

    # SMS provider adapter: JSON POST {to, text, sign, ref} with "Authorization: Bearer <api key>".
    sms_url: str | None = None
    sms_api_key: str | None = None
    sms_sign: str = "Osteon"  # 短信签名
    sms_timeout_seconds: float = 5.0
    # E-mail over SMTP.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "osteon@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # Delivery policy: attempts per message, exponential backoff base (seconds), cap.
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    # Default quiet hours (local time); patients may change theirs in preferences.
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    timezone: str = "Asia/Shanghai"


_state: dict[str, Any] = {"settings": None, "cipher": None}


def configure(settings: NotifySettings | None = None, cipher: Any = None) -> None:
    """Set the settings and/or the field cipher the delivery jobs use."""
    if settings is not None:
        _state["settings"] = settings
    if cipher is not None:
        _state["cipher"] = cipher


def current() -> NotifySettings:
    """The active settings (read from the environment on first use)."""
    if _state["settings"] is None:
        _state["settings"] = NotifySettings()
    return _state["settings"]


def cipher() -> Any:
    """The field cipher set at app start."""
    if _state["cipher"] is None:
        raise RuntimeError("notifications: field cipher not configured (router.setup(app) not called)")
    return _state["cipher"]
