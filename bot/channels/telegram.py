"""Telegram adapter (python-telegram-bot 22). Not built yet: see issue 3."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def configure(runtime: Runtime) -> None:
    raise NotImplementedError("the Telegram channel is not built yet")
