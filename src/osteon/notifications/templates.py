"""Message templates as data (``templates/*.yaml``): loaded and checked at import."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DIR = Path(__file__).parent / "templates"
LANGUAGES = ("zh-CN", "en")
CHANNELS = ("in_app", "sms", "email")


@dataclass(frozen=True)
class EventDef:
    """An event's urgency and default channels."""

    code: str
    urgent: bool
    channels: tuple[str, ...]


class _Blank(dict):
    """format_map helper: a missing placeholder renders empty instead of failing the notification."""

    def __missing__(self, key: str) -> str:
        """Empty text."""
        return ""


@lru_cache
def events() -> dict[str, EventDef]:
    """The event catalogue, every event with a template in every language."""
    raw: dict[str, Any] = yaml.safe_load((DIR / "events.yaml").read_text(encoding="utf-8"))
    defs = {code: EventDef(code, bool(v["urgent"]), tuple(v["channels"])) for code, v in raw.items()}
    for lang in LANGUAGES:
        tpl = _templates(lang)
        missing = set(defs) - set(tpl)
        assert not missing, f"{lang} templates missing for {sorted(missing)}"
        for t in tpl.values():
            for field in ("title", "body"):
                list(string.Formatter().parse(t[field]))  # malformed braces fail at start, not at send
    for d in defs.values():
        assert set(d.channels) <= set(CHANNELS), d
    return defs


@lru_cache
def _templates(lang: str) -> dict[str, dict[str, str]]:
    """The templates of one language."""
    return yaml.safe_load((DIR / f"{lang}.yaml").read_text(encoding="utf-8"))


def render(event_code: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of an event in a language (zh-CN unless 'en')."""
    lang = "en" if language.lower().startswith("en") else "zh-CN"
    t = _templates(lang)[event_code]
    values = _Blank({k: "" if v is None else v for k, v in context.items()})
    return t["title"].format_map(values), t["body"].format_map(values)
