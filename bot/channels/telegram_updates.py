"""Telegram updates → the neutral `Inbound` that `handlers.core.route` takes."""

from __future__ import annotations

from datetime import datetime

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType

from conversations.messages import Attachment, Channel, Inbound


def to_inbound(update: Update, received_at: datetime) -> Inbound | None:
    """The `Inbound` for a private-chat message or button press; None for anything else.

    Groups and channels are ignored on purpose: staff menus and KPM data must never be posted
    where other people read along.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return None
    common = {
        "channel": Channel.TELEGRAM,
        "address": str(chat.id),
        "received_at": received_at,
        "sender_user_id": user.id,
        "sender_name": user.full_name,
    }
    query = update.callback_query
    if query is not None:
        if query.data is None:
            return None
        return Inbound(provider_message_id=f"c{query.id}", choice=query.data, **common)
    message = update.message
    if message is None:
        return None
    contact = message.contact
    return Inbound(
        provider_message_id=f"m{chat.id}:{message.message_id}",
        text=_text_of(message),
        contact_phone=contact.phone_number if contact else None,
        contact_is_own=contact is not None and contact.user_id == user.id,
        attachments=_attachments_of(message),
        **common,
    )


def _text_of(message: Message) -> str:
    """The text or caption; a leading bot command is reduced to `/name`.

    Telegram sends `/start@pkh_bot` in some clients and `/start <payload>` from deep links; no
    command of this bot takes arguments, so both become `/start` for the core's command words.
    """
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities
    first = entities[0] if entities else None
    if first is not None and first.type == MessageEntity.BOT_COMMAND and first.offset == 0:
        return text[: first.length].split("@", 1)[0]
    return text


def _attachments_of(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        # Telegram sends several sizes of one photo; the last is the largest.
        found.append(Attachment("photo", message.photo[-1].file_id, "image/jpeg"))
    for kind, media in (
        ("voice", message.voice),
        ("audio", message.audio),
        ("video", message.video),
        ("document", message.document),
    ):
        if media is not None:
            found.append(Attachment(kind, media.file_id, media.mime_type))
    return tuple(found)
