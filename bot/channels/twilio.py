"""WhatsApp and SMS adapter through Twilio. Not built yet: see issue 4."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def configure(runtime: Runtime) -> None:
    raise NotImplementedError("the Twilio channels are not built yet")
