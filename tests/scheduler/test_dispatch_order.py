"""Messages to one address go out in the order they were queued, even across retries, while a
message waiting for its retry holds back only its own address, and a failed one holds back none."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Reply
from handlers.core import outbox
from scheduler.dispatcher import BATCH_PER_CHANNEL, MAX_ATTEMPTS, backoff, claim, drain
from scheduler.senders import Outgoing, PermanentSendError, SendResult, TransientSendError
from storage.db import is_postgres, transaction
from storage.models import OutboxStatus
from tests.scheduler.test_outbox import FakeSender, claim_while_another_worker_claims, rows
from tests.support import Clock

SARI = "+6281210000003"
DEWI = "+6281210000002"
KEYS = count()


def queue(sessions: sessionmaker[Session], now: datetime, *addresses: str) -> list[int]:
    """One web message per address given, queued in that order."""
    with transaction(sessions) as session:
        queued = [
            outbox.enqueue(
                session, Channel.WEB, address, Reply(f"pesan {i}"), f"k{next(KEYS)}", now
            )
            for i, address in enumerate(addresses)
        ]
        session.flush()
        return [row.id for row in queued]


def sent_to(sender: FakeSender, address: str) -> list[int]:
    return [item.outbox_id for item in sender.sent if item.address == address]


async def test_a_rate_limited_message_is_not_overtaken_by_later_ones_to_the_same_address(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second, third, other = queue(sessions, clock.now, SARI, SARI, SARI, DEWI)
    web = FakeSender(Channel.WEB, [TransientSendError("429", retry_after=30)])
    await drain(sessions, {Channel.WEB: web}, clock.now)
    # The rest of the batch comes back after the channel's backoff, before Sari's retry is due:
    # Dewi's message goes, Sari's later ones wait behind her first.
    assert backoff(1) < timedelta(seconds=30)
    await drain(sessions, {Channel.WEB: web}, clock.now + backoff(1))
    assert [item.outbox_id for item in web.sent] == [first, other]
    await drain(sessions, {Channel.WEB: web}, clock.now + timedelta(seconds=29))
    assert sent_to(web, SARI) == [first]
    report = await drain(sessions, {Channel.WEB: web}, clock.now + timedelta(seconds=30))
    assert report.sent == 3 and sent_to(web, SARI) == [first, first, second, third]
    assert {r.status for r in rows(sessions)} == {OutboxStatus.SENT}


async def test_after_an_adapter_error_the_same_address_waits_and_others_go_on(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second, other = queue(sessions, clock.now, SARI, SARI, DEWI)
    web = FakeSender(Channel.WEB, [KeyError("oops")])
    report = await drain(sessions, {Channel.WEB: web}, clock.now)
    assert (report.sent, report.retried) == (1, 1)
    assert [item.outbox_id for item in web.sent] == [first, other]
    untried = rows(sessions, [second])[0]
    assert (untried.status, untried.attempts) == (OutboxStatus.PENDING, 0)
    await drain(sessions, {Channel.WEB: web}, clock.now + backoff(1))
    assert sent_to(web, SARI) == [first, first, second]


def test_a_message_waiting_for_its_retry_does_not_stall_the_queue(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """More of Sari's messages than a batch holds are due; Dewi's, queued last, is still taken."""
    [waiting] = queue(sessions, clock.now, SARI)
    [item] = claim(sessions, Channel.WEB, clock.now, 1)
    assert item.outbox_id == waiting
    held = queue(sessions, clock.now, *[SARI] * BATCH_PER_CHANNEL)
    [dewi] = queue(sessions, clock.now, DEWI)
    # Sari's first is out under its lease (a send in flight): her later ones wait for it.
    assert [i.outbox_id for i in claim(sessions, Channel.WEB, clock.now, 3)] == [dewi]
    assert claim(sessions, Channel.WEB, clock.now, 3) == []
    later = claim(sessions, Channel.WEB, clock.now + timedelta(minutes=5), 3)
    assert [i.outbox_id for i in later] == [waiting, *held[:2]]  # lease expired: in order


async def test_a_message_that_failed_for_good_holds_nothing_back(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second = queue(sessions, clock.now, SARI, SARI)
    web = FakeSender(Channel.WEB, [PermanentSendError("bad request")])
    report = await drain(sessions, {Channel.WEB: web}, clock.now)
    assert (report.sent, report.failed) == (1, 1)
    assert [r.status for r in rows(sessions, [first, second])] == [
        OutboxStatus.FAILED,
        OutboxStatus.SENT,
    ]


async def test_a_message_given_up_after_its_retries_releases_the_ones_behind_it(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second = queue(sessions, clock.now, SARI, SARI)
    web = FakeSender(Channel.WEB, [TransientSendError("503")] * MAX_ATTEMPTS)
    now = clock.now
    for _ in range(MAX_ATTEMPTS + 1):
        await drain(sessions, {Channel.WEB: web}, now)
        now += timedelta(hours=1)
    assert sent_to(web, SARI) == [first] * MAX_ATTEMPTS + [second]
    assert [r.status for r in rows(sessions)] == [OutboxStatus.FAILED, OutboxStatus.SENT]


def test_a_worker_never_takes_a_later_message_while_another_takes_an_earlier_one(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second, other = queue(sessions, clock.now, SARI, SARI, DEWI)
    # Worker 1 reads only Sari's first message; worker 2 claims meanwhile.
    taken_first, taken_second = claim_while_another_worker_claims(sessions, clock.now, 1, 10)
    if is_postgres(sessions.kw["bind"]):
        # Worker 1 holds Sari's first locked, so worker 2 leaves her second alone.
        assert (taken_first, taken_second) == ([first], [other])
    else:
        # Worker 2 took all three in order; worker 1 finds its row taken and gets nothing.
        assert (taken_first, taken_second) == ([], [first, second, other])


def test_a_worker_whose_earlier_message_was_taken_meanwhile_leaves_the_later_one(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second, other = queue(sessions, clock.now, SARI, SARI, DEWI)
    # Worker 1 reads all three; worker 2 claims just one meanwhile.
    taken_first, taken_second = claim_while_another_worker_claims(sessions, clock.now, 10, 1)
    if is_postgres(sessions.kw["bind"]):
        assert (taken_first, taken_second) == ([first, second, other], [])
    else:
        # Worker 2 took Sari's first, so worker 1 must not send her second beside it.
        assert (taken_first, taken_second) == ([other], [first])
        assert rows(sessions, [second])[0].status == OutboxStatus.PENDING


@dataclass
class SlowSender:
    """A provider with a round trip: records each address's sends and the most in flight."""

    channel: str
    concurrency: int
    fail_on: int | None = None  # the outbox id answered with a 429
    sent: list[Outgoing] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def send(self, message: Outgoing) -> SendResult:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # the round trip: others may go meanwhile
            await asyncio.sleep(0)
            if message.outbox_id == self.fail_on:
                raise TransientSendError("429")
            self.sent.append(message)
            return SendResult(provider_message_id=f"p-{message.outbox_id}")
        finally:
            self.in_flight -= 1


async def test_addresses_go_side_by_side_each_in_its_own_order(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    addresses = [f"+62812100001{n:02d}" for n in range(6)]
    ids = queue(sessions, clock.now, *(addresses * 3))  # three messages each, interleaved
    whatsapp = SlowSender(Channel.WEB, concurrency=4)
    report = await drain(sessions, {Channel.WEB: whatsapp}, clock.now)
    assert report.sent == len(ids) and whatsapp.most_in_flight == 4
    for address in addresses:
        assert [m.outbox_id for m in whatsapp.sent if m.address == address] == sorted(
            i for i, a in zip(ids, addresses * 3, strict=True) if a == address
        )
    assert {r.status for r in rows(sessions)} == {OutboxStatus.SENT}


async def test_a_rate_limit_in_one_lane_leaves_the_batch_for_the_next_round(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second, third, fourth = queue(sessions, clock.now, SARI, SARI, DEWI, DEWI)
    whatsapp = SlowSender(Channel.WEB, concurrency=1, fail_on=first)
    report = await drain(sessions, {Channel.WEB: whatsapp}, clock.now)
    assert (report.sent, report.retried) == (0, 1) and whatsapp.sent == []
    later = rows(sessions, [second, third, fourth])
    assert {(r.status, r.attempts) for r in later} == {(OutboxStatus.PENDING, 0)}
    assert all(r.next_attempt_at == clock.now + backoff(1) for r in later)
