"""Telegram updates as the core sees them (`Inbound`), and media through the real adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from telegram import Update

from bot.channels.telegram_updates import to_inbound
from conversations.messages import Attachment, Channel
from storage.models import InboundMessage
from tests.bot.telegram.conftest import SARI, Bot, texts
from tests.fakes.telegram_api import FakeBotAPI, Json

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
fake = FakeBotAPI()


def inbound_of(update: Json) -> Any:
    return to_inbound(Update.de_json(fake.numbered(update), None), NOW)


def test_a_text_message() -> None:
    update = fake.text_update(SARI, "menu")
    inbound = inbound_of(update)
    assert inbound.channel == Channel.TELEGRAM
    assert inbound.address == str(SARI.id) and inbound.sender_user_id == SARI.id
    assert inbound.text == "menu" and inbound.choice is None
    assert inbound.provider_message_id == f"m{SARI.id}:{update['message']['message_id']}"
    assert inbound.received_at == NOW and inbound.sender_name == "Sari"


def test_commands_lose_the_bot_name_and_deep_link_payload() -> None:
    for text in ("/menu@pkh_test_bot", "/start ref-poster-kecamatan"):
        assert inbound_of(fake.text_update(SARI, text)).text == text.split("@")[0].split()[0]


def test_a_button_press_is_a_choice_unique_per_press() -> None:
    message = {"message_id": 5, "chat": SARI.as_chat(), "date": 0, "text": "Menu"}
    first = inbound_of(fake.callback_update(SARI, message, "abc123:consultation"))
    second = inbound_of(fake.callback_update(SARI, message, "abc123:consultation"))
    assert first.choice == "abc123:consultation" and first.text == ""
    assert first.provider_message_id != second.provider_message_id


def test_a_shared_contact_says_whether_it_is_the_senders_own() -> None:
    own = inbound_of(fake.contact_update(SARI, "6281210000003"))
    other = inbound_of(fake.contact_update(SARI, "6281210000002", owner_id=12345))
    assert (own.contact_phone, own.contact_is_own) == ("6281210000003", True)
    assert (other.contact_phone, other.contact_is_own) == ("6281210000002", False)


def test_media_become_attachments_with_the_caption_as_text() -> None:
    update = fake.text_update(SARI, "")
    message = update["message"]
    del message["text"]
    message["caption"] = "Foto rumah KPM"
    message["photo"] = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 960},
    ]
    message["document"] = {
        "file_id": "doc1",
        "file_unique_id": "d",
        "mime_type": "application/pdf",
    }
    inbound = inbound_of(update)
    assert inbound.text == "Foto rumah KPM"
    assert inbound.attachments == (
        Attachment("photo", "large", "image/jpeg"),
        Attachment("document", "doc1", "application/pdf"),
    )
    voice = fake.text_update(SARI, "")
    del voice["message"]["text"]
    voice["message"]["voice"] = {
        "file_id": "v1",
        "file_unique_id": "v",
        "duration": 4,
        "mime_type": "audio/ogg",
    }
    assert inbound_of(voice).attachments == (Attachment("voice", "v1", "audio/ogg"),)


def test_group_chats_and_other_updates_are_ignored() -> None:
    group = fake.text_update(SARI, "menu")
    group["message"]["chat"] = {"id": -100200, "type": "supergroup", "title": "Pendamping"}
    assert inbound_of(group) is None
    edited = {"edited_message": fake.text_update(SARI, "menu")["message"]}
    assert inbound_of(edited) is None


async def test_a_photo_reaches_the_core_as_an_attachment(polling_bot: Bot) -> None:
    await polling_bot.link(SARI)
    update = fake.text_update(SARI, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": "AgACAgUAAxk", "file_unique_id": "u1", "width": 800, "height": 600}
    ]
    update["message"]["message_id"] = 900
    await polling_bot.send_update(update)
    assert texts(await polling_bot.replies(SARI))
    with polling_bot.runtime.sessions() as session:
        row = session.scalars(select(InboundMessage).where(InboundMessage.kind == "media")).one()
        assert row.attachments["items"] == [
            {"kind": "photo", "ref": "AgACAgUAAxk", "content_type": "image/jpeg"}
        ]
