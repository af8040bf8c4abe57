"""Black-box webhook load: signed Twilio webhooks against `pkh-bot run`, beside a floor.

    .venv/bin/python bench/webhook_load.py [--db sqlite|postgres|both] [--senders 600]
        [--concurrency 16] [--wait request|reply] [--quick] [--postgres-url URL]

N senders (KPM numbers not on the roster) each file a complaint over WhatsApp by typing the
public complaint dialog, one message after another; C senders talk at a time. The bot runs as
`pkh-bot run` in a subprocess on 127.0.0.1, configured only through the environment (the
contract in DESIGN.md), with an instant fake Twilio REST API (bench/fake_twilio.py, in this
process) receiving its replies. The floor (bench/floor_app.py) gets the same requests, each a
single message, on a fresh database of the same kind; so does "floor+send", the floor that also
sends each reply to the fake Twilio and marks it sent. Every figure is printed beside both
floors' as a ratio. At the end the database must hold every complaint, else the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from bench.database import POSTGRES_URL
from bench.fake_twilio import FakeTwilio
from bench.measure import percentile
from bench.raw_http import Connection, prepared_post
from bench.roster import Roster, generate, kpm_phone
from storage.db import create_db_engine
from storage.migrate import upgrade
from storage.models import Complaint, ConversationState, InboundMessage, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
WHATSAPP_NUMBER = "+6281100000001"
PATH = "/webhooks/twilio"
STORY = "Bantuan bulan ini belum masuk sejak Oktober, sudah tanya ke bank belum ada jawaban"
SUPERVISORS, PENDAMPING_EACH = 10, 15  # the generated roster: 10 kabupaten, 150 pendamping
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 120.0
REPLY_TIMEOUT = 30.0
REQUEST_TIMEOUT = 60.0
QUICK_SENDERS = 48
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BOT_ENV_PREFIXES = ("TWILIO_", "TELEGRAM_", "PKH_")
BOT_ENV_NAMES = ("DATABASE_URL", "PUBLIC_BASE_URL")


# -- the dialog ------------------------------------------------------------------------------
def complaint_texts(n: int, kabupaten: str, kecamatan: str) -> list[str]:
    """What a KPM types on WhatsApp to file a complaint (bench/inbound.py's answers): greeting,
    "1" for the complaint menu, consent, first category, the place by its label, the story, no
    attachments, a name, may be named, confirm."""
    return [
        "halo",
        "1",
        "1",
        "1",
        kabupaten,
        kecamatan,
        STORY,
        "Selesai",
        f"Ibu Siti {n}",
        "Boleh",
        "Ya, kirim",
    ]


@dataclass
class Sender:
    address: str  # E.164
    requests: list[tuple[bytes, dict[str, str]]]  # signed form bodies, in order

    @property
    def twilio_address(self) -> str:
        return f"whatsapp:{self.address}"


class Signer:
    """Signed form bodies exactly as Twilio posts them, computed before the clock starts."""

    def __init__(self, public_base_url: str) -> None:
        self.url = public_base_url.rstrip("/") + PATH
        self.validator = RequestValidator(AUTH_TOKEN)
        self.sids = 0

    def request(self, address: str, body: str) -> tuple[bytes, dict[str, str]]:
        self.sids += 1
        sid = f"SM{self.sids:032x}"
        params = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": "KPM",
            "SmsSid": sid,
            "WaId": address.lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": f"whatsapp:{WHATSAPP_NUMBER}",
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{address}",
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, params),
            "I-Twilio-Idempotency-Token": sid,
        }
        return urlencode(params).encode(), headers


def plan_senders(signer: Signer, count: int, places: list[tuple[str, str]]) -> list[Sender]:
    senders = []
    for n in range(1, count + 1):
        address = "+62" + kpm_phone(n)[1:]
        kabupaten, kecamatan = places[(n * 7) % len(places)]
        texts = complaint_texts(n, kabupaten, kecamatan)
        senders.append(Sender(address, [signer.request(address, t) for t in texts]))
    return senders


def warm_up_senders(signer: Signer, count: int) -> list[Sender]:
    """People who only say hello, before the clock starts (connections, caches, imports)."""
    return [
        Sender(f"+628580000{n:04d}", [signer.request(f"+628580000{n:04d}", "halo")])
        for n in range(1, count + 1)
    ]


# -- processes -------------------------------------------------------------------------------
def _die_with_parent() -> None:
    """In the child: get SIGTERM when the benchmark dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    """The subprocesses this benchmark started; every one is stopped on the way out."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[int, tuple[subprocess.Popen[bytes], Path]] = {}

    def command(self, env: dict[str, str], argv: list[str]) -> str:
        shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        return f"$ {shown} {shlex.join(argv)}"

    def run(self, env: dict[str, str], argv: list[str]) -> str:
        print(self.command(env, argv), flush=True)
        done = subprocess.run(
            argv, env=_child_env(env), cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return done.stdout.strip()

    def start(self, name: str, env: dict[str, str], argv: list[str]) -> subprocess.Popen[bytes]:
        print(self.command(env, argv) + " &", flush=True)
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv,
                env=_child_env(env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us; we stop it in order
                preexec_fn=_die_with_parent,
            )
        self.running[process.pid] = (process, log)
        return process

    def tail(self, process: subprocess.Popen[bytes], lines: int = 40) -> str:
        log = self.running.get(process.pid, (process, None))[1]
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.running.pop(process.pid, None)

    def stop_all(self) -> None:
        for process, _log in list(self.running.values()):
            self.stop(process)


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any bot setting of the caller's, plus the benchmark's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(BOT_ENV_PREFIXES) and k not in BOT_ENV_NAMES
    }
    return env | extra


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pkh_bot() -> list[str]:
    script = Path(sys.executable).parent / "pkh-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


async def wait_healthy(processes: Processes, process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited {process.returncode} before it was up:\n"
                    + processes.tail(process)
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url + "/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} not up within {START_TIMEOUT:.0f} s:\n{processes.tail(process)}")


# -- databases -------------------------------------------------------------------------------
@contextlib.contextmanager
def fresh_database(backend: str, postgres_url: str) -> Iterator[str]:
    """A new SQLite file, or PostgreSQL with its public schema dropped and made again (the
    database is created when missing). Not migrated: the floor migrates it here, the bot
    itself."""
    with tempfile.TemporaryDirectory(prefix="pkh-webhook-") as tmp:
        if backend == "sqlite":
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
            return
        _reset_postgres(postgres_url)
        yield postgres_url


def _reset_postgres(url: str) -> None:
    parsed = make_url(url)
    server = create_db_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                print(f"# creating the database {parsed.database}")
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        server.dispose()
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# -- the load --------------------------------------------------------------------------------
@dataclass
class Result:
    app: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    replies_out: float | None = None  # last request answered -> every outbox row sent
    client_cpu: float = 0.0  # CPU seconds of this process (generator and fake Twilio)
    server_cpu: float = 0.0  # CPU seconds of the server process
    database_cpu: float = 0.0  # CPU seconds of PostgreSQL's processes (none for SQLite)
    machine_idle: float = 0.0  # share of every core's time left idle while the requests ran
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def cpu(self, seconds: float) -> str:
        return f"{seconds / self.seconds:.0%}" if self.seconds else "-"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of a process and its live children (the workers of
    `pkh-bot run --workers N`), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return own + sum(cpu_seconds(int(child)) for child in children)


def postgres_cpu_seconds() -> dict[int, float]:
    """User and system CPU time so far of each live PostgreSQL process on this machine (its
    backends do the statements' work on the same two cores), by pid, from /proc (Linux).

    Each process's count includes its ended children's (`cutime`, `cstime`): the postmaster
    collects every backend that exits, so a connection the pool closed mid-run still counts."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if name.endswith("(postgres"):
            utime, stime, cutime, cstime = (int(v) for v in fields.split()[11:15])
            found[int(stat.parent.name)] = (utime + stime + cutime + cstime) / CLOCK_TICKS
    return found


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL's processes used since `before`. A backend that ended in between
    took its whole life into the postmaster's children's time, so the plain difference of the
    totals is what was used meanwhile (without the children's time, it read about 2% of a core
    where `top` showed 15-20%)."""
    return sum(postgres_cpu_seconds().values()) - sum(before.values())


def machine_times() -> tuple[int, int]:
    """Idle and total time of every core so far, in clock ticks, from /proc/stat (Linux)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return ticks[3] + ticks[4], sum(ticks[:8])  # idle and iowait; user .. steal


def idle_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    spent = after[1] - before[1]
    return (after[0] - before[0]) / spent if spent else 0.0


async def drive(
    base_url: str,
    senders: list[Sender],
    concurrency: int,
    fake: FakeTwilio | None,
    result: Result,
    server_pid: int | None = None,
) -> float:
    """Every sender's messages in order, `concurrency` senders at a time. With `fake`, each
    next message waits until a reply to the previous one reached the fake Twilio; without,
    until the webhook request returned. Returns when the last request was answered."""
    queue = [
        (
            sender,
            [prepared_post(base_url, PATH, body, headers) for body, headers in sender.requests],
        )
        for sender in reversed(senders)
    ]  # the requests as bytes, made before the clock starts
    last_end = 0.0

    async def worker(connection: Connection) -> None:
        nonlocal last_end
        while queue:
            sender, requests = queue.pop()
            for request in requests:
                seen = fake.to[sender.twilio_address] if fake is not None else 0
                started = time.perf_counter()
                answer = await asyncio.wait_for(connection.send(request), REQUEST_TIMEOUT)
                ended = time.perf_counter()
                if answer.status != 200:
                    raise RuntimeError(
                        f"{result.app}: webhook from {sender.address} answered "
                        f"{answer.status}: {answer.body[:300]!r}"
                    )
                result.latencies.append(ended - started)
                last_end = max(last_end, ended)
                if fake is not None:
                    await fake.wait_for(sender.twilio_address, seen + 1, REPLY_TIMEOUT)

    connections = [Connection(base_url) for _ in range(min(concurrency, len(senders)))]
    try:
        server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
        database_cpu = postgres_cpu_seconds()
        machine = machine_times()
        client_cpu = time.process_time()
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for connection in connections:
                group.create_task(worker(connection))
        result.client_cpu += time.process_time() - client_cpu
        if server_pid:
            result.server_cpu += cpu_seconds(server_pid) - server_cpu
        result.database_cpu += postgres_cpu_since(database_cpu)
        result.machine_idle = idle_share(machine, machine_times())
    finally:
        for connection in connections:
            await connection.close()
    result.requests += sum(len(s.requests) for s in senders)
    result.seconds += last_end - started
    return last_end


async def wait_outbox_sent(engine: Engine, what: str) -> None:
    """Until no outbox row is pending or being sent (polled without blocking the fake)."""
    query = select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))

    def unsent() -> int:
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)

    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (left := await asyncio.to_thread(unsent)) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: {left} outbox rows still unsent after {DRAIN_TIMEOUT} s")
        await asyncio.sleep(0.02)


# -- one backend -----------------------------------------------------------------------------
@dataclass
class Options:
    senders: int
    concurrency: int
    wait: str
    postgres_url: str
    logs: Path
    workers: int = 1  # `pkh-bot run --workers` (PostgreSQL)


async def run_floor(
    backend: str, opts: Options, processes: Processes, fake: FakeTwilio | None = None
) -> Result:
    """The floor; with `fake`, the floor of a bot that answers ("floor+send"): each reply is
    posted to the fake Twilio and its row marked sent (bench/floor_app.py)."""
    if fake is None:
        result = Result("floor", note="no dialog, no replies sent")
    else:
        result = Result("floor+send", note="no dialog; each reply sent, marked in batches")
    name = f"{result.app} on {backend}"
    with fresh_database(backend, opts.postgres_url) as url:
        print(f"# {name}: migrating {shown_url(url)} (storage.migrate.upgrade)")
        upgrade(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PUBLIC_BASE_URL": base}
        if fake is not None:
            env |= {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
                "TWILIO_API_BASE_URL": fake.url,
            }
        argv = [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--port", str(port)]
        process = processes.start(f"{result.app}-{backend}", env, argv)
        engine = create_db_engine(url)
        try:
            await wait_healthy(processes, process, base)
            signer = Signer(base)
            await drive(
                base,
                warm_up_senders(signer, opts.concurrency),
                opts.concurrency,
                None,
                Result("warm"),
            )
            if fake is not None:
                await wait_outbox_sent(engine, f"{name}, warm-up")
                fake.reset()
            places = generate(SUPERVISORS, PENDAMPING_EACH).places
            senders = plan_senders(signer, opts.senders, places)
            try:
                last_end = await drive(base, senders, opts.concurrency, None, result, process.pid)
                if fake is not None:
                    await wait_outbox_sent(engine, name)
            except Exception:
                print(processes.tail(process), file=sys.stderr)
                raise
            with engine.connect() as connection:
                inbound = connection.scalar(select(func.count()).select_from(InboundMessage))
                outbox = connection.scalar(select(func.count()).select_from(OutboxMessage))
            expected = result.requests + opts.concurrency
            if (inbound, outbox) != (expected, expected):
                raise RuntimeError(
                    f"{name}: {inbound} inbound and {outbox} outbox rows, "
                    f"expected {expected} of each"
                )
            if fake is not None:
                if fake.received != result.requests:
                    raise RuntimeError(
                        f"{name}: {fake.received} replies reached the fake Twilio, "
                        f"expected {result.requests}"
                    )
                result.replies_out = max(0.0, (fake.last_at or last_end) - last_end)
        finally:
            engine.dispose()
            processes.stop(process)
    return result


@dataclass
class Bot:
    process: subprocess.Popen[bytes]
    base: str  # http://127.0.0.1:PORT
    roster: Roster


async def start_bot(
    name: str, url: str, logs: Path, processes: Processes, fake: FakeTwilio, workers: int = 1
) -> Bot:
    """The generated roster imported, then `pkh-bot run` on a free port (in `workers`
    processes), configured only by the environment, sending to the fake Twilio; returns once
    it answers /healthz."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    roster = generate(SUPERVISORS, PENDAMPING_EACH)
    csv = logs / "roster.csv"
    csv.write_text(roster.csv)
    env = {
        "DATABASE_URL": url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": WHATSAPP_NUMBER,
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": base,
    }
    report = processes.run({"DATABASE_URL": url}, [*pkh_bot(), "roster", "import", str(csv)])
    print(f"  {report}")
    argv = [*pkh_bot(), "run", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers)] if workers > 1 else []
    process = processes.start(name, env, argv)
    try:
        await wait_healthy(processes, process, base)
    except BaseException:
        processes.stop(process)
        raise
    return Bot(process, base, roster)


async def run_bot(backend: str, opts: Options, processes: Processes, fake: FakeTwilio) -> Result:
    result = Result("pkh-bot")
    with fresh_database(backend, opts.postgres_url) as url:
        print(f"# pkh-bot on {backend}")
        name = f"pkh-bot-{backend}"
        bot = await start_bot(name, url, opts.logs, processes, fake, opts.workers)
        process, base, roster = bot.process, bot.base, bot.roster
        engine = create_db_engine(url)
        try:
            signer = Signer(base)
            wait_on = fake if opts.wait == "reply" else None
            await drive(
                base,
                warm_up_senders(signer, opts.concurrency),
                opts.concurrency,
                wait_on,
                Result("warm"),
            )
            await wait_outbox_sent(engine, "warm-up")
            fake.reset()
            senders = plan_senders(signer, opts.senders, roster.places)
            try:
                last_end = await drive(
                    base, senders, opts.concurrency, wait_on, result, process.pid
                )
                await wait_outbox_sent(engine, f"pkh-bot on {backend}")
            except Exception:
                print(processes.tail(process), file=sys.stderr)
                raise
            result.replies_out = max(0.0, (fake.last_at or last_end) - last_end)
            if process.poll() is not None:
                raise RuntimeError(
                    f"pkh-bot exited {process.returncode}:\n{processes.tail(process)}"
                )
            result.note = check_bot(engine, senders, fake, backend)
        finally:
            engine.dispose()
            processes.stop(process)
    return result


def check_bot(engine: Engine, senders: list[Sender], fake: FakeTwilio, backend: str) -> str:
    """Every complaint filed and every reply to the senders sent, else fail loudly."""
    wanted = {s.address for s in senders}
    with engine.connect() as connection:
        filed = set(connection.scalars(select(Complaint.reporter_address)))
        missing = sorted(wanted - filed)
        if missing:
            stuck = connection.execute(
                select(
                    ConversationState.address, ConversationState.flow, ConversationState.step
                ).where(ConversationState.address.in_(missing[:5]))
            ).all()
            raise RuntimeError(
                f"pkh-bot on {backend}: {len(missing)} of {len(wanted)} complaints not filed; "
                f"first ones (address, flow, step): {stuck}"
            )
        statuses = dict(
            connection.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.address.in_(wanted))
                .group_by(OutboxMessage.status)
            ).all()
        )
        others = dict(
            connection.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.address.not_in(wanted))
                .group_by(OutboxMessage.status)
            ).all()
        )
    replies = sum(statuses.values())
    if set(statuses) != {"sent"}:
        raise RuntimeError(f"pkh-bot on {backend}: replies to the senders by status: {statuses}")
    to_senders = sum(fake.to[s.twilio_address] for s in senders)
    if to_senders < replies:
        raise RuntimeError(
            f"pkh-bot on {backend}: {replies} replies marked sent, "
            f"{to_senders} reached the fake Twilio"
        )
    return (
        f"{len(wanted)} complaints filed; {replies} replies sent ({to_senders} Twilio messages); "
        f"other outbox rows (warm-up, staff alerts) by status: {others or '{}'}"
    )


# -- report ----------------------------------------------------------------------------------
HEAD = f"{'db':9}{'app':11}{'requests':>9}{'secs':>8}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
HEAD += f"{'replies out s':>15}{'srv CPU':>9}{'gen CPU':>9}{'db CPU':>8}{'idle':>6}"


def row(backend: str, r: Result) -> str:
    out = "-" if r.replies_out is None else f"{r.replies_out:.2f}"
    return (
        f"{backend:9}{r.app:11}{r.requests:>9,}{r.seconds:>8.2f}{r.rate:>8.0f}"
        f"{r.ms(50):>8.1f}{r.ms(99):>8.1f}{out:>15}"
        f"{r.cpu(r.server_cpu):>9}{r.cpu(r.client_cpu):>9}"
        f"{r.cpu(r.database_cpu) if backend == 'postgres' else '-':>8}{r.machine_idle:>6.0%}"
    )


def ratio_row(backend: str, bot: Result, floor: Result) -> str:
    """Throughput as a share of the floor's; latencies as multiples of the floor's."""
    label = "ratio" if floor.app == "floor" else "ratio+send"
    return (
        f"{backend:9}{label:11}{'':>9}{'':>8}{bot.rate / floor.rate:>7.0%} "
        f"{bot.ms(50) / floor.ms(50):>7.1f}x{bot.ms(99) / floor.ms(99):>7.1f}x{'-':>15}"
    )


async def bench(backends: list[str], opts: Options, processes: Processes) -> list[str]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await fake.start()
    print(f"# fake Twilio REST API at {fake.url} (in this process)")
    lines = []
    try:
        for backend in backends:
            floor = await run_floor(backend, opts, processes)
            answering = await run_floor(backend, opts, processes, fake)
            fake.reset()
            bot = await run_bot(backend, opts, processes, fake)
            lines += [row(backend, r) for r in (floor, answering, bot)]
            lines += [ratio_row(backend, bot, floor), ratio_row(backend, bot, answering)]
            lines.append(f"{'':9}{bot.note}")
            print("\n".join(lines[-6:]), flush=True)
    finally:
        await fake.stop()
    return lines


def run_stopping_servers(
    benchmark: Coroutine[Any, Any, list[str]], processes: Processes
) -> list[str]:
    """Run `benchmark`; on Ctrl-C or SIGTERM say so; stop every server it started, always."""
    try:
        return asyncio.run(benchmark)
    except (KeyboardInterrupt, SystemExit):
        print("\ninterrupted: stopping the servers this benchmark started", file=sys.stderr)
        raise
    finally:
        processes.stop_all()


def raise_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--senders", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--wait",
        choices=("request", "reply"),
        default="request",
        help="a sender's next message waits for the HTTP answer (default) or, for the bot, "
        "for the reply to reach the fake Twilio",
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SENDERS} senders")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument(
        "--workers", type=int, default=1, help="pkh-bot run --workers N (PostgreSQL only)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 256 or args.senders < 1:
        parser.error("--senders must be at least 1 and --concurrency within 1..256")
    if args.workers > 1 and args.db != "postgres":
        parser.error("--workers needs --db postgres")
    senders = QUICK_SENDERS if args.quick else args.senders
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    per_sender = len(complaint_texts(0, "", ""))
    with tempfile.TemporaryDirectory(prefix="pkh-webhook-logs-") as logs:
        opts = Options(
            senders, args.concurrency, args.wait, args.postgres_url, Path(logs), args.workers
        )
        processes = Processes(opts.logs)
        started = time.perf_counter()
        lines = run_stopping_servers(bench(backends, opts, processes), processes)
    print(
        f"\nwebhook load: {senders} senders x {per_sender} messages (a complaint each), "
        f"{args.concurrency} at a time; next message after the "
        f"{'reply reached the fake Twilio' if args.wait == 'reply' else 'HTTP answer'}"
        + (f"; pkh-bot run --workers {args.workers}" if args.workers > 1 else "")
    )
    print("floor+send: the floor that also sends each reply to the fake Twilio (one POST) and")
    print("marks it sent; ratio, ratio+send: pkh-bot's req/s as a share of each floor's,")
    print("p50/p99 as multiples of its;")
    print("CPU: of the server process, of this one (generator and fake Twilio) and of")
    print("PostgreSQL's processes while the requests ran, as a share of one core;")
    print(f"idle: the share of all {os.cpu_count()} cores' time no process used meanwhile")
    print(HEAD)
    print("-" * len(HEAD))
    print("\n".join(lines))
    print(f"\nwhole run {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
