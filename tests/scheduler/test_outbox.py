"""The outbox dispatcher with fake senders: delivery, retries with backoff, giving up, permanent
errors, one channel down, expired leases and concurrent claims."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Reply
from handlers.core import outbox
from scheduler import dispatcher
from scheduler.dispatcher import BACKOFF_BASE, LEASE, MAX_ATTEMPTS, backoff, claim, drain
from scheduler.senders import Outgoing, PermanentSendError, SendResult, TransientSendError
from storage.db import is_postgres, transaction
from storage.models import OutboxMessage, OutboxStatus
from tests.support import Clock


@dataclass
class FakeSender:
    """Sends by script: each call takes the next outcome (an exception to raise, or an id)."""

    channel: str
    script: list[BaseException | str] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)

    async def send(self, message: Outgoing) -> SendResult:
        self.sent.append(message)
        outcome = self.script.pop(0) if self.script else f"{self.channel}-{message.outbox_id}"
        if isinstance(outcome, BaseException):
            raise outcome
        return SendResult(provider_message_id=outcome)


def queue(
    sessions: sessionmaker[Session], now: datetime, channel: str = Channel.WEB, n: int = 1
) -> list[int]:
    with transaction(sessions) as session:
        rows = [
            outbox.enqueue(
                session, channel, f"+62812100000{i:02d}", Reply(f"pesan {i}"), f"{channel}:{i}", now
            )
            for i in range(n)
        ]
        session.flush()
        return [row.id for row in rows]


def rows(sessions: sessionmaker[Session], ids: Iterable[int] | None = None) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(list(ids)))
        return list(session.scalars(query))


async def test_a_sent_message_records_the_provider_id(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    [row_id] = queue(sessions, clock.now)
    web = FakeSender(Channel.WEB, ["provider-123"])
    report = await drain(sessions, {Channel.WEB: web}, clock.now)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [row] = rows(sessions)
    assert (row.id, row.status, row.provider_message_id) == (
        row_id,
        OutboxStatus.SENT,
        "provider-123",
    )
    assert (row.attempts, row.sent_at, row.last_error) == (1, clock.now, None)
    assert web.sent[0].reply.text == "pesan 0" and web.sent[0].attempt == 1
    again = await drain(sessions, {Channel.WEB: web}, clock.now + timedelta(hours=1))
    assert again.sent == 0 and len(web.sent) == 1


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff(attempt) for attempt in range(1, 12)]
    assert delays[:4] == [BACKOFF_BASE, BACKOFF_BASE * 2, BACKOFF_BASE * 4, BACKOFF_BASE * 8]
    assert all(a <= b for a, b in pairwise(delays))
    assert delays[-1] == dispatcher.BACKOFF_CAP


async def test_a_transient_error_is_retried_at_growing_intervals_then_given_up(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    [row_id] = queue(sessions, clock.now)
    web = FakeSender(Channel.WEB, [TransientSendError("503 from provider")] * MAX_ATTEMPTS)
    now = clock.now
    due_times = []
    for attempt in range(1, MAX_ATTEMPTS):
        report = await drain(sessions, {Channel.WEB: web}, now)
        assert (report.sent, report.retried, report.failed) == (0, 1, 0)
        [row] = rows(sessions)
        assert (row.status, row.attempts, row.last_error) == (
            OutboxStatus.PENDING,
            attempt,
            "503 from provider",
        )
        assert row.next_attempt_at == now + backoff(attempt)
        due_times.append(row.next_attempt_at)
        early = await drain(
            sessions, {Channel.WEB: web}, row.next_attempt_at - timedelta(seconds=1)
        )
        assert early.retried == 0 and len(web.sent) == attempt  # not due yet: not tried
        now = row.next_attempt_at
    gaps = [b - a for a, b in pairwise([clock.now, *due_times])]
    assert gaps == [backoff(a) for a in range(1, MAX_ATTEMPTS)]
    final = await drain(sessions, {Channel.WEB: web}, now)
    assert (final.sent, final.retried, final.failed) == (0, 0, 1)
    [row] = rows(sessions, [row_id])
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert [item.attempt for item in web.sent] == list(range(1, MAX_ATTEMPTS + 1))
    later = await drain(sessions, {Channel.WEB: web}, now + timedelta(days=1))
    assert later.failed == 0 and len(web.sent) == MAX_ATTEMPTS


async def test_retry_after_from_the_provider_is_respected(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    queue(sessions, clock.now)
    web = FakeSender(Channel.WEB, [TransientSendError("429", retry_after=300), "ok-1"])
    await drain(sessions, {Channel.WEB: web}, clock.now)
    [row] = rows(sessions)
    assert row.next_attempt_at == clock.now + timedelta(seconds=300)
    await drain(sessions, {Channel.WEB: web}, row.next_attempt_at)
    [row] = rows(sessions)
    assert (row.status, row.provider_message_id, row.attempts) == (OutboxStatus.SENT, "ok-1", 2)


async def test_a_permanent_error_fails_without_retry(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    queue(sessions, clock.now)
    web = FakeSender(Channel.WEB, [PermanentSendError("invalid number", code="21211")])
    report = await drain(sessions, {Channel.WEB: web}, clock.now)
    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    [row] = rows(sessions)
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.FAILED,
        1,
        "21211: invalid number",
    )
    await drain(sessions, {Channel.WEB: web}, clock.now + timedelta(days=1))
    assert len(web.sent) == 1


async def test_an_adapter_bug_is_retried_like_a_transient_error(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    queue(sessions, clock.now)
    web = FakeSender(Channel.WEB, [KeyError("oops")])
    report = await drain(sessions, {Channel.WEB: web}, clock.now)
    assert report.retried == 1
    [row] = rows(sessions)
    assert row.status == OutboxStatus.PENDING and "unexpected error" in (row.last_error or "")


async def test_one_channel_down_never_blocks_another(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    web_ids = queue(sessions, clock.now, Channel.WEB, n=3)
    telegram_ids = queue(sessions, clock.now, Channel.TELEGRAM, n=3)
    sms_ids = queue(sessions, clock.now, Channel.SMS, n=2)
    web = FakeSender(Channel.WEB)
    telegram = FakeSender(Channel.TELEGRAM, [RuntimeError("connection refused")] * 3)
    sms = FakeSender(Channel.SMS, [TransientSendError("timeout")])
    senders = {Channel.TELEGRAM: telegram, Channel.SMS: sms, Channel.WEB: web}
    report = await drain(sessions, senders, clock.now)
    assert report.sent == 3 and report.by_channel == {Channel.WEB: 3}
    assert {r.status for r in rows(sessions, web_ids)} == {OutboxStatus.SENT}
    assert {r.status for r in rows(sessions, telegram_ids)} == {OutboxStatus.PENDING}
    first_sms, second_sms = rows(sessions, sms_ids)
    # SMS gave trouble: the untried rest of its batch waits without losing an attempt.
    assert (first_sms.attempts, second_sms.attempts) == (1, 0)
    assert second_sms.status == OutboxStatus.PENDING
    assert second_sms.next_attempt_at == clock.now + backoff(1)


async def test_a_claim_whose_lease_expired_is_sent_again(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    [row_id] = queue(sessions, clock.now)
    [lost] = claim(sessions, Channel.WEB, clock.now, 10)  # a worker claims, then dies
    assert lost.outbox_id == row_id
    web = FakeSender(Channel.WEB)
    await drain(sessions, {Channel.WEB: web}, clock.now + LEASE - timedelta(seconds=1))
    assert web.sent == []
    [row] = rows(sessions)
    assert row.status == OutboxStatus.SENDING
    await drain(sessions, {Channel.WEB: web}, clock.now + LEASE)
    [row] = rows(sessions)
    assert (row.status, row.attempts, len(web.sent)) == (OutboxStatus.SENT, 2, 1)


def test_a_second_worker_does_not_take_claimed_rows(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    ids = queue(sessions, clock.now, n=5)
    first = [item.outbox_id for item in claim(sessions, Channel.WEB, clock.now, 3)]
    second = [item.outbox_id for item in claim(sessions, Channel.WEB, clock.now, 3)]
    assert (first, second) == (ids[:3], ids[3:])
    assert claim(sessions, Channel.WEB, clock.now, 3) == []


def claim_while_another_worker_claims(
    sessions: sessionmaker[Session], now: datetime, limit: int, other_limit: int
) -> tuple[list[int], list[int]]:
    """Worker 1 claims in a thread and stops right after reading its candidates, just before its
    first write; worker 2 claims in full meanwhile; then worker 1 goes on. Returns both claims."""
    engine = sessions.kw["bind"]
    paused, resume = threading.Event(), threading.Event()
    first: list[int] = []

    def pause_before_first_write(
        _conn: object, _cursor: object, statement: str, *_: object
    ) -> None:
        writing = statement.lstrip().upper().startswith("UPDATE")
        if threading.current_thread() is worker and writing and not paused.is_set():
            paused.set()
            assert resume.wait(timeout=10)

    def work() -> None:
        first.extend(item.outbox_id for item in claim(sessions, Channel.WEB, now, limit))

    worker = threading.Thread(target=work)
    event.listen(engine, "before_cursor_execute", pause_before_first_write)
    try:
        worker.start()
        assert paused.wait(timeout=10)
        second = [item.outbox_id for item in claim(sessions, Channel.WEB, now, other_limit)]
        resume.set()
        worker.join(timeout=10)
    finally:
        resume.set()
        event.remove(engine, "before_cursor_execute", pause_before_first_write)
    assert not worker.is_alive()
    return first, second


def test_a_worker_that_read_the_same_rows_as_another_does_not_claim_them_too(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """SQLite ignores FOR UPDATE: the claim itself must not take a row someone took meanwhile."""
    ids = queue(sessions, clock.now, n=4)
    first, second = claim_while_another_worker_claims(sessions, clock.now, 10, 10)
    if is_postgres(sessions.kw["bind"]):
        assert (first, second) == (ids, [])  # the first holds its rows locked; SKIP LOCKED
    else:
        assert (first, second) == ([], ids)  # the second got there first; the first gets none
    assert {r.attempts for r in rows(sessions)} == {1}


def test_two_concurrent_workers_never_claim_the_same_row(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """FOR UPDATE SKIP LOCKED on PostgreSQL, conditional claims on SQLite."""
    ids = queue(sessions, clock.now, n=40)
    other: list[int] = []
    if is_postgres(sessions.kw["bind"]):
        # One worker holds its claim open while the other claims: SKIP LOCKED passes it by.
        with sessions() as holder, holder.begin():
            held = holder.scalars(
                select(OutboxMessage.id)
                .order_by(OutboxMessage.id)
                .limit(5)
                .with_for_update(skip_locked=True)
            ).all()
            other = [item.outbox_id for item in claim(sessions, Channel.WEB, clock.now, 10)]
        assert held == ids[:5] and other == ids[5:15]
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(slot: int) -> None:
        start.wait(timeout=10)
        while batch := claim(sessions, Channel.WEB, clock.now, 3):
            claimed[slot].extend(item.outbox_id for item in batch)

    workers = [threading.Thread(target=work, args=(slot,)) for slot in (0, 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == [i for i in ids if i not in other]
