"""Smart triage and pre-visit interview for colloquial / dialect Chinese and English (offline, rule-checked).

Public API:
    assess(text, age=None, sex=None) -> TriageResult   (.to_dict())
    Interview.start(complaint=None, age=None, sex=None, lang="zh") / .answer(text) / .next_question()
             / .to_state() / Interview.from_state(state) / .summary() -> Summary
    run_triage_cli(json_text, batch_file, out=sys.stdout) -> int
"""

from osteon.triage.cli import run_triage_cli
from osteon.triage.engine import Facts, TriageResult, assess, decide
from osteon.triage.extract import Extraction, Finding, extract
from osteon.triage.interview import Interview, TurnResult
from osteon.triage.knowledge import TriageDataError, load_knowledge
from osteon.triage.normalize import normalize
from osteon.triage.summary import Sentence, Summary, build_summary

__all__ = [
    "Extraction",
    "Facts",
    "Finding",
    "Interview",
    "Sentence",
    "Summary",
    "TriageDataError",
    "TriageResult",
    "TurnResult",
    "assess",
    "build_summary",
    "decide",
    "extract",
    "load_knowledge",
    "normalize",
    "run_triage_cli",
    "warm_up",
]


def warm_up() -> None:
    """Load data, build the automaton and run one assessment so the first patient request is fast."""
    assess("腰疼")
