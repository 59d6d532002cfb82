"""Field validators shared by schemas; their errors carry zh and en messages."""

from __future__ import annotations

import re
import unicodedata

from pydantic_core import PydanticCustomError


def field_error(code: str, zh: str, en: str) -> PydanticCustomError:
    """A validation error whose message the error handler can show in either language."""
    return PydanticCustomError(code, en, {"zh": zh, "en": en})


def clean_text(value: str, *, max_len: int, label_zh: str, label_en: str, allow_newlines: bool = False) -> str:
    """NFC-normalise, refuse control characters, collapse spaces, enforce length."""
    value = unicodedata.normalize("NFC", value).strip()
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and not (allow_newlines and ch in "\n\t"):
            raise field_error("control_characters", f"{label_zh}包含不可见的控制字符", f"{label_en} contains invisible control characters")
    if not allow_newlines:
        value = re.sub(r"\s+", " ", value)
    if not value:
        raise field_error("empty", f"{label_zh}不能为空", f"{label_en} must not be empty")
    if len(value) > max_len:
        raise field_error("too_long", f"{label_zh}不能超过{max_len}个字", f"{label_en} must be at most {max_len} characters")
    return value


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def clean_phone(value: str) -> str:
    """A mainland mobile (11 digits) or landline (区号-号码); +86 and spaces are dropped."""
    v = re.sub(r"[\s()]", "", value)
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    if not (_MOBILE.match(v) or _LANDLINE.match(v)):
        raise field_error("phone_invalid", "电话号码格式不正确(手机号为11位数字)", "The phone number is not valid (a mobile has 11 digits)")
    return v.replace("-", "") if _MOBILE.match(v.replace("-", "")) else v
