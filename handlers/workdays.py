"""Working days in Indonesia: weekends and national public holidays are skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays


@cache
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


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
