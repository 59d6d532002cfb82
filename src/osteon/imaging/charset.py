"""Specific Character Set (0008,0005) handling.

Chinese departments send names in GB18030, GBK or ISO_IR 192 (UTF-8); older devices ISO_IR 100 (Latin-1).
pydicom decodes text elements with the dataset's own character set; these helpers pick the set used
when Osteon answers (C-FIND responses, worklist) and split PN values into their component groups.
"""

from __future__ import annotations

import warnings
from typing import Any

from pydicom.charset import python_encoding

# What Osteon accepts on input (beyond ASCII); others are decoded with a fallback and a warning.
SUPPORTED = ("ISO_IR 192", "GB18030", "GBK", "ISO_IR 100", "ISO_IR 6", "ISO 2022 IR 6", "ISO 2022 IR 58")


def normalise_charset(value: Any) -> list[str]:
    """The Specific Character Set as a list of defined terms ("" = default repertoire)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value.strip()]
    return [str(v).strip() for v in value]


def response_charset(query_charset: Any, texts: list[str]) -> str | list[str] | None:
    """The Specific Character Set for an answer: the caller's Chinese set if it asked in one, else UTF-8
    when any text is non-ASCII (ISO_IR 192 is what current modalities and viewers expect)."""
    asked = normalise_charset(query_charset)
    if all(t.isascii() for t in texts):
        return asked[0] if asked and asked[0] in ("GB18030", "GBK", "ISO_IR 192") else None
    for cs in asked:
        if cs in ("GB18030", "GBK", "ISO_IR 192"):
            # GBK cannot carry every GB18030 character: fall back to GB18030 when it cannot encode.
            if cs == "GBK" and not _encodable(texts, "GBK"):
                return "GB18030"
            return cs
    return "ISO_IR 192"


def _encodable(texts: list[str], charset: str) -> bool:
    """True when every text encodes in ``charset``."""
    enc = python_encoding.get(charset, "utf-8")
    try:
        for t in texts:
            t.encode(enc)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def pn_groups(name: str) -> dict[str, str]:
    """A decoded PN value as DICOM JSON groups: Alphabetic=Ideographic=Phonetic."""
    if not name:
        return {}
    keys = ("Alphabetic", "Ideographic", "Phonetic")
    return {k: v for k, v in zip(keys, name.split("=")) if v}


def text_of(value: Any) -> str:
    """A decoded text value of an element as str (multi-valued joined with backslashes)."""
    if value is None:
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            return "\\".join(str(v) for v in value)
        return str(value)
