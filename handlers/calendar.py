"""Time in the domain's terms: working days, holidays, and the occurrences of a recurring slot.

Working days in Indonesia skip weekends, national public holidays and cuti bersama. This is the
one holiday calendar of the bot: the complaint and consultation clocks count working days with
it, and supervision sessions are flagged with its (Indonesian) holiday names.

Occurrences of a recurring slot are computed from the agreement's start date, never with cron's
`week='*/2'`: ISO week 53 (as in 2026) would make that fire two weeks running. Counting 7 or 14
days from the first occurrence keeps a biweekly slot biweekly across years. Local wall-clock
time in the agreement's zone (WIB/WITA/WIT) is turned into UTC per date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

# "public": the national holidays (hari libur nasional); "government": cuti bersama, the joint
# leave days on which government offices, PKH staff included, do not work.
CATEGORIES = ("public", "government")


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year, categories=CATEGORIES, language="id")


def holiday_name(day: date) -> str | None:
    """The Indonesian name of the holiday or cuti bersama on `day`, or None."""
    return _holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def add_working_days_at(moment: datetime, days: int, timezone: str) -> datetime:
    """The same local clock time `days` working days later, in `timezone`, returned in UTC."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    target = add_working_days(local.date(), days)
    return datetime.combine(target, local.timetz().replace(tzinfo=None), zone).astimezone(UTC)


# -- recurring slots ----------------------------------------------------------------------
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
