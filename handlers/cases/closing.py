"""Closing a case (terminasi): the pendamping proposes it (outcome, a short reason, an optional
follow-up day), the pendamping's current supervisor agrees ("Setujui") or not yet ("Belum,
bahas dulu", with an optional short reason). Agreed, the case is closed in stage terminasi; a
follow-up day (bimbingan dan pembinaan lanjut, seed 004 F) reminds the pendamping at 08:00 that
day through the supervision clock's due-message table, built only if the case is still closed
with that day. Who may decide is asked of the policy again at every press.

The reason and notes are masked free text; the audit keeps ids and the outcome only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.flows import case_closing as flow
from conversations.messages import Option, Reply
from handlers.cases.views import case_label
from handlers.core import audit, due_messages, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Case, Person, ScheduledMessage
from storage.vocabulary import CaseStage, CaseStatus, ScheduledKind

DECIDE_ACTION = "case.closure"  # entity: the case; value: agree / not yet
AGREE, NOT_YET = "setujui", "belum"
FOLLOWUP_KIND = ScheduledKind.CASE_FOLLOWUP
FOLLOWUP_AT = time(8, 0)  # local time on the follow-up day


def _refused(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("case_lifecycle.not_yours"))]


def _outcome(turn: Turn, case: Case) -> str:
    return turn.t(f"case_lifecycle.outcome.{case.closure_outcome}")


def _followup(turn: Turn, case: Case) -> str:
    return turn.local_date_of(case.followup_on) if case.followup_on else "-"


def record_proposal(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the proposal on the case and ask the pendamping's supervisor to agree."""
    person, t = turn.staff, turn.t
    case = turn.session.get(Case, int(data["case_id"]))
    if (
        case is None
        or not access.handles_case_of(person, case.pendamping)
        or case.status != CaseStatus.ACTIVE
        or case.closure_proposed_at is not None
    ):
        return _refused(turn)
    supervisor = access.supervisor_of(person)
    if supervisor is None or not access.is_current_supervisor_of(supervisor, person):
        return [Reply(t("case_lifecycle.closing_nobody"))]
    followup = data.get("followup_on")
    case.closure_outcome = data["outcome"]
    case.closure_note = data["note"]
    case.followup_on = date.fromisoformat(followup) if followup else None
    case.closure_proposed_at = turn.now
    turn.out.ask(
        supervisor,
        "case_lifecycle.closing_to_supervisor",
        [
            Option(AGREE, t("case_lifecycle.opt_agree")),
            Option(NOT_YET, t("case_lifecycle.opt_not_yet")),
        ],
        DECIDE_ACTION,
        case.id,
        kind="case_closing",
        name=person.name,
        label=case_label(case, t),
        outcome=_outcome(turn, case),
        note=case.closure_note,
        followup=_followup(turn, case),
    )
    audit.record(
        turn.session,
        "case.closure_proposed",
        "case",
        case.id,
        actor=person,
        outcome=case.closure_outcome,
        followup=case.followup_on is not None,
    )
    return [Reply(t("case_lifecycle.closing_sent", name=supervisor.name))]


def _pending(turn: Turn, case_id: int, since: datetime | None) -> Case | None:
    """The case, if its closure is still proposed (the same proposal the button was sent
    with, when `since` says when it was sent) and the reader decides for its pendamping."""
    case = turn.session.get(Case, case_id)
    if case is None or case.status != CaseStatus.ACTIVE or case.closure_proposed_at is None:
        return None
    if since is not None and since < case.closure_proposed_at:
        return None  # a button from an earlier proposal, since withdrawn
    if not access.is_current_supervisor_of(turn.staff, case.pendamping):
        return None
    return case


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Setujui closes the case now; Belum asks for an optional short reason first."""
    case = _pending(turn, prompt.entity_id, prompt.created_at)
    if case is None:
        return PromptResult([Reply(turn.t("case_lifecycle.closing_stale"))])
    if value == AGREE:
        return PromptResult(_close(turn, case))
    data = {
        "case_id": case.id,
        "proposed_at": case.closure_proposed_at.isoformat(),
        "label": case_label(case, turn.t),
        "name": case.pendamping.name,
    }
    return PromptResult([], flow.DECLINE, data)


def _close(turn: Turn, case: Case) -> list[Reply]:
    now, t = turn.now, turn.t
    case.status, case.closed_at, case.closed_by_id = CaseStatus.CLOSED, now, turn.staff.id
    if case.stage != CaseStage.TERMINATION:
        case.stage, case.stage_since = CaseStage.TERMINATION, now
    case.last_update_at = now  # a closed case's last update is its closing (the views count so)
    prompts.close_prompts(turn.session, DECIDE_ACTION, case.id, now)
    pendamping = case.pendamping
    if case.followup_on is not None:
        plan_followup(turn.session, pendamping, case.followup_on)
    key = "case_lifecycle.closed_followup" if case.followup_on else "case_lifecycle.closed"
    turn.out.tell(
        pendamping,
        key,
        kind="case_closing",
        name=turn.staff.name,
        label=case_label(case, t),
        outcome=_outcome(turn, case),
        followup=_followup(turn, case),
    )
    audit.record(
        turn.session,
        "case.closed",
        "case",
        case.id,
        actor=turn.staff,
        outcome=case.closure_outcome,
    )
    return [Reply(t("case_lifecycle.closed_done", name=pendamping.name))]


def record_decline(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Not yet: the proposal is withdrawn and the pendamping told, with the reason if given."""
    since = datetime.fromisoformat(str(data["proposed_at"]))
    case = _pending(turn, int(data["case_id"]), None)
    if case is None or case.closure_proposed_at != since:
        return [Reply(turn.t("case_lifecycle.closing_stale"))]
    t, reason = turn.t, data.get("reason")
    outcome = _outcome(turn, case)
    case.closure_outcome = case.closure_note = case.closure_proposed_at = None
    case.followup_on = None
    prompts.close_prompts(turn.session, DECIDE_ACTION, case.id, turn.now)
    turn.out.tell(
        case.pendamping,
        "case_lifecycle.not_yet_reason" if reason else "case_lifecycle.not_yet",
        kind="case_closing",
        name=turn.staff.name,
        label=case_label(case, t),
        outcome=outcome,
        reason=reason or "",
    )
    audit.record(
        turn.session,
        "case.closure_not_yet",
        "case",
        case.id,
        actor=turn.staff,
        chars=len(reason or ""),
    )
    return [Reply(t("case_lifecycle.not_yet_done", name=case.pendamping.name))]


def _due(pendamping: Person, day: date) -> datetime:
    return datetime.combine(day, FOLLOWUP_AT, tzinfo=ZoneInfo(pendamping.timezone))


def plan_followup(session: Session, pendamping: Person, day: date) -> None:
    """One due row per pendamping and day (it names every case due that day)."""
    key = f"case_followup:{pendamping.id}:{day.isoformat()}"
    payload = {"day": day.isoformat()}
    due_messages.plan_once(session, key, pendamping, FOLLOWUP_KIND, _due(pendamping, day), payload)


def followup_reminder(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The follow-up reminder due now, or None when no case is still closed with that day."""
    person = row.person
    day = date.fromisoformat(str(row.payload["day"]))
    rows = session.scalars(
        select(Case)
        .where(
            Case.pendamping_id == person.id,
            Case.status == CaseStatus.CLOSED,
            Case.followup_on == day,
        )
        .order_by(Case.id)
    ).all()
    if not rows or not person.active:
        return None
    t = ctx.catalog
    labels = "\n".join(f"- {case_label(case, t)}" for case in rows)
    return Reply(t("case_lifecycle.followup_due", name=person.first_name, cases=labels))
