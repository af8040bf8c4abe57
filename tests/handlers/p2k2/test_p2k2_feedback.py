"""A P2K2 report reaches the pendamping's supervisor at once; the supervisor's response is relayed
to the pendamping, audited without its text, and only the current supervisor may give it."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from conversations.messages import Reply
from handlers.core.context import AppContext
from handlers.people.phones import to_e164
from storage.models import AuditEntry, OutboxMessage, P2K2Report, Person, Role
from tests.support import Chat, ChatFactory, texts

SARI, AGUS, DEWI, BAMBANG = "0812-1000-0003", "0812-1000-0004", "0812-1000-0002", "0812-1000-0001"
WULAN = "0812-1000-0099"  # a second supervisor, added by the tests that need one
HEALTH = "Kesehatan & Gizi (sesi 8-10)"
CARD = "3503 1234 5678 9012"
RESPONSE = "Bagus, lanjutkan. Ajak kader posyandu di sesi berikutnya."


def report(sari: Chat, notes: str | None = None) -> str:
    """Sari reports session 9 of group Melati held on 28/11, 21 of 25 present."""
    sari.send("menu")
    sari.press("Lapor P2K2")
    sari.press(HEALTH)
    sari.press("Sesi 9")
    sari.send("Melati")
    sari.send("28/11")
    sari.send("25")
    sari.send("21")
    if notes is None:
        sari.press("Lewati")
    else:
        sari.send(notes)
    return texts(sari.press("Ya, kirim"))


def respond_confirm(dewi: Chat) -> str:
    return texts(dewi.press("Ya, kirim"))


def respond(dewi: Chat, text: str = RESPONSE) -> str:
    dewi.press("Beri tanggapan")
    dewi.send(text)
    return respond_confirm(dewi)


def press_foreign(someone: Chat, alert: Reply) -> str:
    """Press the "Beri tanggapan" button of a message sent to someone else."""
    button = next(o for o in alert.options if o.label == "Beri tanggapan")
    return texts(someone.send(choice=alert.callback_data(button)))


def responses(ctx: AppContext) -> list[AuditEntry]:
    with ctx.sessions() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "p2k2.responded"))
        )


def add_supervisor(ctx: AppContext) -> int:
    with ctx.sessions.begin() as session:
        wulan = Person(
            role=Role.SUPERVISOR,
            name="Wulan Sari",
            phone=to_e164(WULAN),
            kabupaten="Trenggalek",
            kecamatan="Pogalan",
            provinsi="Jawa Timur",
            timezone="Asia/Jakarta",
        )
        session.add(wulan)
        session.flush()
        return wulan.id


def move_sari_to(ctx: AppContext, supervisor_id: int | None) -> None:
    with ctx.sessions.begin() as session:
        session.execute(
            update(Person).where(Person.phone == to_e164(SARI)).values(supervisor_id=supervisor_id)
        )


def test_the_supervisor_gets_the_report_at_once_with_notes_masked(chat: ChatFactory) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    done = report(sari, notes=f"Bu A menunjukkan KKS {CARD} dan PIN 123456 ke kelompok")
    assert "Kelompok Melati sudah menjalani sesi 9 (1 dari 14)" in done
    assert "juga sudah dikirim ke supervisor Anda, Dewi" in done
    [alert] = dewi.inbox()
    assert alert.text.splitlines() == [
        "Laporan P2K2 dari Sari Rahayu (Pogalan)",
        "Kelompok: Melati",
        f"Modul: {HEALTH}",
        "Sesi: 9",
        "Tanggal: Sabtu, 28 November",
        "Hadir: 21 dari 25 KPM",
        "Catatan: Bu A menunjukkan KKS ************9012 dan PIN ****** ke kelompok",
    ]
    assert [o.label for o in alert.options] == ["Beri tanggapan"]
    assert CARD not in alert.text and "123456" not in alert.text


def test_the_response_is_relayed_to_the_pendamping_and_audited_without_its_text(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari)
    sari.inbox()
    asked = texts(dewi.press("Beri tanggapan"))
    assert "Tulis tanggapan Anda untuk Sari Rahayu tentang sesi 9 kelompok Melati" in asked
    assert "terlalu singkat" in texts(dewi.send("ok"))
    dewi.send(f"{RESPONSE} Kartu {CARD} sudah dicek.")
    assert "dikirim ke Sari Rahayu" in respond_confirm(dewi)
    [relayed] = sari.inbox()
    lead = "Tanggapan dari Dewi Lestari untuk laporan P2K2 kelompok Melati, sesi 9"
    assert relayed.text.startswith(f"{lead} (Sabtu, 28 November)")
    assert RESPONSE in relayed.text and "************9012" in relayed.text
    assert CARD not in relayed.text
    [entry] = responses(ctx)
    with ctx.sessions() as session:
        row = session.scalars(select(P2K2Report)).one()
        dewi_id = session.scalars(select(Person.id).where(Person.phone == dewi.address)).one()
    masked = f"{RESPONSE} Kartu ************9012 sudah dicek."
    assert (entry.entity_type, entry.entity_id, entry.actor_person_id) == (
        "p2k2_report",
        str(row.id),
        dewi_id,
    )
    assert entry.details == {"pendamping_id": row.pendamping_id, "chars": len(masked)}
    with ctx.sessions() as session:  # the text is kept nowhere but in the message itself
        details = [str(d) for d in session.scalars(select(AuditEntry.details))]
        assert not any("Ajak kader" in d for d in details)
        assert not any("Ajak kader" in (n or "") for n in session.scalars(select(P2K2Report.notes)))


def test_a_pendamping_without_a_supervisor_reports_and_nothing_is_sent(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    move_sari_to(ctx, None)
    done = report(sari)
    assert "Laporan P2K2 tersimpan" in done and "supervisor" not in done
    assert dewi.inbox() == []
    with ctx.sessions() as session:
        assert session.scalars(select(P2K2Report.group_name)).all() == ["Melati"]
        kinds = session.scalars(select(OutboxMessage.kind)).all()
        assert "p2k2_report" not in kinds


def test_an_inactive_supervisor_is_not_sent_the_report(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    with ctx.sessions.begin() as session:
        session.execute(update(Person).where(Person.phone == dewi.address).values(active=False))
    assert "supervisor" not in report(sari)
    assert dewi.inbox() == []


def test_a_foreign_button_changes_nothing(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi, agus, bambang = chat(SARI), chat(DEWI), chat(AGUS), chat(BAMBANG)
    report(sari)
    sari.inbox()
    [alert] = dewi.inbox()
    for someone in (agus, bambang, sari):
        answer = press_foreign(someone, alert)
        assert "Menu itu sudah tidak berlaku" in answer and "Tulis tanggapan" not in answer
    assert sari.inbox() == [] and responses(ctx) == []
    assert "dikirim ke Sari Rahayu" in respond(dewi)  # the button still works for Dewi
    assert len(responses(ctx)) == 1


def test_a_former_supervisor_cannot_respond(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari)
    sari.inbox()
    move_sari_to(ctx, add_supervisor(ctx))
    assert "tidak bisa Anda tanggapi" in texts(dewi.press("Beri tanggapan"))
    assert "Tulis tanggapan" not in texts(dewi.inbox())
    assert sari.inbox() == [] and responses(ctx) == []


def test_a_move_while_the_response_is_written_sends_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari)
    sari.inbox()
    dewi.press("Beri tanggapan")
    dewi.send(RESPONSE)
    move_sari_to(ctx, add_supervisor(ctx))
    assert "tidak bisa Anda tanggapi" in respond_confirm(dewi)
    assert sari.inbox() == [] and responses(ctx) == []


def test_the_new_supervisor_gets_the_next_report_and_may_respond(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi, wulan = chat(SARI), chat(DEWI), chat(WULAN)
    move_sari_to(ctx, add_supervisor(ctx))
    assert "supervisor Anda, Wulan Sari" in report(sari)
    sari.inbox()
    assert dewi.inbox() == []
    assert "dikirim ke Sari Rahayu" in respond(wulan)
    assert "Tanggapan dari Wulan Sari" in texts(sari.inbox())
    assert len(responses(ctx)) == 1


def test_a_button_for_a_report_that_is_gone_changes_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari)
    sari.inbox()
    with ctx.sessions.begin() as session:
        session.execute(delete(P2K2Report))
    assert "tidak bisa Anda tanggapi" in texts(dewi.press("Beri tanggapan"))
    assert sari.inbox() == [] and responses(ctx) == []


def test_a_supervisor_may_answer_the_alert_by_typing_its_number(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    report(sari)
    sari.inbox()
    assert "Tulis tanggapan Anda untuk Sari Rahayu" in texts(dewi.send("1"))
    dewi.send(RESPONSE)
    respond_confirm(dewi)
    assert RESPONSE in texts(sari.inbox())
