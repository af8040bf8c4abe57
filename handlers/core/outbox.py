"""Queue outgoing messages as outbox rows, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from conversations.messages import Channel, Reply
from handlers.core import bulk
from storage.models import OutboxMessage, OutboxStatus, Person, is_unsent

# The pseudo-channel of a notification that no configured channel can carry: its row is stored
# failed at once (it says what was not delivered, to whom and why) and no sender ever claims it.
NO_CHANNEL = "none"
UNREACHED = "no configured channel reaches this person"
_INSERT = insert(OutboxMessage.__table__)  # built once: replies are queued on every message


def _values(
    channel: str,
    address: str,
    reply: Reply,
    idempotency_key: str,
    now: datetime,
    person_id: int | None,
    kind: str,
) -> dict[str, Any]:
    """One outbox row as plain values; a row no channel can carry is stored failed, without
    secrets (it is never sent, so nothing may keep a secret in it)."""
    unreached = channel == NO_CHANNEL
    return {
        "channel": channel,
        "address": address,
        "person_id": person_id,
        "kind": kind,
        "payload": (reply.without_secrets() if unreached else reply).to_payload(),
        "idempotency_key": idempotency_key,
        "status": OutboxStatus.FAILED if unreached else OutboxStatus.PENDING,
        "last_error": UNREACHED if unreached else None,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(
    session: Session,
    channel: str,
    address: str,
    reply: Reply,
    idempotency_key: str,
    now: datetime,
    person: Person | None = None,
    kind: str = "reply",
) -> OutboxMessage | None:
    """Queue one message in the caller's transaction: the row, or None inside
    `bulk.together` (where it is written with the others on the way out)."""
    values = _values(
        channel, address, reply, idempotency_key, now, person.id if person else None, kind
    )
    if bulk.keep(session, OutboxMessage.__table__, values):
        return None
    row = OutboxMessage(**values)
    session.add(row)
    return row


def enqueue_replies(
    session: Session,
    channel: str,
    address: str,
    replies: Sequence[Reply],
    key_prefix: str,
    now: datetime,
    person: Person | None = None,
) -> None:
    """The answers to one inbound message, reply i keyed `key_prefix:i`, in one INSERT.

    Nothing reads these rows back in the transaction, so no ORM objects are made for them. The
    caller flushes first: rows the turn queued through `enqueue` keep the lower ids, as they
    did when everything was flushed at commit."""
    if not replies:
        return
    person_id = person.id if person else None
    session.execute(
        _INSERT,
        [
            _values(channel, address, reply, f"{key_prefix}:{index}", now, person_id, "reply")
            for index, reply in enumerate(replies)
        ],
    )


def route_for(person: Person, channels: tuple[str, ...]) -> tuple[str, str]:
    """The channel and address to reach a member of staff on, best first.

    The web simulator is the last resort only where it is a channel (the local demo, where it
    is the only one). Beside real channels a person none of them reaches gets `NO_CHANNEL`, never
    the web: a message must not look delivered when nobody can read it.
    """
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
    if Channel.WEB in channels:
        return Channel.WEB, person.phone
    return NO_CHANNEL, person.phone


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
) -> OutboxMessage | None:
    """Queue `reply` for a member of staff; nothing for someone no longer active (whoever
    holds their phone now, their work is no longer theirs to hear about)."""
    if not person.active:
        return None
    channel, address = route_for(person, channels)
    return enqueue(session, channel, address, reply, idempotency_key, now, person, kind)


def fail_unsendable(
    session: Session, channels: tuple[str, ...], now: datetime, limit: int = 500
) -> int:
    """Mark failed the due unsent rows of channels that have no sender here (`channels`): a web
    row left from the demo once Telegram is configured, a WhatsApp row after the number was
    removed. Nothing would ever claim them, so they would otherwise stay pending for ever.

    Run before every dispatcher round, so it must cost what it finds: the channels are named
    and the statuses written out, so the outbox's partial indexes of unsent rows by channel
    serve it, and it has no order (which made PostgreSQL walk the primary key past every row
    ever sent when none is unsendable)."""
    unconfigured = [channel for channel in Channel.ALL if channel not in channels]
    if not unconfigured:
        return 0
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel.in_(unconfigured),
            is_unsent(),
            OutboxMessage.next_attempt_at <= now,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = OutboxStatus.FAILED
        row.last_error = f"no sender is configured for the {row.channel} channel"
        if row.channel != Channel.WEB:  # the demo's page reads its own rows back, as shown
            row.payload = Reply.from_payload(row.payload).without_secrets().to_payload()
    return len(rows)
