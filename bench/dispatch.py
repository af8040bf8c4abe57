"""The outbox dispatcher: rows queued with `handlers.core.outbox.enqueue`, drained by
`scheduler.dispatcher.drain` through senders that accept everything at once."""

from __future__ import annotations

import asyncio
import math
import time

from sqlalchemy import func, select

from bench.database import Bench
from bench.measure import Phase, StatementCounter
from conversations.messages import Channel, Option, Reply
from handlers.core import outbox
from scheduler.dispatcher import BATCH_PER_CHANNEL, drain
from scheduler.senders import Outgoing, SendResult
from storage.db import transaction
from storage.models import OutboxMessage, OutboxStatus

CHANNELS = (Channel.TELEGRAM, Channel.WHATSAPP, Channel.SMS, Channel.WEB)
ENQUEUE_BATCH = 1000


class NoopSender:
    """A channel that takes every message instantly, so only the dispatcher's own work counts."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Outgoing) -> SendResult:
        return SendResult(f"noop-{message.outbox_id}")


def _enqueue(bench: Bench, rows: int, prefix: str) -> None:
    reply = Reply(
        "Pengingat: supervisi individu besok, Rabu 2 Desember, 09:00 WIB, lewat telepon.",
        (Option("hadir", "Hadir"), Option("ulang", "Jadwal ulang"), Option("tidak", "Tidak bisa")),
        "p0bench",
    )
    now = bench.clock()
    for start in range(0, rows, ENQUEUE_BATCH):
        with transaction(bench.ctx.sessions) as session:
            for n in range(start, min(start + ENQUEUE_BATCH, rows)):
                channel = CHANNELS[n % len(CHANNELS)]
                address = str(700000 + n) if channel == Channel.TELEGRAM else f"+62857{n:08d}"
                outbox.enqueue(session, channel, address, reply, f"{prefix}:{n}", now)


def _sent(bench: Bench) -> int:
    with bench.ctx.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.SENT)
            )
            or 0
        )


def _drain(bench: Bench, counter: StatementCounter, rows: int, name: str) -> Phase:
    senders = {channel: NoopSender(channel) for channel in CHANNELS}
    rounds = math.ceil(rows / len(CHANNELS) / BATCH_PER_CHANNEL) + 1
    before = _sent(bench)
    with counter.counting():
        started = time.perf_counter()
        report = asyncio.run(drain(bench.ctx.sessions, senders, bench.clock(), max_rounds=rounds))
        seconds = time.perf_counter() - started
    statements, heaviest = counter.take()
    sent = _sent(bench) - before
    if report.sent != rows or sent != rows:
        raise RuntimeError(f"dispatcher sent {report.sent} ({sent} marked) of {rows}")
    return Phase(
        bench.backend,
        name,
        rows,
        "row",
        seconds,
        statements,
        top=heaviest,
        note=f"{rounds} rounds of {BATCH_PER_CHANNEL} rows per channel",
    )


def run(bench: Bench, rows: int) -> list[Phase]:
    """Twice: first on rows the planner has no statistics for yet (a burst into a quiet queue,
    before autovacuum's ANALYZE), then on as many again after ANALYZE."""
    counter = StatementCounter(bench.engine)
    with counter.counting():
        started = time.perf_counter()
        _enqueue(bench, rows, "burst")
        enqueue_seconds = time.perf_counter() - started
    enqueue_statements, heaviest = counter.take()
    phases = [
        Phase(
            bench.backend,
            f"outbox enqueue ({ENQUEUE_BATCH}/txn)",
            rows,
            "row",
            enqueue_seconds,
            enqueue_statements,
            top=heaviest,
        ),
        _drain(bench, counter, rows, f"drain {len(CHANNELS)} no-op ch., no stats"),
    ]
    _enqueue(bench, rows, "analyzed")
    with bench.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    phases.append(_drain(bench, counter, rows, f"drain {len(CHANNELS)} no-op ch., ANALYZEd"))
    counter.close()
    return phases
