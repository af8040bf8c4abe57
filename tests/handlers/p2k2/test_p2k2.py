"""P2K2 session reports and the coverage a supervisor sees."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.core.context import AppContext
from storage.models import P2K2Report
from tests.support import Chat, ChatFactory, texts

SARI, DEWI = "0812-1000-0003", "0812-1000-0002"


def report(sari: Chat, module: str, session: str, group: str, when: str = "hari ini") -> str:
    sari.send("menu")
    sari.press("Lapor P2K2")
    sari.press(module)
    sari.press(session)
    sari.send(group)
    sari.send(when)
    sari.send("25")
    sari.send("21")
    sari.press("Lewati")
    return texts(sari.press("Ya, kirim"))


def test_a_report_is_stored_with_its_session_and_attendance(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari = chat(SARI)
    done = report(sari, "Kesehatan & Gizi (sesi 8-10)", "Sesi 9", "Melati", when="28/11")
    assert "Kelompok Melati sudah menjalani sesi 9 (1 dari 14)" in done
    with ctx.sessions() as session:
        row = session.scalars(select(P2K2Report)).one()
        assert (row.module, row.session_no, row.held_on, row.enrolled, row.present) == (
            "kesehatan",
            9,
            date(2026, 11, 28),
            25,
            21,
        )


def test_only_the_sessions_of_the_chosen_module_are_offered(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Lapor P2K2")
    prompt = sari.press("Pengelolaan Keuangan & Perencanaan Usaha (sesi 5-7)")[-1]
    assert [o.label for o in prompt.options] == ["Sesi 5", "Sesi 6", "Sesi 7"]


def test_attendance_cannot_exceed_membership_or_a_future_date(chat: ChatFactory) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Lapor P2K2")
    sari.press("Perlindungan Anak (sesi 11-12)")
    sari.press("Sesi 11")
    sari.send("Mawar")
    assert "terlalu jauh ke depan" in texts(sari.send("besok"))
    sari.press("Hari ini")
    assert "angka saja" in texts(sari.send("dua puluh"))
    sari.send("20")
    assert "antara 0 dan 20" in texts(sari.send("22"))


def test_the_supervisor_sees_coverage_per_pendamping_and_group(chat: ChatFactory) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari, "Pengasuhan & Pendidikan Anak (sesi 1-4)", "Sesi 1", "Melati")
    report(sari, "Pengasuhan & Pendidikan Anak (sesi 1-4)", "Sesi 2", "Melati")
    again = report(sari, "Pengasuhan & Pendidikan Anak (sesi 1-4)", "Sesi 2", "Melati")
    assert "sudah pernah dilaporkan" in again
    dewi.send("menu")
    coverage = texts(dewi.press("Cakupan P2K2"))
    assert "Sari Rahayu (Pogalan): Melati: 1, 2 (2/14)" in coverage
    assert "Agus Santoso (Pogalan): belum ada laporan" in coverage
