"""Clocked time in hours, shared by the serializers, the hand-built representations and the leaderboard so they
always agree: the sum of the entries' whole seconds (`TimeEntry.seconds`), in hours rounded half up to two decimals.
"""

from decimal import ROUND_HALF_UP, Decimal

SECONDS_PER_HOUR = 3600
CENT = Decimal("0.01")


def clocked_hours(seconds: int | None) -> Decimal:
    """Seconds clocked as hours with two decimals, rounded half up; None (nothing clocked) is 0.00."""
    return (Decimal(seconds or 0) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)
