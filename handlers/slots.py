"""Occurrences of a recurring slot, computed from the agreement's start date.

Never cron's `week='*/2'`: ISO week 53 (as in 2026) would make that fire two weeks running.
Counting 7 or 14 days from the first occurrence keeps a biweekly slot biweekly across years.
Local wall-clock time in the agreement's zone (WIB/WITA/WIT) is turned into UTC per date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def first_date(start: date, weekday: int) -> date:
    """The first date on or after `start` that falls on `weekday` (Monday is 0)."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def occurrence_date(start: date, weekday: int, cadence_days: int, index: int) -> date:
    return first_date(start, weekday) + timedelta(days=cadence_days * index)


def occurrences(start: date, weekday: int, cadence_days: int) -> Iterator[tuple[int, date]]:
    index = 0
    while True:
        yield index, occurrence_date(start, weekday, cadence_days, index)
        index += 1


def parse_clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def at_local(day: date, clock: str | time, timezone: str) -> datetime:
    """`day` at the wall-clock time in `timezone`, as an aware UTC datetime."""
    wall = parse_clock(clock) if isinstance(clock, str) else clock
    return datetime.combine(day, wall, ZoneInfo(timezone)).astimezone(UTC)


def zone_label(timezone: str) -> str:
    return ZONE_LABELS.get(timezone, timezone)


def local_clock(moment: datetime, timezone: str) -> str:
    """ "10:00 WITA" for a UTC instant, in the person's own zone."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%H:%M} {zone_label(timezone)}"
