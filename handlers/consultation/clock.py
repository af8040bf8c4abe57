"""The acknowledgement clock of consultations, run by the tick: a waiting consultation whose next
stage (`requests.ESCALATION`) is due is reminded to the supervisor or escalated to the korkab
(or the backup supervisor), the pendamping is told, and the stage is marked done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from handlers.consultation.requests import ESCALATION, KIND, alert, facts
from handlers.core import audit
from handlers.core.context import AppContext
from handlers.core.messaging import Messenger
from handlers.people import access
from storage.models import Consultation
from storage.vocabulary import ConsultationStatus

BATCH = 200


def run_ack_clocks(ctx: AppContext, session: Session, now: datetime) -> int:
    """Remind or escalate every waiting consultation whose next stage is due; mark it done."""
    t = ctx.catalog
    due = session.scalars(
        select(Consultation)
        .where(
            Consultation.status == ConsultationStatus.WAITING,
            Consultation.next_escalation_at <= now,
        )
        # Both people every message names, with the claim (not one lazy load each per row).
        .options(joinedload(Consultation.supervisor), joinedload(Consultation.pendamping))
        .order_by(Consultation.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=Consultation)
    ).all()
    for c in due:
        stages = ESCALATION[c.urgency]
        stage = stages[c.escalation_stage]
        out = Messenger(session, ctx, now, f"consult:{c.id}:stage{c.escalation_stage}")
        supervisor = c.supervisor
        assert supervisor is not None, "only a consultation sent to a supervisor has a clock"
        said = facts(c, t, c.pendamping)
        above = access.consultation_escalation(session, c) if stage.to_korkab else []
        backup = access.backup_of(supervisor)
        if above:
            for person in above:
                if backup is not None and person.id == backup.id:
                    alert(out, person, c, "consult.escalated_to_backup")
                else:
                    out.tell(
                        person, "consult.escalated_to_korkab", kind=KIND, **facts(c, t, person)
                    )
            names = f" {t('conv.and')} ".join(
                t(
                    "consult.escalated_person",
                    name=p.name,
                    # The backup is a supervisor standing in, never called a coordinator.
                    role=t("consult.backup_role")
                    if backup is not None and p.id == backup.id
                    else t(f"role.{p.role}"),
                )
                for p in above
            )
            out.tell(c.pendamping, "consult.escalated_pendamping", kind=KIND, **said, to=names)
        else:
            alert(out, supervisor, c, "consult.reminder")
            out.tell(c.pendamping, "consult.reminded_pendamping", kind=KIND, **said)
        audit.record(
            session,
            "consultation.escalated",
            "consultation",
            c.id,
            stage=c.escalation_stage,
            to=[p.id for p in above],
        )
        c.escalation_stage += 1
        if c.escalation_stage < len(stages):
            c.next_escalation_at = stages[c.escalation_stage].delay(
                c.created_at, supervisor.timezone
            )
        else:
            c.next_escalation_at = None
    return len(due)
