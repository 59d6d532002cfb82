"""A received C-STORE data set as a DICOM Part 10 file, without building a pydicom dataset for its header.

pynetdicom's ``event.encoded_dataset(include_meta=True)`` builds a ``FileMetaDataset`` (validating each UID with
a regular expression) and writes it with pydicom: ≈ 0.6 ms per instance here, on the SCP's critical path. The
file meta group is seven short elements in Explicit VR Little Endian (PS3.10 §7.1), written here directly.
``tests/imaging/test_part10.py`` checks the bytes are identical to pynetdicom's for UIDs of odd and even length.
"""

from __future__ import annotations

import struct

from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION

from osteon.imaging.exceptions import InvalidDicom

_PREAMBLE = b"\x00" * 128 + b"DICM"


def _short(group: int, element: int, vr: bytes, value: bytes) -> bytes:
    """One element with a 2-byte length (UL, UI, SH), value already padded to even length."""
    return struct.pack("<HH2sH", group, element, vr, len(value)) + value


def _ui(value: str) -> bytes:
    """A UID value padded with NUL to even length (PS3.5 §9.1); refused unless ASCII of at most 64 characters."""
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raw = b""
    if not raw or len(raw) > 64:
        raise InvalidDicom("C-STORE 请求中的 UID 无效", "Invalid UID in the C-STORE request", invalid="UID")
    return raw + b"\x00" if len(raw) % 2 else raw


def _sh(value: str) -> bytes:
    """A short string padded with a space to even length."""
    raw = value.encode("ascii")
    return raw + b" " if len(raw) % 2 else raw


# (0002,0001) File Meta Information Version, OB: 2-byte reserved field and 4-byte length.
_VERSION = struct.pack("<HH2sHI", 0x0002, 0x0001, b"OB", 0, 2) + b"\x00\x01"
_IMPLEMENTATION = (_short(0x0002, 0x0012, b"UI", _ui(PYNETDICOM_IMPLEMENTATION_UID))
                   + _short(0x0002, 0x0013, b"SH", _sh(PYNETDICOM_IMPLEMENTATION_VERSION)))


def part10_bytes(sop_class_uid: str, sop_instance_uid: str, transfer_syntax_uid: str, dataset: bytes) -> bytes:
    """Preamble, prefix, file meta group and ``dataset`` (as received): what pynetdicom's
    ``encoded_dataset(include_meta=True)`` returns. A UID that is not ASCII or is too long: InvalidDicom."""
    group = b"".join((_VERSION,
                      _short(0x0002, 0x0002, b"UI", _ui(sop_class_uid)),
                      _short(0x0002, 0x0003, b"UI", _ui(sop_instance_uid)),
                      _short(0x0002, 0x0010, b"UI", _ui(transfer_syntax_uid)),
                      _IMPLEMENTATION))
    length = _short(0x0002, 0x0000, b"UL", struct.pack("<I", len(group)))
    return b"".join((_PREAMBLE, length, group, dataset))
