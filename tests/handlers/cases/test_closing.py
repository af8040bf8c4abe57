"""Closing a case (terminasi) from "Kasus saya": the pendamping proposes the outcome, a masked
note and an optional follow-up day; only their current supervisor agrees or says "not yet" (with
a masked reason); an agreed case is closed and no longer offered for updates, and its follow-up
day reminds the pendamping at 08:00, once, unless the case was reopened."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select, update

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import ActionPrompt, AuditEntry, Case, Person, ScheduledMessage
from storage.vocabulary import (
    CaseStage,
    CaseStatus,
    ClosureOutcome,
    ScheduledKind,
    ScheduledStatus,
)
from tests.handlers.cases.test_referrals import (
    AGUS,
    BAMBANG,
    CODE,
    DEWI,
    LABEL,
    NIK,
    SARI,
    add_case,
    open_case,
)
from tests.handlers.p2k2.test_p2k2_feedback import add_supervisor, move_sari_to
from tests.support import Chat, ChatFactory, Clock, texts

CLOSED_LABEL = "KS-AAAAA1 (Bu S., Desa Ngares) · Pendidikan / putus sekolah (terminasi)"


def propose(
    sari: Chat,
    note: str = "KPM sudah mandiri, usaha warung berjalan",
    followup: str | None = "15/12",
) -> str:
    open_case(sari)
    asked = texts(sari.press("Usulkan penutupan"))
    assert f"Usulan penutupan kasus {LABEL}. Apa hasil akhirnya?" in asked
    sari.press("Graduasi mandiri")
    sari.send(note)
    if followup is None:
        sari.press("Lewati")
    else:
        sari.send(followup)
    return texts(sari.press("Ya, kirim"))


def the_case(ctx: AppContext) -> Case:
    with ctx.sessions() as session:
        return session.scalars(select(Case)).one()


def followups(ctx: AppContext) -> list[ScheduledMessage]:
    with ctx.sessions() as session:
        query = select(ScheduledMessage).where(ScheduledMessage.kind == ScheduledKind.CASE_FOLLOWUP)
        return list(session.scalars(query))


def test_an_agreed_closure_closes_the_case_and_plans_the_follow_up(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    add_case(ctx)
    sari, dewi = chat(SARI), chat(DEWI)
    done = propose(sari, note=f"KPM sudah mandiri, NIK {NIK} tidak perlu dicek lagi")
    assert "Usulan penutupan sudah dikirim ke Dewi Lestari" in done
    proposed = the_case(ctx)
    assert proposed.status == CaseStatus.ACTIVE and proposed.closure_proposed_at == clock.now
    assert proposed.closure_outcome == ClosureOutcome.SELF_GRADUATION
    assert proposed.closure_note == "KPM sudah mandiri, NIK ************9012 tidak perlu dicek lagi"
    assert proposed.followup_on == date(2026, 12, 15)
    [alert] = dewi.inbox()
    assert alert.text.splitlines() == [
        f"Usulan penutupan kasus dari Sari Rahayu: {LABEL}",
        "Hasil: Graduasi mandiri",
        "Catatan: KPM sudah mandiri, NIK ************9012 tidak perlu dicek lagi",
        "Pembinaan lanjut: Selasa, 15 Desember",
    ]
    assert [o.label for o in alert.options] == ["Setujui", "Belum, bahas dulu"]
    # While it waits, the case says so and offers no second proposal.
    assert "menunggu persetujuan supervisor" in open_case(sari)
    assert "Usulkan penutupan" not in [o.label for o in sari.last_prompt().options]

    clock.advance(hours=2)
    assert "Kasus ditutup. Sari Rahayu sudah diberi tahu." in texts(dewi.press("Setujui"))
    closed = the_case(ctx)
    assert (closed.status, closed.stage) == (CaseStatus.CLOSED, CaseStage.TERMINATION)
    assert closed.closed_at == clock.now and closed.last_update_at == clock.now
    with ctx.sessions() as session:
        assert session.get(Person, closed.closed_by_id).phone == to_e164(DEWI)
    [told] = sari.inbox()
    assert told.text == (
        f"Dewi Lestari menyetujui penutupan kasus {CLOSED_LABEL}. Hasil: Graduasi mandiri. "
        "Pembinaan lanjut: Selasa, 15 Desember; kami akan mengingatkan Anda pagi itu."
    )
    [row] = followups(ctx)
    assert row.due_at == datetime(2026, 12, 15, 1, 0, tzinfo=UTC)  # 08:00 WIB
    # Pressed again: the proposal is no longer pending.
    assert "sudah tidak berlaku" in texts(dewi.press("Setujui"))
    # Closed: not offered for updates; in "Kasus saya" with its follow-up, history only.
    sari.send("menu")
    sari.press("Update kasus")
    assert not any(o.label.startswith(CODE) for o in sari.last_prompt().options)
    sari.send("menu")
    sari.press("Kasus saya")
    [listed] = [o.label for o in sari.last_prompt().options]
    assert listed == f"{CLOSED_LABEL}, ditutup; pembinaan lanjut Selasa, 15 Desember"
    open_case(sari)
    assert [o.label for o in sari.last_prompt().options] == ["Riwayat kasus"]
    history = texts(sari.press("Riwayat kasus"))
    assert f"Riwayat kasus {CLOSED_LABEL}" in history
    with ctx.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action.in_(("case.closure_proposed", "case.closed"))
            )
        ).all()
        assert len(entries) == 2 and all("9012" not in str(e.details) for e in entries)

    # The follow-up day: 08:00 WIB, once.
    sari.inbox()
    run_duties(ctx, datetime(2026, 12, 15, 0, 59, tzinfo=UTC))
    assert sari.inbox() == []
    run_duties(ctx, datetime(2026, 12, 15, 1, 0, tzinfo=UTC))
    [reminder] = sari.inbox()
    assert reminder.text.splitlines() == [
        "Selamat pagi, Sari. Hari ini jadwal bimbingan dan pembinaan lanjut untuk kasus yang "
        "sudah ditutup:",
        f"- {CLOSED_LABEL}",
    ]
    run_duties(ctx, datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    assert sari.inbox() == []


def test_not_yet_withdraws_the_proposal_with_a_masked_reason(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    add_case(ctx)
    sari, dewi = chat(SARI), chat(DEWI)
    propose(sari)
    clock.advance(minutes=30)
    asked = texts(dewi.press("Belum, bahas dulu"))
    assert f"Tulis alasan singkat untuk Sari Rahayu (kasus {LABEL})" in asked
    dewi.send(f"Kita bahas di sesi Kamis, cek KKS {NIK}")
    assert "Usulan dikembalikan. Sari Rahayu sudah diberi tahu." in texts(dewi.press("Ya, kirim"))
    case = the_case(ctx)
    assert case.status == CaseStatus.ACTIVE
    assert (case.closure_outcome, case.closure_note, case.closure_proposed_at) == (None, None, None)
    assert case.followup_on is None
    [told] = sari.inbox()
    assert told.text.splitlines() == [
        f"Dewi Lestari belum menyetujui penutupan kasus {LABEL} (Graduasi mandiri) dan ingin "
        "membahasnya dulu. Kasus tetap aktif.",
        'Alasan: "Kita bahas di sesi Kamis, cek KKS ************9012"',
    ]
    assert NIK not in told.text
    # The old buttons of the withdrawn proposal change nothing, even after a new proposal.
    clock.advance(minutes=30)
    propose(sari, followup=None)
    new_alert = dewi.inbox()[0]
    assert "Pembinaan lanjut: -" in new_alert.text
    old = next(p for p in _prompts_of(dewi) if p != new_alert.token)
    assert "sudah tidak berlaku" in texts(dewi.send(choice=f"{old}:setujui"))
    assert the_case(ctx).status == CaseStatus.ACTIVE
    # The new one, skipped without a reason, closes nothing but tells Sari plainly.
    dewi.press("Belum, bahas dulu")
    dewi.press("Lewati")
    dewi.press("Ya, kirim")
    assert texts(sari.inbox()).endswith("ingin membahasnya dulu. Kasus tetap aktif.")
    assert followups(ctx) == []


def _prompts_of(chat: Chat) -> list[str]:
    """The tokens of the closing prompts sent to this chat, oldest first."""
    with chat.ctx.sessions() as session:
        person = session.scalars(select(Person).where(Person.phone == chat.address)).one()
        return list(
            session.scalars(
                select(ActionPrompt.token)
                .where(ActionPrompt.person_id == person.id, ActionPrompt.action == "case.closure")
                .order_by(ActionPrompt.id)
            )
        )


def test_only_the_current_supervisor_decides(chat: ChatFactory, ctx: AppContext) -> None:
    add_case(ctx)
    sari, dewi, bambang, agus = chat(SARI), chat(DEWI), chat(BAMBANG), chat(AGUS)
    propose(sari)
    alert = dewi.last_prompt("Setujui")
    agree = next(o for o in alert.options if o.label == "Setujui")
    # The korkab and another pendamping press Dewi's button: it is not theirs.
    for other in (bambang, agus):
        assert "Kasus ditutup" not in texts(other.send(choice=alert.callback_data(agree)))
    assert the_case(ctx).status == CaseStatus.ACTIVE
    # Sari moves to Wulan: Dewi's button no longer decides.
    move_sari_to(ctx, add_supervisor(ctx))
    assert "bukan untuk Anda putuskan" in texts(dewi.press("Setujui"))
    assert "bukan untuk Anda putuskan" in texts(dewi.press("Belum, bahas dulu"))
    assert the_case(ctx).status == CaseStatus.ACTIVE
    # With no supervisor at all, a proposal is not kept.
    move_sari_to(ctx, None)
    add_case(ctx, code="KS-AAAAA2")
    open_case(sari, "KS-AAAAA2")
    sari.press("Usulkan penutupan")
    sari.press("Pindah")
    sari.send("Keluarga pindah ke Blitar")
    sari.press("Lewati")
    assert "belum ada supervisor yang bisa menyetujui" in texts(sari.press("Ya, kirim"))


def test_a_follow_up_date_must_be_later_and_a_reopened_case_gets_no_reminder(
    chat: ChatFactory, ctx: AppContext
) -> None:
    add_case(ctx)
    sari, dewi = chat(SARI), chat(DEWI)
    open_case(sari)
    sari.press("Usulkan penutupan")
    sari.press("Dirujuk")
    assert "paling sedikit 5 huruf" in texts(sari.send("ok"))
    sari.send("Dirujuk ke LKSA untuk pendampingan lanjutan")
    assert "harus setelah hari ini" in texts(sari.send("hari ini"))
    assert "Hasil: Dirujuk" in texts(sari.send("10/12"))
    sari.press("Ya, kirim")
    dewi.press("Setujui")
    assert the_case(ctx).followup_on == date(2026, 12, 10)
    with transaction(ctx.sessions) as session:
        session.execute(update(Case).values(status=CaseStatus.ACTIVE))
    sari.inbox()
    run_duties(ctx, datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    assert sari.inbox() == []
    [row] = followups(ctx)
    assert row.status == ScheduledStatus.DROPPED
