"""The tick runs every duty once; a failing duty does not keep the others from running."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from handlers.core.context import AppContext
from scheduler import duties, tick


def test_a_failing_duty_is_reported_and_the_others_still_run(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []

    def broken(_ctx: AppContext, _session: Session, _now: datetime) -> int:
        raise RuntimeError("boom")

    def working(_ctx: AppContext, _session: Session, _now: datetime) -> int:
        ran.append("working")
        return 3

    monkeypatch.setattr(
        duties,
        "DUTIES",
        (duties.in_transaction("broken", broken), duties.in_transaction("working", working)),
    )
    monkeypatch.setattr(tick, "DUTIES", duties.DUTIES)
    assert tick.run_duties(ctx, ctx.clock()) == {"broken": -1, "working": 3}
    assert ran == ["working"]


def test_every_duty_has_a_name_for_the_report(ctx: AppContext) -> None:
    report = tick.run_duties(ctx, ctx.clock())
    assert list(report) == [
        "expire_idle_conversations",
        "consultation_ack_clocks",
        "stale_case_flags",
        "quiet_referral_reminders",
        "complaint_sla_clocks",
        "supervision_clock",
        "monthly_report_notice",
    ]
    assert all(count >= 0 for count in report.values())
