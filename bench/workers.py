"""Several dispatcher workers (processes) on one PostgreSQL outbox: throughput of 1 and 2, and a
worker killed mid-dispatch.

    .venv/bin/python bench/workers.py [--rows 20000] [--postgres-url URL] [--skip-kill]

Each worker is this script with `--worker`: its own engine and `scheduler.dispatcher` rounds
(`dispatch_once`, the real claim and marks) on the wall clock, until no unsent row is left.
Its channels are instant fakes that append every delivered row id to a file shared by all
workers (one `write` per delivery, so a delivery is counted even if the worker is SIGKILLed
right after it): a row id found twice there is a message sent twice.

1. Throughput: N rows queued on 4 channels (distinct addresses), then one worker drains them;
   N more, then two workers at once. Workers start, connect and wait; the clock starts when all
   are told to go and stops when the last one is done. Prints rows/s, the ratio, duplicates.
2. Kill: N/4 rows, two workers whose channels take 2 ms a message and whose lease is short
   (`--lease`, seconds; the bot's is 2 minutes); one is SIGKILLed mid-dispatch. The other must
   send everything, the rows the dead one held once their lease expires. Prints rows lost (must
   be 0) and rows delivered twice: at least once means those the killed worker had handed to
   the channel but not yet marked sent (at most `MARK_EVERY` seconds' worth).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bench.database import POSTGRES_URL, fresh
from bench.dispatch import CHANNELS, _enqueue
from scheduler import dispatcher
from scheduler.senders import Outgoing, SendResult
from storage.db import create_db_engine, make_session_factory
from storage.models import OutboxMessage, OutboxStatus

UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class RecordingSender:
    """An instant channel (or one taking `pace` seconds a message) that writes each delivered
    row id to a shared append-only file, straight to the kernel."""

    def __init__(self, channel: str, fd: int, pace: float) -> None:
        self.channel = channel
        self.fd = fd
        self.pace = pace

    async def send(self, message: Outgoing) -> SendResult:
        if self.pace:
            await asyncio.sleep(self.pace)
        os.write(self.fd, f"{message.outbox_id}\n".encode())
        return SendResult(f"fake-{message.outbox_id}")


def _unsent(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(UNSENT))
        )


async def _work(args: argparse.Namespace) -> int:
    engine = create_db_engine(args.postgres_url)
    sessions = make_session_factory(engine)
    dispatcher.LEASE = timedelta(seconds=args.lease)
    fd = os.open(args.deliveries, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    senders = {channel: RecordingSender(channel, fd, args.pace) for channel in CHANNELS}
    _unsent(sessions)  # connected before the start
    print("ready", flush=True)
    sys.stdin.readline()
    sent = 0
    deadline = time.monotonic() + args.deadline
    while time.monotonic() < deadline:
        report = await dispatcher.dispatch_once(sessions, senders, datetime.now(UTC))
        sent += report.sent
        if report.sent == 0 and report.failed == 0:
            if _unsent(sessions) == 0:
                break
            await asyncio.sleep(0.1)  # rows under someone's lease: wait for it to end
    print(f"done {sent}", flush=True)
    engine.dispose()
    return 0


def _start(url: str, deliveries: Path, lease: float, pace: float) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--worker", "--postgres-url", url]
    command += ["--deliveries", str(deliveries), "--lease", str(lease), "--pace", str(pace)]
    worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError("a worker did not start")
    return worker


def _go(workers: list[subprocess.Popen[str]]) -> None:
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()


def _finish(workers: list[subprocess.Popen[str]]) -> list[int]:
    sent = []
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        sent.append(int(line.split()[1]) if line.startswith("done") else -1)
        worker.wait(timeout=60)
    return sent


def _deliveries(path: Path) -> Counter[int]:
    return Counter(int(line) for line in path.read_text().split())


def throughput(bench, url: str, rows: int, count: int, tmp: Path) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """`count` workers drain `rows` fresh rows; (rows/s, duplicates)."""
    _enqueue(bench, rows, f"w{count}")
    with bench.engine.begin() as connection:
        connection.execute(text("ANALYZE outbox"))
    deliveries = tmp / f"deliveries-{count}.txt"
    workers = [_start(url, deliveries, 120, 0) for _ in range(count)]
    started = time.perf_counter()
    _go(workers)
    sent = _finish(workers)
    seconds = time.perf_counter() - started
    delivered = _deliveries(deliveries)
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    if len(delivered) != rows or sum(sent) != rows + duplicates:
        raise RuntimeError(f"{count} workers: {len(delivered)} of {rows} rows delivered, {sent}")
    print(
        f"{count} worker(s): {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
        f"(per worker {sent}), duplicates {duplicates}"
    )
    return rows / seconds, duplicates


def kill_test(bench, url: str, rows: int, lease: float, tmp: Path) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two paced workers, one SIGKILLed mid-dispatch; (rows lost, rows delivered twice)."""
    _enqueue(bench, rows, "kill")
    deliveries = tmp / "deliveries-kill.txt"
    victim, survivor = (_start(url, deliveries, lease, 0.002) for _ in range(2))
    started = time.perf_counter()
    _go([victim, survivor])
    while not deliveries.exists() or len(deliveries.read_text().split()) < rows // 4:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    with bench.ctx.sessions() as session:
        held = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.SENDING)
        )
    [sent_by_survivor] = _finish([survivor])
    seconds = time.perf_counter() - started
    delivered = _deliveries(deliveries)
    with bench.ctx.sessions() as session:
        unsent = _unsent(bench.ctx.sessions)
        not_sent = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status != OutboxStatus.SENT)
        )
    lost = rows - len(delivered) + not_sent
    twice = sum(1 for n in delivered.values() if n > 1)
    print(
        f"kill: {rows} rows, one of two workers SIGKILLed after {rows // 4} deliveries while "
        f"{held} rows were under a lease; the survivor sent {sent_by_survivor} in "
        f"{seconds:.1f} s (lease {lease:g} s); lost {lost} (unsent {unsent}), "
        f"delivered twice {twice}"
    )
    return lost, twice


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--lease", type=float, default=3.0)
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--deliveries", help=argparse.SUPPRESS)
    parser.add_argument("--pace", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=300.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return asyncio.run(_work(args))
    with tempfile.TemporaryDirectory(prefix="pkh-workers-") as folder:
        tmp = Path(folder)
        with fresh("postgres", args.postgres_url) as bench:
            one, dup_one = throughput(bench, args.postgres_url, args.rows, 1, tmp)
            two, dup_two = throughput(bench, args.postgres_url, args.rows, 2, tmp)
            print(f"two workers / one: {two / one:.2f}x; duplicates {dup_one + dup_two}")
            if not args.skip_kill:
                kill_test(bench, args.postgres_url, args.rows // 4, args.lease, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
