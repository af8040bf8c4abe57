"""Queue outgoing messages as outbox rows, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.messages import Channel, Reply
from storage.models import OutboxMessage, Person


def enqueue(
    session: Session,
    channel: str,
    address: str,
    reply: Reply,
    idempotency_key: str,
    now: datetime,
    person: Person | None = None,
    kind: str = "reply",
) -> OutboxMessage:
    row = OutboxMessage(
        channel=channel,
        address=address,
        person_id=person.id if person else None,
        kind=kind,
        payload=reply.to_payload(),
        idempotency_key=idempotency_key,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def route_for(person: Person, channels: tuple[str, ...]) -> tuple[str, str]:
    """The channel and address to reach a member of staff on, best first."""
    if (
        person.last_channel in channels
        and address_on(person, person.last_channel) is not None
        and not (person.last_channel == Channel.TELEGRAM and person.telegram_unreachable)
    ):
        return person.last_channel, address_on(person, person.last_channel) or ""
    for channel in (Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS):
        if channel not in channels:
            continue
        if channel == Channel.TELEGRAM and person.telegram_unreachable:
            continue
        address = address_on(person, channel)
        if address is not None:
            return channel, address
    return Channel.WEB, person.phone


def address_on(person: Person, channel: str) -> str | None:
    if channel == Channel.TELEGRAM:
        return str(person.telegram_chat_id) if person.telegram_chat_id else None
    return person.phone


def notify(
    session: Session,
    person: Person,
    reply: Reply,
    idempotency_key: str,
    now: datetime,
    channels: tuple[str, ...],
    kind: str = "notification",
) -> OutboxMessage:
    channel, address = route_for(person, channels)
    return enqueue(session, channel, address, reply, idempotency_key, now, person, kind)
