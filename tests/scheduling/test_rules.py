"""The queue ordering and booking rules (pure functions over the data files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from osteon.scheduling.rules import booking_blocked_until, order_queue, priority_for, rules
from osteon.scheduling.service import split_capacity


@dataclass
class E:
    """A minimal queue entry."""

    name: str
    priority: int = 2
    minute: int = 0
    skipped_at_call: int | None = None
    queue_no: int | None = None

    @property
    def checked_in_at(self) -> datetime:
        """Check-in time from the minute."""
        return datetime(2026, 11, 25, 8, 0, tzinfo=UTC) + timedelta(minutes=self.minute)


def names(entries) -> list[str]:
    """Names in order."""
    return [e.name for e in entries]


def test_rule_files_load_with_the_documented_numbers():
    r = rules()
    assert (r.elderly_age, r.skip_requeue_after, r.near_ahead) == (80, 2, 3)
    assert (r.no_show_limit, r.no_show_window_days, r.no_show_block_days) == (3, 90, 30)
    assert r.class_rank == {"emergency": 0, "priority": 1, "normal": 2}


def test_emergency_first_then_elderly_and_returning_then_normal_by_check_in_time():
    q = [E("normal-early", 2, 0), E("elderly", 1, 30), E("emergency", 0, 50), E("returning", 1, 20), E("normal-late", 2, 40)]
    assert names(order_queue(q, calls=0)) == ["emergency", "returning", "elderly", "normal-early", "normal-late"]


def test_priority_class_from_age_and_flags():
    assert priority_for(80) == (1, "elderly")
    assert priority_for(79) == (2, "")
    assert priority_for(None) == (2, "")
    assert priority_for(30, returning_with_results=True) == (1, "returning_with_results")
    assert priority_for(85, emergency=True) == (0, "emergency")


def test_skipped_patient_goes_back_after_two_others():
    a, b, c, d = E("a", minute=0, skipped_at_call=5), E("b", minute=1), E("c", minute=2), E("d", minute=3)
    assert names(order_queue([a, b, c, d], calls=5)) == ["b", "c", "a", "d"]
    assert names(order_queue([a, c, d], calls=6)) == ["c", "a", "d"]   # b was called: one more to go
    assert names(order_queue([a, d], calls=7)) == ["a", "d"]           # two others called: a is next
    assert names(order_queue([a], calls=5)) == ["a"]                    # nobody else waiting: no one to wait for


def test_three_no_shows_in_90_days_block_online_booking_for_30_days():
    d = date(2026, 11, 1)
    shows = [d - timedelta(days=80), d - timedelta(days=40), d]
    assert booking_blocked_until(shows, d) == d + timedelta(days=30)
    assert booking_blocked_until(shows, d + timedelta(days=29)) == d + timedelta(days=30)
    assert booking_blocked_until(shows, d + timedelta(days=30)) is None
    assert booking_blocked_until([d - timedelta(days=100), d - timedelta(days=40), d], d) is None  # not within 90 days
    assert booking_blocked_until(shows[1:], d) is None


def test_capacity_is_spread_over_the_slots():
    assert split_capacity(10, 4) == [2, 3, 2, 3]
    assert sum(split_capacity(7, 16)) == 7 and max(split_capacity(7, 16)) == 1
