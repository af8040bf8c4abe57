"""The outbox dispatcher: claim due rows, send them through their channel, record what happened.

Claiming marks rows `sending` with a lease (the next-attempt time) in a short transaction, using
FOR UPDATE SKIP LOCKED on PostgreSQL and, for SQLite (which ignores FOR UPDATE), an UPDATE that
only matches the row as it was read, so that two workers never take the same row; a worker that
dies mid-send leaves a lease that expires, and the row is sent again (at least once). Each
channel is claimed and sent separately, so a channel that is down only delays its own rows.
Messages to one address go out in the order they were queued: while one waits for a retry, the
later ones to that address wait with it (see `claim`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from conversations.messages import Channel, Reply
from handlers.core import outbox
from scheduler.senders import (
    Outgoing,
    PermanentSendError,
    RecipientUnreachable,
    SendElsewhere,
    Sender,
    TransientSendError,
)
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=2)
BATCH_PER_CHANNEL = 50
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        for channel, count in other.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + count


def backoff(attempt: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempt - 1, 0)), BACKOFF_CAP)


def claim(
    sessions: sessionmaker[Session], channel: str, now: datetime, limit: int
) -> list[Outgoing]:
    """Take up to `limit` due rows of `channel`, oldest first, under a lease.

    A row is not taken while an earlier unsent row to the same address waits (for its retry, or
    in another worker's hands), so each address gets its messages in order; a failed row holds
    nothing back, and a waiting one holds back only its own address.
    """
    earlier = aliased(OutboxMessage)
    waits_behind = (
        select(earlier.id)
        .where(
            earlier.channel == OutboxMessage.channel,
            earlier.address == OutboxMessage.address,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(UNSENT),
            earlier.next_attempt_at > now,
        )
        .exists()
    )
    with transaction(sessions) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.status.in_(UNSENT),
                OutboxMessage.next_attempt_at <= now,
                ~waits_behind,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        ahead = _taken_by_others(session, channel, rows)
        claimed = []
        for row in rows:
            first_elsewhere = ahead.get(row.address)
            if first_elsewhere is not None and first_elsewhere < row.id:
                continue  # an earlier one to this address is in another worker's hands
            if not _take(session, row, now):
                ahead[row.address] = row.id  # taken meanwhile: the later ones wait for it
                continue
            claimed.append(
                Outgoing(
                    row.id,
                    row.channel,
                    row.address,
                    Reply.from_payload(row.payload),
                    row.kind,
                    row.idempotency_key,
                    row.person_id,
                    row.attempts + 1,
                )
            )
        return claimed


def _taken_by_others(
    session: Session, channel: str, rows: Sequence[OutboxMessage]
) -> dict[str, int]:
    """Per address among `rows`, the oldest earlier unsent row that is not among them: another
    worker holds it (SKIP LOCKED passed it by), so the later ones must wait for it."""
    if not rows:
        return {}
    found = session.execute(
        select(OutboxMessage.address, func.min(OutboxMessage.id))
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address.in_({row.address for row in rows}),
            OutboxMessage.status.in_(UNSENT),
            OutboxMessage.id < rows[-1].id,
            OutboxMessage.id.not_in([row.id for row in rows]),
        )
        .group_by(OutboxMessage.address)
    )
    return {address: first for address, first in found}


def _take(session: Session, row: OutboxMessage, now: datetime) -> bool:
    """Mark the row `sending` only if it is still as it was read: SQLite ignores FOR UPDATE, so
    another worker may have claimed it since (False then)."""
    taken = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == row.status,
            OutboxMessage.attempts == row.attempts,
            OutboxMessage.next_attempt_at == row.next_attempt_at,
        )
        .values(status=OutboxStatus.SENDING, attempts=row.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _kept_payload(item: Outgoing) -> dict[str, Any] | None:
    """The payload to keep once the row is done with, if its secret parts must go; else None.

    Rows on the web simulator keep theirs: it is the local demo and training copy with no real
    channel, and its page shows the conversation by reading the sent rows back, so a kode cek
    blanked there would never reach the person trying it out.
    """
    if not item.reply.secret_parts or item.channel == Channel.WEB:
        return None
    return item.reply.without_secrets().to_payload()


def _mark_sent(
    sessions: sessionmaker[Session], item: Outgoing, provider_id: str | None, now: datetime
) -> None:
    values: dict[str, Any] = {
        "status": OutboxStatus.SENT,
        "provider_message_id": provider_id,
        "sent_at": now,
        "last_error": None,
    }
    kept = _kept_payload(item)
    if kept is not None:
        values["payload"] = kept  # the same single UPDATE, one column more
    with transaction(sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == item.outbox_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _mark_retry(
    sessions: sessionmaker[Session], item: Outgoing, error: TransientSendError, now: datetime
) -> bool:
    """Reschedule with backoff; True if it will be retried, False if it gave up."""
    with transaction(sessions) as session:
        row = session.get_one(OutboxMessage, item.outbox_id)
        row.last_error = error.reason[:500]
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            _forget_secrets(row, item)
            return False
        delay = backoff(row.attempts)
        if error.retry_after is not None:
            delay = max(delay, timedelta(seconds=error.retry_after))
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now + delay
        return True


def _forget_secrets(row: OutboxMessage, item: Outgoing) -> None:
    kept = _kept_payload(item)
    if kept is not None:
        row.payload = kept


def _release(sessions: sessionmaker[Session], items: list[Outgoing], at: datetime) -> None:
    """Give back claimed rows that were not tried, without counting an attempt."""
    if not items:
        return
    with transaction(sessions) as session:
        for item in items:
            row = session.get_one(OutboxMessage, item.outbox_id)
            row.status = OutboxStatus.PENDING
            row.attempts -= 1
            row.next_attempt_at = at


def _mark_failed(
    sessions: sessionmaker[Session],
    item: Outgoing,
    error: PermanentSendError,
    channels: tuple[str, ...],
    now: datetime,
) -> None:
    with transaction(sessions) as session:
        row = session.get_one(OutboxMessage, item.outbox_id)
        row.status = OutboxStatus.FAILED
        row.last_error = (f"{error.code}: " if error.code else "") + error.reason[:500]
        # A copy queued on another channel below is built from `item.reply`, secrets and all.
        _forget_secrets(row, item)
        if isinstance(error, SendElsewhere):
            _send_elsewhere(session, row, item, error.channel, channels, now)
            return
        if not isinstance(error, RecipientUnreachable) or row.person_id is None:
            return
        person = session.get_one(Person, row.person_id)
        if row.channel == Channel.TELEGRAM:
            person.telegram_unreachable = True
        if person.last_channel == row.channel:
            person.last_channel = None
        others = tuple(c for c in channels if c != row.channel)
        channel, address = outbox.route_for(person, others)
        if channel not in (row.channel, outbox.NO_CHANNEL):
            _requeue(session, row, item, channel, address, person, now)


def _send_elsewhere(
    session: Session,
    row: OutboxMessage,
    item: Outgoing,
    channel: str,
    channels: tuple[str, ...],
    now: datetime,
) -> None:
    """Queue the same message on another channel; the person stays reachable where they were."""
    person = session.get(Person, row.person_id) if row.person_id is not None else None
    address = outbox.address_on(person, channel) if person is not None else None
    if channel not in channels or address is None:
        row.last_error += f" ({channel} is not available either)"
        return
    _requeue(session, row, item, channel, address, person, now)


def _requeue(
    session: Session,
    row: OutboxMessage,
    item: Outgoing,
    channel: str,
    address: str,
    person: Person | None,
    now: datetime,
) -> None:
    """The same message once more, on another channel, and the failed row says where it went."""
    key = f"{row.idempotency_key}:via:{channel}"
    outbox.enqueue(session, channel, address, item.reply, key, now, person, row.kind)
    row.last_error = f"{row.last_error or ''} (sent via {channel} instead)"


async def _send_channel(
    sessions: sessionmaker[Session], sender: Sender, now: datetime, channels: tuple[str, ...]
) -> DispatchReport:
    report = DispatchReport()
    items = await asyncio.to_thread(claim, sessions, sender.channel, now, BATCH_PER_CHANNEL)
    held_back: list[Outgoing] = []
    retrying: set[str] = set()  # addresses whose earlier message in this batch awaits a retry
    for index, item in enumerate(items):
        if item.address in retrying:
            held_back.append(item)  # never ahead of the earlier one; claim keeps it waiting
            continue
        try:
            result = await sender.send(item)
        except TransientSendError as error:
            retried = await asyncio.to_thread(_mark_retry, sessions, item, error, now)
            report.retried += retried
            report.failed += not retried
            # The channel is in trouble: leave the rest of this batch for the next round.
            await asyncio.to_thread(_release, sessions, items[index + 1 :], now + backoff(1))
            log.warning("%s send failed (%s), backing off", sender.channel, error.reason)
            break
        except PermanentSendError as error:
            await asyncio.to_thread(_mark_failed, sessions, item, error, channels, now)
            report.failed += 1
            log.warning("%s send failed for good: %s", sender.channel, error.code or error.reason)
        except Exception as error:  # an adapter bug must not kill the dispatcher
            log.exception("%s adapter raised", sender.channel)
            transient = TransientSendError(f"unexpected error: {error!r}")
            retried = await asyncio.to_thread(_mark_retry, sessions, item, transient, now)
            report.retried += retried
            report.failed += not retried
            if retried:
                retrying.add(item.address)
        else:
            await asyncio.to_thread(_mark_sent, sessions, item, result.provider_message_id, now)
            report.sent += 1
            report.by_channel[sender.channel] = report.by_channel.get(sender.channel, 0) + 1
    await asyncio.to_thread(_release, sessions, held_back, now)
    return report


async def dispatch_once(
    sessions: sessionmaker[Session], senders: Mapping[str, Sender], now: datetime
) -> DispatchReport:
    """Send one batch per channel, the channels side by side."""
    channels = tuple(senders)
    results = await asyncio.gather(
        *(_send_channel(sessions, sender, now, channels) for sender in senders.values()),
        return_exceptions=True,
    )
    report = DispatchReport()
    for channel, result in zip(senders, results, strict=True):
        if isinstance(result, BaseException):
            log.error("dispatch on %s failed: %r", channel, result)
            continue
        report.add(result)
    return report


async def drain(
    sessions: sessionmaker[Session],
    senders: Mapping[str, Sender],
    now: datetime,
    max_rounds: int = 20,
) -> DispatchReport:
    """Dispatch until nothing due is left (or a bounded number of rounds)."""
    total = DispatchReport()
    for _ in range(max_rounds):
        report = await dispatch_once(sessions, senders, now)
        total.add(report)
        if report.sent == 0 and report.failed == 0:
            break
    return total
