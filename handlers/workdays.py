"""Working days in Indonesia: weekends, national public holidays and cuti bersama are skipped.

This is the one holiday calendar of the bot: the complaint and consultation clocks count working
days with it, and supervision sessions are flagged with its (Indonesian) holiday names.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
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
