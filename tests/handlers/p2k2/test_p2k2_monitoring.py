"""P2K2 monitoring notes: the supervisor writes a note on one of their pendamping in five
skippable, masked parts (at least one filled); the pendamping is told what it says."""

from __future__ import annotations

from sqlalchemy import select, update

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from storage.models import AuditEntry, P2K2MonitoringNote, Person
from tests.support import Chat, ChatFactory, texts

SARI, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0002", "0812-1000-0001"
CARD = "3503 1234 5678 9012"


def start_note(dewi: Chat) -> None:
    dewi.send("menu")
    dewi.press("Cakupan P2K2")
    dewi.press("Catatan monitoring P2K2")
    dewi.press("Sari Rahayu (Pogalan)")


def notes(ctx: AppContext) -> list[P2K2MonitoringNote]:
    with ctx.sessions() as session:
        return list(session.scalars(select(P2K2MonitoringNote)))


def test_a_note_is_kept_masked_and_sent_to_the_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    start_note(dewi)
    dewi.send("Jadwal sesi 9 dan 10 kelompok Melati")
    assert "form P2K2" in texts(dewi.press("Lewati"))
    dewi.send(f"Form kehadiran lengkap, KKS {CARD} tercatat")
    dewi.press("Lewati")
    summary = texts(dewi.send("Materi gizi balita ditambah"))
    assert "Catatan monitoring P2K2 untuk Sari Rahayu" in summary
    done = texts(dewi.press("Ya, kirim"))
    assert "Catatan monitoring untuk Sari Rahayu tersimpan" in done
    [told] = sari.inbox()
    assert told.text.splitlines() == [
        "Catatan monitoring P2K2 dari Dewi Lestari:",
        "Rencana yang dibahas: Jadwal sesi 9 dan 10 kelompok Melati",
        "Form pendamping: Form kehadiran lengkap, KKS ************9012 tercatat",
        "Materi tambahan: Materi gizi balita ditambah",
    ]
    [note] = notes(ctx)
    assert note.plan_discussed == "Jadwal sesi 9 dan 10 kelompok Melati"
    assert (note.session_steps, note.difficulties) == (None, None)
    assert note.form_reviewed == "Form kehadiran lengkap, KKS ************9012 tercatat"
    assert note.material_added == "Materi gizi balita ditambah"
    with ctx.sessions() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "p2k2.monitoring_noted")
        ).all()
        assert entry.details == {
            "pendamping_id": note.pendamping_id,
            "parts": ["plan_discussed", "form_reviewed", "material_added"],
        }


def test_a_note_with_nothing_in_it_is_not_kept(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    start_note(dewi)
    for _ in range(4):
        dewi.press("Lewati")
    assert "belum berisi apa pun" in texts(dewi.press("Lewati"))
    assert notes(ctx) == []
    assert sari.inbox() == []


def test_a_note_on_a_pendamping_moved_away_meanwhile_is_refused(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    start_note(dewi)
    dewi.send("Rencana sesi dibahas bersama")
    for _ in range(4):
        dewi.press("Lewati")
    with ctx.sessions.begin() as session:
        session.execute(
            update(Person).where(Person.phone == to_e164(SARI)).values(supervisor_id=None)
        )
    assert "tidak bisa Anda lakukan" in texts(dewi.press("Ya, kirim"))
    assert notes(ctx) == [] and sari.inbox() == []


def test_a_korkab_gets_coverage_but_no_supervision_choices(chat: ChatFactory) -> None:
    bambang = chat(BAMBANG)
    bambang.send("menu")
    shown = bambang.press("Cakupan P2K2")
    assert "Cakupan P2K2 per pendamping" in texts(shown)
    assert not any(o.label == "Catatan monitoring P2K2" for reply in shown for o in reply.options)
