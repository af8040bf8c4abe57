"""The uvicorn server `pkh-bot run` uses."""

from __future__ import annotations

from types import FrameType

import uvicorn


class GracefulServer(uvicorn.Server):
    """On SIGINT/SIGTERM: shut down gracefully (lifespan, scheduler, channels), then exit 0.

    Stock uvicorn raises the signal again after its shutdown, so the process would end "killed
    by SIGTERM" even though nothing was cut short."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()
