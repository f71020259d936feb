"""Durations in words for people: "48 minutes", "1 hour", never "2875 seconds" or "1 minutes"."""

import math


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def duration(seconds: float) -> str:
    """``seconds`` as a person would say it, rounded up: "1 second", "48 minutes", "2 hours 5 minutes", "3 days"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return _count(seconds, "second")
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return _count(minutes, "minute")
    if minutes < 24 * 60:
        hours, minutes = divmod(minutes, 60)
        return _count(hours, "hour") + (f" {_count(minutes, 'minute')}" if minutes else "")
    return _count(math.ceil(minutes / (24 * 60)), "day")
