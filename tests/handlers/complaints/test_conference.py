"""A complaint's case conference with the korkab (seed 001 slide 8), through the chat and the
tick: the rule broken, the call, attendance, reminders like a supervision session, the result
and mediation; the reporter hears only what concerns them; others are refused; text masked."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from conversations.messages import Option, Reply
from handlers.complaints import conference
from handlers.core import prompts
from handlers.core.context import AppContext
from handlers.people import access
from handlers.people.phones import try_e164
from handlers.people.roster import import_roster
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import (
    AuditEntry,
    Complaint,
    ComplaintConference,
    OutboxMessage,
    Person,
    ScheduledMessage,
)
from storage.vocabulary import ConferenceStatus, ScheduledStatus
from tests.handlers.complaints.test_complaints import BAMBANG, DEWI, KPM, SARI, file
from tests.handlers.complaints.test_routing import give_to
from tests.support import Chat, ChatFactory, Clock, texts

NIK = "3503123456780001"
RULE = f"Pemotongan bantuan oleh ketua kelompok, NIK {NIK} dipakai tanpa izin"
LINA = "0812-2000-0002"  # a supervisor of another kabupaten (Tulungagung)


def _taken(chat: ChatFactory) -> tuple[Chat, Chat, Chat, str]:
    """A complaint filed, taken and planned by Dewi (so no SLA reminder comes in the days the
    tests tick through); (kpm, dewi, bambang, ticket), inboxes read."""
    kpm, dewi, bambang = chat(KPM), chat(DEWI), chat(BAMBANG)
    ticket, _ = file(kpm)
    dewi.inbox()
    dewi.press("Tangani")
    dewi.press("Rencana tindak lanjut")
    dewi.send("Cek data di SIKS-NG dan panggil ketua kelompok")
    dewi.press("Tidak perlu")
    dewi.press("Ya, kirim")
    kpm.inbox()
    bambang.inbox()
    return kpm, dewi, bambang, ticket


def _call(dewi: Chat, when: str = "Kamis jam 10", place: str | None = "Kantor Dinsos") -> str:
    dewi.press("Konferensi kasus")
    dewi.send(when)
    dewi.press("Tatap muka")
    dewi.send(place) if place else dewi.press("Lewati")
    return texts(dewi.press("Ya, kirim"))


def _conference(ctx: AppContext) -> ComplaintConference:
    with ctx.sessions() as session:
        return session.scalars(select(ComplaintConference)).one()


def _tick(ctx: AppContext, clock: Clock, at: datetime) -> None:
    clock.now = at
    run_duties(ctx, at)


def test_rule_call_attend_remind_and_record_with_the_reporter_told_only_their_part(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    kpm, dewi, bambang, ticket = _taken(chat)
    options = [o.label for o in dewi.last_prompt("Konferensi kasus").options]
    assert options[-2:] == ["Ketentuan dilanggar", "Konferensi kasus"]

    assert "Ketentuan PKH mana yang dilanggar" in texts(dewi.press("Ketentuan dilanggar"))
    dewi.send(RULE)
    saved = texts(dewi.press("Ya, kirim"))
    assert f"Ketentuan yang dilanggar untuk {ticket} tersimpan (tidak dikirim ke pelapor)." in saved
    with ctx.sessions() as session:
        rule = session.scalars(select(Complaint)).one().rule_broken
    assert rule == "Pemotongan bantuan oleh ketua kelompok, NIK ************0001 dipakai tanpa izin"

    asked = texts(dewi.press("Konferensi kasus"))
    assert f"Kapan konferensi kasus {ticket} dengan Bambang Wijaya?" in asked
    # Tuesday 1 December, 09:00 WIB: 08:00 today has passed; "kapan-kapan" names no time.
    assert "Waktu itu sudah lewat." in texts(dewi.send("1/12 jam 8"))
    assert "Waktu itu sudah lewat." in texts(dewi.send("30/11 jam 14.00"))
    assert "Maaf, waktunya belum terbaca." in texts(dewi.send("kapan-kapan"))
    dewi.send("Kamis jam 10")
    assert "Dengan cara apa?" in texts(dewi.inbox() or [dewi.last_prompt()])
    dewi.press("Tatap muka")
    summary = texts(dewi.send("Kantor Dinsos Trenggalek"))
    assert "Waktu: Kamis, 3 Desember, jam 10:00" in summary and "Cara: Tatap muka" in summary
    called = dewi.press("Ya, kirim")[0]
    assert called.text == (
        f"Konferensi kasus {ticket} dengan Bambang Wijaya dijadwalkan Kamis, 3 Desember, jam "
        "10:00 WIB, tatap muka (Kantor Dinsos Trenggalek). Bambang Wijaya sudah diundang. "
        "Pelapor hanya diberi tahu bahwa pengaduannya sedang dibahas. Anda berdua akan "
        "diingatkan sehari sebelumnya dan satu jam sebelumnya."
    )
    assert [o.label for o in called.options] == ["Ubah jadwal", "Batalkan", "Catat hasil"]
    conf = _conference(ctx)
    assert conf.starts_at == datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    assert (conf.mode, conf.place, conf.status) == (
        "tatap_muka",
        "Kantor Dinsos Trenggalek",
        "terjadwal",
    )

    [invite] = bambang.inbox()
    assert invite.text == (
        f"Undangan konferensi kasus dari Dewi Lestari tentang pengaduan {ticket} (Pogalan), "
        "bantuan tidak diterima / saldo nol:\n"
        '"Bantuan bulan ini belum masuk sejak Oktober"\n'
        "Ketentuan yang dilanggar: Pemotongan bantuan oleh ketua kelompok, NIK "
        "************0001 dipakai tanpa izin\n"
        "Waktu: Kamis, 3 Desember, jam 10:00 WIB, tatap muka (Kantor Dinsos Trenggalek).\n"
        "Apakah Anda bisa hadir?"
    )
    assert [o.label for o in invite.options] == ["Hadir", "Tidak bisa"]
    [told] = kpm.inbox()
    assert told.text == (
        f"Kabar pengaduan {ticket}: pengaduan Bapak/Ibu sedang dibahas bersama koordinator PKH "
        "dalam konferensi kasus. Kami akan mengabari Bapak/Ibu hasilnya."
    )

    assert texts(bambang.press("Hadir")) == (
        "Terima kasih. Kehadiran Anda sudah disampaikan kepada Dewi Lestari."
    )
    assert texts(dewi.inbox()) == (
        f"Bambang Wijaya akan hadir di konferensi kasus {ticket} (Kamis, 3 Desember, "
        "jam 10:00 WIB)."
    )

    # The day before at 16:00 WIB (09:00 UTC), both; not a minute earlier.
    _tick(ctx, clock, datetime(2026, 12, 2, 8, 59, tzinfo=UTC))
    assert dewi.inbox() == [] and bambang.inbox() == []
    _tick(ctx, clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert texts(dewi.inbox()) == (
        f"Pengingat: konferensi kasus pengaduan {ticket} dengan Bambang Wijaya pada Kamis, "
        "3 Desember, jam 10:00 WIB, tatap muka (Kantor Dinsos Trenggalek)."
    )
    [eve] = bambang.inbox()
    assert eve.text == (
        f"Pengingat: konferensi kasus pengaduan {ticket} (Pogalan) dengan Dewi Lestari pada "
        "Kamis, 3 Desember, jam 10:00 WIB, tatap muka (Kantor Dinsos Trenggalek). Apakah Anda "
        "bisa hadir?"
    )
    assert [o.label for o in eve.options] == ["Hadir", "Tidak bisa"]
    _tick(ctx, clock, datetime(2026, 12, 2, 9, 5, tzinfo=UTC))
    assert dewi.inbox() == [] and bambang.inbox() == []
    # An hour before.
    _tick(ctx, clock, datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    assert texts(dewi.inbox()).startswith(f"Sebentar lagi: konferensi kasus pengaduan {ticket}")
    assert "jam 10:00 WIB" in texts(bambang.inbox())
    # An hour after it began: the supervisor is asked to record it.
    _tick(ctx, clock, datetime(2026, 12, 3, 4, 0, tzinfo=UTC))
    assert bambang.inbox() == []
    [due] = dewi.inbox()
    assert due.text == (
        f"Konferensi kasus {ticket} dengan Bambang Wijaya (Kamis, 3 Desember, jam 10:00 WIB) "
        "sudah berlangsung. Mohon catat hasilnya."
    )
    assert [o.label for o in due.options] == ["Catat hasil"]

    assert f"Apakah konferensi kasus {ticket} terlaksana?" in texts(dewi.press("Catat hasil"))
    dewi.press("Ya, terlaksana")
    dewi.send(f"Saksi: bendahara kelompok; rekening {NIK}")
    dewi.send("Ketua kelompok mengembalikan potongan dan diberi teguran tertulis")
    dewi.press("Sepakat")
    summary = texts(dewi.press("Lewati"))
    assert "Hasil mediasi: Sepakat" in summary and NIK not in summary
    assert texts(dewi.press("Ya, kirim")).startswith(
        f"Hasil konferensi kasus {ticket} tersimpan. Bambang Wijaya sudah diberi tahu;"
    )
    conf = _conference(ctx)
    assert (conf.status, conf.mediation_outcome, conf.mediation_note) == (
        ConferenceStatus.HELD,
        "sepakat",
        None,
    )
    assert conf.evidence == "Saksi: bendahara kelompok; rekening ************0001"
    assert conf.recorded_at == clock.now
    assert "Rekomendasi: Ketua kelompok mengembalikan potongan" in texts(bambang.inbox())
    [outcome] = kpm.inbox()
    assert outcome.text == (
        f"Kabar pengaduan {ticket}: pembahasan sudah dilakukan dan semua pihak sudah sepakat "
        "tentang penyelesaiannya. Petugas akan menjalankan kesepakatan itu."
    )
    # The reporter never read a name, the rule, the time or the place.
    told_reporter = f"{told.text}\n{outcome.text}"
    for secret in ("Dewi", "Bambang", "Pemotongan", "Kamis", "10:00", "Dinsos", "Desember"):
        assert secret not in told_reporter
    # Nothing personal in the audit; the NIK nowhere at all.
    with ctx.sessions() as session:
        details = [repr(a.details) for a in session.scalars(select(AuditEntry))]
        payloads = [repr(o.payload) for o in session.scalars(select(OutboxMessage))]
    assert not any("Pemotongan" in d or "Saksi" in d or "teguran" in d for d in details)
    assert NIK not in "\n".join(details + payloads)
    # Recorded: a tick later sends nothing more.
    _tick(ctx, clock, datetime(2026, 12, 4, 4, 0, tzinfo=UTC))
    assert dewi.inbox() == [] and bambang.inbox() == []


def test_a_moved_conference_reminds_at_its_new_time_and_a_cancelled_one_never(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    kpm, dewi, bambang, ticket = _taken(chat)
    _call(dewi)
    [old_invite] = bambang.inbox()
    assert len(kpm.inbox()) == 1

    dewi.press("Ubah jadwal")
    dewi.send("Jumat jam 13.00")
    dewi.press("Telepon")
    dewi.press("Lewati")
    moved = dewi.press("Ya, kirim")[0].text
    assert moved == (
        f"Jadwal konferensi kasus {ticket} diubah ke Jumat, 4 Desember, jam 13:00 WIB, telepon. "
        "Bambang Wijaya sudah diberi tahu."
    )
    [new_invite] = bambang.inbox()
    assert new_invite.text == (
        f"Jadwal konferensi kasus pengaduan {ticket} (Pogalan) diubah oleh Dewi Lestari.\n"
        "Waktu baru: Jumat, 4 Desember, jam 13:00 WIB, telepon.\nApakah Anda bisa hadir?"
    )
    assert kpm.inbox() == []  # a move is nothing the reporter needs to hear
    # The invitation to the old time is stale.
    attend = next(o for o in old_invite.options if o.label == "Hadir")
    assert "sudah tidak berlaku" in texts(bambang.send(choice=old_invite.callback_data(attend)))
    assert dewi.inbox() == []

    # Nothing at the old times (Wednesday 16:00, Thursday 09:00 WIB).
    _tick(ctx, clock, datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    _tick(ctx, clock, datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
    assert dewi.inbox() == [] and bambang.inbox() == []
    # The day before the new time, at 16:00 WIB: once each.
    _tick(ctx, clock, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert "Jumat, 4 Desember, jam 13:00 WIB, telepon." in texts(dewi.inbox())
    assert "Jumat, 4 Desember, jam 13:00 WIB" in texts(bambang.inbox())

    assert texts(dewi.press("Batalkan")) == (
        f"Konferensi kasus {ticket} dibatalkan. Pengingatnya juga dibatalkan."
    )
    assert texts(bambang.inbox()) == (
        f"Konferensi kasus pengaduan {ticket} (Jumat, 4 Desember, jam 13:00 WIB) dibatalkan "
        "oleh Dewi Lestari."
    )
    assert _conference(ctx).status == ConferenceStatus.CANCELLED
    _tick(ctx, clock, datetime(2026, 12, 4, 5, 0, tzinfo=UTC))
    _tick(ctx, clock, datetime(2026, 12, 4, 7, 0, tzinfo=UTC))
    assert dewi.inbox() == [] and bambang.inbox() == [] and kpm.inbox() == []
    with ctx.sessions() as session:
        waiting = session.scalars(
            select(ScheduledMessage).where(ScheduledMessage.status == ScheduledStatus.WAITING)
        ).all()
    assert [m.key for m in waiting if m.key.startswith("conference:")] == []


def test_the_korkab_cannot_come_and_the_supervisor_hears_why(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm, dewi, bambang, ticket = _taken(chat)
    _call(dewi, "12/12 jam 13.00", place=None)
    bambang.inbox()
    assert "Apa alasannya?" in texts(bambang.press("Tidak bisa"))
    bambang.send("Ada rapat koordinasi di provinsi hari itu")
    assert bambang.press("Ya, kirim")[0].text == (
        "Terima kasih. Alasan Anda sudah disampaikan kepada Dewi Lestari."
    )
    [declined] = dewi.inbox()
    assert declined.text == (
        f"Bambang Wijaya tidak bisa hadir di konferensi kasus {ticket} (Sabtu, 12 Desember, jam "
        '13:00 WIB). Alasannya:\n"Ada rapat koordinasi di provinsi hari itu"\n'
        "Mohon ubah jadwal atau batalkan."
    )
    assert [o.label for o in declined.options] == ["Ubah jadwal", "Batalkan", "Catat hasil"]
    assert "belum" not in texts(kpm.inbox())  # only the one "being discussed" message
    # Recording before it began is refused.
    assert "bisa dicatat setelah dimulai" in texts(dewi.press("Catat hasil"))
    # Pressing "Konferensi kasus" again shows the one scheduled.
    shown = dewi.press("Konferensi kasus")[0]
    assert shown.text.startswith(f"Konferensi kasus {ticket} dengan Bambang Wijaya terjadwal")


def _forged(ctx: AppContext, phone: str, action: str, conf_id: int, value: str) -> Reply:
    """A button as if it had been sent to `phone` (someone it was never sent to)."""
    with transaction(ctx.sessions) as session:
        person = session.scalars(select(Person).where(Person.phone == try_e164(phone))).one()
        option = Option(value, "X")
        return prompts.make_prompt(session, person, action, conf_id, "x", [option], ctx.clock())


def test_a_pendamping_and_a_supervisor_of_another_kabupaten_are_refused(
    chat: ChatFactory, ctx: AppContext
) -> None:
    header = "role,name,phone,kabupaten,kecamatan,supervisor_phone,timezone\n"
    rows = (
        "korkab,Hadi Prasetyo,0812-2000-0001,Tulungagung,Tulungagung,,WIB\n"
        f"supervisor,Lina Marlina,{LINA},Tulungagung,Tulungagung,0812-2000-0001,WIB\n"
    )
    with transaction(ctx.sessions) as session:
        assert import_roster(session, header + rows, "Asia/Jakarta").added == 2
    kpm, dewi, bambang, ticket = _taken(chat)
    give_to(dewi, "Sari Rahayu (Pogalan)")
    sari, lina = chat(SARI), chat(LINA)
    [given] = sari.inbox()
    assert "Konferensi kasus" not in [o.label for o in given.options]
    assert "Ketentuan dilanggar" not in [o.label for o in given.options]
    _call(dewi)
    conf = _conference(ctx)
    made_for = conference.stamp(conf)
    with ctx.sessions() as session:
        c = session.get_one(Complaint, conf.complaint_id)
        people = {p.name.split()[0]: p for p in session.scalars(select(Person))}
        assert access.conference_korkab(session, c).name == "Bambang Wijaya"
        assert access.may_call_conference(people["Dewi"], c)
        assert not access.may_call_conference(people["Sari"], c)
        assert not access.may_call_conference(people["Lina"], c)
        assert not access.may_answer_conference(people["Hadi"], c, people["Hadi"].id)

    for who, phone, action, choice in (
        (sari, SARI, conference.MANAGE_ACTION, "batalkan"),
        (lina, LINA, conference.MANAGE_ACTION, "batalkan"),
        (dewi, DEWI, conference.INVITE_ACTION, "hadir"),
    ):
        who.inbox()
        forged = _forged(ctx, phone, action, conf.id, f"{choice}@{made_for}")
        answer = texts(who.send(choice=forged.callback_data(forged.options[0])))
        assert "konferensi kasus itu tidak bisa Anda atur" in answer
    assert _conference(ctx).status == ConferenceStatus.SCHEDULED
    assert bambang.inbox()[-1].text.startswith("Undangan konferensi kasus")
    # A supervisor of another kabupaten never hears of the complaint at all.
    assert lina.inbox() == []
    assert [
        r.text.startswith(f"Kabar pengaduan {ticket}: pengaduan Bapak/Ibu sedang dibahas")
        for r in kpm.inbox()
    ] == [True]


def test_not_held_is_recorded_and_a_new_one_can_be_called(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    kpm, dewi, bambang, ticket = _taken(chat)
    _call(dewi, "besok pagi")
    assert bambang.inbox()[0].text.startswith("Undangan konferensi kasus")
    kpm.inbox()
    _tick(ctx, clock, datetime(2026, 12, 2, 3, 0, tzinfo=UTC))  # Wed 10:00 WIB: record due
    dewi.inbox()
    dewi.press("Catat hasil")
    dewi.press("Tidak terlaksana")
    dewi.send("Korkab dipanggil rapat mendadak")
    assert texts(dewi.press("Ya, kirim")).startswith(
        f"Tercatat: konferensi kasus {ticket} tidak terlaksana."
    )
    conf = _conference(ctx)
    assert (conf.status, conf.recommendation) == (ConferenceStatus.CANCELLED, None)
    assert kpm.inbox() == []
    assert "Kapan konferensi kasus" in texts(dewi.press("Konferensi kasus"))


def test_an_anonymous_reporter_is_told_too_and_without_a_korkab_nothing_is_called(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm, dewi, bambang = chat(KPM), chat(DEWI), chat(BAMBANG)
    ticket, _ = file(kpm, anonymous=True, name=None)
    dewi.inbox()
    dewi.press("Tangani")
    kpm.inbox()
    _call(dewi)
    [told] = kpm.inbox()
    assert told.text.startswith(f"Kabar pengaduan {ticket}: pengaduan Bapak/Ibu sedang dibahas")
    assert "Pelapor" not in texts(bambang.inbox())
    dewi.press("Batalkan")

    with transaction(ctx.sessions) as session:
        korkab = session.scalars(select(Person).where(Person.phone == try_e164(BAMBANG))).one()
        korkab.active = False
    assert texts(dewi.press("Konferensi kasus")) == (
        "Maaf, belum ada koordinator kabupaten terdaftar yang bisa diundang untuk pengaduan "
        "ini. Tidak ada yang diubah."
    )
    with ctx.sessions() as session:
        assert len(session.scalars(select(ComplaintConference)).all()) == 1
