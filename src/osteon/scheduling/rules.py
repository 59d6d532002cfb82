"""The scheduling rules as data (``data/*.yaml``), loaded and validated at import, and the pure functions using them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class FeeCategory:
    """A registration fee category."""

    code: str
    label_zh: str
    label_en: str
    amount: Decimal


@dataclass(frozen=True)
class Rules:
    """Both rule files, validated."""

    class_rank: dict[str, int]
    priority_reasons: dict[str, int]  # reason → rank
    elderly_age: int
    skip_requeue_after: int
    near_ahead: int
    no_show_limit: int
    no_show_window_days: int
    no_show_block_days: int
    portal_horizon_days: int
    checkin_opens_minutes_before: int
    periods: dict[str, tuple[time, time]]
    fees: dict[str, FeeCategory]


def _hm(text: str) -> time:
    """'08:30' → time(8, 30)."""
    h, m = text.split(":")
    return time(int(h), int(m))


@lru_cache
def rules() -> Rules:
    """Load and check ``queue_rules.yaml`` and ``booking_rules.yaml``."""
    q: dict[str, Any] = yaml.safe_load((DATA / "queue_rules.yaml").read_text(encoding="utf-8"))
    b: dict[str, Any] = yaml.safe_load((DATA / "booking_rules.yaml").read_text(encoding="utf-8"))
    ranks = {c["code"]: int(c["rank"]) for c in q["classes"]}
    assert set(ranks) == {"emergency", "priority", "normal"}, "queue classes must be emergency, priority, normal"
    reasons = {"emergency": ranks["emergency"]}
    for c in q["classes"]:
        for reason in c.get("reasons", []):
            reasons[reason] = int(c["rank"])
    assert {"elderly", "returning_with_results"} <= set(reasons)
    periods = {k: (_hm(v["start"]), _hm(v["end"])) for k, v in b["periods"].items()}
    assert all(s < e for s, e in periods.values())
    fees = {k: FeeCategory(k, v["label_zh"], v["label_en"], Decimal(str(v["amount"]))) for k, v in b["fee_categories"].items()}
    r = Rules(
        class_rank=ranks, priority_reasons=reasons, elderly_age=int(q["elderly_age"]),
        skip_requeue_after=int(q["skip_requeue_after"]), near_ahead=int(q["near_ahead"]),
        no_show_limit=int(b["no_show"]["limit"]), no_show_window_days=int(b["no_show"]["window_days"]),
        no_show_block_days=int(b["no_show"]["block_days"]), portal_horizon_days=int(b["portal_booking_horizon_days"]),
        checkin_opens_minutes_before=int(b["checkin_opens_minutes_before"]), periods=periods, fees=fees,
    )
    assert r.skip_requeue_after >= 0 and r.near_ahead >= 1 and r.no_show_limit >= 1
    return r


class QueueEntry(Protocol):
    """What ordering needs from a waiting appointment."""

    priority: int
    checked_in_at: Any
    queue_no: int | None
    skipped_at_call: int | None


def order_queue(waiting: list[QueueEntry], calls: int, requeue_after: int | None = None) -> list[QueueEntry]:
    """The call order: by priority rank, then check-in time; a patient skipped at call ``k`` is held until
    ``requeue_after`` others have been called (their place is that many positions down), then rejoins by rank."""
    n = rules().skip_requeue_after if requeue_after is None else requeue_after

    def key(e: QueueEntry) -> tuple[Any, ...]:
        """Rank, then check-in time, then queue number."""
        return (e.priority, e.checked_in_at, e.queue_no or 0)

    held = [e for e in waiting if e.skipped_at_call is not None and calls - e.skipped_at_call < n]
    held_ids = {id(e) for e in held}
    result = sorted((e for e in waiting if id(e) not in held_ids), key=key)
    for e in sorted(held, key=lambda e: (n - (calls - (e.skipped_at_call or 0)), e.skipped_at_call, key(e))):
        remaining = n - (calls - (e.skipped_at_call or 0))
        result.insert(min(remaining, len(result)), e)
    return result


def priority_for(age: int | None, *, emergency: bool = False, returning_with_results: bool = False) -> tuple[int, str]:
    """(rank, reason) for a patient checking in."""
    r = rules()
    if emergency:
        return r.class_rank["emergency"], "emergency"
    if returning_with_results:
        return r.priority_reasons["returning_with_results"], "returning_with_results"
    if age is not None and age >= r.elderly_age:
        return r.priority_reasons["elderly"], "elderly"
    return r.class_rank["normal"], ""


def booking_blocked_until(no_show_dates: list[date], today: date) -> date | None:
    """The day online booking opens again, if ``limit`` no-shows within ``window_days`` block it today."""
    r = rules()
    dates = sorted(no_show_dates)
    blocked: date | None = None
    for i, d in enumerate(dates):
        within = [x for x in dates[: i + 1] if d - x < timedelta(days=r.no_show_window_days)]
        if len(within) >= r.no_show_limit:
            until = d + timedelta(days=r.no_show_block_days)
            if d <= today < until:
                blocked = max(blocked or until, until)
    return blocked
