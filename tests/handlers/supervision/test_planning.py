"""An agreement is planned in the transaction that makes it active (no tick in between), a late
day-before reminder still goes out once, and a slot request reaches only an active supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from storage.db import transaction
from storage.models import Agreement, Person, ScheduledMessage, SupervisionSession
from tests.handlers.supervision.test_supervision import (
    AGUS,
    DEWI,
    SARI,
    agreement,
    propose,
    sessions_of,
    tick,
)
from tests.support import Chat, ChatFactory, Clock, texts

TUESDAY_8 = datetime(2026, 12, 8, 3, tzinfo=UTC)  # 10:00 WIB
TUESDAY_15 = datetime(2026, 12, 15, 3, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 12, 7, 9, tzinfo=UTC)  # Monday 16:00 WIB


def planned(ctx: AppContext) -> dict[datetime, list[tuple[int, str, str]]]:
    """Scheduled sessions by start, each with its waiting reminders (person, kind, status)."""
    with ctx.sessions() as session:
        rows = session.scalars(
            select(SupervisionSession)
            .where(SupervisionSession.status == "terjadwal")
            .order_by(SupervisionSession.starts_at)
        ).all()
        return {
            row.starts_at: sorted(
                (m.person_id, m.kind, m.status)
                for m in session.scalars(
                    select(ScheduledMessage).where(ScheduledMessage.session_id == row.id)
                )
            )
            for row in rows
        }


def person_id(ctx: AppContext, phone: str) -> int:
    with ctx.sessions() as session:
        return session.scalars(select(Person.id).where(Person.phone == to_e164(phone))).one()


def expected(ctx: AppContext, *phones: str) -> list[tuple[int, str, str]]:
    """The reminders a session planned ahead has: the day before and soon for everyone, the
    record requests for the supervisor."""
    rows = [(person_id(ctx, p), k, "menunggu") for p in phones for k in ("day_before", "soon")]
    dewi = person_id(ctx, DEWI)
    rows += [(dewi, "record", "menunggu"), (dewi, "record_overdue", "menunggu")]
    return sorted(rows)


def reminder_statuses(ctx: AppContext, starts_at: datetime) -> dict[tuple[int, str], str]:
    with ctx.sessions() as session:
        row = session.scalars(
            select(SupervisionSession).where(SupervisionSession.starts_at == starts_at)
        ).one()
        return {
            (m.person_id, m.kind): m.status
            for m in session.scalars(
                select(ScheduledMessage).where(ScheduledMessage.session_id == row.id)
            )
        }


# -- planned as it becomes active ---------------------------------------------------------
class TestPlannedWhenActive:
    def test_agreeing_to_an_invitation(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"])
        assert planned(ctx) == {}
        sari.press("Setuju")
        # Within three weeks of Tuesday 1 December 09:00 WIB: the 8th and the 15th.
        assert planned(ctx) == {
            TUESDAY_8: expected(ctx, DEWI, SARI),
            TUESDAY_15: expected(ctx, DEWI, SARI),
        }

    def test_the_supervisor_agreeing_to_a_request(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        sari.send("menu")
        sari.press("Jadwal supervisi")
        sari.press("Minta jadwal supervisi")
        sari.press("Seminggu sekali")
        sari.press("Kamis")
        sari.send("jam 13")
        sari.press("Telepon")
        sari.press("Ya, kirim")
        assert planned(ctx) == {}
        dewi.press("Setuju")
        thursdays = [datetime(2026, 12, day, 6, tzinfo=UTC) for day in (3, 10, 17)]
        assert planned(ctx) == {start: expected(ctx, DEWI, SARI) for start in thursdays}

    def test_the_supervisor_accepting_a_counter_proposal(
        self, chat: ChatFactory, ctx: AppContext
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"])
        sari.press("Usulkan waktu lain")
        sari.press("Rabu")
        sari.send("09.30")
        sari.press("Ya, kirim")
        dewi.press("Terima usulan")
        wednesdays = [datetime(2026, 12, day, 2, 30, tzinfo=UTC) for day in (9, 16)]
        assert planned(ctx) == {start: expected(ctx, DEWI, SARI) for start in wednesdays}
        assert {s.status for s in sessions_of(ctx)} == {"terjadwal"}  # planned once, not twice

    def test_resume_and_a_change_of_day_and_time(self, chat: ChatFactory, ctx: AppContext) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"])
        sari.press("Setuju")
        dewi.send("menu")
        dewi.press("Jadwal supervisi")
        dewi.press("Jeda dulu")
        assert planned(ctx) == {}
        dewi.send("menu")
        dewi.press("Jadwal supervisi")
        dewi.press("Lanjutkan")
        assert planned(ctx) == {
            TUESDAY_8: expected(ctx, DEWI, SARI),
            TUESDAY_15: expected(ctx, DEWI, SARI),
        }
        dewi.send("menu")
        dewi.press("Jadwal supervisi")
        dewi.press("Ubah hari/jam")
        dewi.press("Kamis")
        dewi.send("14")
        dewi.press("Ya, kirim")
        thursdays = [datetime(2026, 12, day, 7, tzinfo=UTC) for day in (10, 17)]
        assert planned(ctx) == {start: expected(ctx, DEWI, SARI) for start in thursdays}

    def test_a_counter_accepted_while_paused_plans_nothing_until_resumed(
        self, chat: ChatFactory, ctx: AppContext
    ) -> None:
        sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)", "Agus Santoso (Pogalan)"])
        sari.press("Setuju")
        agus.press("Usulkan waktu lain")
        agus.press("Rabu")
        agus.send("9")
        agus.press("Ya, kirim")
        sari.send("menu")
        sari.press("Jadwal supervisi")
        sari.press("Jeda dulu")
        dewi.press("Terima usulan")
        assert agreement(ctx).status == "dijeda" and planned(ctx) == {}
        dewi.send("menu")
        dewi.press("Jadwal supervisi")
        dewi.press("Lanjutkan")
        wednesdays = [datetime(2026, 12, day, 2, tzinfo=UTC) for day in (9, 16)]
        assert planned(ctx) == {start: expected(ctx, DEWI, SARI, AGUS) for start in wednesdays}

    def test_the_reminders_planned_on_agreeing_go_out_without_a_planning_tick(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)"])
        sari.press("Setuju")
        sari.inbox()
        # The first tick ever runs at the day-before time.
        assert tick(ctx, clock, DAY_BEFORE) == 3  # Sari, Dewi, and Dewi's Monday digest
        assert "Pengingat: besok, Selasa, 8 Desember jam 10:00 WIB" in texts(sari.inbox())


# -- a late day-before reminder -----------------------------------------------------------
def agreed(chat: ChatFactory, ctx: AppContext) -> tuple[Chat, Chat]:
    """Sari agrees to Tuesdays 10:00 WIB; no tick runs after that (the service is down)."""
    sari, dewi = chat(SARI), chat(DEWI)
    propose(dewi, ["Sari Rahayu (Pogalan)"])
    sari.press("Setuju")
    sari.inbox()
    dewi.inbox()
    return sari, dewi


class TestLateDayBefore:
    def test_sent_once_when_the_service_comes_back_the_evening_before(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed(chat, ctx)
        back = DAY_BEFORE + timedelta(hours=4)  # Monday 20:00 WIB
        assert tick(ctx, clock, back) == 3  # Sari, Dewi, Dewi's digest
        assert tick(ctx, clock, back) == 0
        assert tick(ctx, clock, back + timedelta(minutes=1)) == 0
        [reminder] = sari.inbox()
        assert reminder.text.startswith("Pengingat: besok, Selasa, 8 Desember jam 10:00 WIB")
        assert "Pengingat: besok" in texts(dewi.inbox())
        statuses = reminder_statuses(ctx, TUESDAY_8)
        sari_id = person_id(ctx, SARI)
        assert statuses[(sari_id, "day_before")] == "terkirim"
        assert statuses[(sari_id, "soon")] == "menunggu"
        assert tick(ctx, clock, TUESDAY_8 - timedelta(hours=1)) == 2  # then "soon", as usual
        assert "Sebentar lagi" in texts(sari.inbox())

    def test_sent_on_the_morning_itself_while_more_than_an_hour_is_left(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, _dewi = agreed(chat, ctx)
        # Monday's digest is more than a day late by now: only the two reminders go.
        assert tick(ctx, clock, TUESDAY_8 - timedelta(hours=1, minutes=1)) == 2
        assert tick(ctx, clock, TUESDAY_8 - timedelta(hours=1, minutes=1)) == 0
        [reminder] = sari.inbox()
        assert reminder.text.startswith("Pengingat: hari ini, Selasa, 8 Desember jam 10:00 WIB")

    def test_within_the_last_hour_only_the_soon_reminder_goes(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = agreed(chat, ctx)
        last_hour = TUESDAY_8 - timedelta(minutes=30)
        assert tick(ctx, clock, last_hour) == 2  # Sari's and Dewi's "soon"
        assert tick(ctx, clock, last_hour) == 0
        [reminder] = sari.inbox()
        assert reminder.text.startswith("Sebentar lagi")
        assert "Pengingat: besok" not in texts(dewi.inbox())
        statuses = reminder_statuses(ctx, TUESDAY_8)
        for phone in (SARI, DEWI):
            who = person_id(ctx, phone)
            assert (statuses[(who, "day_before")], statuses[(who, "soon")]) == (
                "lewat",
                "terkirim",
            )

    def test_the_rule_holds_however_the_due_rows_are_batched(
        self,
        chat: ChatFactory,
        ctx: AppContext,
        clock: Clock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A day-before reminder and its "soon" one may land in different batches of a long
        backlog: the day-before one is still not sent in the last hour."""
        monkeypatch.setattr("handlers.supervision.clock.SEND_BATCH", 1)
        sari, _dewi = agreed(chat, ctx)
        assert tick(ctx, clock, TUESDAY_8 - timedelta(minutes=30)) == 2
        assert [r.text[:13] for r in sari.inbox()] == ["Sebentar lagi"]

    def test_a_session_agreed_after_the_day_before_time_gets_no_besok_message(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        clock.now = DAY_BEFORE + timedelta(hours=2)  # Monday 18:00 WIB
        propose(dewi, ["Sari Rahayu (Pogalan)"], start="8/12")
        sari.press("Setuju")
        sari.inbox()
        kinds = {kind for _, kind, _ in planned(ctx)[TUESDAY_8]}
        assert kinds == {"soon", "record", "record_overdue"}
        tick(ctx, clock, clock.now)
        assert sari.inbox() == []
        assert tick(ctx, clock, TUESDAY_8 - timedelta(hours=1)) == 2

    def test_someone_joining_while_no_tick_ran_does_not_drop_the_others_late_reminders(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
        propose(dewi, ["Sari Rahayu (Pogalan)", "Agus Santoso (Pogalan)"])
        sari.press("Setuju")
        clock.now = DAY_BEFORE + timedelta(hours=2)  # Monday 18:00 WIB, no tick since
        agus.press("Setuju")
        sari.inbox()
        agus.inbox()
        assert tick(ctx, clock, clock.now) == 3  # Sari, Dewi, Dewi's digest
        assert "Pengingat: besok" in texts(sari.inbox())
        # Agus agreed after 16:00: no "besok" message for him, the "soon" one comes.
        assert agus.inbox() == []
        assert tick(ctx, clock, TUESDAY_8 - timedelta(hours=1)) == 3
        assert "Sebentar lagi" in texts(agus.inbox())


# -- only an active supervisor is asked ---------------------------------------------------
def ask_for_a_slot(sari: Chat) -> str:
    sari.send("menu")
    sari.press("Jadwal supervisi")
    sari.press("Minta jadwal supervisi")
    sari.press("Seminggu sekali")
    sari.press("Kamis")
    sari.send("jam 13")
    sari.press("Telepon")
    return texts(sari.press("Ya, kirim"))


def test_a_request_is_not_sent_to_someone_who_is_no_longer_a_supervisor(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    with transaction(ctx.sessions) as session:  # a link left from before the roster checks
        session.execute(update(Person).where(Person.phone == dewi.address).values(role="korkab"))
    assert "Data supervisor Anda belum ada" in ask_for_a_slot(sari)
    assert dewi.inbox() == []
    with ctx.sessions() as session:
        assert session.scalars(select(Agreement)).all() == []


def test_a_request_is_not_sent_to_an_inactive_supervisor(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    with transaction(ctx.sessions) as session:
        session.execute(update(Person).where(Person.phone == dewi.address).values(active=False))
    assert "Data supervisor Anda belum ada" in ask_for_a_slot(sari)
    assert dewi.inbox() == []
    with ctx.sessions() as session:
        assert session.scalars(select(Agreement)).all() == []


def digest_keys(ctx: AppContext) -> list[tuple[str, datetime]]:
    with ctx.sessions() as session:
        rows = session.execute(
            select(ScheduledMessage.key, ScheduledMessage.due_at)
            .where(ScheduledMessage.kind == "digest")
            .order_by(ScheduledMessage.key)
        ).all()
        return [(key, due.replace(tzinfo=UTC) if due.tzinfo is None else due) for key, due in rows]


def test_each_supervisor_gets_each_monday_digest_planned_once_in_their_own_time(
    demo_roster: None, ctx: AppContext, clock: Clock
) -> None:
    """Wednesday: next Monday's digest is planned (this Monday's is over a day late). A
    supervisor added later in another time zone gets theirs at 07:00 their time on the next
    tick; ticks after that plan nothing more until a new week begins in each zone."""
    dewi = person_id(ctx, DEWI)
    tick(ctx, clock, datetime(2026, 12, 2, 3, tzinfo=UTC))  # Wednesday 10:00 WIB
    assert digest_keys(ctx) == [(f"digest:{dewi}:2026-12-07", datetime(2026, 12, 7, 0, tzinfo=UTC))]
    with ctx.sessions.begin() as session:
        wulan = Person(role="supervisor", name="Wulan Sari", phone=to_e164("081299990001"),
                       kabupaten="Makassar", kecamatan="Tamalate", provinsi="Sulawesi Selatan",
                       timezone="Asia/Makassar")  # fmt: skip
        session.add(wulan)
        session.flush()
        wulan_id = wulan.id
    tick(ctx, clock, datetime(2026, 12, 2, 4, tzinfo=UTC))
    tick(ctx, clock, datetime(2026, 12, 2, 5, tzinfo=UTC))
    assert digest_keys(ctx) == [
        (f"digest:{dewi}:2026-12-07", datetime(2026, 12, 7, 0, tzinfo=UTC)),
        (f"digest:{wulan_id}:2026-12-07", datetime(2026, 12, 6, 23, tzinfo=UTC)),  # 07:00 WITA
    ]
    # Monday 00:30 WITA is still Sunday in WIB: only Wulan's week has begun.
    tick(ctx, clock, datetime(2026, 12, 6, 16, 30, tzinfo=UTC))
    assert [key for key, _ in digest_keys(ctx)] == [
        f"digest:{dewi}:2026-12-07",
        f"digest:{wulan_id}:2026-12-07",
        f"digest:{wulan_id}:2026-12-14",
    ]
    tick(ctx, clock, datetime(2026, 12, 6, 17, 30, tzinfo=UTC))  # Monday 00:30 WIB
    assert [key for key, _ in digest_keys(ctx)][-3:] == [
        f"digest:{dewi}:2026-12-14",
        f"digest:{wulan_id}:2026-12-07",
        f"digest:{wulan_id}:2026-12-14",
    ]
    assert len(digest_keys(ctx)) == 4
