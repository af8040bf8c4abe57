"""Whole flows through Telegram buttons, stale and forged buttons, and a process restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.settings import Settings
from storage.models import Consultation, InboundMessage
from tests.bot.telegram.conftest import DEWI, SARI, Bot, labels, texts


async def test_consultation_through_buttons_reaches_the_supervisor_on_telegram(
    polling_bot: Bot,
) -> None:
    bot = polling_bot
    await bot.link(DEWI)
    await bot.link(SARI)
    bot.unread(DEWI)

    topic = await bot.press(SARI, "Minta konsultasi")
    assert "Topik konsultasinya apa?" in texts(topic)
    assert "Manajemen kasus" in labels(topic[-1])
    await bot.press(SARI, "Manajemen kasus")
    await bot.press(SARI, "Mendesak")
    await bot.say(SARI, "Anak KPM putus sekolah, orang tua menolak")
    await bot.press(SARI, "Panggilan video")
    confirm = await bot.say(SARI, "Kamis jam 10")
    assert "Mohon periksa dulu" in confirm[-1]["text"]
    assert labels(confirm[-1]) == ["Ya, kirim", "Ulangi dari awal", "Batal"]
    done = await bot.press(SARI, "Ya, kirim")
    assert "Dewi Lestari" in texts(done)

    [alert] = bot.unread(DEWI)
    assert "MENDESAK" in alert["text"] and "Sari Rahayu (Pogalan)" in alert["text"]
    assert "Anak KPM putus sekolah" in alert["text"]
    assert "Terima sekarang" in labels(alert)

    # The supervisor answers with the alert's own button; the pendamping hears it on Telegram.
    accepted = await bot.press(DEWI, "Terima sekarang")
    assert "disepakati" in texts(accepted)
    assert "Dewi Lestari menyetujui konsultasi" in texts(bot.unread(SARI))
    with bot.runtime.sessions() as session:
        consultation = session.scalars(select(Consultation)).one()
        assert (consultation.topic, consultation.urgency) == ("manajemen_kasus", "mendesak")
        assert consultation.status == "disepakati"


async def test_a_pressed_button_is_answered_and_its_keyboard_removed(polling_bot: Bot) -> None:
    bot = polling_bot
    await bot.link(SARI)
    menu = bot.last_keyboard(SARI)
    await bot.press(SARI, "Minta konsultasi")

    [answer] = bot.fake.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"]
    [edit] = bot.fake.calls_to("editMessageReplyMarkup")
    assert (edit.params["chat_id"], edit.params["message_id"]) == (SARI.id, menu["message_id"])
    assert "reply_markup" not in bot.fake.bot_messages(SARI.id)[menu["message_id"] - 3]
    with bot.runtime.sessions() as session:
        pressed = session.scalars(select(InboundMessage).where(InboundMessage.kind == "choice"))
        assert len(pressed.all()) == 1


async def test_an_old_menu_button_gets_expired_and_the_current_menu(polling_bot: Bot) -> None:
    bot = polling_bot
    await bot.link(SARI)
    old_menu = bot.last_keyboard(SARI)
    await bot.say(SARI, "menu")  # a new menu: the old one's buttons are stale now
    update = bot.fake.press_update(SARI, old_menu, "Minta konsultasi")
    await bot.send_update(update)
    expired, menu = await bot.replies(SARI)
    assert "Menu itu sudah tidak berlaku" in expired["text"]
    assert labels(menu)[0] == "Minta konsultasi"
    # Still answered and cleared, so the client stops spinning and it cannot be pressed again.
    assert len(bot.fake.calls_to("answerCallbackQuery")) == 1
    assert bot.fake.calls_to("editMessageReplyMarkup", message_id=old_menu["message_id"])


async def test_a_forged_button_inside_a_flow_gets_the_current_question_again(
    polling_bot: Bot,
) -> None:
    bot = polling_bot
    await bot.link(SARI)
    [*_, question] = await bot.press(SARI, "Minta konsultasi")
    forged = bot.fake.callback_update(SARI, question, "000000:manajemen_kasus")
    await bot.send_update(forged)
    stale, again = await bot.replies(SARI)
    assert "Pilihan itu sudah tidak berlaku" in stale["text"]
    assert "Topik konsultasinya apa?" in again["text"]
    assert "Manajemen kasus" in labels(again)


async def test_a_restart_between_two_steps_continues_the_flow(
    start_bot: Callable[[Settings], Any], make_settings: Callable[..., Settings]
) -> None:
    async with start_bot(make_settings()) as first:
        await first.link(SARI)
        await first.press(SARI, "Minta konsultasi")
        await first.press(SARI, "Manajemen kasus")
    async with start_bot(make_settings()) as second:
        second.unread(SARI)
        # The keyboard sent by the first process works in the second one.
        [*_, question] = await second.press(SARI, "Biasa")
        assert "Ceritakan singkat situasinya" in question["text"]
        [*_, mode] = await second.say(SARI, "Kader posyandu minta data KPM baru")
        assert "Telepon" in labels(mode)
