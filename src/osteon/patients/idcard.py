"""Chinese resident identity card numbers (GB 11643-1999): checksum, birth date and sex."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# GB 11643-1999 §8.2: ISO 7064 MOD 11-2 weights and check characters.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# GB/T 2260 province-level codes (first two digits); 71 台湾, 81 香港, 82 澳门 issue 居住证 numbers too.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
}
_PATTERN = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The number is not a valid resident ID number; ``reason`` says why, in zh and en."""

    def __init__(self, zh: str, en: str) -> None:
        """Carry both messages."""
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class IdNumber:
    """A validated ID number and what it encodes."""

    value: str
    birth_date: date
    sex: str  # male | female
    region: str


def check_digit(first17: str) -> str:
    """The check character for 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(raw: str) -> str:
    """Trim, drop spaces, full-width → half-width, lower-case x → X."""
    out = []
    for ch in raw.strip():
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if ch not in " \u3000":
            out.append(ch)
    return "".join(out).upper()


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character ID number; raise InvalidIdNumber with a clear reason."""
    value = normalize(raw)
    if len(value) != 18:
        raise InvalidIdNumber("身份证号应为18位", "An ID number has 18 characters")
    if not _PATTERN.match(value):
        raise InvalidIdNumber("身份证号前17位应为数字,最后一位为数字或X", "The first 17 characters must be digits, the last a digit or X")
    if value[:2] not in _PROVINCES:
        raise InvalidIdNumber("身份证号的地区码不正确", "The region code of the ID number is not valid")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期不存在", "The birth date in the ID number does not exist") from None
    today = today or date.today()
    if born > today or born.year < 1890:
        raise InvalidIdNumber("身份证号中的出生日期不合理", "The birth date in the ID number is not plausible")
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号校验位不正确,请核对是否输错", "The ID number's check digit is wrong; please check for a typo")
    return IdNumber(value=value, birth_date=born, sex="male" if int(value[16]) % 2 else "female", region=value[:6])
