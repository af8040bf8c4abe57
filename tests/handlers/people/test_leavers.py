"""Someone who leaves: the roster's `active` column set to `tidak`. From then on the bot answers
them as it answers the public, nothing is sent to them, the import says who still reports to
them and what work they held; `ya` brings them back, and a file without the column changes
nobody's state."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from conversations.messages import Reply
from handlers.core.context import AppContext
from handlers.people.roster import ImportReport, import_roster
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import AuditEntry, Consultation, OutboxMessage, Person
from tests.support import Chat, ChatFactory, Clock, texts

BAMBANG, DEWI, SARI = "0812-1000-0001", "0812-1000-0002", "0812-1000-0003"
HEADER = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone,active\n"
DEWI_ROW = "supervisor,Dewi Lestari,{phone},Trenggalek,Trenggalek,{boss},WIB,{active}\n"
DEMO_ROSTER = Path(__file__).parents[3] / "bot" / "demo_roster.csv"


def shown(replies: list[Reply]) -> str:
    """The texts and the buttons' labels."""
    return "\n".join([r.text for r in replies] + [o.label for r in replies for o in r.options])


def menu_of(chat: Chat) -> str:
    chat.inbox()
    return shown(chat.send("menu"))


def is_staff_menu(menu: str) -> bool:
    return "Halo Dewi" in menu and "Konsultasi masuk" in menu


def is_public_menu(menu: str) -> bool:
    return "Buat pengaduan" in menu and "Dewi" not in menu and "Konsultasi" not in menu


def set_dewi(ctx: AppContext, active: str) -> ImportReport:
    row = DEWI_ROW.format(phone=DEWI, boss=BAMBANG, active=active)
    with transaction(ctx.sessions) as session:
        return import_roster(session, HEADER + row, "Asia/Jakarta")


def request(
    sari: Chat, topic: str = "Manajemen kasus", words: str = "Anak KPM putus sekolah"
) -> str:
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press(topic)
    sari.press("Mendesak")
    sari.send(words)
    sari.press("Telepon")
    sari.press("Secepatnya")
    return texts(sari.press("Ya, kirim"))


def dewi_active(ctx: AppContext) -> bool:
    with ctx.sessions() as session:
        return session.scalars(select(Person.active).where(Person.phone == "+6281210000002")).one()


def test_someone_who_left_is_answered_as_the_public_and_told_nothing(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    assert is_staff_menu(menu_of(dewi))
    assert "sudah dikirim ke Dewi Lestari" in request(sari)
    assert dewi.inbox()  # the alert, while she was still on the roster

    report = set_dewi(ctx, "tidak")
    assert (report.updated, report.rejected) == (1, [])
    reasons = [w.reason() for w in report.warnings]
    # Her three pendamping are not in this file: no line, but each is named.
    still = [r for r in reasons if "still reports to Dewi Lestari (+6281210000002)" in r]
    assert len(still) == 3 and any(r.startswith("pendamping Sari Rahayu") for r in still)
    assert (
        "Dewi Lestari (+6281210000002) is no longer active and still holds 0 open complaints, "
        "1 open consultations, 0 active cases and 0 supervision agreements" in "\n".join(reasons)
    )
    assert not dewi_active(ctx)
    # The alert still queued for her (no dispatcher runs here) will not go out either.
    with ctx.sessions() as session:
        queued = session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error).where(
                OutboxMessage.address == "+6281210000002"
            )
        ).all()
    assert [status for status, _ in queued] == ["failed"] * len(queued) and queued
    assert all("no longer active" in (error or "") for _, error in queued)

    assert is_public_menu(menu_of(dewi))
    # Her pendamping's next request goes to the korkab, who is told why.
    bambang = chat(BAMBANG)
    bambang.inbox()
    assert "diteruskan ke Bambang Wijaya" in request(sari, words="Ibu KPM sakit keras")
    told = texts(bambang.inbox())
    assert "Sari Rahayu (Pogalan) meminta konsultasi MENDESAK" in told
    assert "Ibu KPM sakit keras" in told and "belum punya supervisor aktif" in told
    # A request for personal support reaches the korkab without its words.
    request(sari, topic="Dukungan personal (beban kerja, stres, konflik)", words="Saya lelah")
    told = texts(bambang.inbox())
    assert "rahasia" in told and "Saya lelah" not in told
    assert dewi.inbox() == []
    # The first request's clock runs on: its reminders and escalation never reach her.
    clock.advance(hours=30)
    run_duties(ctx, clock())
    assert dewi.inbox() == []
    with ctx.sessions() as session:
        assert session.scalars(select(Consultation.id)).all()  # nothing was lost


def test_a_member_of_staff_who_leaves_mid_dialog_cannot_finish_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari = chat(SARI)
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press("Manajemen kasus")
    with transaction(ctx.sessions) as session:
        session.scalars(select(Person).where(Person.phone == "+6281210000003")).one().active = False
    for text in ("1", "Anak KPM putus sekolah", "1", "1", "Ya, kirim"):
        assert "sudah dikirim" not in texts(sari.send(text))
    with ctx.sessions() as session:
        assert session.scalars(select(Consultation)).all() == []


def test_ya_brings_them_back_and_an_old_file_lets_nobody_back(
    chat: ChatFactory, ctx: AppContext
) -> None:
    dewi = chat(DEWI)
    set_dewi(ctx, "tidak")
    # The demo roster again, as an admin might upload last month's file: no `active` column.
    with transaction(ctx.sessions) as session:
        text = DEMO_ROSTER.read_text(encoding="utf-8")
        again = import_roster(session, text, "Asia/Jakarta")
    assert again.updated == 0 and not dewi_active(ctx)
    assert is_public_menu(menu_of(dewi))

    back = set_dewi(ctx, "ya")
    assert back.updated == 1 and dewi_active(ctx)
    # Nobody reports to someone inactive any more, and she left nothing behind this time.
    assert back.warnings == []
    assert is_staff_menu(menu_of(dewi))
    with ctx.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("roster.%activated"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["roster.deactivated", "roster.reactivated"]


def test_the_active_column_takes_ya_or_tidak_and_refuses_anything_else(
    chat: ChatFactory, ctx: AppContext
) -> None:
    chat(DEWI)
    for value, active in (("", True), ("TIDAK", False), ("Ya", True), ("0", False), ("1", True)):
        assert set_dewi(ctx, value).rejected == []
        assert dewi_active(ctx) is active, value
    report = set_dewi(ctx, "keluar")
    assert [(r.line, r.reason()) for r in report.rejected] == [
        (2, "active must be 'ya' or 'tidak', not 'keluar'")
    ]
    assert dewi_active(ctx)  # the refused row changed nothing
    # A new person may be added already inactive (a file that lists leavers too).
    row = "pendamping,Baru Keluar,0812-1000-0099,Trenggalek,Pogalan,0812-1000-0002,WIB,tidak\n"
    with transaction(ctx.sessions) as session:
        assert import_roster(session, HEADER + row, "Asia/Jakarta").added == 1
    with ctx.sessions() as session:
        added = session.scalars(select(Person).where(Person.phone == "+6281210000099")).one()
        assert added.active is False


def test_a_supervisor_whose_backup_left_is_told_to_name_another(
    chat: ChatFactory, ctx: AppContext
) -> None:
    chat(DEWI)
    header = HEADER.replace(",active", ",backup_supervisor_phone,active")
    rows = (
        "supervisor,Dewi Lestari,0812-1000-0002,Trenggalek,Trenggalek,0812-1000-0001,WIB,"
        "0812-1000-0010,ya\n"
        "supervisor,Cadangan Pergi,0812-1000-0010,Trenggalek,Trenggalek,0812-1000-0001,WIB,,tidak\n"
    )
    with transaction(ctx.sessions) as session:
        report = import_roster(session, header + rows, "Asia/Jakarta")
    assert report.rejected == []
    backup = [w for w in report.warnings if w.key == "backup_inactive"]
    assert [(w.line, w.reason()) for w in backup] == [
        (
            2,
            "the backup of Dewi Lestari (+6281210000002), Cadangan Pergi (+6281210000010), is "
            "no longer active: name another in backup_supervisor_phone",
        )
    ]
