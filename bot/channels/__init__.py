"""Channel adapters: one module per messenger, each turning its updates into `Inbound` and
sending `Outgoing` rows. `configure` wires the ones the settings enable into a runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def configure(runtime: Runtime) -> list[str]:
    """Enable each channel whose credentials are set; return their names for the log."""
    enabled = ["web"]
    return enabled
