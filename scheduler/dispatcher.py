"""The outbox dispatcher: claim due rows, send them through their channel, record what happened.

Claiming (`scheduler.claims`) marks rows `sending` under a lease (the next-attempt time), so that
two workers never take the same row; a worker that dies mid-send leaves a lease that expires,
and the row is sent again (at least once). Each channel is claimed and sent separately, so a
channel that is down only delays its own rows. Messages to one address go out in the order they
were queued: while one waits for a retry, the later ones to that address wait with it.
Different addresses of a batch are sent side by side, up to the sender's `concurrency` (a
WhatsApp number takes 80 messages a second, one at a time a provider's round trip would allow a
few).

The cost is per batch, not per row: a claim is three statements for up to `BATCH_PER_CHANNEL`
rows, and the rows sent are marked `sent` together, in one transaction, at the end of the batch
or every `MARK_EVERY` while a slow channel is still sending, so a worker killed mid-batch sends
again at most what it sent in that interval.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel
from handlers.core import outbox
from scheduler.claims import LEASE, claim  # noqa: F401  (LEASE: read here by tests)
from scheduler.senders import (
    Outgoing,
    PermanentSendError,
    RecipientUnreachable,
    SendElsewhere,
    Sender,
    TransientSendError,
    concurrency_of,
)
from scheduler.threads import OUTBOX_THREADS
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
BATCH_PER_CHANNEL = 50
MARK_EVERY = 0.25  # seconds: the most a slow channel's sent rows wait to be marked


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
    sessions: sessionmaker[Session], done: Sequence[tuple[Outgoing, str | None]], now: datetime
) -> None:
    """Mark every row of `done` sent, in one transaction: one executemany UPDATE (and one more
    for the rows whose secret parts must go, which keep a payload without them)."""
    if not done:
        return
    plain: list[dict[str, Any]] = []
    blanked: list[dict[str, Any]] = []
    for item, provider_id in done:
        values = {"row_id": item.outbox_id, "provider_id": provider_id}
        kept = _kept_payload(item)
        if kept is None:
            plain.append(values)
        else:
            blanked.append({**values, "kept": kept})
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("row_id"))
        .values(
            status=OutboxStatus.SENT,
            provider_message_id=bindparam("provider_id"),
            sent_at=now,
            last_error=None,
        )
    )
    with transaction(sessions) as session:
        connection = session.connection()
        if plain:
            connection.execute(statement, plain)
        if blanked:
            connection.execute(statement.values(payload=bindparam("kept")), blanked)


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
    """Give back claimed rows that were not tried, without counting an attempt (one UPDATE)."""
    if not items:
        return
    with transaction(sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([item.outbox_id for item in items]))
            .values(
                status=OutboxStatus.PENDING,
                attempts=OutboxMessage.attempts - 1,
                next_attempt_at=at,
            )
            .execution_options(synchronize_session=False)
        )


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
    """The same message once more, on another channel, and the failed row says where it went;
    never to someone no longer active (as `outbox.notify`: they are told nothing more)."""
    if person is not None and not person.active:
        row.last_error = f"{row.last_error or ''} (the recipient is no longer active)"
        return
    key = f"{row.idempotency_key}:via:{channel}"
    outbox.enqueue(session, channel, address, item.reply, key, now, person, row.kind)
    row.last_error = f"{row.last_error or ''} (sent via {channel} instead)"


async def _send_channel(
    sessions: sessionmaker[Session], sender: Sender, now: datetime, channels: tuple[str, ...]
) -> DispatchReport:
    """Send one claimed batch: each address's messages one after another, in queue order, and
    up to the sender's `concurrency` addresses at a time (a provider's round trip, not the
    bot, then sets the pace)."""
    report = DispatchReport()
    items = await OUTBOX_THREADS.run(claim, sessions, sender.channel, now, BATCH_PER_CHANNEL)
    lanes: dict[str, list[Outgoing]] = {}
    for item in items:
        lanes.setdefault(item.address, []).append(item)
    held_back: list[Outgoing] = []  # behind an earlier message of theirs that awaits a retry
    left: list[Outgoing] = []  # not tried: the channel is in trouble, next round
    done: list[tuple[Outgoing, str | None]] = []  # sent, not yet marked
    marked_at = time.monotonic()
    trouble = asyncio.Event()
    gate = asyncio.Semaphore(concurrency_of(sender))

    async def mark_if_due() -> None:
        nonlocal done, marked_at
        if done and time.monotonic() - marked_at >= MARK_EVERY:
            batch, done, marked_at = done, [], time.monotonic()
            await OUTBOX_THREADS.run(_mark_sent, sessions, batch, now)

    async def send_lane(lane: list[Outgoing]) -> None:
        async with gate:
            for index, item in enumerate(lane):
                if trouble.is_set():
                    left.extend(lane[index:])
                    return
                try:
                    result = await sender.send(item)
                except TransientSendError as error:
                    retried = await OUTBOX_THREADS.run(_mark_retry, sessions, item, error, now)
                    report.retried += retried
                    report.failed += not retried
                    # The channel is in trouble: leave the rest of this batch for the next round.
                    trouble.set()
                    left.extend(lane[index + 1 :])
                    log.warning("%s send failed (%s), backing off", sender.channel, error.reason)
                    return
                except PermanentSendError as error:
                    await OUTBOX_THREADS.run(_mark_failed, sessions, item, error, channels, now)
                    report.failed += 1
                    log.warning(
                        "%s send failed for good: %s", sender.channel, error.code or error.reason
                    )
                except Exception as error:  # an adapter bug must not kill the dispatcher
                    log.exception("%s adapter raised", sender.channel)
                    transient = TransientSendError(f"unexpected error: {error!r}")
                    retried = await OUTBOX_THREADS.run(_mark_retry, sessions, item, transient, now)
                    report.retried += retried
                    report.failed += not retried
                    if retried:  # never ahead of the earlier one; claim keeps them waiting
                        held_back.extend(lane[index + 1 :])
                        return
                else:
                    done.append((item, result.provider_message_id))
                    report.sent += 1
                    report.by_channel[sender.channel] = report.by_channel.get(sender.channel, 0) + 1
                    await mark_if_due()

    try:
        await asyncio.gather(*(send_lane(lane) for lane in lanes.values()))
    finally:
        # Also when cancelled (shutdown): what went out is recorded, so it is not sent again.
        await OUTBOX_THREADS.run(_mark_sent, sessions, done, now)
    await OUTBOX_THREADS.run(_release, sessions, left, now + backoff(1))
    await OUTBOX_THREADS.run(_release, sessions, held_back, now)
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
