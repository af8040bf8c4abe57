"""Memory of `pkh-bot run` with many dialogs in progress, black-box.

    .venv/bin/python bench/memory.py [--db sqlite|postgres|both] [--senders 10000]
        [--concurrency 16] [--quick] [--postgres-url URL]

N distinct KPM numbers each start the public complaint dialog over WhatsApp and stop half-way
("halo", "1", "1": greeting, complaint menu, consent; the bot then waits for a category), C
senders at a time, each next message after the HTTP answer. The bot runs as `pkh-bot run` in a
subprocess, exactly as in bench/webhook_load.py (its helpers: environment only, the generated
roster, the instant fake Twilio in this process). The resident memory of the server (VmRSS and
its peak VmHWM from /proc, summed over the process and any children; PostgreSQL's own processes
not counted) is read once it is up, after a warm-up, after a tenth, half and all of the senders,
and once the dispatcher has sent every reply. At the end the database must hold N conversation
states in the complaint flow, else the run fails.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select

from bench.fake_twilio import FakeTwilio
from bench.roster import kpm_phone
from bench.webhook_load import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    Processes,
    Result,
    Sender,
    Signer,
    drive,
    fresh_database,
    raise_on_sigterm,
    run_stopping_servers,
    shown_url,
    start_bot,
    wait_outbox_sent,
)
from storage.db import create_db_engine
from storage.models import ConversationState, OutboxMessage

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench_mem"
HALF_WAY = ("halo", "1", "1")  # greeting, "1" the complaint menu, "1" consent
DEFAULT_SENDERS = 10_000
QUICK_SENDERS = 1_000
WARM_UP = 16
MIB = 1024


# -- memory of a process tree (Linux /proc) --------------------------------------------------
def process_tree(pid: int) -> list[int]:
    """The process and its descendants, through /proc/PID/task/TID/children."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def status_number(pid: int, field: str) -> int:
    """A number in /proc/PID/status ("VmRSS:  123 kB" in KiB, "Threads:  7"); 0 once gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Point:
    label: str
    dialogs: int  # senders half-way through, so far
    rss_kib: int
    hwm_kib: int
    anon_kib: int  # RssAnon: the heap, not mapped files or shared memory
    processes: int
    threads: int
    unsent: int  # outbox rows pending or being sent when measured
    seconds: float = 0.0  # driving the senders since the previous point
    dialogs_done: int = 0  # senders driven since the previous point

    def line(self) -> str:
        rate = f"{self.dialogs_done / self.seconds:.0f}" if self.seconds else "-"
        return (
            f"{self.label:20}{self.dialogs:>9,}{self.rss_kib / MIB:>9.1f}{self.hwm_kib / MIB:>9.1f}"
            f"{self.anon_kib / MIB:>9.1f}{self.processes:>7}{self.threads:>8}{self.unsent:>8,}"
            f"{rate:>11}"
        )


HEAD = f"{'point':20}{'dialogs':>9}{'RSS MiB':>9}{'peak MiB':>9}{'anon MiB':>9}{'procs':>7}"
HEAD += f"{'threads':>8}{'unsent':>8}"
HEAD += f"{'dialogs/s':>11}"


def measure(pid: int, engine: Engine, label: str, dialogs: int) -> Point:
    tree = process_tree(pid)
    with engine.connect() as connection:
        unsent = connection.scalar(
            select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
        )
    return Point(
        label,
        dialogs,
        sum(status_number(p, "VmRSS") for p in tree),
        sum(status_number(p, "VmHWM") for p in tree),
        sum(status_number(p, "RssAnon") for p in tree),
        len(tree),
        sum(status_number(p, "Threads") for p in tree),
        int(unsent or 0),
    )


# -- the run ---------------------------------------------------------------------------------
def half_way_senders(signer: Signer, count: int, warm_up: bool = False) -> list[Sender]:
    """KPM numbers (+62857…, or +62858… for the warm-up; not on the roster) that each send
    HALF_WAY, signed in advance."""
    senders = []
    for n in range(1, count + 1):
        address = f"+628580000{n:04d}" if warm_up else "+62" + kpm_phone(n)[1:]
        senders.append(Sender(address, [signer.request(address, t) for t in HALF_WAY]))
    return senders


def checkpoints(count: int) -> list[int]:
    """A tenth, half and all of the senders (1,000, 5,000, 10,000 by default)."""
    return sorted({max(1, count // 10), max(1, count // 2), count})


def check_states(engine: Engine, senders: list[Sender], backend: str) -> str:
    """Every sender's dialog is in progress in the database, else fail loudly."""
    wanted = {s.address for s in senders}
    with engine.connect() as connection:
        rows = connection.execute(
            select(ConversationState.address, ConversationState.flow, ConversationState.step)
            .where(ConversationState.flow.is_not(None))
            .where(ConversationState.address.like("+62857%"))
        ).all()
    in_flow = {address: (flow, step) for address, flow, step in rows if address in wanted}
    if len(in_flow) != len(wanted):
        missing = sorted(wanted - set(in_flow))[:5]
        raise RuntimeError(
            f"memory on {backend}: {len(in_flow)} of {len(wanted)} senders have a dialog in "
            f"progress; first ones without: {missing}"
        )
    where = Counter(f"{flow}/{step}" for flow, step in in_flow.values())
    shown = ", ".join(f"{k}: {v:,}" for k, v in where.most_common())
    return f"{len(in_flow):,} conversation states in a flow ({shown})"


@dataclass
class Options:
    senders: int
    concurrency: int
    postgres_url: str
    logs: Path


async def run_one(
    backend: str, opts: Options, processes: Processes, fake: FakeTwilio
) -> tuple[list[Point], str]:
    points: list[Point] = []
    with fresh_database(backend, opts.postgres_url) as url:
        print(f"# pkh-bot on {backend} ({shown_url(url)})")
        bot = await start_bot(f"memory-{backend}", url, opts.logs, processes, fake)
        engine = create_db_engine(url)
        try:
            points.append(measure(bot.process.pid, engine, "started", 0))
            signer = Signer(bot.base)
            # The warm-up walks the same steps: lazy imports, locale data and the statement
            # caches of those steps are paid before the baseline, not counted as growth.
            warm = half_way_senders(signer, WARM_UP, warm_up=True)
            await drive(bot.base, warm, opts.concurrency, None, Result("warm"))
            await wait_outbox_sent(engine, "warm-up")
            points.append(measure(bot.process.pid, engine, "after warm-up", 0))
            senders = half_way_senders(signer, opts.senders)
            done = 0
            for upto in checkpoints(opts.senders):
                started = time.perf_counter()
                await drive(bot.base, senders[done:upto], opts.concurrency, None, Result("memory"))
                point = measure(bot.process.pid, engine, f"after {upto:,} senders", upto)
                point.seconds, point.dialogs_done = time.perf_counter() - started, upto - done
                points.append(point)
                print(f"  {point.line()}", flush=True)
                done = upto
            await wait_outbox_sent(engine, f"memory on {backend}")
            points.append(measure(bot.process.pid, engine, "replies sent", done))
            if bot.process.poll() is not None:
                raise RuntimeError(
                    f"pkh-bot exited {bot.process.returncode}:\n{processes.tail(bot.process)}"
                )
            note = check_states(engine, senders, backend)
        except Exception:
            print(processes.tail(bot.process), file=sys.stderr)
            raise
        finally:
            engine.dispose()
            processes.stop(bot.process)
    return points, note


def growth(points: list[Point]) -> str:
    """MiB of RSS per 1,000 dialogs: between the first and the last checkpoint (the steady
    part), and from the warm-up to every reply sent (all of it)."""
    warm, first, last, end = points[1], points[2], points[-2], points[-1]
    parts = []
    if last.dialogs > first.dialogs:
        per = (last.rss_kib - first.rss_kib) / MIB / (last.dialogs - first.dialogs) * 1000
        parts.append(f"{per:+.2f} MiB per 1,000 dialogs from {first.dialogs:,} to {last.dialogs:,}")
    per = (end.rss_kib - warm.rss_kib) / MIB / end.dialogs * 1000
    parts.append(f"{per:+.2f} MiB per 1,000 from warm-up to replies sent")
    return "; ".join(parts)


async def bench(backends: list[str], opts: Options, processes: Processes) -> list[str]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await fake.start()
    print(f"# fake Twilio REST API at {fake.url} (in this process)")
    lines = []
    try:
        for backend in backends:
            points, note = await run_one(backend, opts, processes, fake)
            lines += [f"\n{backend}", HEAD, "-" * len(HEAD)]
            lines += [p.line() for p in points]
            lines += [f"growth: {growth(points)}", f"check: {note}"]
            fake.reset()
    finally:
        await fake.stop()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--senders", type=int, default=DEFAULT_SENDERS)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SENDERS:,} senders")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 256 or args.senders < 1:
        parser.error("--senders must be at least 1 and --concurrency within 1..256")
    senders = QUICK_SENDERS if args.quick else args.senders
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pkh-memory-logs-") as logs:
        processes = Processes(Path(logs))
        opts = Options(senders, args.concurrency, args.postgres_url, Path(logs))
        lines = run_stopping_servers(bench(backends, opts, processes), processes)
    print(
        f"\nmemory: {senders:,} senders each half-way through the complaint dialog "
        f"({', '.join(HALF_WAY)}), {args.concurrency} at a time; RSS and peak (VmHWM) of "
        "`pkh-bot run` and its children; unsent: outbox rows not yet sent when measured"
    )
    print("\n".join(lines))
    print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
