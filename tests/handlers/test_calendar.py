"""Working days skip weekends, public holidays and cuti bersama; one calendar serves the SLA
clocks and the supervision holiday flags."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.calendar import add_working_days, add_working_days_at, holiday_name, is_working_day
from handlers.core.context import AppContext
from tests.handlers.supervision.test_supervision import DEWI, SARI, propose, sessions_of
from tests.support import ChatFactory, Clock, texts

CHRISTMAS_EVE_2026 = date(2026, 12, 24)  # Thursday: cuti bersama Hari Raya Natal


def test_cuti_bersama_is_not_a_working_day() -> None:
    assert not is_working_day(CHRISTMAS_EVE_2026)
    assert holiday_name(CHRISTMAS_EVE_2026) == "Cuti Bersama Hari Raya Natal"
    # Idul Fitri 2026: the public holidays and the joint leave around them.
    for day in (20, 23, 24):
        assert not is_working_day(date(2026, 3, day))
        assert "Cuti Bersama" in (holiday_name(date(2026, 3, day)) or "")
    assert holiday_name(date(2026, 12, 25)) == "Hari Raya Natal"  # public, in Indonesian
    assert is_working_day(date(2026, 12, 23)) and holiday_name(date(2026, 12, 23)) is None
    assert not is_working_day(date(2026, 12, 26))  # Saturday


def test_working_days_skip_cuti_bersama() -> None:
    # Wednesday 23 December: the 24th (cuti bersama), 25th (Natal) and the weekend are skipped.
    assert add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 22), 2) == date(2026, 12, 28)


def test_a_clock_in_working_days_keeps_the_local_time_across_cuti_bersama() -> None:
    # 14:30 WITA on Wednesday 23 December; two working days later is Tuesday the 29th.
    start = datetime(2026, 12, 23, 6, 30, tzinfo=UTC)
    assert add_working_days_at(start, 2, "Asia/Makassar") == datetime(
        2026, 12, 29, 6, 30, tzinfo=UTC
    )
    # 09:00 WIB on Wednesday 23 December, one working day: Monday 28th 09:00 WIB.
    assert add_working_days_at(
        datetime(2026, 12, 23, 2, tzinfo=UTC), 1, "Asia/Jakarta"
    ) == datetime(2026, 12, 28, 2, tzinfo=UTC)


def test_a_session_on_cuti_bersama_is_flagged_and_moves_past_the_holidays(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    clock.now = datetime(2026, 12, 14, 2, tzinfo=UTC)
    propose(dewi, ["Sari Rahayu (Pogalan)"], weekday="Kamis", start="24/12")
    sari.press("Setuju")
    flag = texts(dewi.inbox())
    assert "jatuh pada hari libur" in flag and "Cuti Bersama Hari Raya Natal" in flag
    dewi.press("Geser ke hari kerja berikutnya")
    first = sessions_of(ctx)[0]
    assert first.holiday_name == "Cuti Bersama Hari Raya Natal"
    assert first.starts_at == datetime(2026, 12, 28, 3, tzinfo=UTC)  # Monday, 10:00 WIB
