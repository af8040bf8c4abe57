"""Agreed supervision slots end to end: agreeing, occurrences across years and zones, holidays,
reminders through the tick (once, also twice or late), reschedules, records, the digest."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.cli import main as cli
from handlers.calendar import at_local, occurrences
from handlers.core.context import AppContext
from handlers.people.roster import import_roster
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import (
    Agreement,
    OutboxMessage,
    Person,
    ScheduledMessage,
    SessionResponse,
    SupervisionSession,
)
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, RINA, DEWI, BAMBANG = (
    "0812-1000-0003",
    "0812-1000-0004",
    "0812-1000-0005",
    "0812-1000-0002",
    "0812-1000-0001",
)


def propose(
    dewi: Chat,
    who: list[str],
    cadence: str = "Seminggu sekali",
    weekday: str = "Selasa",
    time: str = "10",
    start: str = "8/12",
    mode: str = "Tatap muka",
) -> str:
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    dewi.press("Buat kesepakatan baru")
    if len(who) == 1:
        dewi.press("Individual")
        dewi.press(who[0])
    else:
        dewi.press("Kelompok")
        for name in who:
            dewi.press(name)
        dewi.press("Selesai")
    dewi.press(cadence)
    dewi.press(weekday)
    dewi.send(time)
    dewi.press("1 jam")
    dewi.press(mode)
    if mode in ("Tatap muka", "Panggilan video"):
        dewi.send("Kantor Kecamatan Pogalan")
    dewi.send(start)
    return texts(dewi.press("Ya, kirim"))


def agreement(ctx: AppContext) -> Agreement:
    with ctx.sessions() as session:
        row = session.scalars(select(Agreement)).one()
        _ = [p.person for p in row.participants]
        return row


def sessions_of(ctx: AppContext) -> list[SupervisionSession]:
    with ctx.sessions() as session:
        return list(
            session.scalars(select(SupervisionSession).order_by(SupervisionSession.starts_at))
        )


def tick(ctx: AppContext, clock: Clock, at: datetime) -> int:
    clock.now = at
    return run_duties(ctx, at)["supervision_clock"]


MONDAY_DIGEST = datetime(2026, 12, 7, 0, tzinfo=UTC)  # 07:00 WIB


def agreed_weekly(chat: ChatFactory, ctx: AppContext, clock: Clock) -> tuple[Chat, Chat]:
    """Sari agrees to Tuesdays 10:00 WIB from 8 December: planned as she agrees (the tick after
    it plans nothing more)."""
    sari, dewi = chat(SARI), chat(DEWI)
    propose(dewi, ["Sari Rahayu (Pogalan)"])
    sari.press("Setuju")
    tick(ctx, clock, clock.now)
    sari.inbox()
    dewi.inbox()
    return sari, dewi


def past_the_digest(ctx: AppContext, clock: Clock, dewi: Chat) -> None:
    """Send Monday's digest first, so later counts are about reminders alone."""
    assert tick(ctx, clock, MONDAY_DIGEST) == 1
    assert "Ringkasan minggu" in texts(dewi.inbox())


def test_occurrences_stay_fourteen_days_apart_across_iso_week_53() -> None:
    dates = [d for _, d in itertools.islice(occurrences(date(2026, 12, 15), 1, 14), 5)]
    assert dates == [
        date(2026, 12, 15),
        date(2026, 12, 29),  # ISO week 53 of 2026
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 9),
    ]
    assert [d.isocalendar().week for d in dates] == [51, 53, 2, 4, 6]
    weekly = [d for _, d in itertools.islice(occurrences(date(2026, 12, 20), 0, 7), 3)]
    assert weekly == [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)]
    assert at_local(date(2026, 12, 29), "10:00", "Asia/Makassar") == datetime(
        2026, 12, 29, 2, tzinfo=UTC
    )


class TestAgreeing:
    def test_counter_proposal_then_accepted(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        assert "Usulan jadwal sudah dikirim ke Sari Rahayu" in propose(
            dewi, ["Sari Rahayu (Pogalan)"], cadence="Dua minggu sekali"
        )
        [invite] = sari.inbox()
        assert "setiap Selasa jam 10:00 WIB, dua minggu sekali" in invite.text
        sari.press("Usulkan waktu lain")
        sari.press("Rabu")
        sari.send("09.30")
        sari.press("Ya, kirim")
        assert agreement(ctx).status == "diusulkan"
        [counter] = dewi.inbox()
        assert "Sari Rahayu mengusulkan hari Rabu jam 09:30" in counter.text
        dewi.press("Terima usulan")
        row = agreement(ctx)
        assert (row.status, row.weekday, row.local_time) == ("aktif", 2, "09:30")
        assert "setiap Rabu jam 09:30 WIB" in texts(sari.inbox())

    def test_keeping_the_original_asks_again(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"])
        sari.press("Usulkan waktu lain")
        sari.press("Kamis")
        sari.send("8")
        sari.press("Ya, kirim")
        dewi.press("Tetap jadwal semula")
        assert "ingin tetap memakai jadwal semula" in texts(sari.inbox())
        sari.press("Setuju")
        assert agreement(ctx).status == "aktif"

    def test_a_group_goes_ahead_with_whoever_agreed(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, agus, rina, dewi = chat(SARI), chat(AGUS), chat(RINA), chat(DEWI)
        propose(
            dewi, ["Sari Rahayu (Pogalan)", "Agus Santoso (Pogalan)", "Rina Wulandari (Durenan)"]
        )
        sari.press("Setuju")
        agus.press("Tidak bisa")
        assert "Agus Santoso tidak bisa" in texts(dewi.inbox())
        assert agreement(ctx).status == "aktif"
        tick(ctx, clock, clock.now)
        first = sessions_of(ctx)[0]
        with ctx.sessions() as session:
            people = {
                m.person_id
                for m in session.scalars(
                    select(ScheduledMessage).where(ScheduledMessage.session_id == first.id)
                )
            }
        assert len(people) == 2  # Sari and Dewi; Agus declined, Rina never answered
        assert rina.inbox()[-1].options[0].label == "Setuju"  # still invited

    def test_a_pendamping_can_ask_for_a_slot(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        sari.send("menu")
        sari.press("Jadwal supervisi")
        sari.press("Minta jadwal supervisi")
        sari.press("Dua minggu sekali")
        sari.press("Kamis")
        sari.send("jam 13")
        sari.press("Telepon")
        assert "dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))
        assert "meminta jadwal supervisi rutin" in texts(dewi.inbox())
        dewi.press("Setuju")
        assert agreement(ctx).status == "aktif"
        assert "menyetujui jadwal supervisi" in texts(sari.inbox())


class TestOccurrences:
    def test_planned_three_weeks_ahead_in_utc(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        agreed_weekly(chat, ctx, clock)
        tick(ctx, clock, clock.now)
        starts = [s.starts_at for s in sessions_of(ctx)]
        assert starts == [
            datetime(2026, 12, 8, 3, tzinfo=UTC),
            datetime(2026, 12, 15, 3, tzinfo=UTC),
        ]
        tick(ctx, clock, clock.now)
        assert len(sessions_of(ctx)) == 2  # planning twice plans nothing twice
        tick(ctx, clock, datetime(2026, 12, 1, 3, tzinfo=UTC))
        assert sessions_of(ctx)[-1].starts_at == datetime(2026, 12, 22, 3, tzinfo=UTC)

    def test_biweekly_across_the_year_and_a_participant_in_wita(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        header = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
        row = "pendamping,Rina Wulandari,0812-1000-0005,Trenggalek,Durenan,0812-1000-0002,WITA\n"
        with transaction(ctx.sessions) as session:
            assert import_roster(session, header + row, "Asia/Jakarta").updated == 1
        rina, dewi = chat(RINA), chat(DEWI)
        propose(dewi, ["Rina Wulandari (Durenan)"], cadence="Dua minggu sekali", start="15/12")
        assert "jam 11:00 WITA" in texts(rina.inbox())  # 10:00 WIB is 11:00 in WITA
        rina.press("Setuju")
        for day in (1, 15, 29):
            tick(ctx, clock, datetime(2026, 12, day, 1, tzinfo=UTC))
        tick(ctx, clock, datetime(2027, 1, 12, 1, tzinfo=UTC))
        starts = [s.starts_at for s in sessions_of(ctx)]
        assert starts[:4] == [
            datetime(2026, 12, 15, 3, tzinfo=UTC),
            datetime(2026, 12, 29, 3, tzinfo=UTC),
            datetime(2027, 1, 12, 3, tzinfo=UTC),
            datetime(2027, 1, 26, 3, tzinfo=UTC),
        ]
        # Rina's day-before reminder comes at 16:00 her time and shows her clock.
        tick(ctx, clock, datetime(2027, 1, 11, 8, tzinfo=UTC))  # 16:00 WITA
        assert "jam 11:00 WITA" in texts(rina.inbox())

    def test_a_holiday_is_flagged_and_can_be_moved(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"], weekday="Jumat", start="18/12")
        sari.press("Setuju")
        tick(ctx, clock, datetime(2026, 12, 10, 1, tzinfo=UTC))  # plans up to 31 December
        flag = texts(dewi.inbox())
        assert "jatuh pada hari libur" in flag and "Natal" in flag
        dewi.press("Geser ke hari kerja berikutnya")
        moved = [s for s in sessions_of(ctx) if s.holiday_name]
        assert moved[0].starts_at == datetime(2026, 12, 28, 3, tzinfo=UTC)  # Monday
        assert "dipindah ke Senin, 28 Desember jam 10:00 WIB" in texts(sari.inbox())
        tick(ctx, clock, datetime(2026, 12, 24, 9, tzinfo=UTC))  # Thursday 16:00 WIB
        assert sari.inbox() == []  # no day-before reminder for the old Friday
        tick(ctx, clock, datetime(2026, 12, 27, 9, tzinfo=UTC))  # Sunday 16:00 WIB
        assert "besok, Senin, 28 Desember" in texts(sari.inbox())

    def test_a_holiday_session_can_be_skipped(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"], weekday="Jumat", start="25/12")
        sari.press("Setuju")
        tick(ctx, clock, datetime(2026, 12, 10, 1, tzinfo=UTC))
        dewi.press("Lewati sesi ini")
        assert "dilewati karena hari libur" in texts(sari.inbox())
        assert sessions_of(ctx)[0].status == "dilewati"


class TestReminders:
    def test_each_reminder_is_sent_once_even_when_the_tick_runs_twice(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        past_the_digest(ctx, clock, dewi)
        day_before = datetime(2026, 12, 7, 9, tzinfo=UTC)  # Monday 16:00 WIB
        assert tick(ctx, clock, day_before - timedelta(minutes=1)) == 0
        assert tick(ctx, clock, day_before) == 2
        assert tick(ctx, clock, day_before) == 0
        [reminder] = sari.inbox()
        assert reminder.text.startswith("Pengingat: besok, Selasa, 8 Desember jam 10:00 WIB")
        assert [o.label for o in reminder.options] == [
            "Hadir",
            "Minta jadwal ulang",
            "Tidak bisa hadir",
        ]
        assert "dengan Sari Rahayu" in texts(dewi.inbox())
        soon = datetime(2026, 12, 8, 2, tzinfo=UTC)  # 09:00 WIB, an hour before
        assert tick(ctx, clock, soon) == 2
        assert tick(ctx, clock, soon + timedelta(minutes=5)) == 0
        assert "Sebentar lagi" in texts(sari.inbox())
        sari.press("Hadir")
        with ctx.sessions() as session:
            assert session.scalars(select(SessionResponse.response)).one() == "hadir"

    def test_a_late_tick_marks_passed_reminders_instead_of_sending_them(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, _dewi = agreed_weekly(chat, ctx, clock)
        # The machine was down from Monday until Tuesday 10:30, after the slot began.
        assert tick(ctx, clock, datetime(2026, 12, 8, 3, 30, tzinfo=UTC)) == 0
        assert sari.inbox() == []
        with ctx.sessions() as session:
            statuses = {
                m.kind: m.status
                for m in session.scalars(
                    select(ScheduledMessage).where(ScheduledMessage.person_id.is_not(None))
                )
                if m.session_id == sessions_of(ctx)[0].id
            }
        assert statuses["day_before"] == "lewat" and statuses["soon"] == "lewat"

    def test_the_cli_tick_sends_each_reminder_once(
        self,
        chat: ChatFactory,
        ctx: AppContext,
        clock: Clock,
        database_url: str,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        sari, _dewi = agreed_weekly(chat, ctx, clock)
        monkeypatch.setenv("DATABASE_URL", database_url)
        assert cli(["tick", "--now", "2026-12-07T16:00:00+07:00"]) == 0
        assert cli(["tick", "--now", "2026-12-07T16:00:30+07:00"]) == 0
        first, second = capsys.readouterr().out.splitlines()
        assert "supervision_clock=3" in first  # Sari's and Dewi's reminders, Dewi's digest
        assert "supervision_clock=0" in second and "sent 0" in second
        with ctx.sessions() as session:
            reminders = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.address == sari.address, OutboxMessage.kind == "reminder"
                )
            ).all()
        assert len(reminders) == 1 and reminders[0].status == "sent"


class TestAnswers:
    def test_reschedule_request_accepted_moves_the_session(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        past_the_digest(ctx, clock, dewi)
        tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))
        sari.press("Minta jadwal ulang")
        sari.send("10/12")
        sari.send("13")
        sari.press("Ya, kirim")
        assert "meminta jadwal ulang sesi" in texts(dewi.inbox())
        dewi.press("Terima usulan")
        first = sessions_of(ctx)[0]
        assert first.starts_at == datetime(2026, 12, 10, 6, tzinfo=UTC)
        assert "dipindah ke Kamis, 10 Desember jam 13:00 WIB" in texts(sari.inbox())
        # The reminder for the old time is gone; the new "soon" reminder comes at 12:00.
        assert tick(ctx, clock, datetime(2026, 12, 8, 2, tzinfo=UTC)) == 0
        assert tick(ctx, clock, datetime(2026, 12, 10, 5, tzinfo=UTC)) == 2

    def test_reschedule_countered_by_the_supervisor(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))
        sari.press("Minta jadwal ulang")
        sari.send("10/12")
        sari.send("13")
        sari.press("Ya, kirim")
        dewi.press("Usulkan waktu lain")
        dewi.send("11/12")
        dewi.send("9")
        dewi.press("Ya, kirim")
        assert "mengusulkan waktu lain untuk sesi" in texts(sari.inbox())
        sari.press("Setuju")
        assert sessions_of(ctx)[0].starts_at == datetime(2026, 12, 11, 2, tzinfo=UTC)

    def test_not_attending_needs_a_reason_for_the_supervisor(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))
        dewi.inbox()
        sari.press("Tidak bisa hadir")
        sari.send("Ada pertemuan P2K2 yang tidak bisa digeser")
        sari.press("Ya, kirim")
        assert "tidak bisa hadir pada sesi" in texts(dewi.inbox())
        with ctx.sessions() as session:
            response = session.scalars(select(SessionResponse)).one()
        assert (response.response, response.reason) == (
            "tidak_hadir",
            "Ada pertemuan P2K2 yang tidak bisa digeser",
        )

    def test_pause_and_resume_tell_the_other_side(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        sari.send("menu")
        sari.press("Jadwal supervisi")
        sari.press("Jeda dulu")
        assert "menjeda jadwal supervisi" in texts(dewi.inbox())
        assert {s.status for s in sessions_of(ctx)} == {"dibatalkan"}
        tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC))
        assert "Pengingat" not in texts(sari.inbox())
        dewi.send("menu")
        dewi.press("Jadwal supervisi")
        dewi.press("Lanjutkan")
        assert "melanjutkan jadwal supervisi" in texts(sari.inbox())
        assert "terjadwal" in {s.status for s in sessions_of(ctx)}


class TestRecords:
    def test_record_after_the_session_and_attendance_confirmed(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed_weekly(chat, ctx, clock)
        ended = datetime(2026, 12, 8, 4, tzinfo=UTC)  # 11:00 WIB
        tick(ctx, clock, ended)
        assert "sudah selesai. Mohon catat hasilnya" in texts(dewi.inbox())
        dewi.press("Catat sesi")
        dewi.press("Ya, terlaksana")
        dewi.press("Sari Rahayu")
        dewi.press("Selesai")
        dewi.send("1, 3")  # administrasi and dukungan personal, typed as on WhatsApp
        dewi.press("Selesai")
        dewi.press("Manajemen kasus")
        dewi.press("Selesai")
        dewi.send("Membahas rencana intervensi anak putus sekolah")
        dewi.send("Kunjungan rumah bersama")
        summary = texts(dewi.send("10/12"))
        assert "Fungsi: Administrasi, Dukungan personal" in summary
        assert "2 pendamping" not in summary and "dihadiri 1 pendamping" in summary
        dewi.press("Ya, kirim")
        row = sessions_of(ctx)[0]
        assert (row.status, row.functions["items"], row.topics["items"]) == (
            "terlaksana",
            ["administrasi", "dukungan_personal"],
            ["manajemen_kasus"],
        )
        assert "Mohon konfirmasi" in texts(sari.inbox())
        sari.press("Ya, saya hadir")
        with ctx.sessions() as session:
            assert session.scalars(select(SessionResponse.attended)).one() is True
        # The follow-up becomes a reminder on its date, and no 48-hour flag follows.
        tick(ctx, clock, datetime(2026, 12, 10, 1, tzinfo=UTC))
        assert "tindak lanjut supervisi hari ini: Kunjungan rumah bersama" in texts(sari.inbox())
        tick(ctx, clock, ended + timedelta(hours=49))
        assert "belum dicatat" not in texts(dewi.inbox())

    def test_a_session_without_a_record_is_flagged_after_48_hours_once(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        _sari, dewi = agreed_weekly(chat, ctx, clock)
        past_the_digest(ctx, clock, dewi)
        ended = datetime(2026, 12, 8, 4, tzinfo=UTC)
        tick(ctx, clock, ended)
        dewi.inbox()
        assert tick(ctx, clock, ended + timedelta(hours=47)) == 0
        assert tick(ctx, clock, ended + timedelta(hours=48)) == 1
        assert "belum dicatat lebih dari 48 jam" in texts(dewi.inbox())
        assert tick(ctx, clock, ended + timedelta(hours=49)) == 0

    def test_the_korkab_sees_held_against_planned(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        _sari, dewi = agreed_weekly(chat, ctx, clock)
        tick(ctx, clock, datetime(2026, 12, 8, 4, tzinfo=UTC))
        dewi.press("Catat sesi")
        dewi.press("Ya, terlaksana")
        dewi.press("Sari Rahayu")
        dewi.press("Selesai")
        dewi.press("Pendidikan")
        dewi.press("Selesai")
        dewi.press("P2K2")
        dewi.press("Selesai")
        dewi.send("Latihan fasilitasi sesi 9")
        dewi.press("Lewati")
        dewi.press("Ya, kirim")
        tick(ctx, clock, datetime(2026, 12, 16, 4, tzinfo=UTC))
        bambang = chat(BAMBANG)
        bambang.send("menu")
        assert "Dewi Lestari: 1 dari 2 (1 belum dicatat)" in texts(
            bambang.press("Ringkasan kabupaten")
        )


def test_a_wide_scope_s_figures_show_totals_and_the_supervisors_furthest_behind(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    """21 more supervisors in Bambang's kabupaten, none with a session planned: they are the
    ones named; Dewi, who held one of two, is counted in the totals only."""
    _sari, dewi = agreed_weekly(chat, ctx, clock)
    with transaction(ctx.sessions) as session:
        boss = session.scalars(select(Person).where(Person.name == "Dewi Lestari")).one()
        for i in range(1, 22):
            session.add(
                Person(
                    role="supervisor",
                    name=f"Supervisor {i:02d}",
                    phone=f"+6281288800{i:03d}",
                    kabupaten=boss.kabupaten,
                    timezone=boss.timezone,
                )
            )
    tick(ctx, clock, datetime(2026, 12, 8, 4, tzinfo=UTC))
    dewi.press("Catat sesi")
    dewi.press("Tidak terlaksana")
    tick(ctx, clock, datetime(2026, 12, 16, 4, tzinfo=UTC))
    bambang = chat(BAMBANG)
    bambang.send("menu")
    [figures] = [r for r in bambang.press("Ringkasan kabupaten") if r.text.startswith("Sesi")]
    lines = figures.text.splitlines()
    assert lines[1].startswith("Semua 22 supervisor: 0 dari ")
    assert lines[2:22] == [
        f"- Supervisor {i:02d}: 0 dari 0 (0 belum dicatat)" for i in range(1, 21)
    ]
    assert lines[22].startswith("… dan 2 supervisor lainnya.")
    assert "Dewi Lestari" not in figures.text


def test_the_monday_digest(chat: ChatFactory, ctx: AppContext, clock: Clock) -> None:
    _sari, dewi = agreed_weekly(chat, ctx, clock)
    monday = MONDAY_DIGEST
    assert tick(ctx, clock, monday - timedelta(minutes=1)) == 0
    tick(ctx, clock, monday)
    digest = texts(dewi.inbox())
    assert "Ringkasan minggu 7 Desember" in digest
    assert "Sesi supervisi minggu ini: 1" in digest and "Sari Rahayu" in digest
    tick(ctx, clock, monday + timedelta(minutes=1))
    assert "Ringkasan minggu" not in texts(dewi.inbox())


def test_either_side_can_change_the_day_and_time(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = agreed_weekly(chat, ctx, clock)
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    dewi.press("Ubah hari/jam")
    dewi.press("Kamis")
    dewi.send("14")
    assert "Jadwal diubah" in texts(dewi.press("Ya, kirim"))
    assert "setiap Kamis jam 14:00 WIB" in texts(sari.inbox())
    planned = [s for s in sessions_of(ctx) if s.status == "terjadwal"]
    assert planned[0].starts_at == datetime(2026, 12, 10, 7, tzinfo=UTC)  # from 8 December on
    # The pendamping's change is a proposal the supervisor decides on.
    sari.send("menu")
    sari.press("Jadwal supervisi")
    sari.press("Ubah hari/jam")
    sari.press("Jumat")
    sari.send("8")
    sari.press("Ya, kirim")
    assert agreement(ctx).weekday == 3
    dewi.press("Terima usulan")
    assert (agreement(ctx).weekday, agreement(ctx).local_time) == (4, "08:00")


def test_a_participant_who_agrees_late_gets_the_reminders_of_planned_sessions(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    propose(dewi, ["Sari Rahayu (Pogalan)", "Agus Santoso (Pogalan)"])
    sari.press("Setuju")
    tick(ctx, clock, clock.now)  # sessions planned with Sari only
    agus.press("Setuju")
    past_the_digest(ctx, clock, dewi)
    assert tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC)) == 3  # Dewi, Sari, Agus
    assert "Pengingat: besok" in texts(agus.inbox())


def test_a_session_moved_away_and_back_keeps_its_reminders(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = agreed_weekly(chat, ctx, clock)
    past_the_digest(ctx, clock, dewi)
    first = sessions_of(ctx)[0].id
    for day, hour in (("9/12", "13"), ("8/12", "10")):  # there, and back to Tuesday 10:00
        move_first_session(ctx, first, day, hour)
    sari.inbox()
    assert sessions_of(ctx)[0].starts_at == datetime(2026, 12, 8, 3, tzinfo=UTC)
    assert tick(ctx, clock, datetime(2026, 12, 7, 9, tzinfo=UTC)) == 2
    assert "besok, Selasa, 8 Desember jam 10:00 WIB" in texts(sari.inbox())


def move_first_session(ctx: AppContext, session_id: int, day: str, hour: str) -> None:
    """Move a session as the supervisor's acceptance of a reschedule does."""
    from conversations.messages import Channel, Inbound
    from handlers.calendar import at_local
    from handlers.core.turn import Turn
    from handlers.supervision.sessions import move_session

    d, m = (int(x) for x in day.split("/"))
    start = at_local(date(2026, m, d), f"{int(hour):02d}:00", "Asia/Jakarta")
    inbound = Inbound(Channel.WEB, "+6281210000002", f"move-{day}", ctx.clock())
    with transaction(ctx.sessions) as session:
        row = session.get_one(SupervisionSession, session_id)
        move_session(
            Turn(ctx, session, inbound, row.agreement.supervisor, ctx.clock()), row, start, "test"
        )


def test_a_session_that_did_not_take_place_is_recorded_with_a_reason_only(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    _sari, dewi = agreed_weekly(chat, ctx, clock)
    tick(ctx, clock, datetime(2026, 12, 8, 4, tzinfo=UTC))
    dewi.press("Catat sesi")
    dewi.press("Tidak terlaksana")
    summary = texts(dewi.send("Pendamping mendampingi KPM ke rumah sakit"))
    assert "Tidak terlaksana" in summary and "Tindak lanjut" not in summary
    assert "sesi tidak terlaksana" in texts(dewi.press("Ya, kirim"))
    row = sessions_of(ctx)[0]
    assert (row.status, row.held, row.notes) == (
        "tidak_terlaksana",
        False,
        "Pendamping mendampingi KPM ke rumah sakit",
    )


def test_the_invitation_names_the_first_session_date(chat: ChatFactory) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    propose(dewi, ["Sari Rahayu (Pogalan)"], start="3/12")  # a Thursday; slots are on Tuesday
    [invite] = sari.inbox()
    assert "supervisi individual" in invite.text
    assert "mulai Selasa, 8 Desember" in invite.text


def test_a_team_slot_may_include_other_staff_of_the_kabupaten(
    chat: ChatFactory, ctx: AppContext
) -> None:
    dewi, bambang = chat(DEWI), chat(BAMBANG)
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    dewi.press("Buat kesepakatan baru")
    offered = dewi.press("Tim")[-1]
    assert "Bambang Wijaya (Trenggalek)" in [o.label for o in offered.options]
    dewi.press("Bambang Wijaya (Trenggalek)")
    dewi.press("Sari Rahayu (Pogalan)")
    dewi.press("Selesai")
    dewi.press("Seminggu sekali")
    dewi.press("Jumat")
    dewi.send("13")
    dewi.press("1 jam")
    dewi.press("Telepon")
    dewi.send("11/12")
    assert "Bambang Wijaya, Sari Rahayu" in texts(dewi.press("Ya, kirim"))
    assert "supervisi tim" in texts(bambang.inbox())
    # An individual slot still offers only the supervisor's own pendamping.
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    dewi.press("Buat kesepakatan baru")
    offered = dewi.press("Individual")[-1]
    assert "Bambang Wijaya (Trenggalek)" not in [o.label for o in offered.options]
