"""Channel adapters: one module per messenger, each turning its updates into `Inbound` and
sending `Outgoing` rows. `configure` wires the ones the settings enable into a runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.messages import Channel

if TYPE_CHECKING:
    from bot.runtime import Runtime


def configure(runtime: Runtime) -> list[str]:
    """Enable each channel whose credentials are set; return the enabled channels' names."""
    if runtime.settings.telegram_enabled:
        from bot.channels import telegram

        telegram.configure(runtime)
    from bot.channels import twilio

    if runtime.settings.twilio_enabled:
        twilio.configure(runtime)
    else:
        twilio.configure_disabled(runtime)
    return [channel for channel in Channel.ALL if channel in runtime.senders]
