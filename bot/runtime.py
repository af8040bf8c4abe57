"""The process's long-lived parts: database, domain context, channel senders, dispatcher wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from fastapi import APIRouter
from sqlalchemy import Engine

from bot.channels.web import WebSender
from bot.logs import redact_secrets_in_logs
from bot.settings import Settings
from conversations.messages import Channel
from handlers.core import outbox
from handlers.core.context import AppContext
from scheduler.dispatcher import DispatchReport, drain
from scheduler.senders import Sender
from scheduler.threads import OUTBOX_THREADS, Threads
from storage.db import create_db_engine, make_session_factory, transaction

log = logging.getLogger(__name__)
DISPATCH_IDLE_SECONDS = 2.0
# Threads that handle inbound messages at once, in this process. The interpreter lock lets one
# process use about one core whatever the machine (more cores: `pkh-bot run --workers N`), so
# the threads only overlap each other's database waits; more of them take turns at the lock
# with the event loop, which also answers requests and sends the replies. On PostgreSQL, 300
# senders (bench/README.md): 6 threads (the default executor's, on 2 cores) answered 83
# requests/s but the last replies left 6.9 s after the last request; 4 threads 80/s and 1.1 s;
# 3 threads 70/s and 0.2 s.
INBOUND_THREADS = 4
P = ParamSpec("P")
T = TypeVar("T")


class Runtime:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        redact_secrets_in_logs(settings.secrets())
        self.settings = settings
        self.db = engine or create_db_engine(settings.DATABASE_URL)
        self.sessions = make_session_factory(self.db)
        # The web simulator is a channel only in the local demo, never beside a real one.
        self.simulator = settings.simulator_enabled
        self.senders: dict[str, Sender] = {Channel.WEB: WebSender()} if self.simulator else {}
        self.ctx = AppContext(
            self.sessions,
            default_tz=settings.PKH_DEFAULT_TZ,
            language=settings.PKH_LANGUAGE,
            channels=tuple(self.senders),
            on_outbox=self.wake_dispatcher,
            monthly_notice=settings.PKH_MONTHLY_NOTICE,
        )
        if settings.PUBLIC_BASE_URL:
            self.ctx.dashboard_base = settings.PUBLIC_BASE_URL.rstrip("/")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._inbound_threads = Threads("inbound", INBOUND_THREADS)
        # Channel adapters add their web routes and start/stop hooks here (see bot.channels).
        self.routers: list[APIRouter] = []
        self.on_start: list[Callable[[], Awaitable[None]]] = []
        self.on_stop: list[Callable[[], Awaitable[None]]] = []

    def add_sender(self, sender: Sender) -> None:
        self.senders[sender.channel] = sender
        self.ctx.channels = tuple(self.senders)

    async def run_inbound(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a webhook's or an update's work (`handle_inbound`, a status callback) off the
        event loop, on this runtime's inbound threads; a burst waits here for a thread."""
        return await self._inbound_threads.run(function, *args, **kwargs)

    # -- dispatcher ------------------------------------------------------------------------
    def wake_dispatcher(self) -> None:
        """Safe to call from any thread: new outbox rows are waiting.

        A wake-up already pending is not sent again: the dispatcher clears the event before it
        reads the outbox, so a round still to come sees rows committed before this call. Under
        load this spares one write to the event loop's self-pipe per message."""
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not wakeup.is_set():
            loop.call_soon_threadsafe(wakeup.set)

    async def start_dispatcher(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="outbox-dispatcher")

    async def stop_dispatcher(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        self._dispatcher = None

    async def dispatch_now(self) -> None:
        await self.dispatch(self.ctx.clock())

    async def dispatch(self, now: datetime) -> DispatchReport:
        """Fail the due rows no sender here can carry (they would wait for ever), then drain."""
        unsendable = await OUTBOX_THREADS.run(self._fail_unsendable, now)
        report = await drain(self.sessions, self.senders, now)
        report.failed += unsendable
        return report

    def _fail_unsendable(self, now: datetime) -> int:
        with transaction(self.sessions) as session:
            failed = outbox.fail_unsendable(session, tuple(self.senders), now)
        if failed:
            log.warning("%d outbox rows failed: their channel is not configured", failed)
        return failed

    async def _dispatch_forever(self) -> None:
        assert self._wakeup is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), DISPATCH_IDLE_SECONDS)
            self._wakeup.clear()
            try:
                await self.dispatch_now()
            except Exception:
                log.exception("dispatcher round failed; will try again")
