"""The dispatcher in the running process: waking it from the threads that handle messages (a
wake-up already pending is not sent again, and the rows queued meanwhile are all sent), and
sending while those threads are all busy."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot import runtime as runtime_module
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel, Reply
from handlers.core import outbox
from scheduler.senders import Outgoing, SendResult
from storage.db import transaction

ROWS = 20


class GatedSender:
    """Holds the first message until the test opens the gate, so one round is surely running."""

    channel = Channel.WEB

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        self.sent: list[int] = []

    async def send(self, message: Outgoing) -> SendResult:
        self.started.set()
        await self.gate.wait()
        self.sent.append(message.outbox_id)
        return SendResult()


@pytest.mark.usefixtures("sessions")  # empties the tables afterwards
async def test_wake_ups_during_a_round_are_coalesced_and_every_row_is_sent(
    database_url: str, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No round on a timer: the rows queued during the first round go out with that drain's
    # later rounds or the wake-up pending after it, never because the idle timer ran out.
    monkeypatch.setattr(runtime_module, "DISPATCH_IDLE_SECONDS", 3600)
    runtime = Runtime(Settings(DATABASE_URL=database_url), engine=db_engine)
    sender = GatedSender()
    runtime.add_sender(sender)
    loop = asyncio.get_running_loop()
    wake_ups = 0
    schedule = loop.call_soon_threadsafe

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal wake_ups
        wake_ups += 1
        return schedule(*args, **kwargs)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counting)
    now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

    def queue(first: int, last: int) -> None:
        for n in range(first, last):
            with transaction(runtime.sessions) as session:
                reply = Reply(f"pesan {n}")
                outbox.enqueue(session, Channel.WEB, "sim-1", reply, f"wake-{n}", now)
            runtime.wake_dispatcher()

    await runtime.start_dispatcher()
    try:
        await asyncio.to_thread(queue, 0, 1)
        await asyncio.wait_for(sender.started.wait(), 30)
        before = wake_ups
        await asyncio.to_thread(queue, 1, ROWS)
        during_round = wake_ups - before
        sender.gate.set()
        for _ in range(600):
            if len(sender.sent) == ROWS:
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop_dispatcher()
    assert len(sender.sent) == ROWS and len(set(sender.sent)) == ROWS
    # 19 rows queued during the round: one wake-up each before (20 with the thread's own
    # completion, which the loop also learns of through call_soon_threadsafe), two or so now.
    assert 1 <= during_round < ROWS - 1


@pytest.mark.usefixtures("sessions")
async def test_replies_leave_while_every_inbound_thread_is_busy(
    database_url: str, db_engine: Engine
) -> None:
    """A burst of webhooks fills the inbound threads; sending has threads of its own."""
    runtime = Runtime(Settings(DATABASE_URL=database_url), engine=db_engine)
    now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    with transaction(runtime.sessions) as session:
        outbox.enqueue(session, Channel.WEB, "sim-1", Reply("balasan"), "busy-1", now)
    release = threading.Event()
    # More blocked jobs than the runtime's inbound threads and the default executor have
    # threads: a burst of webhooks, and any other work off the loop, wait in their queues.
    busy = [
        asyncio.ensure_future(blocked)
        for _ in range(64)
        for blocked in (runtime.run_inbound(release.wait, 60), asyncio.to_thread(release.wait, 60))
    ]
    try:
        report = await asyncio.wait_for(runtime.dispatch(now), 30)
    finally:
        release.set()
        await asyncio.gather(*busy)
    assert report.sent == 1 and report.by_channel == {Channel.WEB: 1}
