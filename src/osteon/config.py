"""Settings: one object, read from OSTEON_* environment variables (and .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every deployment choice is one setting; the defaults run on a laptop."""

    model_config = SettingsConfigDict(env_prefix="OSTEON_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    dicom_host: str | None = None  # the SCP's bind address (default: ``host``), e.g. the imaging VLAN's interface
    dicom_port: int = 11112
    dicom_ae_title: str = "OSTEON"
    demo: bool = False
    demo_password: str | None = None
    demo_seed: int = 20261125

    # Field encryption (SECURITY 15). Keys are base64 32-byte AES keys, newest first; the first one
    # encrypts, all decrypt, so a rotation adds a key in front and re-encrypts in the background.
    field_keys: list[str] = Field(default_factory=list)
    field_key_file: Path | None = None
    blind_index_key: str | None = None

    # Identity and sessions (SECURITY 2–7).
    password_min_length: int = 12
    password_require_classes: int = 3  # 等保 composition rule: 3 of 4 classes; 0 turns it off (ASVS)
    password_max_age_days: int = 90  # 0 = no periodic change
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    totp_issuer: str = "Osteon"
    hospital_networks: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    cookie_secure: bool = False
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = 2 * 1024 * 1024
    trusted_proxies: list[str] = Field(default_factory=list)

    # Media for remote consultation (issue 6, osteon.media). Without JANUS_URL rooms are peer-to-peer.
    janus_url: str | None = None  # Janus HTTP API as Osteon reaches it, e.g. http://127.0.0.1:8088/janus
    janus_public_url: str | None = None  # the URL browsers use (default: janus_url)
    janus_admin_url: str | None = None  # Admin API, e.g. http://127.0.0.1:7088/admin (tokens, room requests)
    janus_admin_secret: str | None = None
    janus_room_admin_key: str | None = None  # VideoRoom admin_key; also keys the per-room secret and pin
    janus_record_dir: Path | None = None  # where Janus writes .mjr recordings (same path on Osteon's side)
    turn_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)  # comma list of turn: URLs
    turn_secret: str | None = None  # coturn static-auth-secret (REST scheme)
    turn_ttl_seconds: int = 3600

    @field_validator("turn_urls", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        """OSTEON_TURN_URLS is a comma list: turn:a:3478?transport=udp,turn:a:3478?transport=tcp."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def resolved_database_url(self) -> str:
        """The database URL: explicit setting, else SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'osteon.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests override with dependency_overrides or cache_clear)."""
    return Settings()
