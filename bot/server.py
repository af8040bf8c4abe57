"""The uvicorn server `pkh-bot run` uses, in one process or in several on one port."""

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


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One listening socket per worker, all on the same port (SO_REUSEPORT), bound before any
    worker starts: the kernel spreads new connections over them.

    With one shared socket, the first worker to wake accepted every connection waiting
    (asyncio accepts in a loop), and a keep-alive connection stays with the worker that
    accepted it: under load one worker did nearly all the work and the other idled."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if port:
        # SO_REUSEPORT would also share the port with a server already on it (another
        # `pkh-bot run`, say): a plain bind fails then, as it does for one worker.
        socket.create_server((host, port), family=family).close()
    sockets = [socket.create_server((host, port), family=family, backlog=2048, reuse_port=True)]
    port = sockets[0].getsockname()[1]  # the same one for all, also when asked for port 0
    sockets += [
        socket.create_server((host, port), family=family, backlog=2048, reuse_port=True)
        for _ in range(count - 1)
    ]
    return sockets


def run_workers(sockets: list[socket.socket], serve: Callable[[socket.socket], int]) -> int:
    """Fork one process per socket that runs `serve(its socket)` (its own database pool, tick,
    dispatcher and web server) and wait for them.

    Each worker closes the other workers' sockets, and this process closes them all once the
    workers run: a socket only its own worker holds goes away with it, instead of queueing
    connections nobody accepts.

    SIGTERM or SIGINT here goes to every worker, which shuts down gracefully. A worker that
    ends on its own takes the others down (its exit code is returned), so the supervisor
    above (systemd, a container runtime) restarts the whole service in one known state."""
    workers: list[int] = []
    for own in sockets:
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 1
            try:
                for other in sockets:
                    if other is not own:
                        other.close()
                code = serve(own)
            except Exception:
                log.exception("worker %d failed", os.getpid())
            finally:
                os._exit(code)
        workers.append(pid)
    for sock in sockets:
        sock.close()
    count = len(workers)
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
