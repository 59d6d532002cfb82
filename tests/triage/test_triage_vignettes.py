"""Vignette evaluation with the issue's targets as assertions."""

from pathlib import Path

import pytest

from osteon.triage.evaluate import Report, evaluate, load_vignettes
from osteon.triage.knowledge import DEPARTMENTS, RED_FLAG_CODES

PATH = Path(__file__).parent / "vignettes.jsonl"


@pytest.fixture(scope="module")
def report() -> Report:
    """Evaluate once per module."""
    return evaluate(load_vignettes(PATH))


def test_vignette_set_is_broad() -> None:
    """>= 220 cases; every department, red flag and the main dialects; English and short inputs."""
    cases = load_vignettes(PATH)
    assert len(cases) >= 220
    assert len({c["id"] for c in cases}) == len(cases)
    assert {d for c in cases for d in c["departments"]} == set(DEPARTMENTS)
    assert {f for c in cases for f in c["red_flags"]} == set(RED_FLAG_CODES)
    dialects = {c["dialect"] for c in cases}
    assert {"普通话", "川渝", "东北", "粤", "吴", "英语"} <= dialects
    assert sum(len(c["text"]) <= 5 for c in cases) >= 10
    for c in cases:
        assert set(c) >= {"id", "text", "departments", "urgency", "red_flags", "dialect"}


def test_emergency_sensitivity_is_100_percent(report: Report) -> None:
    """No missed emergency."""
    assert report.emergency_sensitivity == 1.0, report.failures


def test_under_triage_at_most_2_percent(report: Report) -> None:
    """Under-triage <= 2 %."""
    assert report.under_triage <= 0.02, report.failures


def test_over_triage_at_most_5_percent(report: Report) -> None:
    """Over-triage <= 5 %."""
    assert report.over_triage <= 0.05, report.failures


def test_department_top1_at_least_95_percent(report: Report) -> None:
    """Top-1 department accuracy >= 95 %."""
    assert report.top1 >= 0.95, report.failures


def test_department_top3_at_least_99_percent(report: Report) -> None:
    """Top-3 department accuracy >= 99 %."""
    assert report.top3 >= 0.99, report.failures


def test_red_flag_recall(report: Report) -> None:
    """The expected red-flag codes are found."""
    assert report.red_flag_recall >= 0.95
