"""The parser entry point: charsets decoded, bad input → InvalidDicom only (hypothesis fuzzing)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osteon.imaging.charset import pn_groups, response_charset
from osteon.imaging.exceptions import InvalidDicom
from osteon.imaging.parsing import normalise_part10, parse_instance
from osteon.imaging.storage import DicomStore
from tests.imaging.dicomgen import ct_slice, to_bytes

VALID = to_bytes(ct_slice(patient_id="Q1", patient_name="王^建国", charset="GB18030", size=16))


@pytest.mark.parametrize(("charset", "name"), [
    ("GB18030", "王^建国"), ("GBK", "李^明"), ("ISO_IR 192", "张^三=张^三"), ("ISO_IR 100", "Müller^Jürgen"),
    (None, "Wang^Jianguo"),
])
def test_names_are_decoded_with_the_specific_character_set(charset, name):
    """Chinese (GB18030, GBK, UTF-8) and Latin-1 names decode to the same Unicode text."""
    parsed = parse_instance(to_bytes(ct_slice(patient_name=name, charset=charset, size=16)))
    assert parsed.patient_name == name
    assert name.split("=")[0] in parsed.meta_json


def test_gb18030_bytes_on_the_wire_are_not_utf8():
    """The generated GB18030 file really carries GB18030 bytes (the test above is not vacuous)."""
    assert "王".encode("gb18030") in VALID and "王".encode() not in VALID


def test_required_uid_missing_is_a_clear_error():
    """Missing SOP Instance UID names the attribute."""
    ds = ct_slice(size=16)
    del ds.SeriesInstanceUID
    with pytest.raises(InvalidDicom) as err:
        parse_instance(to_bytes(ds))
    assert err.value.extra["missing"] == "SeriesInstanceUID"


def test_truncation_anywhere_is_refused():
    """A file cut at any point fails validation (checked every 97 bytes)."""
    for cut in range(0, len(VALID) - 1, 97):
        with pytest.raises(InvalidDicom):
            parse_instance(VALID[:cut])


def test_preamble_is_restored_for_lenient_senders():
    """STOW clients that omit the preamble are accepted after normalisation."""
    assert parse_instance(normalise_part10(VALID[128:])).sop_instance_uid
    assert parse_instance(normalise_part10(VALID[132:])).sop_instance_uid


def test_response_charset_follows_the_caller():
    """Answer in GB18030 to a GB18030 query, UTF-8 otherwise when needed."""
    assert response_charset("GB18030", ["王"]) == "GB18030"
    assert response_charset(None, ["王"]) == "ISO_IR 192"
    assert response_charset(None, ["Wang"]) is None
    assert pn_groups("Wang^Jianguo=王^建国") == {"Alphabetic": "Wang^Jianguo", "Ideographic": "王^建国"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_invalid_dicom(data):
    """Arbitrary bytes: a typed error or (never) a success — nothing else."""
    for candidate in (data, b"\0" * 128 + b"DICM" + data, normalise_part10(data)):
        try:
            parse_instance(candidate)
        except InvalidDicom:
            pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8),
       st.integers(132, len(VALID)))
def test_mutated_valid_files_raise_only_invalid_dicom(flips, cut):
    """A valid file with flipped bytes and a random cut either parses or raises InvalidDicom."""
    data = bytearray(VALID[:cut])
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    try:
        parse_instance(bytes(data))
    except InvalidDicom:
        pass


@given(st.text(max_size=80))
def test_store_paths_come_only_from_hashes(text):
    """Any string that is not a 64-hex hash is refused by the store."""
    store = DicomStore.__new__(DicomStore)
    store.root = __import__("pathlib").Path("/nonexistent")
    try:
        path = store.path_for(text)
    except ValueError:
        return
    assert path.name == f"{text}.dcm" and ".." not in str(path)
