"""One tick: every time-driven duty once as of `now`, then the outbox. Safe to run twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers.core.context import AppContext
from scheduler.dispatcher import DispatchReport, drain
from scheduler.duties import DUTIES
from scheduler.senders import Sender

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    duties: dict[str, int] = field(default_factory=dict)
    dispatch: DispatchReport = field(default_factory=DispatchReport)

    def summary(self) -> str:
        done = ", ".join(f"{name}={count}" for name, count in self.duties.items())
        d = self.dispatch
        return f"duties: {done}; outbox: sent {d.sent}, retried {d.retried}, failed {d.failed}"


def run_duties(ctx: AppContext, now: datetime) -> dict[str, int]:
    """Each duty once; one that fails (-1 in the report) does not keep the others from running."""
    done: dict[str, int] = {}
    for duty in DUTIES:
        try:
            done[duty.__name__] = duty(ctx, now)
        except Exception:
            log.exception("duty %s failed; it will run again on the next tick", duty.__name__)
            done[duty.__name__] = -1
    return done


async def run_tick(ctx: AppContext, senders: Mapping[str, Sender], now: datetime) -> TickReport:
    duties = await asyncio.to_thread(run_duties, ctx, now)
    return TickReport(duties, await drain(ctx.sessions, senders, now))
