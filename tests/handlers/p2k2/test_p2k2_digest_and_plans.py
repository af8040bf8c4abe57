"""P2K2 supervision, part one: the supervisor may take P2K2 reports in a daily digest (each with
a way to respond), and a pendamping plans the next session of a group; a report of that session
marks the plan done, and a planned day gone by without one shows as "belum dilaporkan"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.models import AuditEntry, P2K2Plan, ScheduledMessage
from storage.vocabulary import ScheduledKind
from tests.handlers.p2k2.test_p2k2_feedback import add_supervisor, move_sari_to
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002"
WULAN = "0812-1000-0099"
HEALTH = "Kesehatan & Gizi (sesi 8-10)"
CARD = "3503 1234 5678 9012"


def report(
    sari: Chat, session: str = "Sesi 9", notes: str | None = None, day: str = "28/11"
) -> str:
    sari.send("menu")
    sari.press("Lapor P2K2")
    sari.press(HEALTH)
    sari.press(session)
    sari.send("Melati")
    sari.send(day)
    sari.send("25")
    sari.send("21")
    if notes is None:
        sari.press("Lewati")
    else:
        sari.send(notes)
    return texts(sari.press("Ya, kirim"))


def choose_setting(dewi: Chat, label: str) -> str:
    dewi.send("menu")
    shown = dewi.press("Pengaturan")
    assert "Laporan P2K2 sekarang dikirim" in texts(shown)
    return texts(dewi.press(label))


def test_reports_wait_for_the_daily_digest_and_each_can_be_answered(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    saved = choose_setting(dewi, "Laporan P2K2 dalam ringkasan harian")
    assert saved == "Tersimpan. Laporan P2K2 akan dikirim dalam ringkasan harian jam 16.00."
    done = report(sari, notes=f"Bu A menunjukkan KKS {CARD} ke kelompok")
    assert "akan masuk ringkasan harian supervisor Anda, Dewi Lestari" in done
    report(sari, session="Sesi 10")
    assert dewi.inbox() == []  # kept back for the digest
    four_pm = clock.now.replace(hour=9)  # 16:00 WIB
    assert run_duties(ctx, four_pm - timedelta(minutes=1))["supervision_clock"] == 0
    assert run_duties(ctx, four_pm)["supervision_clock"] == 1
    [digest] = dewi.inbox()
    lines = digest.text.splitlines()
    assert lines[0] == "Ringkasan laporan P2K2 hari ini (2):"
    assert lines[1] == (
        f"- Sari Rahayu: kelompok Melati, sesi 9 ({HEALTH}), Sabtu, 28 November. "
        "Hadir 21 dari 25 KPM. Catatan: Bu A menunjukkan KKS ************9012 ke kelompok"
    )
    assert CARD not in digest.text
    assert [o.label for o in digest.options] == [
        "Tanggapi: Sari Rahayu, Melati sesi 9",
        "Tanggapi: Sari Rahayu, Melati sesi 10",
    ]
    asked = texts(dewi.press("Tanggapi: Sari Rahayu, Melati sesi 10"))
    assert "tentang sesi 10 kelompok Melati" in asked
    dewi.send("Bagus, ajak kader posyandu di sesi berikutnya")
    assert "dikirim ke Sari Rahayu" in texts(dewi.press("Ya, kirim"))
    sari_inbox = texts(sari.inbox())
    assert "Tanggapan dari Dewi Lestari untuk laporan P2K2 kelompok Melati, sesi 10" in sari_inbox
    assert run_duties(ctx, four_pm + timedelta(minutes=1))["supervision_clock"] == 0
    with ctx.sessions() as session:
        details = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "settings.p2k2_reports")
        ).all()
        assert details == [{"digest": True}]


def test_back_to_one_by_one_the_report_comes_at_once(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    choose_setting(dewi, "Laporan P2K2 dalam ringkasan harian")
    again = choose_setting(dewi, "Laporan P2K2 satu per satu")
    assert again == "Tersimpan. Laporan P2K2 akan dikirim satu per satu, begitu masuk."
    assert "juga sudah dikirim ke supervisor Anda, Dewi" in report(sari)
    [alert] = dewi.inbox()
    assert alert.text.startswith("Laporan P2K2 dari Sari Rahayu (Pogalan)")
    with ctx.sessions() as session:
        kinds = session.scalars(select(ScheduledMessage.kind)).all()
        assert ScheduledKind.P2K2_DIGEST not in kinds


def test_a_digest_button_after_the_pendamping_moved_changes_nothing(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    choose_setting(dewi, "Laporan P2K2 dalam ringkasan harian")
    report(sari)
    run_duties(ctx, clock.now.replace(hour=9))
    [digest] = dewi.inbox()
    assert "Ringkasan laporan P2K2 hari ini (1)" in digest.text
    move_sari_to(ctx, add_supervisor(ctx))
    refused = texts(dewi.press("Tanggapi: Sari Rahayu, Melati sesi 9"))
    assert "tidak bisa Anda tanggapi" in refused
    assert "Tulis tanggapan" not in refused


def plan(sari: Chat, day: str, session: str = "Sesi 9", group: str | None = "Melati") -> str:
    sari.send("menu")
    sari.press("Rencana P2K2")
    sari.press("Rencanakan sesi")
    if group is None:
        sari.press("Melati")
    else:
        sari.send(group)
    sari.press(HEALTH)
    sari.press(session)
    sari.send(day)
    return sari.press("Ya, kirim")[0].text


def test_a_plan_is_kept_moved_and_marked_done_by_the_report(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    sari.send("menu")
    shown = texts(sari.press("Rencana P2K2"))
    assert "Anda belum punya rencana P2K2." in shown
    assert plan(sari, "3/12") == "Rencana tersimpan: kelompok Melati, sesi 9, Kamis, 3 Desember."
    moved = plan(sari, "4/12", group=None)  # the group offered now, as a choice
    assert moved == (
        "Rencana diperbarui: kelompok Melati, sesi 9, sekarang Jumat, 4 Desember "
        "(sebelumnya Kamis, 3 Desember)."
    )
    assert "Rencana tersimpan" in plan(sari, "7/12", session="Sesi 10")
    with ctx.sessions() as session:
        rows = session.execute(
            select(P2K2Plan.group_name, P2K2Plan.session_no, P2K2Plan.module).order_by(
                P2K2Plan.session_no
            )
        ).all()
        assert [tuple(r) for r in rows] == [("Melati", 9, "kesehatan"), ("Melati", 10, "kesehatan")]
    clock.advance(days=4)  # Saturday 5 December: session 9's day has passed
    dewi.send("menu")
    coverage = texts(dewi.press("Cakupan P2K2"))
    assert "Sari Rahayu (Pogalan): belum ada laporan" in coverage
    assert "  Rencana: 0 dari 2 sesi sudah dilaporkan" in coverage
    assert "- Melati sesi 9 (Jumat, 4 Desember): belum dilaporkan" in coverage
    assert "- Melati sesi 10: direncanakan Senin, 7 Desember" in coverage
    done = report(sari, day="4/12")
    assert "Sesi ini sesuai rencana (Jumat, 4 Desember)." in done
    dewi.inbox()
    dewi.send("menu")
    coverage = texts(dewi.press("Cakupan P2K2"))
    assert "Sari Rahayu (Pogalan): Melati: 9 (1/14)" in coverage
    assert "  Rencana: 1 dari 2 sesi sudah dilaporkan" in coverage
    assert "belum dilaporkan" not in coverage
    sari.send("menu")
    mine = texts(sari.press("Rencana P2K2"))
    assert "- Melati sesi 9 (Jumat, 4 Desember): sudah dilaporkan" in mine


def test_a_plan_day_must_be_ahead_and_within_120_days(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Rencana P2K2")
    sari.press("Rencanakan sesi")
    sari.send("Melati")
    sari.press(HEALTH)
    sari.press("Sesi 9")
    assert "terlalu jauh ke belakang" in texts(sari.send("28/11"))
    assert "terlalu jauh ke depan" in texts(sari.send("1/5/2027"))
    assert "Tanggal: 10-12-2026" in texts(sari.send("10/12"))


def test_other_pendamping_plans_are_not_shown_to_a_pendamping(chat: ChatFactory) -> None:
    sari, agus = chat(SARI), chat(AGUS)
    plan(sari, "3/12")
    agus.send("menu")
    assert "Anda belum punya rencana P2K2." in texts(agus.press("Rencana P2K2"))
