"""P2K2 monitoring notes: the supervisor writes a note on one of their pendamping in five
skippable, masked parts (at least one filled); the pendamping is told what it says."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update

from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from storage.models import AuditEntry, P2K2MonitoringNote, P2K2Report, Person
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


def test_a_wide_scope_is_counted_and_only_those_furthest_behind_are_named(
    chat: ChatFactory, ctx: AppContext
) -> None:
    """A korkab's kabupaten of 25 pendamping: 21 have reported (pendamping i held i sessions
    of one group, and Sari none), the 20 with the fewest sessions are named, the rest counted."""
    with ctx.sessions.begin() as session:
        sari = session.scalars(select(Person).where(Person.phone == to_e164(SARI))).one()
        for i in range(1, 25):
            person = Person(
                role="pendamping",
                name=f"Pendamping {i:02d}",
                phone=f"+6281299900{i:03d}",
                kabupaten=sari.kabupaten,
                kecamatan=sari.kecamatan,
                supervisor_id=sari.supervisor_id,
                active=i != 24,  # left: neither counted nor named
                timezone=sari.timezone,
            )
            session.add(person)
            session.flush()
            for n in range(1, min(i, 14) + 1 if i <= 21 else 1):
                for copy in range(2):  # a session reported twice counts once
                    session.add(
                        P2K2Report(
                            pendamping_id=person.id,
                            group_name="Melati",
                            module="pendidikan",
                            session_no=n,
                            held_on=date(2026, 11, 1),
                            enrolled=20,
                            present=18 - copy,
                        )
                    )
        others = session.scalar(
            select(func.count())
            .select_from(Person)
            .where(Person.role == "pendamping", Person.kabupaten == sari.kabupaten, Person.active)
        )
    bambang = chat(BAMBANG)
    bambang.send("menu")
    shown = next(r for r in bambang.press("Cakupan P2K2") if r.text.startswith("Cakupan"))
    lines = shown.text.splitlines()
    silent = others - 21
    assert lines[1] == (
        f"{others} pendamping, {silent} di antaranya belum ada laporan. "
        "Yang paling sedikit sesinya:"
    )
    named = [line for line in lines if line.startswith("- ")]
    assert len(named) == 20
    assert named[silent].startswith("- Pendamping 01 (") and "(1/14)" in named[silent]
    assert named[-1].startswith(f"- Pendamping {20 - silent:02d} (")
    assert lines[-1].startswith(f"… dan {others - 20} pendamping lainnya.")
    assert "Pendamping 24" not in shown.text
