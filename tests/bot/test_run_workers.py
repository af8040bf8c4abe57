"""`pkh-bot run --workers N`: several processes on one port (a listening socket each, which the
kernel spreads connections over) and one PostgreSQL database, each webhook is stored once, and
a signal stops them all; configurations that cannot run in several processes, and a port
already taken, are refused before anything starts."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from bot.cli import _why_not_workers
from bot.server import listening_sockets
from bot.settings import Settings
from storage.models import ConversationState, InboundMessage
from tests.bot.test_run import free_port, wait_healthy

AUTH_TOKEN = "workers-auth-token"
SENDERS = 12


def start(database_url: str, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env |= {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 31 + "7",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "+6281100000001",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",  # nothing listens: replies wait to retry
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    script = Path(sys.executable).with_name("pkh-bot")
    return subprocess.Popen(
        [str(script), "run", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def post_webhook(base: str, number: int) -> int:
    params = {
        "From": f"whatsapp:+62857000{number:05d}",
        "To": "whatsapp:+6281100000001",
        "Body": "halo",
        "MessageSid": f"SM{number:032x}",
        "NumMedia": "0",
        "AccountSid": "AC" + "0" * 31 + "7",
    }
    url = f"{base}/webhooks/twilio"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    answer = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    return answer.status_code


def workers_of(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def listening_inodes(port: int) -> set[str]:
    """The inodes of the TCP sockets listening on `port` (state 0A in /proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def socket_inodes(pid: int) -> set[str]:
    """The inodes of the sockets `pid` holds. A descriptor closed between listing and reading
    it (the worker is serving: database connections come and go) is skipped."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[len("socket:[") : -1])
    return inodes


def test_two_workers_share_the_port_store_each_message_once_and_stop_together(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    port = free_port()
    process = start(database_url, port)
    if database_url.startswith("sqlite"):
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 2
        assert "--workers 2: several processes need PostgreSQL" in output
        return
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{base}/healthz", process)
        workers = workers_of(process.pid)
        assert len(workers) == 2
        # A listening socket each: neither worker can take every waiting connection.
        listening = listening_inodes(port)
        owned = [socket_inodes(pid) & listening for pid in workers]
        assert len(listening) == 2 and all(len(mine) == 1 for mine in owned)
        assert owned[0] != owned[1] and not socket_inodes(process.pid) & listening
        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(lambda n: post_webhook(base, n), range(SENDERS)))
            again = list(pool.map(lambda n: post_webhook(base, n), range(3)))  # redelivered
        assert codes == [200] * SENDERS and again == [200] * 3
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == SENDERS
            states = session.scalars(select(ConversationState.address)).all()
            assert sorted(states) == [f"+62857000{n:05d}" for n in range(SENDERS)]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert output.count("Application shutdown complete") == 2
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"DATABASE_URL": "sqlite:///pkh.db", "TWILIO_ACCOUNT_SID": "AC1",
          "TWILIO_AUTH_TOKEN": "t"}, "need PostgreSQL"),
        ({"DATABASE_URL": "postgresql+psycopg://db/pkh"}, "web simulator"),
        ({"DATABASE_URL": "postgresql+psycopg://db/pkh", "TELEGRAM_BOT_TOKEN": "1:x"},
         "TELEGRAM_WEBHOOK_URL"),
    ],
)  # fmt: skip
def test_what_cannot_run_in_several_processes_is_refused(
    settings: dict[str, str], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TWILIO_", "PKH_", "DATABASE_URL", "PUBLIC_BASE_URL")):
            monkeypatch.delenv(name)
    problem = _why_not_workers(Settings(**settings), 2)
    assert problem is not None and reason in problem
    assert _why_not_workers(Settings(**settings), 1) is None


def test_telegram_webhooks_and_twilio_may_run_in_several_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "TWILIO_", "PKH_", "DATABASE_URL", "PUBLIC_BASE_URL")):
            monkeypatch.delenv(name)
    settings = Settings(
        DATABASE_URL="postgresql+psycopg://db/pkh",
        TELEGRAM_BOT_TOKEN="1:x",
        TELEGRAM_WEBHOOK_URL="https://pkh.example.id/webhooks/telegram",
    )
    assert _why_not_workers(settings, 3) is None
    assert _why_not_workers(settings, 0) == "must be at least 1"


def test_the_kernel_spreads_connections_over_the_workers_sockets() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 3)
    port = sockets[0].getsockname()[1]
    clients = []
    try:
        assert {sock.getsockname()[1] for sock in sockets} == {port}
        for _ in range(64):  # each new connection is hashed to one of the three
            clients.append(socket.create_connection(("127.0.0.1", port)))
        accepted = []
        for sock in sockets:
            sock.setblocking(False)
            count = 0
            while True:
                try:
                    connection, _ = sock.accept()
                except BlockingIOError:
                    break
                connection.close()
                count += 1
            accepted.append(count)
        assert sum(accepted) == 64 and min(accepted) > 0, accepted
    finally:
        for sock in [*sockets, *clients]:
            sock.close()


def test_a_port_already_taken_is_refused_also_by_a_server_on_several_sockets() -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", port, 2)
    finally:
        taken.close()
    workers = listening_sockets("127.0.0.1", port, 2)  # free again: now another one comes
    try:
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", port, 2)
    finally:
        for sock in workers:
            sock.close()
