"""Incidental consultations end to end through the core: request, answers, clocks, access."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.core.context import AppContext
from handlers.people.roster import import_roster
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import AuditEntry, Consultation
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"


def request(sari: Chat, urgency: str = "Mendesak", time: str = "Secepatnya") -> None:
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press("Manajemen kasus")
    sari.press(urgency)
    sari.send("Anak KPM putus sekolah, orang tua menolak")
    sari.press("Telepon")
    sari.press(time)
    assert "sudah dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))


def consultation(ctx: AppContext) -> Consultation:
    with ctx.sessions() as session:
        return session.scalars(select(Consultation)).one()


def test_alert_carries_the_facts_and_three_choices(chat: ChatFactory) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari)
    [alert] = dewi.inbox()
    assert alert.text.startswith("Permintaan konsultasi MENDESAK dari Sari Rahayu (Pogalan)")
    assert "Anak KPM putus sekolah" in alert.text
    assert [o.label for o in alert.options] == [
        "Terima sekarang",
        "Usulkan waktu lain",
        "Tidak bisa (beri alasan)",
    ]


def test_accept_records_the_agreement_and_tells_the_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari)
    dewi.inbox()
    own = dewi.press("Terima sekarang")
    assert "disepakati: Secepatnya, lewat telepon" in texts(own)
    told = texts(sari.inbox())
    assert "Dewi Lestari menyetujui konsultasi" in told
    c = consultation(ctx)
    assert (c.status, c.agreed_time, c.agreed_mode) == ("disepakati", "Secepatnya", "telepon")
    assert c.acknowledged_at is not None and c.next_escalation_at is None
    with ctx.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "consultation.opened" in actions and "consultation.agreed" in actions


def test_counter_proposals_go_back_and_forth_until_agreed(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari, urgency="Biasa", time="Besok")
    dewi.inbox()
    dewi.send("2")  # typed, as on WhatsApp: "Usulkan waktu lain"
    dewi.send("Jumat jam 9")
    assert "sudah dikirim ke Sari Rahayu" in texts(dewi.press("Ya, kirim"))
    assert consultation(ctx).status == "diusulkan"

    [proposal] = sari.inbox()
    assert "Dewi Lestari mengusulkan waktu lain" in proposal.text and "Jumat jam 9" in proposal.text
    sari.press("Usulkan waktu lain")
    sari.send("Senin jam 8")
    sari.press("Ya, kirim")
    assert consultation(ctx).status == "menunggu"

    [alert] = dewi.inbox()
    assert "mengusulkan waktu lain" in alert.text and "Senin jam 8" in alert.text
    dewi.press("Terima sekarang")
    c = consultation(ctx)
    assert (c.status, c.agreed_time) == ("disepakati", "Senin jam 8")
    assert "Senin jam 8" in texts(sari.inbox())


def test_decline_needs_a_reason_and_old_buttons_then_do_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari)
    alert = dewi.inbox()[0]
    dewi.press("Tidak bisa (beri alasan)")
    assert "terlalu singkat" in texts(dewi.send("tdk"))
    dewi.send("Sedang rapat di provinsi sampai sore")
    dewi.press("Ya, kirim")
    told = texts(sari.inbox())
    assert "belum bisa melayani" in told and "Sedang rapat di provinsi" in told
    assert consultation(ctx).status == "ditolak"

    accept = next(o for o in alert.options if o.label == "Terima sekarang")
    stale = texts(dewi.send(choice=alert.callback_data(accept)))
    assert "sudah tidak berlaku" in stale
    assert consultation(ctx).status == "ditolak"
    assert sari.inbox() == []


def test_another_pendamping_cannot_answer_or_see_it(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi, agus = chat(SARI), chat(DEWI), chat(AGUS)
    request(sari)
    alert = dewi.inbox()[0]
    accept = next(o for o in alert.options if o.label == "Terima sekarang")
    agus.send("menu")
    replies = texts(agus.send(choice=alert.callback_data(accept)))
    assert "Menu itu sudah tidak berlaku" in replies
    assert consultation(ctx).status == "menunggu"
    agus.send("menu")
    assert "belum punya permintaan konsultasi" in texts(agus.press("Konsultasi saya"))


def test_notes_from_both_sides_and_closing_with_an_outcome(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari)
    dewi.inbox()
    dewi.press("Terima sekarang")
    sari.inbox()
    sari.press("Tambah catatan")
    sari.send("Orang tua mau datang ke sekolah hari Senin")
    sari.press("Ya, kirim")
    assert "Orang tua mau datang" in texts(dewi.inbox())
    dewi.press("Tutup dengan hasil")
    dewi.send("Anak kembali sekolah, pendamping pantau dua minggu")
    dewi.press("Ya, kirim")
    c = consultation(ctx)
    assert c.status == "selesai" and c.outcome.startswith("Anak kembali sekolah")
    assert "sudah ditutup" in texts(sari.inbox())
    with ctx.sessions() as session:
        assert [n.text for n in session.get_one(Consultation, c.id).notes] == [
            "Orang tua mau datang ke sekolah hari Senin"
        ]


def test_lists_show_open_consultations_with_their_choices(chat: ChatFactory) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    request(sari)
    dewi.send("menu")
    listed = dewi.press("Konsultasi masuk")
    assert "Konsultasi (1)" in listed[0].text
    assert "menunggu jawaban supervisor" in listed[0].text
    assert "Sari Rahayu" in listed[1].text  # the only one: its choices at once
    dewi.press("Terima sekarang")
    sari.send("menu")
    mine = sari.press("Konsultasi saya")
    assert "Status: disepakati" in texts(mine)


def test_with_several_waiting_a_typed_number_picks_one_then_answers_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """On WhatsApp a typed number answers the newest prompt: the list's one prompt, then the
    picked consultation's own (not the last listed consultation's, as each one's choices did)."""
    sari, agus, dewi = chat(SARI), chat(AGUS), chat(DEWI)
    request(sari)
    request(agus)
    dewi.inbox()
    dewi.send("menu")
    dewi.press("Konsultasi masuk")
    labels = [o.label for o in dewi.last_prompt().options]
    assert len(labels) == 2 and "Sari Rahayu" in labels[0] and "Agus Santoso" in labels[1]
    dewi.send("1")
    assert "Sari Rahayu" in dewi.last_prompt().text
    dewi.send("1")  # Terima sekarang
    with ctx.sessions() as session:
        statuses = {c.pendamping.name: c.status for c in session.scalars(select(Consultation))}
    assert statuses == {"Sari Rahayu": "disepakati", "Agus Santoso": "menunggu"}


class TestAcknowledgementClock:
    def test_urgent_is_resent_at_30_minutes_then_goes_to_korkab_at_2_hours(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi, bambang = chat(SARI), chat(DEWI), chat(BAMBANG)
        start = clock.now
        request(sari)
        first_alert = dewi.inbox()[0]
        sari.inbox()

        clock.now = start.replace(minute=29)
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 0

        clock.now = start.replace(minute=30)
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 1
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 0  # never twice
        [reminder] = dewi.inbox()
        assert reminder.text.startswith("Pengingat: permintaan konsultasi MENDESAK")
        assert "mengingatkan Dewi Lestari lagi" in texts(sari.inbox())
        assert bambang.inbox() == []

        clock.now = start.replace(hour=start.hour + 2)
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 1
        assert "belum dijawab oleh Dewi Lestari" in texts(bambang.inbox())
        assert "meneruskannya ke Bambang Wijaya" in texts(sari.inbox())
        clock.advance(days=3)
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 0

        # A late answer on the very first alert still counts.
        accept = next(o for o in first_alert.options if o.label == "Terima sekarang")
        dewi.send(choice=first_alert.callback_data(accept))
        assert consultation(ctx).status == "disepakati"
        assert "menyetujui" in texts(sari.inbox())

    @pytest.mark.parametrize(
        ("asked", "reminded"),
        [
            # Friday 10:00 WIB -> Monday 10:00 WIB (the weekend is skipped)
            (datetime(2026, 11, 27, 3, tzinfo=UTC), datetime(2026, 11, 30, 3, tzinfo=UTC)),
            # Thursday 24 Dec 10:00 WIB -> Monday 28 Dec (Christmas Friday and the weekend)
            (datetime(2026, 12, 24, 3, tzinfo=UTC), datetime(2026, 12, 28, 3, tzinfo=UTC)),
        ],
    )
    def test_normal_waits_one_working_day(
        self,
        chat: ChatFactory,
        ctx: AppContext,
        clock: Clock,
        asked: datetime,
        reminded: datetime,
    ) -> None:
        clock.now = asked
        sari, dewi = chat(SARI), chat(DEWI)
        request(sari, urgency="Biasa")
        dewi.inbox()
        assert consultation(ctx).next_escalation_at == reminded
        assert run_duties(ctx, reminded.replace(hour=2))["consultation_ack_clocks"] == 0
        clock.now = reminded
        assert run_duties(ctx, reminded)["consultation_ack_clocks"] == 1
        assert "Pengingat: permintaan konsultasi" in texts(dewi.inbox())

    def test_an_answer_stops_the_clock(
        self, chat: ChatFactory, ctx: AppContext, clock: Clock
    ) -> None:
        sari, dewi = chat(SARI), chat(DEWI)
        request(sari)
        dewi.inbox()
        dewi.press("Usulkan waktu lain")
        dewi.send("Nanti jam 3 sore")
        dewi.press("Ya, kirim")
        clock.advance(hours=5)
        assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 0
        assert chat(BAMBANG).inbox() == []


def report_ids(ctx: AppContext, phone: str) -> int:
    from handlers.people.phones import to_e164
    from storage.models import Person

    with ctx.sessions() as session:
        return session.scalars(select(Person.id).where(Person.phone == to_e164(phone))).one()


def test_a_backup_supervisor_named_on_the_roster_gets_the_escalation_and_can_take_it(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    text = (
        "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone,backup_supervisor_phone\n"
        "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB,"
        "0812-1000-0008\n"
        "supervisor,Eko Saputra,0812-1000-0008,Trenggalek,Trenggalek,0812-1000-0001,WIB,\n"
    )
    with transaction(ctx.sessions) as session:
        report = import_roster(session, text, "Asia/Jakarta")
    assert (report.added, report.updated, report.rejected) == (1, 1, [])
    sari, dewi, eko = chat(SARI), chat(DEWI), chat("0812-1000-0008")
    start = clock.now
    request(sari)
    dewi.inbox()
    run_duties(ctx, start.replace(minute=30))
    assert eko.inbox() == []  # the reminder goes to Dewi only
    run_duties(ctx, start.replace(hour=start.hour + 2))
    [alert] = eko.inbox()
    assert "supervisor pengganti" in alert.text and len(alert.options) == 3
    assert (
        "meneruskannya ke Bambang Wijaya (koordinator kabupaten) dan Eko Saputra"
        " (supervisor pengganti)." in texts(sari.inbox())
    )
    eko.press("Terima sekarang")
    c = consultation(ctx)
    assert (c.status, c.supervisor_id) == ("disepakati", report_ids(ctx, "0812-1000-0008"))
    assert "ditangani oleh supervisor pengganti, Eko Saputra" in texts(dewi.inbox())
    assert "Eko Saputra menyetujui" in texts(sari.inbox())
