"""Clocked time in hours and minutes, shared by the serializers and the hand-built representations so the two
always agree. Pure arithmetic on (started_at, ended_at) pairs: the callers fetch them (one query per page)."""

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

SECONDS_PER_HOUR = Decimal(3600)
CENT = Decimal("0.01")


def clocked_hours(entries: Iterable[tuple[datetime, datetime | None]]) -> Decimal:
    """The ended entries' time in hours, rounded half up to two decimals; an open entry (no end) counts nothing."""
    seconds = sum(
        ((ended - started).total_seconds() for started, ended in entries if ended is not None),
        0.0,
    )
    return (Decimal(str(seconds)) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


def entry_minutes(started_at: datetime, ended_at: datetime | None) -> int | None:
    """Whole minutes of an ended entry (rounded down); None while it is open."""
    if ended_at is None:
        return None
    return int((ended_at - started_at).total_seconds() // 60)
