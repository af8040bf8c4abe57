"""Case updates and supervisor feedback, the 14-day flag, and who may read a case."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from conversations.messages import Attachment
from handlers.cases import updates, views
from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.models import Case, CaseFeedback, ConversationState, InboundMessage, OutboxMessage
from tests.support import Chat, ChatFactory, Clock, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"
NIK = "3503 1234 5678 9012"
LABEL = "Bu S., Desa Ngares"
CODE = re.compile(r"KS-[2-9A-HJ-NP-Z]{6}")


def open_case(sari: Chat, label: str = LABEL, *, discuss: bool = False) -> list:
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    assert "Jenis kasusnya?" in texts(sari.send(label))
    sari.press("Pendidikan / putus sekolah")
    sari.press("Ya" if discuss else "Tidak")  # kelayakan kasus: discuss with the supervisor?
    sari.press("Asesmen")
    sari.send("Anak pertama berhenti sekolah sejak Oktober, ibu bekerja di sawah")
    sari.send("Kunjungan rumah bersama wali kelas")
    sari.send("besok")
    sari.send(attachments=(Attachment("photo", "file-123", "image/jpeg"),))
    summary = sari.press("Selesai")
    return summary


def the_case(ctx: AppContext) -> Case:
    with ctx.sessions() as session:
        return session.scalars(select(Case)).one()


def test_a_new_case_gets_a_code_from_the_bot_and_the_pendamping_s_label(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari = chat(SARI)
    summary = texts(open_case(sari))
    assert f"Kasus: {LABEL} (kasus baru" in summary and "Lampiran: 1" in summary
    saved = texts(sari.press("Ya, kirim"))
    case = the_case(ctx)
    assert case.code is not None and CODE.fullmatch(case.code)
    assert (case.label, case.kpm_ref_masked, case.case_type, case.stage) == (
        LABEL,
        "",
        "pendidikan",
        "asesmen",
    )
    assert f"Update kasus tersimpan: {case.code} ({LABEL}) · Pendidikan" in saved
    assert "sudah menerimanya" in saved
    assert f"Kasus baru ini diberi kode {case.code}." in saved
    with ctx.sessions() as session:
        update = session.scalars(select(Case)).one().updates[0]
        assert update.attachments["items"][0]["ref"] == "file-123"


def test_the_label_step_never_asks_for_a_nik(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Update kasus")
    [ask] = sari.press("Kasus baru")
    assert "inisial dan desa" in ask.text and "Tidak perlu NIK" in ask.text
    assert "NIK dan nomor kartu tidak kami minta" in texts(sari.send("bantuan"))


@pytest.mark.parametrize(
    "typed",
    [
        NIK,
        "3503124107850002",
        "3503/124107/850002",
        "3503.1241.0785.0002",
        "KKS 6013 0112 3456 7890",
        "PKH 12345678",
        "Bu S. 3503 - 1241 - 0785 - 0002",
    ],
)
def test_a_typed_nik_or_card_number_is_refused_and_asked_again(
    chat: ChatFactory, ctx: AppContext, typed: str
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    refused = texts(sari.send(typed))
    assert "jangan tulis NIK, nomor kartu, atau nomor panjang lain" in refused
    assert "lewat aplikasi chat" in refused and "Bu S., Desa Ngares" in refused
    assert "Jenis kasusnya?" in texts(sari.send("Pak T., Dusun Krajan"))
    digits = re.sub(r"\D", "", typed)
    with ctx.sessions() as session:
        stored = [repr(row.data) for row in session.scalars(select(ConversationState))]
        stored += [repr(row.payload) for row in session.scalars(select(OutboxMessage))]
        stored += [repr(row.attachments) for row in session.scalars(select(InboundMessage))]
    assert not any(digits in re.sub(r"\D", "", text) for text in stored)


def test_a_label_too_short_or_too_long_is_asked_again(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    assert "terlalu singkat (paling sedikit 3 huruf)" in texts(sari.send("BS"))
    assert "paling banyak 60 huruf" in texts(sari.send("Bu S. " * 20))
    assert "Jenis kasusnya?" in texts(sari.send("Bu S."))


def test_a_pin_in_the_label_is_masked_before_it_is_kept(chat: ChatFactory, ctx: AppContext) -> None:
    sari = chat(SARI)
    open_case(sari, "Bu S. pin 123456")
    sari.press("Ya, kirim")
    assert the_case(ctx).label == "Bu S. pin ******"


def test_a_taken_code_is_drawn_again(
    chat: ChatFactory, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    sari = chat(SARI)
    open_case(sari)
    sari.press("Ya, kirim")
    taken = the_case(ctx).code
    draws = iter([taken, taken, "KS-ABCDEF"])
    monkeypatch.setattr(updates, "new_case_code", lambda: next(draws))
    open_case(sari, "Pak T., Dusun Krajan")
    assert "Kasus baru ini diberi kode KS-ABCDEF." in texts(sari.press("Ya, kirim"))
    monkeypatch.setattr(updates, "new_case_code", lambda: taken)
    with ctx.sessions() as session, pytest.raises(RuntimeError, match="no free case code"):
        updates.free_case_code(session)


def test_cases_from_before_codes_and_labels_show_their_masked_reference(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    from storage.models import Person

    with ctx.sessions.begin() as session:
        sari_id = session.scalars(select(Person.id).where(Person.phone == "+6281210000003")).one()
        for code in ("KS-LEGACY", None):
            session.add(
                Case(
                    pendamping_id=sari_id,
                    code=code,
                    kpm_ref_masked="************9012",
                    case_type="pendidikan",
                    stage="asesmen",
                    last_update_at=clock.now,
                    created_at=clock.now,
                )
            )
    sari = chat(SARI)
    sari.send("menu")
    labels = [o.label for o in sari.press("Update kasus")[-1].options]
    assert "KS-LEGACY (KPM ************9012) · Pendidikan / putus sekolah (asesmen)" in labels
    assert "KPM ************9012 · Pendidikan / putus sekolah (asesmen)" in labels


def test_the_supervisor_gets_the_update_and_feedback_is_relayed_and_kept(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    open_case(sari)
    sari.press("Ya, kirim")
    sari.inbox()
    [update] = dewi.inbox()
    assert "Update kasus dari Sari Rahayu (Pogalan)" in update.text
    code = the_case(ctx).code
    assert f"{code} ({LABEL}) · Pendidikan / putus sekolah (asesmen)" in update.text
    dewi.press("Beri masukan")
    dewi.send("Libatkan juga kepala desa, dan cek KIP anak")
    dewi.press("Lewati")  # no assessment tool
    dewi.press("Lewati")  # no service
    assert "dikirim ke Sari Rahayu" in texts(dewi.press("Ya, kirim"))
    relayed = texts(sari.inbox())
    assert "Masukan dari Dewi" in relayed and f"untuk kasus {code} ({LABEL})" in relayed
    assert "Libatkan juga kepala desa" in relayed
    with ctx.sessions() as session:
        assert session.scalars(select(CaseFeedback.text)).one().startswith("Libatkan")


def test_an_existing_case_is_updated_from_the_list(chat: ChatFactory, ctx: AppContext) -> None:
    sari = chat(SARI)
    open_case(sari)
    sari.press("Ya, kirim")
    sari.send("menu")
    sari.press("Update kasus")
    code = the_case(ctx).code
    sari.press(f"{code} ({LABEL}) · Pendidikan / putus sekolah (asesmen)")
    sari.press("Terminasi")
    sari.send("Anak sudah kembali sekolah dan rutin hadir")
    sari.send("Pemantauan bulanan")
    sari.press("Lewati")
    sari.press("Selesai")
    # Reaching the terminasi stage does not close the case: the supervisor agrees to that.
    assert "Usulkan penutupan" in texts(sari.press("Ya, kirim"))
    with ctx.sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.stage, case.status, len(case.updates)) == ("terminasi", "aktif", 2)


def test_the_case_remembers_when_it_entered_its_stage(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari = chat(SARI)
    opened_at = clock.now
    open_case(sari)
    sari.press("Ya, kirim")
    assert the_case(ctx).stage_since == opened_at

    def update(stage: str) -> None:
        sari.send("menu")
        sari.press("Update kasus")
        code = the_case(ctx).code
        current = the_case(ctx).stage
        sari.press(f"{code} ({LABEL}) · Pendidikan / putus sekolah ({current})")
        sari.press(stage)
        sari.send("Perkembangan minggu ini")
        sari.send("Kunjungan berikutnya")
        sari.press("Lewati")
        sari.press("Selesai")
        sari.press("Ya, kirim")

    clock.advance(days=3)
    update("Asesmen")  # the same stage: it has been in it since the opening
    assert the_case(ctx).stage_since == opened_at
    moved_at = clock.advance(days=2)
    update("Intervensi")
    assert (the_case(ctx).stage, the_case(ctx).stage_since) == ("intervensi", moved_at)


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
    line = f"Sari Rahayu: {the_case(ctx).code} ({LABEL}) · Pendidikan"
    dewi.send("menu")
    assert line in texts(dewi.press("Kasus pendamping"))
    bambang.send("menu")
    assert line in texts(bambang.press("Kasus pendamping"))


def test_a_long_list_counts_every_open_case_and_lists_the_quietest(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    open_case(sari)
    sari.press("Ya, kirim")
    first = the_case(ctx)

    def another(code: str, days_quiet: int, stage: str, status: str = "aktif") -> Case:
        return Case(pendamping_id=first.pendamping_id, code=code, label=f"Bu {code}",
                    case_type="pendidikan", stage=stage, status=status,
                    last_update_at=clock.now - timedelta(days=days_quiet))  # fmt: skip

    with ctx.sessions() as session, session.begin():
        for n in range(1, views.LISTED + 6):  # 20 more: 21 open, 15 listed
            session.add(another(f"KS-T{n:05d}", n, "intervensi" if n % 2 else "asesmen"))
        session.add(another("KS-TUTUP1", 90, "asesmen", "ditutup"))  # neither counted nor listed
    dewi.send("menu")
    loaded: list[Case] = []

    def count(case: Case, _context: object) -> None:
        loaded.append(case)

    event.listen(Case, "load", count)
    try:
        listing = dewi.press("Kasus pendamping")[0]
    finally:
        event.remove(Case, "load", count)
    assert len(loaded) == views.LISTED  # the listed cases are the only ones read
    assert listing.text.startswith("21 kasus aktif. Per tahap: asesmen 11, intervensi 10.")
    listed = [o.label for o in listing.options]
    assert len(listed) == views.LISTED
    assert listed[0].startswith("KS-T00020") and listed[-1].startswith("KS-T00006")
    assert "KS-TUTUP1" not in listing.text and first.code not in listing.text


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
    label = f"kasus {the_case(ctx).code} ({LABEL}) · Pendidikan"
    to_sari, to_dewi = texts(sari.inbox()), texts(dewi.inbox())
    assert f"Pengingat: {label}" in to_sari and "belum diperbarui selama 14 hari" in to_sari
    assert f"{label} / putus sekolah (asesmen) dari Sari Rahayu belum diperbarui" in to_dewi


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
    code = the_case(ctx).code
    assert f"Sari Rahayu: {code} ({LABEL}) · Pendidikan" in digest.text
    dewi.press(f"Masukan: {code}")
    dewi.send("Bagus, lanjutkan koordinasi dengan sekolah")
    dewi.press("Lewati")  # no assessment tool
    dewi.press("Lewati")  # no service
    dewi.press("Ya, kirim")
    assert "Bagus, lanjutkan koordinasi" in texts(sari.inbox())
    assert run_duties(ctx, four_pm + timedelta(minutes=1))["supervision_clock"] == 0
