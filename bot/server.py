"""The uvicorn server `pkh-bot run` uses, in one process or in several sharing one socket."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType

import uvicorn

log = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    """On SIGINT/SIGTERM: shut down gracefully (lifespan, scheduler, channels), then exit 0.

    Stock uvicorn raises the signal again after its shutdown, so the process would end "killed
    by SIGTERM" even though nothing was cut short."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound and listening before the workers start, so they all accept on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock


def run_workers(count: int, serve: Callable[[], int]) -> int:
    """Fork `count` processes that each run `serve()` (its own database pool, tick, dispatcher
    and web server on the inherited socket) and wait for them.

    SIGTERM or SIGINT here goes to every worker, which shuts down gracefully. A worker that
    ends on its own takes the others down (its exit code is returned), so the supervisor
    above (systemd, a container runtime) restarts the whole service in one known state."""
    workers: list[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 1
            try:
                code = serve()
            except Exception:
                log.exception("worker %d failed", os.getpid())
            finally:
                os._exit(code)
        workers.append(pid)
    log.info("%d workers started: %s", count, ", ".join(map(str, workers)))

    def forward(sig: int, _frame: FrameType | None) -> None:
        # Always SIGTERM: a Ctrl-C reaches the workers too, and a second SIGINT would make
        # uvicorn skip its graceful shutdown.
        for pid in workers:
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = 0
    while workers:
        pid, status = os.wait()
        if pid not in workers:
            continue
        workers.remove(pid)
        ended = os.waitstatus_to_exitcode(status)
        if ended != 0 and code == 0:
            log.error("worker %d ended with %d: stopping the others", pid, ended)
            code = ended if ended > 0 else 1
            forward(signal.SIGTERM, None)
    return code


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has already ended
        os.kill(pid, sig)
