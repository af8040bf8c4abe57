"""Named pools of threads for blocking work awaited from the event loop, one pool per kind of
work, so that one kind never waits in another's queue.

Inbound messages used to be handled on the event loop's default executor (`asyncio.to_thread`),
with the dispatcher's claims and marks and a sender's recipient look-ups in the same queue:
under a burst of webhooks the replies left only after the burst was over. Now the runtime
handles inbound messages on its own pool (`bot.runtime.Runtime.run_inbound`) and sending's
database work runs on `OUTBOX_THREADS`: it waits for a CPU, never behind inbound messages.
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


class Threads:
    """`asyncio.to_thread`, on a pool of `size` threads of its own. Threads start on first use,
    so a process that forks its workers before any is used has none to lose."""

    def __init__(self, name: str, size: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)


# One per channel drained side by side (Telegram, WhatsApp, SMS, web): each claims and marks in
# turn.
OUTBOX_THREADS = Threads("outbox", 4)
