"""Joint field visits: the supervisor schedules joining a pendamping's P2K2 session; the
pendamping answers; both are reminded the day before at 16:00 and an hour before (nothing after
a cancel); afterwards the supervisor records it with masked observation notes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.models import FieldVisit
from storage.vocabulary import FieldVisitStatus
from tests.handlers.p2k2.test_p2k2_feedback import add_supervisor, move_sari_to
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002"
WULAN = "0812-1000-0099"
CARD = "3503 1234 5678 9012"
DAY_BEFORE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 16:00 WIB
HOUR_BEFORE = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # Thursday 08:00 WIB
RECORD_DUE = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # three hours after 09:00 WIB
WHEN = "Kamis, 3 Desember, 09:00 WIB"


def schedule(dewi: Chat, when: str = "Kamis jam 9") -> str:
    dewi.send("menu")
    dewi.press("Cakupan P2K2")
    dewi.press("Jadwalkan kunjungan lapangan")
    dewi.press("Sari Rahayu (Pogalan)")
    dewi.send("Melati")
    dewi.send(when)
    dewi.send("Balai Desa Ngares")
    return dewi.press("Ya, kirim")[0].text


def visit(ctx: AppContext) -> FieldVisit:
    with ctx.sessions() as session:
        return session.scalars(select(FieldVisit)).one()


def about_visits(chat: Chat) -> list[str]:
    return [r.text for r in chat.inbox() if "kunjungan lapangan" in r.text.lower()]


def test_a_visit_is_scheduled_answered_reminded_and_recorded(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    dewi.send("menu")
    dewi.press("Cakupan P2K2")
    dewi.press("Jadwalkan kunjungan lapangan")
    offered = dewi.last_prompt("Sari Rahayu (Pogalan)")
    assert [o.label for o in offered.options] == [
        "Rina Wulandari (Durenan)",
        "Agus Santoso (Pogalan)",
        "Sari Rahayu (Pogalan)",
    ]
    dewi.press("Sari Rahayu (Pogalan)")
    dewi.send("Melati")
    assert "waktunya belum kami pahami atau sudah lewat" in texts(dewi.send("kemarin jam 9"))
    dewi.send("Kamis jam 9")
    summary = texts(dewi.send("Balai Desa Ngares"))
    assert "Kunjungan lapangan bersama Sari Rahayu" in summary
    assert "Waktu: 03-12-2026 09.00" in summary
    done = dewi.press("Ya, kirim")[0].text
    assert done.startswith(
        f"Kunjungan lapangan bersama Sari Rahayu dijadwalkan: sesi P2K2 kelompok Melati, {WHEN} "
        "di Balai Desa Ngares."
    )
    [told] = sari.inbox()
    assert told.text == (
        "Dewi Lestari (supervisor) ingin ikut mengamati sesi P2K2 kelompok Melati pada "
        f"{WHEN} di Balai Desa Ngares. Apakah waktunya cocok?"
    )
    assert [o.label for o in told.options] == ["Siap", "Usul waktu lain"]
    dewi.send("menu")
    listed = texts(dewi.press("Cakupan P2K2"))
    assert f"Kunjungan lapangan terjadwal:\n- {WHEN}: Sari Rahayu, kelompok Melati" in listed
    assert "Dewi Lestari sudah diberi tahu" in texts(sari.press("Siap"))
    assert "Sari Rahayu siap untuk kunjungan lapangan bersama" in texts(dewi.inbox())

    run_duties(ctx, DAY_BEFORE)
    [to_dewi] = about_visits(dewi)
    assert to_dewi == (
        f"Pengingat: besok, {WHEN}, kunjungan lapangan bersama Sari Rahayu ke sesi P2K2 "
        "kelompok Melati di Balai Desa Ngares."
    )
    assert "bersama Dewi Lestari" in about_visits(sari)[0]
    run_duties(ctx, HOUR_BEFORE)
    assert about_visits(dewi)[0].startswith("Sebentar lagi: kunjungan lapangan bersama Sari")
    assert about_visits(sari)[0].startswith("Sebentar lagi: kunjungan lapangan bersama Dewi")
    run_duties(ctx, HOUR_BEFORE)  # twice: nothing twice
    assert about_visits(dewi) == [] and about_visits(sari) == []

    clock.now = RECORD_DUE
    run_duties(ctx, RECORD_DUE)
    [request] = dewi.inbox()
    assert request.text == (
        f"Kunjungan lapangan bersama Sari Rahayu ke kelompok Melati ({WHEN}): apakah terlaksana?"
    )
    assert "catatan pengamatan" in texts(dewi.press("Terlaksana"))
    dewi.send(f"Fasilitasi baik, KPM aktif. Bu B menyebut KKS {CARD}.")
    assert "tersimpan" in texts(dewi.press("Ya, kirim"))
    row = visit(ctx)
    assert row.status == FieldVisitStatus.HELD
    assert row.observation == "Fasilitasi baik, KPM aktif. Bu B menyebut KKS ************9012."
    assert row.recorded_at == RECORD_DUE


def test_a_cancelled_visit_sends_no_reminders_and_old_buttons_change_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    schedule(dewi)
    sari.inbox()
    assert texts(sari.press("Usul waktu lain")).startswith("Waktu lain yang Anda usulkan?")
    sari.send("Jumat jam 10 saja, PIN 123456 jangan")
    assert "sudah dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))
    [proposal] = dewi.inbox()
    assert '"Jumat jam 10 saja, PIN ****** jangan"' in proposal.text
    assert "123456" not in proposal.text
    cancelled = texts(dewi.press("Batalkan kunjungan"))
    assert "Kunjungan lapangan bersama Sari Rahayu dibatalkan" in cancelled
    assert "Dewi Lestari membatalkan kunjungan lapangan" in texts(sari.inbox())
    assert visit(ctx).status == FieldVisitStatus.CANCELLED
    assert "tidak bisa Anda lakukan" in texts(sari.press("Siap"))
    assert dewi.inbox() == []
    for moment in (DAY_BEFORE, HOUR_BEFORE, RECORD_DUE):
        run_duties(ctx, moment)
    assert about_visits(dewi) == [] and about_visits(sari) == []


def test_a_visit_is_only_for_the_supervisors_own_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi, wulan = chat(SARI), chat(DEWI), chat(WULAN)
    schedule(dewi)
    move_sari_to(ctx, add_supervisor(ctx))
    wulan.send("menu")
    wulan.press("Cakupan P2K2")
    offered = wulan.press("Jadwalkan kunjungan lapangan")
    assert [o.label for o in offered[-1].options] == ["Sari Rahayu (Pogalan)"]
    # Dewi's own visit: Sari is no longer hers, so her buttons and the reminders stop.
    assert "tidak bisa Anda lakukan" in texts(dewi.press("Batalkan kunjungan"))
    assert visit(ctx).status == FieldVisitStatus.SCHEDULED
    assert "tidak bisa Anda lakukan" in texts(sari.press("Siap"))
    run_duties(ctx, DAY_BEFORE)
    assert about_visits(dewi) == [] and about_visits(sari) == []


def test_a_pendamping_cannot_press_the_supervisors_buttons(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi, agus = chat(SARI), chat(DEWI), chat(AGUS)
    schedule(dewi)
    manage = dewi.last_prompt("Batalkan kunjungan")
    button = next(o for o in manage.options if o.label == "Batalkan kunjungan")
    agus.send(choice=manage.callback_data(button))
    answer = sari.last_prompt("Siap")
    agus.send(choice=answer.callback_data(answer.options[0]))
    assert visit(ctx).status == FieldVisitStatus.SCHEDULED
    assert "siap" not in texts(dewi.inbox()).lower()


def test_a_visit_that_did_not_take_place(chat: ChatFactory, ctx: AppContext, clock: Clock) -> None:
    dewi = chat(DEWI)
    schedule(dewi)
    clock.now = RECORD_DUE
    run_duties(ctx, RECORD_DUE)
    assert "Tercatat: kunjungan lapangan tidak terlaksana." in texts(dewi.press("Tidak terlaksana"))
    row = visit(ctx)
    assert (row.status, row.observation) == (FieldVisitStatus.NOT_HELD, None)
    assert "tidak bisa Anda lakukan" in texts(dewi.press("Terlaksana"))


def test_two_visits_at_the_same_moment_each_get_their_own_reminders(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """Each due row names its visit: two visits of one supervisor at one time are reminded
    one each, never the first one twice."""
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    schedule(dewi)
    dewi.send("menu")
    dewi.press("Cakupan P2K2")
    dewi.press("Jadwalkan kunjungan lapangan")
    dewi.press("Agus Santoso (Pogalan)")
    dewi.send("Mawar")
    dewi.send("Kamis jam 9")
    dewi.send("Balai Desa Ngares")
    dewi.press("Ya, kirim")
    sari.inbox(), agus.inbox(), dewi.inbox()
    run_duties(ctx, HOUR_BEFORE)  # the day-before ones are late by now: only the hour-before go
    reminders = sorted(about_visits(dewi))
    assert len(reminders) == 2 and all(r.startswith("Sebentar lagi") for r in reminders)
    assert "bersama Agus Santoso" in reminders[0] and "kelompok Mawar" in reminders[0]
    assert "bersama Sari Rahayu" in reminders[1] and "kelompok Melati" in reminders[1]
    assert len(about_visits(sari)) == 1 and len(about_visits(agus)) == 1
