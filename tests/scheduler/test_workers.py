"""Several workers on one database (several `pkh-bot run` processes): two dispatchers draining
the same outbox at once send every row exactly once, each address in order; two ticks at once
queue each due reminder once. (A row held by a worker that died goes out after its lease
through another: tests/scheduler/test_outbox.py.)"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from conversations.messages import Channel, Reply
from handlers.core import outbox
from handlers.core.context import AppContext
from scheduler.dispatcher import drain
from scheduler.senders import Outgoing, SendResult
from scheduler.tick import run_duties
from storage.db import transaction
from storage.models import OutboxStatus
from tests.handlers.consultation.test_agreed_time_reminders import _ask_and_accept
from tests.handlers.consultation.test_consultations import DEWI, SARI
from tests.scheduler.test_outbox import FakeSender, rows
from tests.support import ChatFactory, Clock, texts


def _together(*work: object) -> None:
    """Run each callable in its own thread, all released at the same moment."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: object) -> None:
        start.wait(timeout=10)
        try:
            job()  # type: ignore[operator]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_two_dispatchers_at_once_send_every_row_once_and_each_address_in_order(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    addresses = [f"+628123000{n % 40:04d}" for n in range(240)]  # 40 people, 6 messages each
    with transaction(sessions) as session:
        for n, address in enumerate(addresses):
            outbox.enqueue(session, Channel.WEB, address, Reply(f"pesan {n}"), f"w:{n}", clock.now)
    order: list[int] = []  # every send of both workers, as it happened

    class Recording(FakeSender):
        async def send(self, message: Outgoing) -> SendResult:
            order.append(message.outbox_id)
            return await super().send(message)

    workers = [Recording(Channel.WEB), Recording(Channel.WEB)]

    def dispatch(sender: FakeSender) -> None:
        asyncio.run(drain(sessions, {Channel.WEB: sender}, clock.now, max_rounds=50))

    _together(*(lambda s=sender: dispatch(s) for sender in workers))

    sent = Counter(order)
    queued = rows(sessions)
    assert sorted(sent) == [row.id for row in queued] and set(sent.values()) == {1}
    assert {row.status for row in queued} == {OutboxStatus.SENT}
    address_of = {row.id: row.address for row in queued}
    for address in set(addresses):
        to_them = [row_id for row_id in order if address_of[row_id] == address]
        assert to_them == sorted(to_them)  # across both workers, in the order queued


def test_two_ticks_at_once_queue_each_due_reminder_once(
    chat: ChatFactory, ctx: AppContext, clock: Clock
) -> None:
    sari, dewi = chat(SARI), chat(DEWI)
    _ask_and_accept(sari, dewi, "besok jam 10")  # an hour before: Wednesday 09:00 WIB
    clock.now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    _together(lambda: run_duties(ctx, clock.now), lambda: run_duties(ctx, clock.now))
    run_duties(ctx, clock.now)  # a duty that lost a race runs again on the next tick
    to_sari, to_dewi = texts(sari.inbox()), texts(dewi.inbox())
    assert to_sari.count("Sebentar lagi: konsultasi dengan Dewi Lestari") == 1
    assert to_dewi.count("Sebentar lagi: konsultasi dengan Sari Rahayu") == 1
