"""Times as pendamping and supervisors type them: examples read right, and for any weekday,
"depan" or not, hour, minute and part of the day, the moment found is that weekday at that time,
still to come and within two weeks; any other text gives None without raising."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.moments import WEEKDAYS, parse_moment

WIB = ZoneInfo("Asia/Jakarta")
THURSDAY = datetime(2026, 12, 3, 9, 30, tzinfo=WIB)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Kamis jam 10", datetime(2026, 12, 3, 10, 0)),
        ("kamis jam 9", datetime(2026, 12, 10, 9, 0)),  # already past today: next Thursday
        ("besok pagi", datetime(2026, 12, 4, 9, 0)),
        ("senin depan jam 13.30", datetime(2026, 12, 7, 13, 30)),
        ("Kamis depan pukul 10.15 WIB", datetime(2026, 12, 10, 10, 15)),
        ("12/12 pukul 14:00", datetime(2026, 12, 12, 14, 0)),
        ("jam 2 siang", datetime(2026, 12, 3, 14, 0)),
        ("Jum'at jam 8 malam", datetime(2026, 12, 4, 20, 0)),
        ("lusa sore", datetime(2026, 12, 5, 16, 0)),
        ("tanggal 20 Des jam 9", datetime(2026, 12, 20, 9, 0)),
        ("10.30", datetime(2026, 12, 3, 10, 30)),
        ("jam 8", datetime(2026, 12, 4, 8, 0)),  # 08:00 has passed today: tomorrow
        ("hari ini jam 11", datetime(2026, 12, 3, 11, 0)),
    ],
)
def test_typed_times_become_moments(typed: str, meant: datetime) -> None:
    assert parse_moment(typed, THURSDAY) == meant.replace(tzinfo=WIB)


@pytest.mark.parametrize(
    "typed",
    [
        "besok",
        "minggu depan",
        "halo",
        "jam 25",
        "jam 10.75",
        "kemarin jam 10",
        "hari ini jam 8",  # said at 09:30: past, not tomorrow
        "1/1/2020 jam 9",
        "",
    ],
)
def test_what_is_no_moment_or_already_past_gives_none(typed: str) -> None:
    assert parse_moment(typed, THURSDAY) is None


def test_the_zone_is_the_persons_own() -> None:
    wita = THURSDAY.astimezone(ZoneInfo("Asia/Makassar"))
    found = parse_moment("besok jam 10", wita)
    assert found is not None
    assert found.astimezone(UTC) == datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@given(
    day=st.sampled_from(sorted(WEEKDAYS)),
    next_week=st.booleans(),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    separator=st.sampled_from([".", ":"]),
    word=st.sampled_from(["jam", "pukul", "Jam"]),
    now=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)),
)
def test_any_weekday_and_time_is_that_weekday_at_that_time(
    day: str,
    next_week: bool,
    hour: int,
    minute: int,
    separator: str,
    word: str,
    now: datetime,
) -> None:
    if day == "minggu" and next_week:
        day = "ahad"  # "minggu depan" means next week, not Sunday
    local_now = now.replace(tzinfo=WIB)
    typed = f"{day.title()}{' depan' if next_week else ''} {word} {hour}{separator}{minute:02d}"
    found = parse_moment(typed, local_now)
    assert found is not None, typed
    assert found > local_now
    assert found.weekday() == WEEKDAYS[day]
    assert (found.hour, found.minute) == (hour, minute)
    assert found - local_now <= timedelta(days=14)
    if next_week:
        this_monday = local_now.date() - timedelta(days=local_now.weekday())
        assert found.date() - this_monday >= timedelta(days=7)


@given(st.text(max_size=80))
def test_any_text_is_read_without_raising(typed: str) -> None:
    found = parse_moment(typed, THURSDAY)
    assert found is None or found > THURSDAY
