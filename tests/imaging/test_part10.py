"""part10_bytes: the SCP's Part 10 file for a received data set, identical to pynetdicom's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pynetdicom.dsutils import create_file_meta, encode_file_meta

from osteon.imaging.exceptions import InvalidDicom
from osteon.imaging.parsing import parse_instance
from osteon.imaging.part10 import part10_bytes
from tests.imaging.dicomgen import ct_slice, to_bytes

uids = st.from_regex(r"\A[12](\.[1-9][0-9]{0,8}){1,7}\Z", fullmatch=True).filter(lambda u: len(u) <= 64)


def pynetdicom_bytes(sop_class: str, sop_instance: str, syntax: str, dataset: bytes) -> bytes:
    """What ``event.encoded_dataset(include_meta=True)`` returns for these values."""
    meta = create_file_meta(sop_class_uid=sop_class, sop_instance_uid=sop_instance, transfer_syntax=syntax)
    return b"\x00" * 128 + b"DICM" + encode_file_meta(meta) + dataset


@given(sop_class=uids, sop_instance=uids, syntax=st.sampled_from(
    ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.90",
     "1.2.840.10008.1.2.5"]), dataset=st.binary(max_size=64))
def test_identical_to_pynetdicom(sop_class, sop_instance, syntax, dataset):
    """Same bytes as pynetdicom's file meta writer, for UIDs of odd and even length."""
    assert part10_bytes(sop_class, sop_instance, syntax, dataset) == pynetdicom_bytes(sop_class, sop_instance,
                                                                                     syntax, dataset)


def test_a_received_slice_parses_as_the_original():
    """The file written for a received CT slice parses to the same instance as the sender's file."""
    ds = ct_slice(size=64, seed=1)
    original = to_bytes(ds)
    body = original[132 + 12 + int.from_bytes(original[140:144], "little"):]
    rebuilt = part10_bytes(ds.SOPClassUID, ds.SOPInstanceUID, "1.2.840.10008.1.2.1", body)
    a, b = parse_instance(original), parse_instance(rebuilt)
    assert (a.sop_instance_uid, a.meta_json, a.frame_size) == (b.sop_instance_uid, b.meta_json, b.frame_size)


@pytest.mark.parametrize("bad", ["", "1.2.3" + "4" * 62, "1.2.三"])
def test_unusable_uid_is_refused(bad):
    """Empty, longer than 64 characters, or not ASCII: a clear refusal, not a broken file."""
    with pytest.raises(InvalidDicom) as err:
        part10_bytes("1.2.840.10008.5.1.4.1.1.2", bad, "1.2.840.10008.1.2.1", b"")
    assert err.value.en == "Invalid UID in the C-STORE request"
