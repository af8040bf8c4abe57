"""The feedback thread on a case: the pendamping answers the supervisor's feedback, the supervisor
replies again, both sides are told each time, the case history shows who said what in order,
and a button pressed by the wrong person or after the policy changed changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from storage.models import Case, CaseFeedback, ConversationState, Person, Role
from tests.handlers.cases.test_cases import AGUS, BAMBANG, DEWI, LABEL, SARI, open_case
from tests.support import Chat, ChatFactory, Clock, texts

FEEDBACK = "Libatkan juga kepala desa, dan cek KIP anak"
ANSWER = "Siap Bu, kepala desa sudah saya hubungi. NIK ibunya 3503 1234 5678 9012"
AGAIN = "Bagus, lanjutkan kunjungan rumah minggu depan"
SITI = "0812-1000-0099"


def feedback_given(sari: Chat, dewi: Chat) -> None:
    """Sari opens a case, Dewi gives feedback on the update; both inboxes read."""
    open_case(sari)
    sari.press("Ya, kirim")
    dewi.inbox()
    dewi.press("Beri masukan")
    dewi.send(FEEDBACK)
    dewi.press("Lewati")  # no assessment tool
    dewi.press("Lewati")  # no service
    dewi.press("Ya, kirim")


def answer(chat: Chat, text: str) -> str:
    chat.press("Balas")
    chat.send(text)
    return texts(chat.press("Ya, kirim"))


def thread_rows(ctx: AppContext) -> list[tuple[str, str, int | None]]:
    with ctx.sessions() as session:
        rows = session.scalars(select(CaseFeedback).order_by(CaseFeedback.id)).all()
        return [(row.author.name, row.text, row.update_id) for row in rows]


def code_of(ctx: AppContext) -> str:
    with ctx.sessions() as session:
        return str(session.scalars(select(Case.code)).one())


def move_sari_to_new_supervisor(ctx: AppContext) -> None:
    """Siti becomes Sari's supervisor: Dewi no longer may read or answer Sari's work."""
    with ctx.sessions.begin() as session:
        sari = session.scalars(select(Person).where(Person.phone == "+6281210000003")).one()
        session.add(
            siti := Person(
                role=Role.SUPERVISOR,
                name="Siti Aminah",
                phone="+6281210000099",
                kabupaten="Trenggalek",
                kecamatan="Trenggalek",
                provinsi="Jawa Timur",
                timezone="Asia/Jakarta",
            )
        )
        session.flush()
        sari.supervisor_id = siti.id


def test_the_pendamping_answers_and_the_supervisor_replies_both_told_each_time(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    code = code_of(ctx)
    relayed = sari.inbox()[-1]
    assert f"Masukan dari Dewi Lestari untuk kasus {code} ({LABEL})" in relayed.text
    assert [o.label for o in relayed.options] == ["Balas", "Riwayat kasus"]

    lead = texts(sari.send("1"))  # typed, as on a channel without buttons
    assert f"Anda membalas pesan Dewi Lestari tentang kasus {code} ({LABEL})" in lead
    assert "Tulis balasan Anda" in lead
    summary = texts(sari.send(ANSWER))
    assert "Balasan: Siap Bu" in summary and "3503 1234" not in summary
    assert "sudah dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))

    [to_dewi] = dewi.inbox()
    assert f"Balasan dari Sari Rahayu (pendamping) tentang kasus {code} ({LABEL})" in to_dewi.text
    assert "kepala desa sudah saya hubungi" in to_dewi.text and "9012" in to_dewi.text
    assert "3503 1234 5678" not in to_dewi.text
    assert [o.label for o in to_dewi.options] == ["Balas", "Riwayat kasus"]

    assert "sudah dikirim ke Sari Rahayu" in answer(dewi, AGAIN)
    [to_sari] = sari.inbox()
    assert f"Balasan dari Dewi Lestari (supervisor) tentang kasus {code}" in to_sari.text
    assert AGAIN in to_sari.text and [o.label for o in to_sari.options] == [
        "Balas",
        "Riwayat kasus",
    ]
    assert "sudah dikirim ke Dewi Lestari" in answer(sari, "Baik Bu, terima kasih")
    assert "Baik Bu, terima kasih" in texts(dewi.inbox())

    rows = thread_rows(ctx)
    assert [(name, text[:12]) for name, text, _ in rows] == [
        ("Dewi Lestari", FEEDBACK[:12]),
        ("Sari Rahayu", ANSWER[:12]),
        ("Dewi Lestari", AGAIN[:12]),
        ("Sari Rahayu", "Baik Bu, ter"),
    ]
    assert len({update for _, _, update in rows}) == 1 and rows[0][2] is not None
    stored = " ".join(text for _, text, _ in rows)
    assert "3503" not in stored and "9012" in stored


def test_the_case_history_shows_each_update_with_its_thread_in_order(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    answer(sari, ANSWER)
    answer(dewi, AGAIN)
    code = code_of(ctx)
    sari.send("menu")
    sari.press("Update kasus")
    sari.press(f"{code} ({LABEL}) · Pendidikan / putus sekolah (asesmen)")
    sari.press("Intervensi")
    sari.send("Kepala desa ikut kunjungan, anak mau kembali sekolah")
    sari.send("Antar anak ke sekolah")
    sari.press("Lewati")
    sari.press("Selesai")
    sari.press("Ya, kirim")

    for reader in (dewi, sari):
        reader.inbox()
        [history] = reader.press("Riwayat kasus")
        text = history.text
        assert text.startswith(f"Riwayat kasus {code} ({LABEL})")
        assert "Pendamping: Sari Rahayu" in text
        order = [
            "Update (asesmen): Anak pertama berhenti sekolah",
            f'Dewi Lestari (supervisor): "{FEEDBACK}"',
            'Sari Rahayu (pendamping): "Siap Bu, kepala desa',
            f'Dewi Lestari (supervisor): "{AGAIN}"',
            "Update (intervensi): Kepala desa ikut kunjungan",
        ]
        positions = [text.index(part) for part in order]
        assert positions == sorted(positions)
        assert "3503 1234" not in text and "0812" not in text
        assert [o.label for o in history.options] == ["Balas"]

    # "Balas" under the history answers the thread the reader came from.
    sari.press("Balas")
    sari.send("Sudah saya jadwalkan")
    sari.press("Ya, kirim")
    assert "Sudah saya jadwalkan" in texts(dewi.inbox())
    assert thread_rows(ctx)[-1][:2] == ("Sari Rahayu", "Sudah saya jadwalkan")


def test_a_history_of_many_updates_shows_the_newest_and_counts_the_rest(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    code = code_of(ctx)
    for n in range(6):
        sari.send("menu")
        sari.press("Update kasus")
        sari.press(f"{code} ({LABEL}) · Pendidikan / putus sekolah (asesmen)")
        sari.press("Asesmen")
        sari.send(f"Kunjungan lanjutan nomor {n + 1} ke rumah KPM")
        sari.send("Kunjungan lagi")
        sari.press("Lewati")
        sari.press("Selesai")
        sari.press("Ya, kirim")
    [history] = sari.press("Riwayat kasus")
    assert "(2 update sebelumnya tidak ditampilkan.)" in history.text
    assert "nomor 6" in history.text and "nomor 2" in history.text
    assert "nomor 1 " not in history.text and "Anak pertama" not in history.text
    assert FEEDBACK not in history.text  # its update is one of the two left out


def test_a_foreign_button_answers_politely_and_changes_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    answer(sari, ANSWER)
    sari.inbox(), dewi.inbox()
    for phone, owner in ((AGUS, sari), (BAMBANG, dewi)):
        prompt = owner.last_prompt("Balas")
        stranger = chat(phone)
        for label in ("Balas", "Riwayat kasus"):
            option = next(o for o in prompt.options if o.label == label)
            replies = texts(stranger.send(choice=prompt.callback_data(option)))
            assert "sudah tidak berlaku" in replies
            assert FEEDBACK not in replies and "Siap Bu" not in replies
    with ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseFeedback)) == 2
        assert all(row.flow is None for row in session.scalars(select(ConversationState)))
    assert sari.inbox() == [] and dewi.inbox() == []


def test_a_supervisor_no_longer_in_charge_cannot_answer_and_the_new_one_hears(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    answer(sari, ANSWER)
    dewi.inbox()
    move_sari_to_new_supervisor(ctx)

    for label in ("Balas", "Riwayat kasus"):
        stale = texts(dewi.press(label))
        assert "sudah tidak bisa Anda buka atau balas" in stale
        assert "Tidak ada yang diubah" in stale and "Siap Bu" not in stale
    with ctx.sessions() as session:
        dewi_state = session.scalars(
            select(ConversationState).where(ConversationState.address == "+6281210000002")
        ).one()
        assert dewi_state.flow is None

    # Sari's answer to Dewi's old feedback goes to the supervisor she has now, not to Dewi.
    siti = chat(SITI)
    assert "sudah dikirim ke Siti Aminah" in answer(sari, "Kunjungan sudah dilakukan")
    assert dewi.inbox() == []
    [to_siti] = siti.inbox()
    assert "Balasan dari Sari Rahayu (pendamping)" in to_siti.text
    assert "Kunjungan sudah dilakukan" in to_siti.text
    [history] = siti.press("Riwayat kasus")
    assert f'Dewi Lestari (supervisor): "{FEEDBACK}"' in history.text
    assert "sudah dikirim ke Sari Rahayu" in answer(siti, "Terima kasih, saya ikuti kasus ini")
    assert "Balasan dari Siti Aminah (supervisor)" in texts(sari.inbox())
    assert dewi.inbox() == []
    assert [name for name, _, _ in thread_rows(ctx)] == [
        "Dewi Lestari",
        "Sari Rahayu",
        "Sari Rahayu",
        "Siti Aminah",
    ]


def test_access_lost_while_writing_keeps_nothing_and_tells_no_one(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    answer(sari, ANSWER)
    sari.inbox()
    dewi.press("Balas")
    dewi.send(AGAIN)
    move_sari_to_new_supervisor(ctx)
    assert "sudah tidak bisa Anda buka atau balas" in texts(dewi.press("Ya, kirim"))
    assert sari.inbox() == []
    assert len(thread_rows(ctx)) == 2


def test_no_answer_to_a_pendamping_who_has_left(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    feedback_given(sari, dewi)
    answer(sari, ANSWER)
    with ctx.sessions.begin() as session:
        person = session.scalars(select(Person).where(Person.phone == "+6281210000003")).one()
        person.active = False
    assert "Sari Rahayu sudah tidak aktif" in texts(dewi.press("Balas"))
    [history] = dewi.press("Riwayat kasus")
    assert "Siap Bu" in history.text and not history.options
    assert len(thread_rows(ctx)) == 2


def test_feedback_from_the_daily_digest_opens_a_thread_too(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    dewi.send("menu")
    dewi.press("Pengaturan")
    dewi.press("dalam ringkasan harian jam 16.00")
    open_case(sari)
    sari.press("Ya, kirim")
    sari.inbox()
    run_duties(ctx, clock.now.replace(hour=9))  # 16:00 WIB
    dewi.inbox()
    dewi.press(f"Masukan: {code_of(ctx)}")
    dewi.send(FEEDBACK)
    dewi.press("Lewati")  # no assessment tool
    dewi.press("Lewati")  # no service
    dewi.press("Ya, kirim")
    assert "Balas" in [o.label for o in sari.inbox()[-1].options]
    assert "sudah dikirim ke Dewi Lestari" in answer(sari, ANSWER)
    assert "Balasan dari Sari Rahayu (pendamping)" in texts(dewi.inbox())
    assert [name for name, _, _ in thread_rows(ctx)] == ["Dewi Lestari", "Sari Rahayu"]
