"""Time-driven duties. Each finds due rows, acts, and marks them done in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from conversations.messages import Reply
from handlers.cases import closing, referrals
from handlers.cases.clock import flag_stale_cases
from handlers.cases.digest import CASE_DIGEST_KIND, case_digest
from handlers.complaints import conference_clock, sla
from handlers.consultation import reminders
from handlers.consultation.clock import run_ack_clocks
from handlers.core import outbox
from handlers.core.context import AppContext
from handlers.p2k2 import digest as p2k2_digest
from handlers.p2k2 import visits as field_visits
from handlers.reports.notice import send_monthly_notices
from handlers.supervision import clock
from storage.db import transaction
from storage.models import ConversationState

log = logging.getLogger(__name__)

Duty = Callable[[AppContext, datetime], int]
DomainDuty = Callable[[AppContext, Session, datetime], int]


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


def in_transaction(name: str, duty: DomainDuty) -> Duty:
    """A domain duty run in a transaction of its own: what it claims it marks in the same one."""

    def run(ctx: AppContext, now: datetime) -> int:
        with transaction(ctx.sessions) as session:
            return duty(ctx, session, now)

    run.__name__ = run.__qualname__ = name
    run.__doc__ = duty.__doc__
    return run


DUTIES: tuple[Duty, ...] = (
    expire_idle_conversations,
    in_transaction("consultation_ack_clocks", run_ack_clocks),
    in_transaction("stale_case_flags", flag_stale_cases),
    in_transaction("quiet_referral_reminders", referrals.remind_quiet_referrals),
    in_transaction("complaint_sla_clocks", sla.run_sla_clocks),
    in_transaction(
        "supervision_clock",
        # The case digest and consultation reminders travel through supervision's due-message
        # table.
        partial(
            clock.run_supervision_clock,
            other_digests={
                CASE_DIGEST_KIND: case_digest,
                reminders.CONSULT_SOON_KIND: reminders.soon_reminder,
                closing.FOLLOWUP_KIND: closing.followup_reminder,
                p2k2_digest.P2K2_DIGEST_KIND: p2k2_digest.p2k2_digest,
                field_visits.FIELD_VISIT_KIND: field_visits.visit_message,
                conference_clock.CONFERENCE_KIND: conference_clock.conference_message,
            },
        ),
    ),
    in_transaction("monthly_report_notice", send_monthly_notices),
)
