"""run_triage_cli: --json prints one object, --batch one line per id, empty text exits 2."""

import io
import json
from pathlib import Path

import pytest

from osteon.triage.cli import run_triage_cli

KEYS = {"department", "urgency", "red_flags", "alternatives", "evidence", "confidence", "instruction"}


def test_json_prints_one_object() -> None:
    """--json TEXT."""
    out = io.StringIO()
    assert run_triage_cli("腰杆疼", None, out=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert KEYS <= set(obj)
    assert obj["department"] == "spine" and obj["urgency"] == "routine"
    assert obj["instruction"]["zh"] and obj["instruction"]["en"]


def test_empty_text_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Empty text: message on stderr, exit 2."""
    out = io.StringIO()
    assert run_triage_cli("   ", None, out=out) == 2
    assert out.getvalue() == ""
    assert "empty" in capsys.readouterr().err


def test_gibberish_is_other_with_low_confidence() -> None:
    """Gibberish -> other, low confidence."""
    out = io.StringIO()
    run_triage_cli("qwzx blorf", None, out=out)
    obj = json.loads(out.getvalue())
    assert obj["department"] == "other" and obj["confidence"] < 0.3


def test_batch_keeps_ids(tmp_path: Path) -> None:
    """--batch FILE writes one object per line with the same id."""
    f = tmp_path / "in.jsonl"
    rows = [
        {"id": 1, "text": "腰杆疼"},
        {"id": "b", "text": "胸口疼，左胳膊也疼"},
        {"id": 3, "text": "knee pain"},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    out = io.StringIO()
    assert run_triage_cli(None, str(f), out=out) == 0
    objs = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [o["id"] for o in objs] == [1, "b", 3]
    assert objs[1]["department"] == "emergency" and objs[1]["urgency"] == "emergency"
    assert all(KEYS <= set(o) for o in objs)


def test_batch_with_empty_text_reports_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty text line is reported (stderr + error object) and the exit code is 2."""
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": 1, "text": ""}\n{"id": 2, "text": "腰疼"}\n', encoding="utf-8")
    out = io.StringIO()
    assert run_triage_cli(None, str(f), out=out) == 2
    objs = [json.loads(x) for x in out.getvalue().splitlines()]
    assert objs[0] == {"id": 1, "error": "empty text"} and objs[1]["department"] == "spine"
    assert "empty" in capsys.readouterr().err


def test_missing_batch_file() -> None:
    """Unreadable file -> exit 2."""
    assert run_triage_cli(None, "/nonexistent/file.jsonl", out=io.StringIO()) == 2
