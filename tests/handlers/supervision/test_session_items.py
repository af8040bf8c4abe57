"""A session record names the attendees' cases and P2K2 reports discussed: SessionItem rows, a
case named is no longer "perlu dibahas", and the case's history shows the session."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from conversations.messages import Reply
from handlers.core.context import AppContext
from storage.models import Case, OutboxMessage, P2K2Report, Person, SessionItem
from tests.handlers.cases.test_case_thread import move_sari_to_new_supervisor
from tests.handlers.cases.test_cases import open_case
from tests.handlers.supervision.test_supervision import AGUS, agreed_weekly, tick
from tests.support import Chat, ChatFactory, Clock, texts

SARI_CASE, OTHER_CASE, AGUS_CASE = "Bu S., Desa Ngares", "Pak R., Desa Wonocoyo", "Pak T., Krajan"
SESSION_END = datetime(2026, 12, 8, 4, tzinfo=UTC)  # Tuesday 11:00 WIB


def code_of(ctx: AppContext, label: str) -> str:
    with ctx.sessions() as session:
        return str(session.scalars(select(Case.code).where(Case.label == label)).one())


def add_reports(ctx: AppContext) -> None:
    """Sari's P2K2 reports: one from last week, one too old to offer."""
    with ctx.sessions.begin() as session:
        sari = session.scalars(select(Person).where(Person.name == "Sari Rahayu")).one()
        for held_on, session_no in ((date(2026, 12, 5), 3), (date(2026, 10, 1), 1)):
            session.add(
                P2K2Report(
                    pendamping_id=sari.id,
                    group_name="Melati",
                    module="pengasuhan",
                    session_no=session_no,
                    held_on=held_on,
                    enrolled=20,
                    present=18,
                )
            )


def record_until_items(chat: ChatFactory, ctx: AppContext, clock: Clock) -> tuple[Chat, Chat]:
    """Sari (attending) has two open cases, one to discuss, and a P2K2 report; Agus (not
    attending) has a case. Dewi records the session up to the choice of what was discussed."""
    sari, dewi = agreed_weekly(chat, ctx, clock)
    agus = chat(AGUS)
    open_case(sari, SARI_CASE, discuss=True)
    sari.press("Ya, kirim")
    open_case(sari, OTHER_CASE)
    sari.press("Ya, kirim")
    open_case(agus, AGUS_CASE, discuss=True)
    agus.press("Ya, kirim")
    add_reports(ctx)
    tick(ctx, clock, SESSION_END)
    dewi.inbox()
    dewi.press("Catat sesi")
    dewi.press("Ya, terlaksana")
    dewi.press("Sari Rahayu")
    dewi.press("Selesai")
    dewi.press("Administrasi")
    dewi.press("Selesai")
    dewi.press("Manajemen kasus")
    [gate] = dewi.press("Selesai")
    assert gate.text == "Apakah ada kasus atau laporan P2K2 pendamping yang hadir yang dibahas?"
    assert [o.label for o in gate.options] == ["Ya, pilih", "Tidak ada"]
    [items] = dewi.press("Ya, pilih")
    assert [o.label for o in items.options] == [
        f"Sari Rahayu: {code_of(ctx, SARI_CASE)} ({SARI_CASE})",
        f"Sari Rahayu: {code_of(ctx, OTHER_CASE)} ({OTHER_CASE})",
        "Sari Rahayu: P2K2 Melati sesi 3 (05-12)",
        "Selesai",
    ]
    return sari, dewi


def items_of(ctx: AppContext) -> list[tuple[str | None, int | None]]:
    with ctx.sessions() as session:
        rows = session.scalars(select(SessionItem).order_by(SessionItem.id)).all()
        return [(row.case.label if row.case else None, row.p2k2_report_id) for row in rows]


def needs_discussion(ctx: AppContext, label: str) -> bool:
    with ctx.sessions() as session:
        return bool(session.scalars(select(Case.needs_discussion).where(Case.label == label)).one())


def test_the_record_names_cases_and_reports_and_the_history_shows_it(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    _sari, dewi = record_until_items(chat, ctx, clock)
    code = code_of(ctx, SARI_CASE)
    dewi.press(f"Sari Rahayu: {code} ({SARI_CASE})")
    dewi.press("Sari Rahayu: P2K2 Melati sesi 3 (05-12)")
    dewi.press("Selesai")
    dewi.send("Membahas kelayakan kasus Bu S. dan sesi 3 Melati")
    summary = texts(dewi.press("Lewati"))
    assert "\nTindak lanjut: -\nDibahas: 1 kasus, 1 laporan P2K2\n" in summary
    assert "Catatan sesi tersimpan" in texts(dewi.press("Ya, kirim"))
    with ctx.sessions() as session:
        report_id = session.scalars(select(P2K2Report.id).where(P2K2Report.session_no == 3)).one()
    assert items_of(ctx) == [(SARI_CASE, None), (None, report_id)]
    assert needs_discussion(ctx, SARI_CASE) is False
    assert needs_discussion(ctx, AGUS_CASE) is True  # not named: still on the agenda
    # The history, from the supervisor's case list, shows the session.
    dewi.send("menu")
    dewi.press("Kasus pendamping")
    history = texts(dewi.press(f"{code} ({SARI_CASE})"))
    assert "\n• Dibahas dalam supervisi Selasa, 8 Desember" in history
    other = texts(dewi.press(f"{code_of(ctx, OTHER_CASE)} ({OTHER_CASE})"))
    assert "Dibahas dalam supervisi" not in other
    # The agenda no longer lists Sari's case as to discuss.
    dewi.send("menu")
    assert code not in texts(dewi.press("Agenda supervisi"))


def test_nothing_discussed_keeps_no_items(chat: ChatFactory, ctx: AppContext, clock: Clock) -> None:
    _sari, dewi = record_until_items(chat, ctx, clock)
    dewi.send("batal")
    dewi.inbox()
    # Recorded again from the start, answering "Tidak ada".
    dewi.press("Catat sesi")
    dewi.press("Ya, terlaksana")
    dewi.press("Sari Rahayu")
    dewi.press("Selesai")
    dewi.press("Pendidikan")
    dewi.press("Selesai")
    dewi.press("P2K2")
    dewi.press("Selesai")
    assert "Catatan singkat hasil sesi" in texts(dewi.press("Tidak ada"))
    dewi.send("Latihan fasilitasi")
    assert "Dibahas:" not in texts(dewi.press("Lewati"))
    dewi.press("Ya, kirim")
    assert items_of(ctx) == []
    assert needs_discussion(ctx, SARI_CASE) is True


def test_a_case_no_longer_the_supervisor_s_is_not_kept(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    """Sari moves to another supervisor while the record is being written: her case is not
    named in Dewi's record and stays "perlu dibahas"."""
    _sari, dewi = record_until_items(chat, ctx, clock)
    code = code_of(ctx, SARI_CASE)
    dewi.press(f"Sari Rahayu: {code} ({SARI_CASE})")
    dewi.press("Selesai")
    dewi.send("Membahas kelayakan kasus")
    dewi.press("Lewati")
    move_sari_to_new_supervisor(ctx)
    dewi.press("Ya, kirim")
    assert items_of(ctx) == []
    assert needs_discussion(ctx, SARI_CASE) is True


def test_the_pendamping_sees_the_session_in_the_case_history(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = record_until_items(chat, ctx, clock)
    code = code_of(ctx, SARI_CASE)
    dewi.press(f"Sari Rahayu: {code} ({SARI_CASE})")
    dewi.press("Selesai")
    dewi.send("Membahas kelayakan kasus")
    dewi.press("Lewati")
    dewi.press("Ya, kirim")
    # Feedback afterwards, on the alert about this case: the pendamping opens the history.
    sari.inbox()
    with ctx.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.address == dewi.address))
        alert = next(
            Reply.from_payload(row.payload)
            for row in rows
            if f"Update kasus dari Sari Rahayu (Pogalan): {code}" in row.payload["text"]
        )
    dewi.send(choice=alert.callback_data(alert.options[0]))
    dewi.send("Lanjutkan asesmen dengan genogram")
    dewi.press("Genogram")
    dewi.press("Lewati")
    dewi.press("Ya, kirim")
    history = texts(sari.press("Riwayat kasus"))
    assert "• Dibahas dalam supervisi Selasa, 8 Desember" in history
    assert "Alat asesmen yang disarankan: Genogram" in history
