"""A request for personal support (workload, stress, conflict) stays between the pendamping and
their supervisor: the supervisor reads it, while the korkab it escalates to, and a backup before
taking it, learn only that a request is waiting, never its words."""

from __future__ import annotations

from handlers.core.context import AppContext
from scheduler.tick import run_duties
from tests.handlers.consultation.test_consultations import BAMBANG, DEWI, SARI, consultation
from tests.support import ChatFactory, Clock, texts

WORDS = "Saya kewalahan dan sulit tidur karena konflik dengan rekan"


def test_personal_support_is_read_by_the_supervisor_only(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi, bambang = chat(SARI), chat(DEWI), chat(BAMBANG)
    start = clock.now
    sari.send("menu")
    sari.press("Minta konsultasi")
    sari.press("Dukungan personal (beban kerja, stres, konflik)")
    sari.press("Mendesak")
    sari.send(WORDS)
    sari.press("Telepon")
    sari.press("Secepatnya")
    assert "sudah dikirim ke Dewi Lestari" in texts(sari.press("Ya, kirim"))
    assert consultation(ctx).topic == "dukungan_personal"
    assert WORDS in texts(dewi.inbox())

    clock.now = start.replace(minute=30)
    assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 1  # Dewi is reminded
    assert WORDS in texts(dewi.inbox())
    clock.now = start.replace(hour=start.hour + 2)
    assert run_duties(ctx, clock.now)["consultation_ack_clocks"] == 1  # now the korkab hears
    told = texts(bambang.inbox())
    assert "belum dijawab oleh Dewi Lestari" in told
    assert "dukungan personal" in told
    assert WORDS not in told and "kewalahan" not in told
    assert "rahasia" in told
    assert "meneruskannya ke Bambang Wijaya" in texts(sari.inbox())

    listed = texts(dewi.send("menu") + dewi.press("Konsultasi masuk"))
    assert WORDS in listed
