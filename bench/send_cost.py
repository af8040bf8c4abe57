"""CPU per message of the real Twilio send path, in isolation.

    .venv/bin/python bench/send_cost.py [--rows 3000] [--rounds 2] [--split] [--profile FILE]

N WhatsApp replies (in the 24-hour window, three numbered choices, a status callback) are queued
on a fresh SQLite database and drained by `scheduler.dispatcher.drain` through the `TwilioSender`
that `bot.channels` configures, logging set up as `pkh-bot run` does, to the instant fake
Twilio REST API (`bench/fake_twilio.py`) in a separate process, so that the process CPU measured
(`time.process_time`, every thread) is the bot's side alone: the claim, the recipient lookup,
render and split, twilio's request building, aiohttp, the marks. A warm-up batch goes first
(connections, imports). `--split` adds the CPU spent in the worker-thread parts (claim, recipient
lookup, marks); `--profile` writes a cProfile of the event loop's thread (its CPU time) for the
last round.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.database import Bench, fresh
from bench.fake_twilio import FakeTwilio
from bot.channels import configure
from bot.cli import _configure_logging
from bot.runtime import Runtime
from bot.settings import Settings
from conversations.messages import Channel, Option, Reply
from handlers.core import outbox
from scheduler.dispatcher import BATCH_PER_CHANNEL, drain
from storage.db import transaction

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "bench-auth-token"
WHATSAPP_NUMBER = "+6281100000001"
WARM_UP = 100
SPLIT: dict[str, float] = {}  # worker-thread CPU per function, with --split


async def serve_fake() -> None:
    """The fake Twilio, in its own process: prints its URL, then serves until killed."""
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await fake.start()
    print(fake.url, flush=True)
    await asyncio.Event().wait()


def enqueue(bench: Bench, rows: int, prefix: str) -> None:
    reply = Reply(
        "Terima kasih, laporan Anda sudah kami terima. Pilih langkah berikutnya:",
        (Option("a", "Lanjut"), Option("b", "Ubah"), Option("c", "Selesai")),
        "p0bench",
    )
    now = bench.clock()
    with transaction(bench.ctx.sessions) as session:
        for n in range(rows):
            address = f"+62857{n:08d}"
            outbox.enqueue(session, Channel.WHATSAPP, address, reply, f"{prefix}:{n}", now)


def timed_in_thread(module: ModuleType, name: str) -> None:
    """Wrap `module.name` to add its thread CPU time to SPLIT."""
    inner: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            SPLIT[name] = SPLIT.get(name, 0.0) + time.thread_time() - started

    setattr(module, name, timed)


async def measure(bench: Bench, url: str, rows: int, rounds: int, profile: str | None) -> None:
    settings = Settings(
        DATABASE_URL=bench.engine.url.render_as_string(hide_password=False),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_WHATSAPP_NUMBER=WHATSAPP_NUMBER,
        TWILIO_API_BASE_URL=url,
        PUBLIC_BASE_URL="https://pkh.example.id",
    )
    _configure_logging(settings)
    runtime = Runtime(settings, engine=bench.engine)
    runtime.ctx.clock = bench.clock
    configure(runtime)
    senders = {Channel.WHATSAPP: runtime.senders[Channel.WHATSAPP]}
    max_rounds = rows // BATCH_PER_CHANNEL + 5
    try:
        enqueue(bench, WARM_UP, "warm-up")
        await drain(bench.ctx.sessions, senders, bench.clock(), max_rounds=max_rounds)
        SPLIT.clear()
        for n in range(rounds):
            enqueue(bench, rows, f"round-{n}")
            profiler = cProfile.Profile(time.thread_time) if profile and n == rounds - 1 else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            report = await drain(bench.ctx.sessions, senders, bench.clock(), max_rounds)
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if report.sent != rows:
                raise RuntimeError(f"sent {report.sent} of {rows}: {report}")
            print(
                f"round {n}: {rows} sent, {cpu / rows * 1e3:.3f} ms CPU per message, "
                f"{rows / wall:.0f} messages/s (wall {wall:.2f} s, CPU {cpu:.2f} s)",
                flush=True,
            )
        if SPLIT:
            parts = ", ".join(f"{k} {v / rows / rounds * 1e3:.3f}" for k, v in SPLIT.items())
            print(f"worker threads, ms CPU per message: {parts}")
    finally:
        for stop in runtime.on_stop:
            await stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000, help="messages per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--split", action="store_true", help="worker-thread CPU by function")
    parser.add_argument("--profile", default=None, help="cProfile file of the last round")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fake:
        asyncio.run(serve_fake())
        return 0
    logging.basicConfig(level=logging.WARNING)
    if args.split:
        import bot.channels.twilio_sender as twilio_sender
        import scheduler.dispatcher as dispatcher

        timed_in_thread(twilio_sender, "load_recipients")
        for name in ("claim", "_mark_sent"):
            timed_in_thread(dispatcher, name)
    fake = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert fake.stdout is not None
        url = fake.stdout.readline().strip()
        with fresh("sqlite") as bench:
            asyncio.run(measure(bench, url, args.rows, args.rounds, args.profile))
    finally:
        fake.terminate()
        fake.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
