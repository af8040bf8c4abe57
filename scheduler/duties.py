"""Time-driven duties. Each finds due rows, acts, and marks them done in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from conversations.messages import Reply
from handlers import cases, complaint_handling, consultations, outbox
from handlers import supervision_clock as supervision_clock_module
from handlers.context import AppContext
from storage.db import transaction
from storage.models import ConversationState

log = logging.getLogger(__name__)

Duty = Callable[[AppContext, datetime], int]


def expire_idle_conversations(ctx: AppContext, now: datetime) -> int:
    """End flows idle for 30 minutes and tell the person; nothing half-written is kept."""
    try:
        with transaction(ctx.sessions) as session:
            rows = session.scalars(
                select(ConversationState)
                .where(ConversationState.flow.is_not(None), ConversationState.expires_at <= now)
                .order_by(ConversationState.id)
                .limit(500)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                key = f"expire:{row.id}:{row.updated_at.isoformat()}"
                reply = Reply(ctx.catalog("conv.expired"))
                outbox.enqueue(session, row.channel, row.address, reply, key, now, kind="expiry")
                row.flow = row.step = row.prompt_token = row.expires_at = None
                row.data = {}
            return len(rows)
    except StaleDataError:
        # The person wrote at this very moment; their message decides, the next tick retries.
        log.info("a conversation changed while expiring; will retry on the next tick")
        return 0


def consultation_ack_clocks(ctx: AppContext, now: datetime) -> int:
    """Remind supervisors of unanswered consultations, then escalate to the korkab."""
    with transaction(ctx.sessions) as session:
        return consultations.run_ack_clocks(ctx, session, now)


def stale_case_flags(ctx: AppContext, now: datetime) -> int:
    """Flag cases without an update for 14 days to their pendamping and supervisor."""
    with transaction(ctx.sessions) as session:
        return cases.flag_stale_cases(ctx, session, now)


def complaint_sla_clocks(ctx: AppContext, now: datetime) -> int:
    """Remind handlers of overdue complaints, then escalate to the korkab and the admins."""
    with transaction(ctx.sessions) as session:
        return complaint_handling.run_sla_clocks(ctx, session, now)


def supervision_clock(ctx: AppContext, now: datetime) -> int:
    """Plan the coming sessions of every agreement and send the reminders that are due."""
    with transaction(ctx.sessions) as session:
        return supervision_clock_module.run_supervision_clock(ctx, session, now)


DUTIES: tuple[Duty, ...] = (
    expire_idle_conversations,
    consultation_ack_clocks,
    stale_case_flags,
    complaint_sla_clocks,
    supervision_clock,
)
