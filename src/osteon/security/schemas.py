"""Auth, user and audit schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from osteon.institutions.schemas import DepartmentRef, InstitutionRef
from osteon.kit.schemas import Schema


class LoginRequest(Schema):
    """Credentials; ``totp`` is the 6-digit code when a second factor is required."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp: str | None = Field(default=None, pattern=r"^\d{6}$")


class LoginResponse(Schema):
    """A session: use the bearer token, or the HttpOnly cookie set alongside."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    must_change_password: bool = False


class PasswordChange(Schema):
    """Change one's own password."""

    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class Me(Schema):
    """The logged-in user."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    title: str
    institution: InstitutionRef
    department: DepartmentRef | None
    permissions: list[str]
    must_change_password: bool
    patient_id: uuid.UUID | None
    totp_enrolled: bool


class TotpSetup(Schema):
    """A provisioning URI to scan into an authenticator app."""

    secret: str
    uri: str


class TotpConfirm(Schema):
    """Confirm enrolment: the secret from setup, a current code and the password."""

    secret: str = Field(pattern=r"^[A-Z2-7]{16,64}$")
    code: str = Field(pattern=r"^\d{6}$")
    password: str = Field(min_length=1, max_length=256)


class UserCreate(Schema):
    """A new account (an initial password that must be changed at first login)."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    full_name: str = Field(min_length=1, max_length=100)
    role: str
    institution_id: uuid.UUID
    department_id: uuid.UUID | None = None
    title: str = Field(default="", max_length=50)
    password: str = Field(min_length=1, max_length=256)


class UserRead(Schema):
    """An account as administrators see it."""

    id: uuid.UUID
    username: str
    full_name: str
    role: str
    title: str
    institution_id: uuid.UUID
    department_id: uuid.UUID | None
    is_active: bool
    locked_until: datetime | None
    must_change_password: bool


class RoleChange(Schema):
    """Assign a role (security administrator)."""

    role: str


class AuditEventRead(Schema):
    """One audit record."""

    id: uuid.UUID
    seq: int
    at: datetime
    username: str
    role: str
    institution_id: uuid.UUID | None
    action: str
    patient_id: uuid.UUID | None
    resource_type: str
    resource_id: str
    outcome: str
    severity: str
    client_ip: str
    detail: dict[str, Any]


class AuditVerifyRead(Schema):
    """Result of checking the hash chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
