"""Linking a Telegram account to the roster by sharing one's own contact, over the fake API."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, Person
from tests.bot.telegram.conftest import SARI, STRANGER, Bot, labels, texts
from tests.fakes.telegram_api import TgUser


def person(bot: Bot, phone: str) -> Person:
    with bot.runtime.sessions() as session:
        return session.scalars(select(Person).where(Person.phone == phone)).one()


async def test_start_asks_for_the_contact_with_a_one_tap_button(polling_bot: Bot) -> None:
    [ask] = await polling_bot.say(SARI, "/start")
    assert "Bagikan nomor saya" in ask["text"]
    [call] = polling_bot.fake.calls_to("sendMessage", chat_id=SARI.id)
    assert call.params["reply_markup"] == {
        "keyboard": [[{"text": "Bagikan nomor saya", "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


async def test_sharing_own_rostered_contact_links_and_shows_the_role_menu(
    polling_bot: Bot,
) -> None:
    await polling_bot.say(SARI, "/start")
    linked, menu = await polling_bot.share_contact(SARI)
    assert "Terima kasih, Sari" in linked["text"] and "pendamping" in linked["text"]
    assert "Halo Sari" in menu["text"] or "Silakan pilih" in menu["text"]
    assert labels(menu)[0] == "Minta konsultasi"
    # The share-contact keyboard is taken away once it has done its job.
    link_call = polling_bot.fake.calls_to("sendMessage", chat_id=SARI.id)[-2]
    assert link_call.params["reply_markup"] == {"remove_keyboard": True}
    sari = person(polling_bot, SARI.phone)
    assert (sari.telegram_user_id, sari.telegram_chat_id) == (SARI.id, SARI.id)
    # From now on Sari is known by her Telegram account, without sharing again.
    [again] = await polling_bot.say(SARI, "menu")
    assert "Halo Sari" in again["text"] and labels(again)[0] == "Minta konsultasi"


async def test_someone_elses_contact_is_refused(polling_bot: Bot) -> None:
    await polling_bot.say(STRANGER, "/start")
    replies = await polling_bot.share_contact(
        TgUser(STRANGER.id, STRANGER.first_name, SARI.phone), owner_id=SARI.id
    )
    assert "bukan nomor Anda sendiri" in texts(replies)
    assert "Minta konsultasi" not in labels(replies[-1])
    assert person(polling_bot, SARI.phone).telegram_user_id is None


async def test_an_unknown_number_gets_the_public_menu(polling_bot: Bot) -> None:
    await polling_bot.say(STRANGER, "/start")
    replies = await polling_bot.share_contact(STRANGER)
    assert "tidak terdaftar sebagai petugas" in texts(replies)
    assert labels(replies[-1])[0] == "Buat pengaduan"
    with polling_bot.runtime.sessions() as session:
        refused = session.scalars(select(AuditEntry).where(AuditEntry.action == "link.refused"))
        assert len(refused.all()) == 1
