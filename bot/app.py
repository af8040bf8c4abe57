"""The FastAPI app: webhooks, the staff dashboard, simulator (local demo only), `/healthz`; the
lifespan runs the scheduler and the dispatcher."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI
from sqlalchemy import text

from bot import dashboard
from bot.channels import web
from bot.runtime import Runtime
from scheduler.tick import run_duties

log = logging.getLogger(__name__)


def build_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """APScheduler only drives the ticks; the due work itself lives in the database."""
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick() -> None:
        counts = await asyncio.to_thread(run_duties, runtime.ctx, runtime.ctx.clock())
        if any(counts.values()):
            log.info("tick: %s", counts)
        runtime.wake_dispatcher()

    scheduler.add_job(
        tick,
        IntervalTrigger(seconds=runtime.settings.PKH_TICK_SECONDS),
        id="duties",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=300,
    )
    return scheduler


def create_app(runtime: Runtime, run_background: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = build_scheduler(runtime) if run_background else None
        if run_background:
            await runtime.start_dispatcher()
            assert scheduler is not None
            scheduler.start()
        for start in runtime.on_start:
            await start()
        try:
            yield
        finally:
            for stop in reversed(runtime.on_stop):
                await stop()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            await runtime.stop_dispatcher()

    # No generated API pages or schema: they would list every dashboard route to anyone, and
    # every route here is either deliberately public or behind a staff session.
    app = FastAPI(
        title="pkh-bot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.runtime = runtime

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with runtime.db.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    # The channels' webhooks come first: routes are matched in order, and a burst of webhooks
    # should not be compared with every dashboard page before reaching its own.
    for router in runtime.routers:
        app.include_router(router)
    # The staff dashboard is always there: every page behind a session from a one-time link.
    dashboard.install(app)
    if runtime.simulator:
        # With a real channel configured the simulator does not exist: anyone could otherwise
        # talk as any rostered person, and read what the bot sent them.
        app.include_router(web.router)
    return app
