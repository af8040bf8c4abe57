"""Threads of their own for the database work of sending.

Inbound messages are handled on the event loop's default executor (`asyncio.to_thread`), whose
few threads a burst of webhooks keeps busy with a queue of dialogs behind them. The
dispatcher's claims and marks, and a sender's recipient look-ups, used to wait in that queue:
under load the replies left only after the burst was over. Here they wait for a CPU, never
behind inbound messages.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# One per channel drained side by side (Telegram, WhatsApp, SMS, web): each claims and marks in
# turn. Threads start on first use, so a process that forks its workers first has none to lose.
_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbox")


async def in_outbox_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`asyncio.to_thread`, on the outbox's threads."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_THREADS, call)
