"""Character-level longest-match lexicon lookup (Aho-Corasick) run before any segmentation."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from osteon.triage.knowledge import Concept, Knowledge, is_ascii_word, load_knowledge
from osteon.triage.normalize import normalize


@dataclass(frozen=True)
class Match:
    """One lexicon hit in normalised text: [start, end) span, the surface form and its concept."""

    start: int
    end: int
    text: str
    concept: Concept
    dialect: str


@dataclass(frozen=True)
class _Entry:
    """Payload stored in the automaton for one normalised surface form."""

    form: str
    concept_id: str
    dialect: str
    ascii_word: bool


class Lexicon:
    """Aho-Corasick automaton over every lexicon form, with leftmost-longest non-overlapping selection."""

    def __init__(self, knowledge: Knowledge) -> None:
        """Build the automaton from the knowledge's concepts (forms normalised like patient text)."""
        self.knowledge = knowledge
        self._auto = ahocorasick.Automaton()
        pairs = [
            (concept, form, dialect)
            for concept in knowledge.concepts.values()
            for form, dialect in concept.forms
        ]
        # normalise all forms in one OpenCC call (per-form calls dominate cold start)
        keys = normalize("\n".join(form for _, form, _ in pairs)).split("\n")
        if len(keys) != len(pairs):  # pragma: no cover - a form containing a newline; fall back to per-form
            keys = [normalize(form) for _, form, _ in pairs]
        for (concept, _form, dialect), key in zip(pairs, keys, strict=True):
            key = key.strip()
            if not key:
                continue
            # the first concept to claim a normalised key keeps it (validation already rejects raw duplicates)
            if key not in self._auto:
                self._auto.add_word(key, _Entry(key, concept.id, dialect, is_ascii_word(key)))
        self._auto.make_automaton()
        self.size = len(self._auto)

    def match(self, text: str) -> list[Match]:
        """Return non-overlapping matches in normalised text, preferring the leftmost then longest form."""
        if not text:
            return []
        candidates: list[tuple[int, int, _Entry]] = []
        for end, entry in self._auto.iter(text):
            start = end - len(entry.form) + 1
            if entry.ascii_word and not _word_bounded(text, start, end + 1):
                continue
            candidates.append((start, end + 1, entry))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        out: list[Match] = []
        pos = 0
        for start, end, entry in candidates:
            if start < pos:
                continue
            out.append(
                Match(start, end, text[start:end], self.knowledge.concepts[entry.concept_id], entry.dialect)
            )
            pos = end
        return out


def _word_bounded(text: str, start: int, end: int) -> bool:
    """Latin forms must sit on word boundaries (allowing a plural s): 'arm' must not match 'harm'."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isascii() and before.isalnum():
        return False
    if after == "s" and (end + 1 >= len(text) or not text[end + 1].isalnum()):
        return True
    return not (after.isascii() and after.isalnum())


@lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """Return the process-wide lexicon built from the cached knowledge."""
    return Lexicon(load_knowledge())
