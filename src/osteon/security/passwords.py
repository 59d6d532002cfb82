"""Password hashing (Argon2id) and policy (SECURITY 2, 7)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from osteon.config import Settings
from osteon.kit.errors import BadRequest

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile

# The most common passwords in leaked-password lists (SplashData/NordPass yearly lists and the
# Chinese CSDN/天涯 leaks); policy also refuses passwords built from the username.
_COMMON = {
    "123456789012", "1234567890123", "12345678910", "password1234", "passw0rd1234", "qwertyuiop12",
    "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "iloveyou1234", "admin1234567", "administrator",
    "woaini1314520", "woaini520520", "aaaaaaaaaaaa", "abc123456789", "abcd12345678", "111111111111",
    "000000000000", "123123123123", "password123!", "Password123!", "P@ssw0rd1234", "Admin@123456",
    "Aa123456789!", "Qwer1234!@#$", "1qaz@WSX3edc", "zxcvbnm12345", "asdfghjkl123", "letmein12345",
    "welcome12345", "Welcome@2026", "Osteon123456", "osteon123456",
}


class WeakPassword(BadRequest):
    """400: the new password fails the policy."""

    code = "auth.weak_password"
    title_zh = "密码不符合安全要求"
    title_en = "The password does not meet the security policy"


def hash_password(password: str) -> str:
    """Argon2id hash."""
    return _hasher.hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """True when ``password`` matches ``hashed`` (constant-time inside argon2)."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True when the hash uses outdated parameters."""
    return _hasher.check_needs_rehash(hashed)


def _classes(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not c.isalnum() for c in password) or any(ord(c) > 127 and not c.isascii() for c in password)
    return sum((lower, upper, digit, other))


def check_policy(password: str, settings: Settings, *, username: str = "") -> None:
    """Raise WeakPassword with a clear bilingual reason, or return."""
    if len(password) < settings.password_min_length:
        raise WeakPassword(
            f"密码至少需要 {settings.password_min_length} 个字符",
            f"The password needs at least {settings.password_min_length} characters",
        )
    if len(password) > 256:
        raise WeakPassword("密码不能超过 256 个字符", "The password must be at most 256 characters")
    if password in _COMMON or password.lower() in {p.lower() for p in _COMMON} or len(set(password)) <= 2:
        raise WeakPassword("这个密码太常见,容易被猜到,请换一个", "This password is too common; choose another")
    if username and username.lower() in password.lower():
        raise WeakPassword("密码不能包含用户名", "The password must not contain the username")
    needed = settings.password_require_classes
    if needed and _classes(password) < needed:
        raise WeakPassword(
            f"密码需包含大写字母、小写字母、数字、符号中的至少 {needed} 类",
            f"The password needs at least {needed} of: upper case, lower case, digits, symbols",
        )
