"""One supervision session's life after it is planned: answers to its reminder (attending,
another time, absent), a reschedule asked for and answered or countered, the session moved, and
the supervisor's choice for a session that falls on a public holiday."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.calendar import at_local, local_clock, parse_clock
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.supervision.planning import cancel_session, next_working_start, plan_reminders
from handlers.supervision.states import (
    HOLIDAY_ACTION,
    MESSAGE_KIND,
    MOVED_ACTION,
    REMINDER_ACTION,
    RESCHEDULE_ACTION,
    agreed_people,
    route_answer,
)
from storage.models import ActionPrompt, Person, SessionResponse, SupervisionSession
from storage.vocabulary import ParticipantStatus, SessionStatus

# A reminder can still be answered a little after the session began.
REMINDER_GRACE = timedelta(hours=2)


def response_of(turn: Turn, session: SupervisionSession, person: Person) -> SessionResponse:
    row = next((r for r in session.responses if r.person_id == person.id), None)
    if row is None:
        row = SessionResponse(session_id=session.id, person_id=person.id)
        turn.session.add(row)
        session.responses.append(row)
    return row


def answer_reminder(turn: Turn, session: SupervisionSession, value: str) -> PromptResult:
    person, t = turn.staff, turn.t
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= turn.now - REMINDER_GRACE:
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == "ulang":
        return PromptResult([], flows.RESCHEDULE, {"session_id": session.id})
    if value == "tidak":
        return PromptResult([], flows.ABSENCE, {"session_id": session.id})
    response = response_of(turn, session, person)
    response.response, response.responded_at = "hadir", turn.now
    return PromptResult([Reply(t("slot.attending_thanks"))])


def record_absence(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, t = turn.staff, turn.t
    session = turn.session.get(SupervisionSession, data["session_id"])
    if session is None or session.status != SessionStatus.SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    response = response_of(turn, session, person)
    response.response, response.reason, response.responded_at = (
        "tidak_hadir",
        data["reason"],
        turn.now,
    )
    supervisor = session.agreement.supervisor
    turn.out.tell(
        supervisor,
        "slot.absence_to_supervisor",
        kind=MESSAGE_KIND,
        name=person.name,
        date=turn.local_date(session.starts_at, supervisor),
        reason=data["reason"],
    )
    audit.record(turn.session, "session.absence", "session", session.id, actor=person)
    return [Reply(t("slot.absence_sent", supervisor=supervisor.name))]


def _new_start(session: SupervisionSession, data: Mapping[str, Any]) -> datetime:
    return at_local(
        date.fromisoformat(data["new_date"]), parse_clock(data["time"]), session.agreement.timezone
    )


def _at(turn: Turn, moment: datetime, person: Person) -> str:
    return f"{turn.local_date(moment, person)} {local_clock(moment, person.timezone)}"


def request_reschedule(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, t = turn.staff, turn.t
    session = turn.session.get(SupervisionSession, data["session_id"])
    if session is None or session.status != SessionStatus.SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    response = response_of(turn, session, person)
    response.response, response.responded_at = "jadwal_ulang", turn.now
    proposed = _new_start(session, data)
    response.reason = proposed.isoformat()
    supervisor = session.agreement.supervisor
    options = [
        Option("terima", t("slot.opt_accept_counter")),
        Option(ParticipantStatus.COUNTERED, t("slot.opt_counter")),
        Option("tetap", t("slot.opt_keep")),
    ]
    turn.out.ask(
        supervisor,
        "slot.reschedule_to_supervisor",
        options,
        RESCHEDULE_ACTION,
        response.id or 0,
        kind=MESSAGE_KIND,
        name=person.name,
        old=_at(turn, session.starts_at, supervisor),
        new=_at(turn, proposed, supervisor),
    )
    audit.record(turn.session, "session.reschedule_requested", "session", session.id, actor=person)
    return [Reply(t("slot.reschedule_sent", supervisor=supervisor.name))]


def move_session(turn: Turn, session: SupervisionSession, start: datetime, reason: str) -> None:
    """Move one session; its reminders follow it, and everyone else taking part is told."""
    duration = session.ends_at - session.starts_at
    session.starts_at, session.ends_at = start, start + duration
    plan_reminders(turn.ctx, turn.session, session, turn.now)
    audit.record(
        turn.session, "session.moved", "session", session.id, actor=turn.person, reason=reason
    )
    for person in [session.agreement.supervisor, *agreed_people(session.agreement)]:
        if turn.person is None or person.id != turn.staff.id:
            turn.out.tell(
                person,
                "slot.session_moved",
                kind=MESSAGE_KIND,
                date=turn.local_date(start, person),
                time=local_clock(start, person.timezone),
            )


def answer_reschedule(turn: Turn, response: SessionResponse, value: str) -> PromptResult:
    t = turn.t
    session = turn.session.get(SupervisionSession, response.session_id)
    if (
        session is None
        or turn.person is None
        or turn.staff.id != session.agreement.supervisor_id
        or session.status != SessionStatus.SCHEDULED
        or response.response != "jadwal_ulang"
        or not response.reason
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == ParticipantStatus.COUNTERED:
        return PromptResult(
            [], flows.COUNTER_RESCHEDULE, {"session_id": session.id, "response_id": response.id}
        )
    response.response = "hadir" if value == "terima" else None
    if value == "terima":
        move_session(turn, session, datetime.fromisoformat(response.reason), "requested")
        return PromptResult([Reply(t("slot.moved_self"))])
    turn.out.tell(
        response.person,
        "slot.reschedule_kept",
        kind=MESSAGE_KIND,
        date=turn.local_date(session.starts_at, response.person),
        time=local_clock(session.starts_at, response.person.timezone),
    )
    return PromptResult([Reply(t("slot.kept_self"))])


def counter_reschedule(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    t = turn.t
    session = turn.session.get(SupervisionSession, data["session_id"])
    response = turn.session.get(SessionResponse, data["response_id"])
    if session is None or response is None or session.status != SessionStatus.SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    proposed = _new_start(session, data)
    response.reason = proposed.isoformat()
    person = response.person
    options = [
        Option(ParticipantStatus.AGREED, t("slot.opt_agree")),
        Option("tolak", t("slot.opt_decline")),
    ]
    turn.out.ask(
        person,
        "slot.counter_reschedule",
        options,
        MOVED_ACTION,
        response.id,
        kind=MESSAGE_KIND,
        supervisor=session.agreement.supervisor.name,
        new=_at(turn, proposed, person),
    )
    return [Reply(t("slot.counter_sent", supervisor=person.name))]


def answer_moved(turn: Turn, response: SessionResponse, value: str) -> PromptResult:
    t = turn.t
    session = turn.session.get(SupervisionSession, response.session_id)
    if (
        session is None
        or session.status != SessionStatus.SCHEDULED
        or turn.person is None
        or (turn.staff.id != response.person_id or not response.reason)
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == ParticipantStatus.AGREED:
        response.response = "hadir"
        move_session(turn, session, datetime.fromisoformat(response.reason), "countered")
        return PromptResult([Reply(t("slot.moved_self"))])
    turn.out.tell(
        session.agreement.supervisor,
        "slot.counter_refused",
        kind=MESSAGE_KIND,
        name=turn.person.name,
    )
    return PromptResult([Reply(t("slot.declined_self"))])


def answer_holiday(turn: Turn, session: SupervisionSession, value: str) -> PromptResult:
    t = turn.t
    if (
        turn.person is None
        or turn.staff.id != session.agreement.supervisor_id
        or session.status != SessionStatus.SCHEDULED
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == "geser":
        move_session(turn, session, next_working_start(session), "holiday")
        return PromptResult([Reply(t("slot.moved_self"))])
    if value == "lewati":
        cancel_session(turn.session, session, SessionStatus.SKIPPED, turn.now)
        for person in agreed_people(session.agreement):
            turn.out.tell(
                person,
                "slot.session_skipped",
                kind=MESSAGE_KIND,
                date=turn.local_date(session.starts_at, person),
                holiday=session.holiday_name or "",
            )
        return PromptResult([Reply(t("slot.skipped_self"))])
    return PromptResult([Reply(t("slot.kept_self"))])


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Route an answer about one session to its record; anything gone is answered as stale."""
    handlers = {
        REMINDER_ACTION: (SupervisionSession, answer_reminder),
        HOLIDAY_ACTION: (SupervisionSession, answer_holiday),
        RESCHEDULE_ACTION: (SessionResponse, answer_reschedule),
        MOVED_ACTION: (SessionResponse, answer_moved),
    }
    return route_answer(turn, prompt, value, handlers)
