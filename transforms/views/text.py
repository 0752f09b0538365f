"""Numbers and dates written into sentences the reports generate (the Summary's lines,
run summaries): one home for how a rate, a change in points or a date reads.
Grain: one value in, one string out."""

from __future__ import annotations

from datetime import date

from transforms.views.changes import PERCENT_DECIMALS


def percent(value: float | None) -> str:
    """0.194 -> "19.4%"; no value -> "no value"."""
    if value is None:
        return "no value"
    return f"{value * 100:.{PERCENT_DECIMALS}f}%"


def points(change: float) -> str:
    """A change already in points, without its sign: 0.3 -> "0.3 pts", 1 -> "1.0 pt"."""
    size = abs(change)
    unit = "pt" if round(size, PERCENT_DECIMALS) == 1 else "pts"
    return f"{size:.{PERCENT_DECIMALS}f} {unit}"


def day(value: date) -> str:
    """31 Oct 2026 (no leading zero)."""
    return f"{value.day} {value:%b %Y}"


def listing(items: list[str], limit: int = 3) -> str:
    """Items in a sentence: A; A and B; A, B and C; A, B, C and 2 more."""
    if len(items) > limit:
        shown, more = items[:limit], len(items) - limit
        return ", ".join(shown) + f" and {more} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
