"""`pkh-bot run` as a newcomer starts it: no credentials, an empty database, then a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_run_seeds_the_demo_roster_serves_the_simulator_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    script = Path(sys.executable).with_name("pkh-bot")
    process = subprocess.Popen(
        [str(script), "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(f"{base}/healthz", process)
        assert "simulator percakapan" in httpx.get(f"{base}/").text
        personas = httpx.get(f"{base}/sim/api/personas").json()["personas"]
        assert sorted(p["role"] for p in personas) == [
            "admin",
            "korkab",
            "korwil",
            "pendamping",
            "pendamping",
            "pendamping",
            "supervisor",
        ]
        sent = httpx.post(
            f"{base}/sim/api/send", json={"address": "0812-1000-0003", "text": "menu"}
        )
        assert sent.status_code == 200
        deadline = time.monotonic() + 10
        messages: list[dict[str, object]] = []
        while not messages and time.monotonic() < deadline:
            messages = httpx.get(
                f"{base}/sim/api/messages", params={"address": "+6281210000003"}
            ).json()["messages"]
            time.sleep(0.1)
        assert messages and str(messages[0]["text"]).startswith("Halo Sari")
    finally:
        process.send_signal(stop)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "seeded the demo roster" in output
    assert f"open the web simulator at http://127.0.0.1:{port}/" in output
    assert "Application shutdown complete" in output
