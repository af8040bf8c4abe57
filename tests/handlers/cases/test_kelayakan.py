"""Kelayakan kasus (a new case marked "perlu dibahas"), the supervisor's advice naming an
assessment tool or a service, and a case's history opened from the supervisor's case list."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.context import AppContext
from storage.models import Case, CaseFeedback
from tests.handlers.cases.test_case_thread import move_sari_to_new_supervisor
from tests.handlers.cases.test_cases import AGUS, DEWI, LABEL, SARI, open_case
from tests.support import Chat, ChatFactory, texts

NIK = "3503 1234 5678 9012"


def the_case(ctx: AppContext) -> Case:
    with ctx.sessions() as session:
        return session.scalars(select(Case)).one()


def test_a_new_case_asks_whether_to_discuss_it_and_the_supervisor_is_told(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    sari.send("menu")
    sari.press("Update kasus")
    sari.press("Kasus baru")
    sari.send(LABEL)
    [ask] = sari.press("Pendidikan / putus sekolah")
    assert ask.text == "Perlu dibahas dengan supervisor apakah kasus ini layak ditangani?"
    assert [o.label for o in ask.options] == ["Ya", "Tidak"]
    assert "Sekarang di tahap mana?" in texts(sari.press("Ya"))
    sari.press("Asesmen")
    sari.send("Anak pertama berhenti sekolah sejak Oktober")
    sari.send("Kunjungan rumah")
    sari.press("Lewati")
    summary = texts(sari.press("Selesai"))
    assert "Perlu dibahas dengan supervisor: Ya" in summary
    sari.press("Ya, kirim")
    assert the_case(ctx).needs_discussion is True
    [alert] = dewi.inbox()
    assert alert.text.endswith(
        "\nPendamping meminta kasus ini dibahas pada sesi supervisi berikutnya (kelayakan kasus)."
    )


def test_a_case_not_to_discuss_is_not_marked_and_the_alert_says_nothing(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    assert "Perlu dibahas dengan supervisor: Tidak" in texts(open_case(sari))
    sari.press("Ya, kirim")
    assert the_case(ctx).needs_discussion is False
    assert "kelayakan kasus" not in texts(dewi.inbox())


def give_advice(sari: Chat, dewi: Chat, text: str, tool: str, service: str) -> str:
    open_case(sari, discuss=True)
    sari.press("Ya, kirim")
    sari.inbox()
    dewi.inbox()
    dewi.press("Beri masukan")
    [ask_tool] = dewi.send(text)
    assert ask_tool.text == "Ada alat asesmen yang Anda sarankan? Pilih, atau pilih Lewati."
    assert [o.label for o in ask_tool.options] == [
        "Genogram",
        "Ekomap",
        "Peta riwayat (timeline)",
        "Peta tubuh (body map)",
        "Lewati",
    ]
    [ask_service] = dewi.press(tool)
    assert "layanan rujukan" in ask_service.text
    return texts(dewi.press(service))


def test_advice_names_a_tool_and_a_service_and_reaches_the_pendamping(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    summary = give_advice(
        sari, dewi, f"Buat genogram keluarga, NIK ibu {NIK}", "Genogram", "Pendidikan"
    )
    assert "Alat asesmen: Genogram\nLayanan rujukan: Pendidikan" in summary
    assert "5678" not in summary
    dewi.press("Ya, kirim")
    [relayed] = sari.inbox()
    code = the_case(ctx).code
    assert relayed.text.startswith(f"Masukan dari Dewi Lestari untuk kasus {code} ({LABEL})")
    assert relayed.text.endswith(
        "\nAlat asesmen yang disarankan: Genogram\nLayanan rujukan yang disarankan: Pendidikan"
    )
    assert "3503 1234 5678" not in relayed.text and "9012" in relayed.text
    with ctx.sessions() as session:
        row = session.scalars(select(CaseFeedback)).one()
        assert (row.tool, row.service) == ("genogram", "pendidikan")
        assert "5678" not in row.text
    # The pendamping's reply stays text only; the history shows the advice under the feedback.
    sari.press("Balas")
    assert "Balasan: Siap Bu" in texts(sari.send("Siap Bu, genogram saya buat minggu ini"))
    sari.press("Ya, kirim")
    with ctx.sessions() as session:
        reply = session.scalars(select(CaseFeedback).order_by(CaseFeedback.id.desc())).first()
        assert reply is not None and (reply.tool, reply.service) == (None, None)
    history = texts(sari.press("Riwayat kasus"))
    assert "\n  Alat asesmen yang disarankan: Genogram\n" in history
    assert history.count("Alat asesmen yang disarankan") == 1


def test_advice_may_skip_the_tool_and_the_service(chat: ChatFactory, ctx: AppContext) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    summary = give_advice(sari, dewi, "Lanjutkan kunjungan rumah", "Lewati", "Lewati")
    assert "Alat asesmen: -\nLayanan rujukan: -" in summary
    dewi.press("Ya, kirim")
    [relayed] = sari.inbox()
    assert relayed.text.endswith('"Lanjutkan kunjungan rumah"')
    with ctx.sessions() as session:
        row = session.scalars(select(CaseFeedback)).one()
        assert (row.tool, row.service) == (None, None)


def test_the_supervisor_opens_a_case_history_from_the_case_list(
    chat: ChatFactory, ctx: AppContext
) -> None:
    sari, dewi, agus = chat(SARI), chat(DEWI), chat(AGUS)
    open_case(sari)
    sari.press("Ya, kirim")
    code = the_case(ctx).code
    dewi.send("menu")
    dewi.press("Kasus pendamping")
    listing = dewi.last_prompt()
    assert listing.text.endswith("\nPilih kasus untuk melihat riwayatnya:")
    assert [o.label for o in listing.options] == [f"{code} ({LABEL})"]
    history = texts(dewi.press(f"{code} ({LABEL})"))
    assert history.startswith(f"Riwayat kasus {code} ({LABEL})")
    assert "Pendamping: Sari Rahayu" in history and "Update (asesmen)" in history
    # Another pendamping pressing the supervisor's button learns nothing.
    option = listing.options[0]
    assert "Riwayat kasus" not in texts(agus.send(choice=listing.callback_data(option)))
    # A stale list: Sari now has another supervisor, so Dewi's old button shows nothing.
    move_sari_to_new_supervisor(ctx)
    refused = texts(dewi.send(choice=listing.callback_data(option)))
    assert (
        refused == "Maaf, kasus itu tidak bisa Anda buka atau sudah ditutup. Tidak ada yang diubah."
    )
