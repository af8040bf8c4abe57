"""After a supervision session: the supervisor's record of it (held or not, who attended, the
functions and topics, notes, a follow-up that becomes a reminder on its day), and each
attending pendamping's own confirmation of attendance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.supervision.planning import schedule_followups
from handlers.supervision.sessions import response_of
from handlers.supervision.states import ATTEND_ACTION, RECORD_ACTION, agreed_people
from storage.models import ActionPrompt, SupervisionSession
from storage.vocabulary import SessionStatus


def participant_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    row = turn.session.get(SupervisionSession, data.get("session_id"))
    if row is None:
        return []
    return [Option(str(p.id), p.name) for p in agreed_people(row.agreement)]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """The supervisor's "record now", or a participant's confirmation of attendance."""
    t = turn.t
    row = turn.session.get(SupervisionSession, prompt.entity_id)
    person = turn.person
    if row is None or person is None:
        return PromptResult([Reply(t("slot.session_stale"))])
    if prompt.action == RECORD_ACTION:
        if person.id != row.agreement.supervisor_id or row.recorded_at is not None:
            return PromptResult([Reply(t("record.already"))])
        return PromptResult([], flows.RECORD, {"session_id": row.id})
    if prompt.action == ATTEND_ACTION:
        response = response_of(turn, row, person)
        response.attended = value == "hadir"
        audit.record(
            turn.session,
            "session.attendance_confirmed",
            "session",
            row.id,
            actor=person,
            attended=response.attended,
        )
        return PromptResult([Reply(t("record.attendance_thanks"))])
    return PromptResult([Reply(t("slot.stale"))])


def record_session(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    supervisor, t, now = turn.person, turn.t, turn.now
    row = turn.session.get(SupervisionSession, data["session_id"])
    if (
        row is None
        or supervisor is None
        or supervisor.id != row.agreement.supervisor_id
        or (row.recorded_at is not None)
    ):
        return [Reply(t("record.already"))]
    held = data["held"] == flows.YES
    row.held, row.recorded_at = held, now
    row.status = SessionStatus.HELD if held else SessionStatus.NOT_HELD
    row.notes = data["notes"]
    if held:
        row.attendee_ids = {"ids": [int(i) for i in data.get("attendees") or []]}
        row.functions = {"items": list(data.get("functions") or [])}
        row.topics = {"items": list(data.get("topics") or [])}
        row.followup = data.get("followup")
        due = data.get("followup_on")
        row.followup_on = date.fromisoformat(due) if due else None
    audit.record(turn.session, "session.recorded", "session", row.id, actor=supervisor, held=held)
    if not held:
        return [Reply(t("record.saved_not_held"))]
    attendees = [p for p in agreed_people(row.agreement) if p.id in row.attendee_ids["ids"]]
    options = [Option("hadir", t("record.opt_attended")), Option("tidak", t("record.opt_absent"))]
    for person in attendees:
        turn.out.ask(
            person,
            "record.confirm_attendance",
            options,
            ATTEND_ACTION,
            row.id,
            kind="session_record",
            supervisor=supervisor.name,
            date=turn.local_date(row.starts_at, person),
            followup=row.followup or "-",
        )
    if row.followup and row.followup_on:
        schedule_followups(
            turn.session, row, [supervisor, *attendees], row.followup_on, row.followup
        )
    return [Reply(t("record.saved", count=len(attendees)))]
