"""After a supervision session: the supervisor's record of it (held or not, who attended, the
functions and topics, the attendees' cases and P2K2 reports discussed, notes, a follow-up that
becomes a reminder on its day), and each attending pendamping's own confirmation of attendance.
A case named in a record is no longer "perlu dibahas"; its history shows the session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.agenda import case_title
from handlers.supervision.planning import schedule_followups
from handlers.supervision.sessions import response_of
from handlers.supervision.states import ATTEND_ACTION, RECORD_ACTION, agreed_people
from storage.models import (
    ActionPrompt,
    Case,
    P2K2Report,
    Person,
    SessionItem,
    SupervisionSession,
)
from storage.vocabulary import CaseStatus, SessionStatus

RECENT_REPORTS = timedelta(days=30)  # P2K2 reports offered to name in a record
ITEM_CASES, ITEM_REPORTS = 15, 10  # at most, of each, offered to choose from


def participant_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    row = turn.session.get(SupervisionSession, data.get("session_id"))
    if row is None:
        return []
    return [Option(str(p.id), p.name) for p in agreed_people(row.agreement)]


def _attendees(turn: Turn, data: Mapping[str, Any]) -> list[Person]:
    """The attendees chosen so far whose work the supervisor may still discuss."""
    row = turn.session.get(SupervisionSession, data.get("session_id"))
    if row is None or row.agreement.supervisor_id != turn.staff.id:
        return []
    chosen = {int(i) for i in data.get("attendees") or []}
    return [
        p
        for p in agreed_people(row.agreement)
        if p.id in chosen and access.may_give_feedback(turn.staff, p)
    ]


def _open_cases(turn: Turn, people: list[Person]) -> list[Case]:
    query = select(Case).where(
        Case.pendamping_id.in_([p.id for p in people]), Case.status == CaseStatus.ACTIVE
    )
    order = (Case.needs_discussion.desc(), Case.last_update_at)
    return list(turn.session.scalars(query.order_by(*order).limit(ITEM_CASES)))


def _recent_reports(turn: Turn, people: list[Person]) -> list[P2K2Report]:
    since = turn.local_today() - RECENT_REPORTS
    query = select(P2K2Report).where(
        P2K2Report.pendamping_id.in_([p.id for p in people]), P2K2Report.held_on >= since
    )
    order = (P2K2Report.held_on.desc(), P2K2Report.id.desc())
    return list(turn.session.scalars(query.order_by(*order).limit(ITEM_REPORTS)))


def item_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """The attendees' open cases and their P2K2 reports of the last 30 days."""
    t, people = turn.t, _attendees(turn, data)
    if not people:
        return []
    options = [
        Option(
            f"{flows.CASE_ITEM}{case.id}",
            t("case_agenda.item_case", name=case.pendamping.name, case=case_title(case, t)),
        )
        for case in _open_cases(turn, people)
    ]
    options += [
        Option(
            f"{flows.REPORT_ITEM}{report.id}",
            t(
                "case_agenda.item_report",
                name=report.pendamping.name,
                group=report.group_name,
                session=report.session_no,
                date=report.held_on.strftime("%d-%m"),
            ),
        )
        for report in _recent_reports(turn, people)
    ]
    return options


def item_gate_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """ "Ya, pilih" / "Tidak ada"; only "Tidak ada" (taken without asking) when there is
    nothing to name."""
    none = Option(flows.NO, turn.t("case_agenda.discussed_none"))
    if not item_options(turn, data):
        return [none]
    return [Option(flows.YES, turn.t("case_agenda.discussed_yes")), none]


def _keep_items(
    turn: Turn, row: SupervisionSession, values: Sequence[str], attendees: list[Person]
) -> tuple[int, int]:
    """SessionItem rows for the cases and reports named (each checked again: an attendee's,
    and still theirs); a case named is no longer "perlu dibahas". How many of each."""
    ids, session = {p.id for p in attendees}, turn.session
    cases = reports = 0
    for value in dict.fromkeys(values):
        prefix, number = value[:1], value[1:]
        if not number.isdigit():
            continue
        if prefix == flows.CASE_ITEM:
            case = session.get(Case, int(number))
            if case is not None and case.pendamping_id in ids:
                session.add(SessionItem(session_id=row.id, case_id=case.id))
                case.needs_discussion = False
                cases += 1
        elif prefix == flows.REPORT_ITEM:
            report = session.get(P2K2Report, int(number))
            if report is not None and report.pendamping_id in ids:
                session.add(SessionItem(session_id=row.id, p2k2_report_id=report.id))
                reports += 1
    return cases, reports


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
    if not held:
        audit.record(
            turn.session, "session.recorded", "session", row.id, actor=supervisor, held=held
        )
        return [Reply(t("record.saved_not_held"))]
    attendees = [p for p in agreed_people(row.agreement) if p.id in row.attendee_ids["ids"]]
    discussable = [p for p in attendees if access.may_give_feedback(supervisor, p)]
    cases, reports = _keep_items(turn, row, list(data.get("items") or []), discussable)
    audit.record(
        turn.session,
        "session.recorded",
        "session",
        row.id,
        actor=supervisor,
        held=held,
        cases=cases,
        p2k2_reports=reports,
    )
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
