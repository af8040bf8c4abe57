"""Several dispatcher workers (processes) on one PostgreSQL outbox: throughput of 1 and 2, and a
worker killed mid-dispatch.

    .venv/bin/python bench/workers.py [--rows 20000] [--postgres-url URL] [--skip-kill]
        [--round-trip SECONDS]

Each worker is this script with `--worker`: its own engine and `scheduler.dispatcher` rounds
(`dispatch_once`, the real claim and marks) on the wall clock, until no unsent row is left.
Its channels are instant fakes that append every delivered row id to a file shared by all
workers (one `write` per delivery, so a delivery is counted even if the worker is SIGKILLed
right after it): a row id found twice there is a message sent twice.

1. Throughput: N rows queued on 4 channels (distinct addresses), then one worker drains them;
   N more, then two workers at once. Workers start, connect and wait; the clock starts when all
   are told to go and stops when the last one is done. Prints rows/s, the ratio, duplicates,
   the CPU per row of the workers and of the PostgreSQL backends of the database (from /proc:
   the server must run on this machine), and the database's buffers and tuples per row. Each run
   starts after VACUUM ANALYZE. With `--round-trip`, both again on channels that take that long
   a message, 16 addresses at a time (as `TwilioSender`): one worker then waits on the
   providers more than it computes, as in production.
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
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.database import POSTGRES_URL, fresh
from bench.dispatch import CHANNELS, _enqueue
from scheduler import claims, dispatcher
from scheduler.senders import Outgoing, SendResult
from storage.db import create_db_engine, make_session_factory
from storage.models import OutboxMessage, OutboxStatus

UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class RecordingSender:
    """An instant channel (or one taking `pace` seconds a message) that writes each delivered
    row id to a shared append-only file, straight to the kernel."""

    def __init__(self, channel: str, fd: int, pace: float, concurrency: int) -> None:
        self.channel = channel
        self.fd = fd
        self.pace = pace
        self.concurrency = concurrency  # addresses sent to side by side (Twilio's is 16)

    async def send(self, message: Outgoing) -> SendResult:
        if self.pace:
            await asyncio.sleep(self.pace)
        os.write(self.fd, f"{message.outbox_id}\n".encode())
        return SendResult(f"fake-{message.outbox_id}")


class ServerCpu:
    """CPU time of the PostgreSQL backends serving one database (the server on this machine),
    sampled from /proc every 50 ms while a run lasts, since backends exit with their worker."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} ".encode()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.start = self._sample()
        self.last = dict(self.start)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.marker not in (entry / "cmdline").read_bytes():
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.tick
        return found

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            self.last.update(self._sample())

    def seconds(self) -> float:
        self.stop.set()
        self.thread.join()
        self.last.update(self._sample())
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def _database_counters(bench) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """This database's cumulative statistics: buffers hit and index entries read, commits."""
    with bench.engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        row = connection.execute(
            text(
                "SELECT blks_hit + blks_read, tup_returned, tup_fetched, xact_commit"
                " FROM pg_stat_database WHERE datname = current_database()"
            )
        ).one()
    return dict(zip(("buffers", "returned", "fetched", "commits"), row, strict=True))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _unsent(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(UNSENT))
        )


async def _work(args: argparse.Namespace) -> int:
    engine = create_db_engine(args.postgres_url)
    sessions = make_session_factory(engine)
    claims.LEASE = timedelta(seconds=args.lease)
    fd = os.open(args.deliveries, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    senders = {
        channel: RecordingSender(channel, fd, args.pace, args.concurrency) for channel in CHANNELS
    }
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


def _start(
    url: str, deliveries: Path, lease: float, pace: float, concurrency: int = 1
) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--worker", "--postgres-url", url]
    command += ["--deliveries", str(deliveries), "--lease", str(lease), "--pace", str(pace)]
    command += ["--concurrency", str(concurrency)]
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


def throughput(
    bench, url: str, rows: int, count: int, tmp: Path, pace: float = 0.0
) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """`count` workers drain `rows` fresh rows through channels taking `pace` seconds a
    message, 16 addresses at a time (0: instant); (rows/s, duplicates)."""
    _enqueue(bench, rows, f"w{count}-{pace}")
    # Both runs start from the same state: the rows sent before are vacuumed away, as
    # autovacuum would in time (this server may run without it).
    with bench.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE outbox"))
    deliveries = tmp / f"deliveries-{count}-{pace}.txt"
    workers = [_start(url, deliveries, 120, pace, 16 if pace else 1) for _ in range(count)]
    server = ServerCpu(make_url(url).database or "")
    workers_cpu = _children_cpu()
    counters = _database_counters(bench)
    started = time.perf_counter()
    _go(workers)
    sent = _finish(workers)
    seconds = time.perf_counter() - started
    workers_cpu = _children_cpu() - workers_cpu
    server_cpu = server.seconds()
    time.sleep(0.6)  # the backends' statistics reach the collector at most every 0.5 s
    after = _database_counters(bench)
    per_row = {name: (after[name] - counters[name]) / rows for name in counters}
    label = f"{pace * 1e3:g} ms a message" if pace else "instant"
    delivered = _deliveries(deliveries)
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    if len(delivered) != rows or sum(sent) != rows + duplicates:
        raise RuntimeError(f"{count} workers: {len(delivered)} of {rows} rows delivered, {sent}")
    print(
        f"{count} worker(s), {label}: {rows} rows in {seconds:.2f} s = "
        f"{rows / seconds:,.0f} rows/s (per worker {sent}), duplicates {duplicates}; "
        f"CPU per row: workers "
        f"{workers_cpu / rows * 1e3:.2f} ms, PostgreSQL backends {server_cpu / rows * 1e3:.2f} ms "
        f"({(workers_cpu + server_cpu) / seconds:.0%} of a core on average; load average "
        f"{os.getloadavg()[0]:.1f}); per row: {per_row['buffers']:.1f} buffers, "
        f"{per_row['returned']:.1f} tuples returned, {per_row['fetched']:.1f} fetched, "
        f"{per_row['commits']:.3f} commits"
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
    parser.add_argument(
        "--round-trip",
        type=float,
        default=0.0,
        help="also run both with channels taking this many seconds a message, 16 at a time",
    )
    parser.add_argument("--pace", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=1, help=argparse.SUPPRESS)
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
            if args.round_trip:
                pace = args.round_trip
                one, dup_one = throughput(bench, args.postgres_url, args.rows, 1, tmp, pace)
                two, dup_two = throughput(bench, args.postgres_url, args.rows, 2, tmp, pace)
                print(
                    f"{pace * 1e3:g} ms a message: two workers / one: {two / one:.2f}x; "
                    f"duplicates {dup_one + dup_two}"
                )
            if not args.skip_kill:
                kill_test(bench, args.postgres_url, args.rows // 4, args.lease, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
