"""Authentication and account rules (SECURITY 1–7)."""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.config import Settings
from osteon.db import on_failure
from osteon.kit.errors import BadRequest, Conflict, NotFound, Unauthorized
from osteon.kit.models import utcnow
from osteon.security import audit, passwords, repository
from osteon.security.crypto import FieldCipher
from osteon.security.deps import Actor, hash_token, inside_hospital
from osteon.security.models import AuthSession, User
from osteon.security.permissions import Role, requires_totp


class InvalidCredentials(Unauthorized):
    """401: never says whether the username, the password or the code was wrong (SECURITY 3)."""

    code = "auth.invalid_credentials"
    title_zh = "用户名、密码或验证码不正确"
    title_en = "Wrong username, password or code"


class AccountLocked(Unauthorized):
    """401: too many failures."""

    code = "auth.locked"
    title_zh = "登录失败次数过多,账号已锁定,请15分钟后再试"
    title_en = "Too many failed attempts; the account is locked for 15 minutes"


class TotpRequired(Unauthorized):
    """401: the password was right; now the second factor is needed."""

    code = "auth.totp_required"
    title_zh = "请输入动态验证码"
    title_en = "Enter the code from your authenticator app"


class TotpEnrolmentRequired(Unauthorized):
    """401: a second factor is required here but the account has none yet."""

    code = "auth.totp_enrolment_required"
    title_zh = "从院外登录需要动态验证码,请先在院内绑定验证器"
    title_en = "Logging in from outside the hospital needs a second factor; enrol one from inside first"


class UsernameTaken(Conflict):
    """409."""

    code = "users.username_taken"
    title_zh = "该用户名已被使用"
    title_en = "This username is already taken"


class UserNotFound(NotFound):
    """404."""

    code = "users.not_found"
    title_zh = "未找到该用户"
    title_en = "User not found"


class UnknownRole(BadRequest):
    """400."""

    code = "users.unknown_role"
    title_zh = "未知的角色"
    title_en = "Unknown role"


@dataclass
class NewSession:
    """A created session: the token is shown once and stored only as a hash."""

    token: str
    csrf_token: str
    row: AuthSession
    user: User


def totp_for(user: User, cipher: FieldCipher) -> pyotp.TOTP | None:
    """The user's TOTP generator, if enrolled."""
    secret = cipher.decrypt(user.totp_secret_enc, context="users.totp")
    return pyotp.TOTP(secret) if secret else None


def _verify_totp(user: User, cipher: FieldCipher, code: str) -> int | None:
    """The accepted time step, or None; a code is accepted once (no replay) with ±1 step drift."""
    totp = totp_for(user, cipher)
    if totp is None:
        return None
    now = utcnow()
    for drift in (0, -1, 1):
        step = totp.timecode(now) + drift
        if step > user.totp_last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def login(
    session: AsyncSession,
    settings: Settings,
    cipher: FieldCipher,
    *,
    username: str,
    password: str,
    totp: str | None,
    client_ip: str,
    user_agent: str,
) -> NewSession:
    """Check credentials (lockout, second factor) and open a session."""
    now = utcnow()
    user = await repository.get_user_by_username(session, username)
    if user is None or not user.is_active:
        passwords.verify_password(_dummy_hash(), password)  # same work as a real check: no timing oracle
        audit.record(session, "auth.login", outcome="failure", severity="warning", username=username[:64],
                     detail={"reason": "bad_credentials"}, keep_on_failure=True)
        raise InvalidCredentials()
    actor_ref = _actor_ref(user, client_ip)
    if user.locked_until and user.locked_until > now:
        audit.record(session, "auth.login", actor=actor_ref, outcome="failure", severity="warning",
                     detail={"reason": "locked"}, keep_on_failure=True)
        raise AccountLocked()
    if not passwords.verify_password(user.password_hash, password):
        _count_failure(session, settings, user, actor_ref, "bad_credentials")
        raise InvalidCredentials()
    needs_totp = requires_totp(user.role) or not inside_hospital(client_ip, settings)
    if user.totp_secret_enc and (needs_totp or totp):
        if not totp:
            raise TotpRequired()
        step = _verify_totp(user, cipher, totp)
        if step is None:
            _count_failure(session, settings, user, actor_ref, "bad_totp")
            raise InvalidCredentials()
        user.totp_last_step = step
    elif needs_totp:
        audit.record(session, "auth.login", actor=actor_ref, outcome="failure", severity="warning",
                     detail={"reason": "totp_not_enrolled"}, keep_on_failure=True)
        raise TotpEnrolmentRequired()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    if (
        settings.password_max_age_days
        and not user.is_demo
        and now - user.password_changed_at > timedelta(days=settings.password_max_age_days)
    ):
        user.must_change_password = True  # periodic change (等保), a setting
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    row = AuthSession(
        user_id=user.id,
        token_hash=hash_token(token),
        csrf_token=csrf,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        client_ip=client_ip,
        user_agent=user_agent[:300],
    )
    session.add(row)
    await session.flush()
    audit.record(session, "auth.login", actor=actor_ref, resource_type="session", resource_id=row.id)
    return NewSession(token=token, csrf_token=csrf, row=row, user=user)


def _actor_ref(user: User, client_ip: str) -> Actor:
    """A minimal Actor for auditing before a session exists."""
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name, role=user.role,
                 institution_id=user.institution_id, department_id=user.department_id,
                 department_ids=frozenset(), patient_id=user.patient_id, permissions=frozenset(), client_ip=client_ip)


def _count_failure(session: AsyncSession, settings: Settings, user: User, actor: Actor, reason: str) -> None:
    """Count a failed attempt (in its own transaction, since the request fails) and lock at the threshold."""
    user_id = user.id

    async def _increment(s: AsyncSession) -> None:
        fresh = await s.get(User, user_id)
        if fresh is None:
            return
        fresh.failed_logins += 1
        if fresh.failed_logins >= settings.lockout_threshold:
            fresh.failed_logins = 0
            fresh.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
            audit.record(s, "auth.locked", actor=actor, outcome="failure", severity="high",
                         detail={"minutes": settings.lockout_minutes})

    on_failure(session, _increment)
    audit.record(session, "auth.login", actor=actor, outcome="failure", severity="warning",
                 detail={"reason": reason}, keep_on_failure=True)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown usernames (made once, on first use, not at import)."""
    return passwords.hash_password("not-a-real-password-used-for-timing")


async def logout(session: AsyncSession, actor: Actor) -> None:
    """Revoke the current session server-side."""
    if actor.session_id:
        row = await session.get(AuthSession, actor.session_id)
        if row and row.revoked_at is None:
            row.revoked_at = utcnow()
    audit.record(session, "auth.logout", resource_type="session", resource_id=actor.session_id or "")


async def change_password(session: AsyncSession, settings: Settings, actor: Actor, old: str, new: str) -> None:
    """Change one's own password; other sessions are revoked."""
    user = await repository.get_user(session, actor.user_id)
    assert user is not None
    if not passwords.verify_password(user.password_hash, old):
        audit.record(session, "auth.password_change", outcome="failure", keep_on_failure=True)
        raise BadRequest("原密码不正确", "The current password is wrong", code_override="auth.wrong_password")
    if old == new:
        raise passwords.WeakPassword("新密码不能与原密码相同", "The new password must differ from the old one")
    passwords.check_policy(new, settings, username=user.username)
    now = utcnow()
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    await repository.revoke_user_sessions(session, user.id, now, keep=actor.session_id)
    audit.record(session, "auth.password_change", resource_type="user", resource_id=user.id)


async def totp_setup(session: AsyncSession, settings: Settings, actor: Actor) -> tuple[str, str]:
    """Start enrolment: a fresh secret and its provisioning URI (nothing is stored until confirmed)."""
    user = await repository.get_user(session, actor.user_id)
    assert user is not None
    secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=settings.totp_issuer)
    return secret, uri


async def totp_confirm(
    session: AsyncSession, cipher: FieldCipher, actor: Actor, *, secret: str, code: str, password: str
) -> None:
    """Finish enrolment: the password proves it is the user, the code proves the app has the secret."""
    user = await repository.get_user(session, actor.user_id)
    assert user is not None
    if not passwords.verify_password(user.password_hash, password):
        audit.record(session, "auth.totp_enrolled", outcome="failure", keep_on_failure=True)
        raise BadRequest("密码不正确", "The password is wrong", code_override="auth.wrong_password")
    totp = pyotp.TOTP(secret)
    if not totp.verify(code, valid_window=1):
        raise BadRequest("验证码不正确", "The code is wrong", code_override="auth.invalid_totp")
    user.totp_secret_enc = cipher.encrypt(secret, context="users.totp")
    user.totp_last_step = totp.timecode(utcnow())
    await repository.revoke_user_sessions(session, user.id, utcnow(), keep=actor.session_id)
    audit.record(session, "auth.totp_enrolled", resource_type="user", resource_id=user.id, severity="warning")


async def create_user(
    session: AsyncSession,
    settings: Settings,
    cipher: FieldCipher,
    *,
    username: str,
    full_name: str,
    role: str,
    institution_id: uuid.UUID,
    department_id: uuid.UUID | None,
    password: str,
    title: str = "",
    patient_id: uuid.UUID | None = None,
    must_change_password: bool = True,
    is_demo: bool = False,
    enforce_policy: bool = True,
) -> tuple[User, str | None]:
    """Create an account; administrators get a TOTP secret whose URI is returned once."""
    try:
        Role(role)
    except ValueError:
        raise UnknownRole() from None
    if await repository.get_user_by_username(session, username):
        raise UsernameTaken()
    if enforce_policy:
        passwords.check_policy(password, settings, username=username)
    uri = None
    secret = None
    if requires_totp(role):
        secret = pyotp.random_base32()
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=settings.totp_issuer)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        institution_id=institution_id,
        department_id=department_id,
        patient_id=patient_id,
        title=title,
        password_hash=passwords.hash_password(password),
        must_change_password=must_change_password,
        totp_secret_enc=cipher.encrypt(secret, context="users.totp") if secret else None,
        is_demo=is_demo,
    )
    session.add(user)
    await session.flush()
    audit.record(session, "user.create", resource_type="user", resource_id=user.id,
                 detail={"username": username, "role": role})
    return user, uri


async def assign_role(session: AsyncSession, actor: Actor, user_id: uuid.UUID, role: str) -> User:
    """Change a user's role (a permission change: audited, sessions revoked)."""
    try:
        Role(role)
    except ValueError:
        raise UnknownRole() from None
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound()
    if user.id == actor.user_id:
        raise BadRequest("不能修改自己的角色", "You cannot change your own role", code_override="users.self_role")
    old = user.role
    user.role = role
    await repository.revoke_user_sessions(session, user.id, utcnow())
    audit.record(session, "user.role_change", resource_type="user", resource_id=user.id, severity="high",
                 detail={"from": old, "to": role})
    return user


async def unlock_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """Clear a lockout."""
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound()
    user.locked_until = None
    user.failed_logins = 0
    audit.record(session, "user.unlock", resource_type="user", resource_id=user.id, severity="warning")
    return user


async def list_users(session: AsyncSession, institution_id: uuid.UUID | None, limit: int, offset: int) -> tuple[list[User], int]:
    """Accounts for administrators."""
    return await repository.list_users(session, institution_id, limit, offset)


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """An account or 404."""
    user = await repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound()
    return user


def _aware(value: object) -> object:
    """Naive datetimes from a query string are taken as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


async def search_audit(session: AsyncSession, actor: Actor, **filters: object):
    """Search the audit trail; the search itself is audited."""
    filters = {k: _aware(v) for k, v in filters.items()}
    rows, total = await repository.search_audit(session, **filters)  # type: ignore[arg-type]
    audit.record(session, "audit.search", resource_type="audit", detail={k: str(v) for k, v in filters.items() if v is not None and k not in ("limit", "offset")})
    return rows, total


async def verify_audit(session: AsyncSession) -> audit.VerifyResult:
    """Check the whole chain."""
    result = await audit.verify(session)
    audit.record(session, "audit.verify", resource_type="audit", detail={"ok": result.ok, "checked": result.checked})
    return result
