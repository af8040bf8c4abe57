"""Complaint routing by the access policy, on the demo roster: a pendamping works on a complaint
only when its handler gives it to her, stays under the handler's oversight, loses it when it is
reclassified as conduct; conduct read from the words; the desk's clock; a role changed mid-flow
is refused where the message is routed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import AuditEntry, Complaint, Consultation, Person, Role, SupervisionSession
from tests.handlers.complaints.test_complaints import AGUS, BAMBANG, DEWI, KPM, RINA, SARI, file
from tests.support import Chat, ChatFactory, Clock, texts

DESK, KORWIL = "0812-1000-0007", "0812-1000-0006"  # Yuni Astuti, Hendra Gunawan (demo roster)


def the_complaint(ctx: AppContext) -> Complaint:
    with ctx.sessions() as session:
        return session.scalars(
            select(Complaint).options(
                joinedload(Complaint.handler),
                joinedload(Complaint.assignee),
                joinedload(Complaint.named_pendamping),
            )
        ).one()


def give_to(dewi: Chat, label: str) -> None:
    prompt = dewi.last_prompt("Serahkan ke pendamping")
    option = next(o for o in prompt.options if o.value == "serahkan")
    dewi.send(choice=prompt.callback_data(option))
    dewi.press(label)
    assert "diserahkan ke" in texts(dewi.press("Ya, kirim"))


def test_a_pendamping_works_on_it_only_once_given_and_her_supervisor_keeps_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm, dewi, sari, agus = chat(KPM), chat(DEWI), chat(SARI), chat(AGUS)
    ticket, _ = file(kpm)
    dewi.inbox()
    assert kpm.inbox() == []
    give_to(dewi, "Sari Rahayu (Pogalan)")
    [alert] = sari.inbox()
    assert "Dewi Lestari menyerahkan pengaduan" in alert.text and ticket in alert.text
    assert [o.label for o in alert.options] == [
        "Rencana tindak lanjut",
        "Selesai (tulis hasil)",
        "Tambah catatan",
        "Balas pelapor",
    ]
    assert agus.inbox() == []
    assert "sudah diterima petugas" in texts(kpm.inbox())  # taken: the reporter is told
    sari.press("Selesai (tulis hasil)")
    sari.send("Sudah dicek ke bank, saldo masuk minggu depan")
    sari.press("Ya, kirim")
    c = the_complaint(ctx)
    assert (c.status, c.handler.name, c.assignee.name) == ("selesai", "Dewi Lestari", "Sari Rahayu")
    assert "saldo masuk minggu depan" in texts(kpm.inbox())
    # The handler still sees it; Agus, of the same kecamatan, never did.
    dewi.send("menu")
    dewi.press("Daftar pengaduan")
    dewi.press("Menurut status")
    assert ticket in texts(dewi.press("selesai"))


def test_the_sla_reminder_reaches_the_handler_and_the_pendamping_given_it(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    kpm, dewi, sari = chat(KPM), chat(DEWI), chat(SARI)
    file(kpm)
    give_to(dewi, "Sari Rahayu (Pogalan)")
    sari.inbox()
    c = the_complaint(ctx)
    assert c.next_sla_check_at == c.plan_due_at
    clock.now = c.plan_due_at
    assert run_duties(ctx, clock.now)["complaint_sla_clocks"] == 1
    assert "Pengingat" in texts(dewi.inbox()) and "Pengingat" in texts(sari.inbox())


def test_reclassified_as_conduct_it_is_taken_back_from_the_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm, dewi, sari = chat(KPM), chat(DEWI), chat(SARI)
    ticket, _ = file(kpm)
    give_to(dewi, "Sari Rahayu (Pogalan)")
    old = sari.inbox()[-1]
    prompt = dewi.last_prompt("Ubah jenis")
    dewi.send(choice=prompt.callback_data(next(o for o in prompt.options if o.value == "kategori")))
    dewi.press("Perilaku pendamping")
    assert "sekarang: perilaku pendamping" in texts(dewi.press("Ya, kirim"))
    assert "ditarik kembali" in texts(sari.inbox())
    c = the_complaint(ctx)
    assert c.about_conduct and c.assignee_id is None
    # Her old buttons no longer work, and the supervisor cannot give it to a pendamping now.
    answer = sari.send(choice=old.callback_data(old.options[0]))
    assert "tidak bisa Anda tangani" in texts(answer)
    dewi.send("menu")
    dewi.press("Daftar pengaduan")
    dewi.press("Semua yang masih berjalan")
    item = dewi.last_prompt()  # the only complaint listed: its choices come at once
    assert ticket in item.text
    assert "Ubah jenis" in [o.label for o in item.options]
    assert "Serahkan ke pendamping" not in [o.label for o in item.options]
    with ctx.sessions() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "complaint.reclassified" in actions


def test_words_that_read_as_conduct_keep_it_from_every_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm, dewi, bambang = chat(KPM), chat(DEWI), chat(BAMBANG)
    ticket, _ = file(kpm, category="Layanan lain", story="Ada petugas minta uang 50 ribu tiap cair")
    c = the_complaint(ctx)
    assert c.about_conduct and c.named_pendamping_id is None
    assert ticket in texts(dewi.inbox()) and ticket in texts(bambang.inbox())
    assert "Serahkan ke pendamping" not in [o.label for o in dewi.last_prompt().options]
    for phone in (SARI, AGUS, RINA):
        assert chat(phone).inbox() == []


def test_a_named_pendamping_under_another_category_never_sees_it(
    chat: ChatFactory, ctx: AppContext
) -> None:
    kpm = chat(KPM)
    file(kpm, story="Pendamping Agus Santoso tidak pernah datang ke desa kami")
    c = the_complaint(ctx)
    assert c.about_conduct and c.named_pendamping.name == "Agus Santoso"
    assert chat(AGUS).inbox() == []


def test_of_unknown_place_it_waits_at_the_desk_and_its_clock_stays_there(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    kpm, desk, bambang = chat(KPM), chat(DESK), chat(BAMBANG)
    kpm.send("halo")
    kpm.press("Buat pengaduan")
    kpm.press("Setuju")
    kpm.press("Lupa PIN kartu")
    kpm.press("Tidak tahu")  # the demo roster has one kabupaten: the kecamatan is asked
    kpm.send("Saya lupa PIN dan tidak tahu harus ke mana")
    kpm.press("Selesai")
    kpm.press("Lewati")
    kpm.press("Boleh")
    kpm.press("Ya, kirim")
    c = the_complaint(ctx)
    assert c.handler_id is not None  # a known kabupaten: its korkab handles it
    assert c.handler.name == "Bambang Wijaya"
    assert "Pengaduan baru" in texts(bambang.inbox())
    assert desk.inbox() == []
    # With the kabupaten unknown too, only the desk hears, at every level.
    with transaction(ctx.sessions) as session:
        session.execute(update(Complaint).values(kabupaten="", kecamatan="", handler_id=None))
    for level in range(3):
        clock.now = the_complaint(ctx).next_sla_check_at or clock.now
        assert run_duties(ctx, clock.now)["complaint_sla_clocks"] == 1, level
        assert "Tempatkan" in [o.label for o in desk.last_prompt().options]
        assert bambang.inbox() == []


def test_a_role_changed_mid_flow_is_refused_where_the_message_is_routed(
    chat: ChatFactory, ctx: AppContext
) -> None:
    dewi = chat(DEWI)
    dewi.send("menu")
    dewi.press("Jadwal supervisi")
    dewi.press("Buat kesepakatan baru")
    with transaction(ctx.sessions) as session:
        session.execute(
            update(Person).where(Person.name == "Dewi Lestari").values(role="pendamping")
        )
    # Her next answer meets her new role: the flow ends, nothing is kept.
    assert "bukan untuk peran Anda" in texts(dewi.press("Individual"))
    with ctx.sessions() as session:
        assert session.scalars(select(SupervisionSession)).all() == []
        denied = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "access.denied")
        ).all()
    assert denied and denied[0].details["role"] == "pendamping"


def test_an_unanswered_consultation_goes_up_the_supervisors_own_chain(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    """No korkab linked: the korwil of the province, never every korkab on the roster."""
    with transaction(ctx.sessions) as session:
        session.execute(
            update(Person).where(Person.role == Role.SUPERVISOR).values(supervisor_id=None)
        )
        session.execute(update(Person).where(Person.role == Role.KORKAB).values(kabupaten="Lain"))
    sari, korwil, bambang = chat(SARI), chat(KORWIL), chat(BAMBANG)
    from tests.handlers.consultation.test_consultations import request

    request(sari)
    with ctx.sessions() as session:
        started = session.scalars(select(Consultation)).one().created_at
    for minutes in (30, 120):
        clock.now = started + timedelta(minutes=minutes)
        run_duties(ctx, clock.now)
    assert "belum dijawab" in texts(korwil.inbox())
    assert bambang.inbox() == []
    assert "Hendra Gunawan" in texts(sari.inbox())


def test_a_supervisor_who_is_no_longer_one_is_not_sent_requests(
    chat: ChatFactory, ctx: AppContext
) -> None:
    with transaction(ctx.sessions) as session:
        session.execute(update(Person).where(Person.name == "Dewi Lestari").values(role="admin"))
    sari, dewi = chat(SARI), chat(DEWI)
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press("Manajemen kasus")
    sari.press("Mendesak")
    sari.send("Anak KPM putus sekolah, orang tua menolak")
    sari.press("Telepon")
    sari.press("Secepatnya")
    # Nobody supervises her now: the korkab of her kabupaten hears of it instead.
    assert "diteruskan ke Bambang Wijaya" in texts(sari.press("Ya, kirim"))
    assert dewi.inbox() == []
