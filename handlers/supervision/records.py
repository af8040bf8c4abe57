"""After a supervision session: the supervisor's record, each pendamping's own confirmation of
attendance, follow-ups that become reminders; and the views: a supervisor's week and agreements,
a pendamping's next slot, the korkab's held-versus-planned figures, the Monday digest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from conversations.catalog import in_sentence
from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.calendar import local_clock
from handlers.core import audit, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.agreements import describe, manage_options, response_of
from handlers.supervision.states import (
    ACTIVE,
    AGREED,
    ATTEND_ACTION,
    CANCELLED,
    HELD,
    MANAGE_ACTION,
    NOT_HELD,
    PAUSED,
    RECORD_ACTION,
    SCHEDULE_ACTION,
    SCHEDULED,
    SKIPPED,
    agreed_people,
)
from storage.models import (
    ActionPrompt,
    Agreement,
    AgreementParticipant,
    Person,
    Role,
    ScheduledMessage,
    SupervisionSession,
)

FOLLOWUP_AT = time(8, 0)


def participant_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    row = turn.session.get(SupervisionSession, data.get("session_id"))
    if row is None:
        return []
    return [Option(str(p.id), p.name) for p in agreed_people(row.agreement)]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    t = turn.t
    if prompt.action == SCHEDULE_ACTION:
        flow = flows.PROPOSE if value == "baru" else flows.REQUEST
        return PromptResult([], flow, {})
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
    row.held, row.status, row.recorded_at = held, HELD if held else NOT_HELD, now
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
        text = t(
            "record.confirm_attendance",
            supervisor=supervisor.name,
            date=turn.local_date(row.starts_at, person),
            followup=row.followup or "-",
        )
        prompts.offer(
            turn.session,
            person,
            ATTEND_ACTION,
            row.id,
            text,
            options,
            turn.key(f"session:{row.id}:attendance:{person.id}"),
            now,
            turn.ctx.channels,
            kind="session_record",
        )
    if row.followup and row.followup_on:
        for person in [supervisor, *attendees]:
            zone = ZoneInfo(person.timezone)
            due_at = datetime.combine(row.followup_on, FOLLOWUP_AT, zone).astimezone(UTC)
            turn.session.add(
                ScheduledMessage(
                    key=f"followup:{row.id}:{person.id}",
                    person_id=person.id,
                    kind="followup",
                    due_at=due_at,
                    session_id=row.id,
                    payload={"text": row.followup},
                )
            )
    return [Reply(t("record.saved", count=len(attendees)))]


# -- views --------------------------------------------------------------------------------
def _week_bounds(turn: Turn, person: Person) -> tuple[datetime, datetime]:
    zone = ZoneInfo(person.timezone)
    today = turn.now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0), zone).astimezone(UTC)
    return start, start + timedelta(days=7)


def _session_line(turn: Turn, row: SupervisionSession, viewer: Person) -> str:
    t = turn.t
    people = ", ".join(p.name for p in agreed_people(row.agreement)) or "-"
    return t(
        "slot.session_line",
        date=turn.local_date(row.starts_at, viewer),
        time=local_clock(row.starts_at, viewer.timezone),
        kind=in_sentence(t(f"slot_kind.{row.agreement.kind}")),
        names=people,
        status=t(f"session_status.{row.status}"),
        holiday=t("slot.on_holiday", name=row.holiday_name) if row.holiday_name else "",
    )


def schedule_view(turn: Turn) -> list[Reply]:
    person = turn.staff
    if person.role == Role.SUPERVISOR:
        return _supervisor_view(turn, person)
    return _pendamping_view(turn, person)


def _supervisor_view(turn: Turn, supervisor: Person) -> list[Reply]:
    t, session = turn.t, turn.session
    start, end = _week_bounds(turn, supervisor)
    rows = session.scalars(
        select(SupervisionSession)
        .join(Agreement)
        .where(
            Agreement.supervisor_id == supervisor.id,
            SupervisionSession.starts_at >= start,
            SupervisionSession.starts_at < end,
            SupervisionSession.status != CANCELLED,
        )
        .order_by(SupervisionSession.starts_at)
    ).all()
    lines = [t("slot.week_header")]
    lines += [_session_line(turn, row, supervisor) for row in rows] or [t("slot.week_empty")]
    replies = [Reply("\n".join(lines))]
    agreements = session.scalars(
        select(Agreement)
        .where(
            Agreement.supervisor_id == supervisor.id,
            Agreement.status.in_((ACTIVE, PAUSED, "diusulkan")),
        )
        .order_by(Agreement.id)
    ).all()
    for agreement in agreements:
        names = ", ".join(
            f"{p.person.name} ({turn.t(f'participant_status.{p.status}')})"
            for p in agreement.participants
        )
        text = t(
            "slot.agreement_line",
            kind=t(f"slot_kind.{agreement.kind}"),
            slot=describe(agreement, t, supervisor),
            names=names,
            status=t(f"agreement_status.{agreement.status}"),
        )
        if agreement.status in (ACTIVE, PAUSED):
            replies.append(
                prompts.make_prompt(
                    session,
                    supervisor,
                    MANAGE_ACTION,
                    agreement.id,
                    text,
                    manage_options(agreement, t),
                    turn.now,
                )
            )
        else:
            replies.append(Reply(text))
    replies.append(
        prompts.make_prompt(
            session,
            supervisor,
            SCHEDULE_ACTION,
            0,
            t("slot.new_prompt"),
            [Option("baru", t("slot.opt_new_agreement"))],
            turn.now,
        )
    )
    return replies


def _pendamping_view(turn: Turn, person: Person) -> list[Reply]:
    t, session = turn.t, turn.session
    mine = select(AgreementParticipant.agreement_id).where(
        AgreementParticipant.person_id == person.id, AgreementParticipant.status == AGREED
    )
    upcoming = session.scalars(
        select(SupervisionSession)
        .where(
            SupervisionSession.agreement_id.in_(mine),
            SupervisionSession.status == SCHEDULED,
            SupervisionSession.starts_at > turn.now,
        )
        .order_by(SupervisionSession.starts_at)
        .limit(1)
    ).first()
    replies = [
        Reply(
            t("slot.next", line=_session_line(turn, upcoming, person))
            if upcoming
            else t("slot.next_none")
        )
    ]
    for agreement in session.scalars(
        select(Agreement).where(Agreement.id.in_(mine), Agreement.status.in_((ACTIVE, PAUSED)))
    ):
        text = t(
            "slot.agreement_line",
            kind=t(f"slot_kind.{agreement.kind}"),
            slot=describe(agreement, t, person),
            names=agreement.supervisor.name,
            status=t(f"agreement_status.{agreement.status}"),
        )
        replies.append(
            prompts.make_prompt(
                session,
                person,
                MANAGE_ACTION,
                agreement.id,
                text,
                manage_options(agreement, t),
                turn.now,
            )
        )
    replies.append(
        prompts.make_prompt(
            session,
            person,
            SCHEDULE_ACTION,
            0,
            t("slot.request_prompt"),
            [Option("minta", t("slot.opt_request"))],
            turn.now,
        )
    )
    return replies


def district_figures(turn: Turn) -> list[Reply]:
    """For a coordinator: sessions held against sessions planned, per supervisor in their
    scope (a korwil's and a desk admin's name the kabupaten too), last 30 days."""
    person, t, session = turn.staff, turn.t, turn.session
    since = turn.now - timedelta(days=30)
    supervisors = session.scalars(
        access.supervisors_in_scope(person).order_by(Person.kabupaten, Person.name)
    ).all()
    wide = person.role == Role.KORWIL or access.is_desk_admin(person)
    if not supervisors:
        return [Reply(t("slot.figures_none"))]
    lines = [t("slot.figures_header", days=30)]
    for supervisor in supervisors:
        counts = dict(
            session.execute(
                select(SupervisionSession.status, func.count())
                .join(Agreement)
                .where(
                    Agreement.supervisor_id == supervisor.id,
                    SupervisionSession.starts_at >= since,
                    SupervisionSession.starts_at <= turn.now,
                    SupervisionSession.status.not_in((CANCELLED, SKIPPED)),
                )
                .group_by(SupervisionSession.status)
            ).all()
        )
        planned = sum(counts.values())
        lines.append(
            t(
                "slot.figures_line",
                name=f"{supervisor.name} ({supervisor.kabupaten})" if wide else supervisor.name,
                held=counts.get(HELD, 0),
                planned=planned,
                unrecorded=counts.get(SCHEDULED, 0),
            )
        )
    return [Reply("\n".join(lines))]
