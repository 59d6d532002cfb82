"""Field encryption (AES-256-GCM) with key rotation, and keyed-hash blind indexes (SECURITY 15).

Ciphertext format: ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The first key encrypts, every
listed key decrypts, so rotation = put a new key first, then re-encrypt rows (``osteon keys rotate``).
Blind index: HMAC-SHA256 over the normalised value under a separate key; equal values give equal
indexes, so exact lookups work without storing plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from osteon.config import Settings


class KeyError_(Exception):
    """A ciphertext names a key this deployment doesn't have, or was tampered with."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: bytes) -> str:
    """A short public identifier of a key (not secret: a hash prefix)."""
    return hashlib.sha256(b"osteon-key-id" + key).hexdigest()[:8]


@dataclass
class FieldCipher:
    """Encrypts/decrypts protected fields; computes blind indexes."""

    keys: list[bytes]
    index_key: bytes

    def __post_init__(self) -> None:
        """Check key sizes and build the id → key map."""
        if not self.keys:
            raise ValueError("at least one field key is required")
        for k in [*self.keys, self.index_key]:
            if len(k) != 32:
                raise ValueError("field keys must be 32 bytes (AES-256)")
        self._by_id = {key_id(k): k for k in self.keys}

    @property
    def current_key_id(self) -> str:
        """Id of the key new ciphertexts use."""
        return key_id(self.keys[0])

    def encrypt(self, plaintext: str | None, *, context: str = "") -> str | None:
        """Encrypt text; ``context`` (e.g. the column) is bound as associated data."""
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        ct = AESGCM(self.keys[0]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1.{self.current_key_id}.{_b64(nonce + ct)}"

    def decrypt(self, token: str | None, *, context: str = "") -> str | None:
        """Decrypt a value produced by :meth:`encrypt` with any known key."""
        if token is None:
            return None
        try:
            _version, kid, body = token.split(".", 2)
            key = self._by_id[kid]
            raw = _unb64(body)
            return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
        except Exception as exc:
            raise KeyError_("cannot decrypt a protected field (unknown key or tampered data)") from exc

    def needs_rotation(self, token: str | None) -> bool:
        """True when ``token`` was encrypted with an older key."""
        return token is not None and token.split(".", 2)[1] != self.current_key_id

    def blind_index(self, value: str | None, *, context: str) -> str | None:
        """Keyed hash for exact lookup; ``context`` separates columns."""
        if value is None or value == "":
            return None
        mac = hmac.new(self.index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]


def new_key() -> str:
    """A fresh base64 AES-256 key."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _keyfile_path(settings: Settings) -> Path:
    return settings.field_key_file or settings.data_dir / "keys.json"


def load_cipher(settings: Settings, *, create: bool = True) -> FieldCipher:
    """Keys from settings, else from the key file (created 0600 on first start)."""
    if settings.field_keys and settings.blind_index_key:
        return FieldCipher([base64.b64decode(k) for k in settings.field_keys], base64.b64decode(settings.blind_index_key))
    path = _keyfile_path(settings)
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"key file {path} is missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"field_keys": [new_key()], "blind_index_key": new_key()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh)
    data = json.loads(path.read_text())
    return FieldCipher([base64.b64decode(k) for k in data["field_keys"]], base64.b64decode(data["blind_index_key"]))


def add_key_to_file(settings: Settings) -> str:
    """Put a new encryption key first in the key file; return its id."""
    path = _keyfile_path(settings)
    data = json.loads(path.read_text())
    key = new_key()
    data["field_keys"].insert(0, key)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
    return key_id(base64.b64decode(key))
