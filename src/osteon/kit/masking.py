"""Masked display of protected values in lists (SECURITY 15): 张*三, 138****1234."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first and last character: 张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """138****1234: first 3 and last 4 digits of a mobile; landlines keep the last 4."""
    if not phone:
        return phone
    digits = phone.replace("-", "").replace(" ", "")
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(id_number: str | None) -> str | None:
    """110***********1234: region's first 3 and the last 4 characters (birth date hidden)."""
    if not id_number:
        return id_number
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]
