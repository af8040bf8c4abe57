"""Case updates and supervisor feedback, the 14-day flag, and who may read a case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conversations.messages import Attachment
from handlers.context import AppContext
from scheduler.tick import run_duties
from storage.models import Case, CaseFeedback, ConversationState, InboundMessage, OutboxMessage
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"
NIK = "3503 1234 5678 9012"


def open_case(sari: Chat) -> list:
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    assert "terlalu" not in texts(sari.send(NIK))
    sari.press("Pendidikan / putus sekolah")
    sari.press("Asesmen")
    sari.send("Anak pertama berhenti sekolah sejak Oktober, ibu bekerja di sawah")
    sari.send("Kunjungan rumah bersama wali kelas")
    sari.send("besok")
    sari.send(attachments=(Attachment("photo", "file-123", "image/jpeg"),))
    summary = sari.press("Selesai")
    return summary


def test_a_new_case_keeps_only_the_last_four_digits(chat: ChatFactory, ctx: AppContext) -> None:
    sari = chat(SARI)
    summary = texts(open_case(sari))
    assert "************9012" in summary and "Lampiran: 1" in summary
    assert "sudah menerimanya" in texts(sari.press("Ya, kirim"))
    with ctx.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.kpm_ref_masked, case.case_type, case.stage) == (
            "************9012",
            "pendidikan",
            "asesmen",
        )
        assert case.updates[0].attachments["items"][0]["ref"] == "file-123"
        # The full number is nowhere: not in dialog state, outbox, or the inbound log.
        stored = [repr(row.data) for row in session.scalars(select(ConversationState))] + [
            repr(row.payload) for row in session.scalars(select(OutboxMessage))
        ]
        stored += [repr(row.attachments) for row in session.scalars(select(InboundMessage))]
        assert not any("123456789012" in text.replace(" ", "") for text in stored)


def test_the_supervisor_gets_the_update_and_feedback_is_relayed_and_kept(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    open_case(sari)
    sari.press("Ya, kirim")
    sari.inbox()
    [update] = dewi.inbox()
    assert "Update kasus dari Sari Rahayu (Pogalan)" in update.text
    assert "KPM ************9012" in update.text and NIK not in update.text
    dewi.press("Beri masukan")
    dewi.send("Libatkan juga kepala desa, dan cek KIP anak")
    assert "dikirim ke Sari Rahayu" in texts(dewi.press("Ya, kirim"))
    assert "Libatkan juga kepala desa" in texts(sari.inbox())
    with ctx.sessions() as session:
        assert session.scalars(select(CaseFeedback.text)).one().startswith("Libatkan")


def test_an_existing_case_is_updated_from_the_list(chat: ChatFactory, ctx: AppContext) -> None:
    sari = chat(SARI)
    open_case(sari)
    sari.press("Ya, kirim")
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("KPM ************9012 · Pendidikan / putus sekolah (asesmen)")
    sari.press("Terminasi (selesai)")
    sari.send("Anak sudah kembali sekolah dan rutin hadir")
    sari.send("Pemantauan bulanan")
    sari.press("Lewati")
    sari.press("Selesai")
    sari.press("Ya, kirim")
    with ctx.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.stage, case.status, len(case.updates)) == ("terminasi", "ditutup", 2)


def test_bad_reference_is_asked_again_politely(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    assert "belum sesuai" in texts(sari.send("12"))
    assert "Jenis kasusnya?" in texts(sari.send("PKH-0012-3456"))


def test_other_pendamping_cannot_see_or_answer_it(chat: ChatFactory, ctx: AppContext) -> None:
    sari, agus, dewi, bambang = chat(SARI), chat(AGUS), chat(DEWI), chat(BAMBANG)
    open_case(sari)
    sari.press("Ya, kirim")
    update = dewi.inbox()[0]
    agus.send("menu")
    agus.press("Update kasus")
    assert [o.label for o in agus.last_prompt().options] == ["Kasus baru"]
    feedback = next(o for o in update.options if o.label == "Beri masukan")
    agus.send(choice=update.callback_data(feedback))
    with ctx.sessions() as session:
        assert session.scalars(select(CaseFeedback)).all() == []
    # The supervisor and the korkab above see it in their lists.
    dewi.send("menu")
    assert "Sari Rahayu: KPM ************9012" in texts(dewi.press("Kasus pendamping"))
    bambang.send("menu")
    assert "Sari Rahayu: KPM ************9012" in texts(bambang.press("Kasus pendamping"))


def test_fourteen_days_without_update_is_flagged_once(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    open_case(sari)
    sari.press("Ya, kirim")
    sari.inbox()
    dewi.inbox()
    clock.advance(days=13, hours=23)
    assert run_duties(ctx, clock.now)["stale_case_flags"] == 0
    clock.advance(hours=1)
    assert run_duties(ctx, clock.now)["stale_case_flags"] == 1
    assert run_duties(ctx, clock.now)["stale_case_flags"] == 0
    assert "belum diperbarui selama 14 hari" in texts(sari.inbox())
    assert "dari Sari Rahayu belum diperbarui" in texts(dewi.inbox())


def test_a_supervisor_may_take_case_updates_as_a_daily_digest(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    dewi.send("menu")
    dewi.press("Pengaturan")
    assert "dalam ringkasan harian jam 16.00" in texts(
        dewi.press("dalam ringkasan harian jam 16.00")
    )
    open_case(sari)
    sari.press("Ya, kirim")
    assert dewi.inbox() == []  # kept back for the digest
    four_pm = clock.now.replace(hour=9)  # 16:00 WIB
    assert run_duties(ctx, four_pm - timedelta(minutes=1))["supervision_clock"] == 0
    assert run_duties(ctx, four_pm)["supervision_clock"] == 1
    [digest] = dewi.inbox()
    assert "Ringkasan update kasus hari ini (1)" in digest.text
    assert "Sari Rahayu: KPM ************9012" in digest.text
    dewi.press("Masukan: KPM ************9012")
    dewi.send("Bagus, lanjutkan koordinasi dengan sekolah")
    dewi.press("Ya, kirim")
    assert "Bagus, lanjutkan koordinasi" in texts(sari.inbox())
    assert run_duties(ctx, four_pm + timedelta(minutes=1))["supervision_clock"] == 0
