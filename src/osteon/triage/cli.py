"""CLI entry for evaluation: `osteon triage --json TEXT` and `osteon triage --batch FILE` (wired elsewhere)."""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from osteon.triage.engine import assess

_PUBLIC_KEYS = (
    "department",
    "department_name",
    "urgency",
    "red_flags",
    "red_flag_details",
    "alternatives",
    "evidence",
    "confidence",
    "instruction",
    "conditions",
    "facts",
)


def triage_json(text: str, age: float | None = None, sex: str | None = None) -> dict[str, Any]:
    """The public JSON object for one text (no internal finding dumps)."""
    full = assess(text, age=age, sex=sex).to_dict()
    return {k: full[k] for k in _PUBLIC_KEYS}


def run_triage_cli(json_text: str | None, batch_file: str | None, out: IO[str] = sys.stdout) -> int:
    """Run one text (--json) or a JSON-lines batch (--batch); returns the process exit code."""
    if json_text is None and batch_file is None:
        print("usage: osteon triage --json TEXT | --batch FILE", file=sys.stderr)
        return 2
    if json_text is not None:
        if not json_text.strip():
            print("error: empty text; describe where it hurts (请描述哪里不舒服)", file=sys.stderr)
            return 2
        out.write(json.dumps(triage_json(json_text), ensure_ascii=False) + "\n")
        return 0
    try:
        with open(batch_file, encoding="utf-8-sig") as fh:  # type: ignore[arg-type]
            lines = fh.readlines()
    except OSError as exc:
        print(f"error: cannot read {batch_file}: {exc}", file=sys.stderr)
        return 2
    code = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            item, reason = None, str(exc)
        else:
            reason = "each line must be a JSON object"
        if not isinstance(item, dict):
            print(f"error: line {n}: invalid JSON ({reason})", file=sys.stderr)
            out.write(json.dumps({"id": None, "line": n, "error": "invalid JSON"}, ensure_ascii=False) + "\n")
            code = 2
            continue
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            print(f"error: line {n} (id={item.get('id')!r}): empty text", file=sys.stderr)
            out.write(json.dumps({"id": item.get("id"), "error": "empty text"}, ensure_ascii=False) + "\n")
            code = 2
            continue
        obj = {"id": item.get("id"), **triage_json(text, age=item.get("age"), sex=item.get("sex"))}
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()
    return code
