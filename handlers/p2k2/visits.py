"""Joint field visits (pengamatan bersama ke lapangan, seed 000): the supervisor schedules
joining a pendamping's P2K2 session. The pendamping is told and answers "Siap" or proposes
another time; both are reminded the day before at 16:00 and an hour before; afterwards the
supervisor is asked to record it (held or not, masked observation notes).

The reminder rows travel through the due-message table the supervision clock sends (as another
domain's digest, see `scheduler.duties`); each is built only if the visit is still scheduled for
that very time, so a cancelled visit sends nothing. Every button asks the policy again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.flows import field_visit as flow
from conversations.messages import Option, Reply
from handlers.calendar import local_clock
from handlers.core import audit, due_messages, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.p2k2.plans import known_groups
from handlers.people import access
from storage.models import ActionPrompt, FieldVisit, Person, ScheduledMessage
from storage.vocabulary import FieldVisitStatus, ScheduledKind

FIELD_VISIT_KIND = ScheduledKind.FIELD_VISIT
VISIT_LEAD = timedelta(hours=1)
VISIT_DAY_BEFORE_AT = time(16, 0)
RECORD_AFTER = timedelta(hours=3)
ANSWER_ACTION = "p2k2.visit.answer"  # the pendamping's; entity: the visit
MANAGE_ACTION = "p2k2.visit.manage"  # the supervisor's; entity: the visit
RECORD_ACTION = "p2k2.visit.record"  # the supervisor's, after the time; entity: the visit
READY, OTHER_TIME, CALL_OFF = "siap", "waktu_lain", "batalkan"


# -- choices for the dialog ---------------------------------------------------------------
def pendamping_options(turn: Turn, _data: Mapping[str, Any]) -> Sequence[Option]:
    """The pendamping a supervisor may visit or write a monitoring note on."""
    people = turn.session.scalars(
        access.p2k2_supervisees(turn.staff).order_by(Person.kecamatan, Person.name)
    )
    return [Option(str(p.id), f"{p.name} ({p.kecamatan})") for p in people]


def flow_data(turn: Turn) -> dict[str, Any]:
    """What the supervisor's dialogs need to know from the start: their "now" (to read "Kamis
    jam 9" in their zone) and the names of their pendamping (for the summary)."""
    now = turn.now.astimezone(ZoneInfo(turn.staff.timezone))
    names = {o.value: o.label for o in pendamping_options(turn, {})}
    return {flow.NOW_KEY: now.isoformat(), flow.NAMES_KEY: names}


def _chosen_pendamping(turn: Turn, data: Mapping[str, Any]) -> Person | None:
    value = str(data.get("pendamping", ""))
    person = turn.session.get(Person, int(value)) if value.isdigit() else None
    if person is None or not access.may_supervise_p2k2(turn.staff, person):
        return None
    return person


def group_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    """The chosen pendamping's planned or reported groups."""
    person = _chosen_pendamping(turn, data)
    if person is None:
        return []
    return [Option(name, name) for name in known_groups(turn.session, person.id)]


# -- scheduling ---------------------------------------------------------------------------
def when_text(ctx: AppContext, moment: datetime, person: Person) -> str:
    """ "Kamis, 3 Desember, 09:00 WIB" in the person's own zone."""
    day = moment.astimezone(ZoneInfo(person.timezone)).date()
    return f"{format_date(day, 'EEEE, d MMMM', locale=ctx.language)}, " + local_clock(
        moment, person.timezone
    )


def _place(ctx: AppContext, visit: FieldVisit) -> str:
    """ " di Balai Desa" to follow a time, or nothing (catalog texts lose a leading space)."""
    return " " + ctx.catalog("p2k2_sup.visit.at_place", place=visit.place) if visit.place else ""


def _refused(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("p2k2_sup.visit.not_yours"))]


def schedule_visit(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the visit, plan its reminders, tell the pendamping with a choice to answer."""
    supervisor, t = turn.staff, turn.t
    pendamping = _chosen_pendamping(turn, data)
    if pendamping is None:
        return _refused(turn)
    starts_at = datetime.fromisoformat(str(data["when"])).astimezone(UTC)
    if starts_at <= turn.now:
        return [Reply(t("p2k2_sup.visit.past"))]
    visit = FieldVisit(
        supervisor_id=supervisor.id,
        pendamping_id=pendamping.id,
        group_name=str(data["group"]),
        starts_at=starts_at,
        place=data.get("place") or None,
        status=FieldVisitStatus.SCHEDULED,
        created_at=turn.now,
    )
    turn.session.add(visit)
    turn.session.flush()
    plan_reminders(turn.session, visit, turn.now)
    audit.record(
        turn.session,
        "p2k2.visit_scheduled",
        "field_visit",
        visit.id,
        actor=supervisor,
        pendamping_id=pendamping.id,
    )
    turn.out.ask(
        pendamping,
        "p2k2_sup.visit.to_pendamping",
        [
            Option(READY, t("p2k2_sup.visit.opt_ready")),
            Option(OTHER_TIME, t("p2k2_sup.visit.opt_other")),
        ],
        ANSWER_ACTION,
        visit.id,
        kind="field_visit",
        name=supervisor.name,
        group=visit.group_name,
        when=when_text(turn.ctx, starts_at, pendamping),
        place=_place(turn.ctx, visit),
    )
    text = t(
        "p2k2_sup.visit.scheduled",
        name=pendamping.name,
        group=visit.group_name,
        when=when_text(turn.ctx, starts_at, supervisor),
        place=_place(turn.ctx, visit),
    )
    return [_manage_prompt(turn, visit, text)]


def _manage_prompt(turn: Turn, visit: FieldVisit, text: str) -> Reply:
    options = [Option(CALL_OFF, turn.t("p2k2_sup.visit.opt_call_off"))]
    return prompts.make_prompt(
        turn.session, turn.staff, MANAGE_ACTION, visit.id, text, options, turn.now
    )


def _day_before(visit: FieldVisit, person: Person) -> datetime:
    zone = ZoneInfo(person.timezone)
    day = visit.starts_at.astimezone(zone).date() - timedelta(days=1)
    return datetime.combine(day, VISIT_DAY_BEFORE_AT, zone).astimezone(UTC)


def _record_due(visit: FieldVisit) -> datetime:
    return visit.starts_at + RECORD_AFTER


def plan_reminders(session: Session, visit: FieldVisit, now: datetime) -> None:
    """Both reminded the day before at 16:00 (their time) and an hour before; the supervisor
    asked to record it afterwards. Keys name the visit and its time: planned once."""
    planned: list[tuple[Person, str, datetime]] = []
    for person in (visit.supervisor, visit.pendamping):
        day_before = _day_before(visit, person)
        if now < day_before < visit.starts_at - VISIT_LEAD:
            planned.append((person, "day_before", day_before))
        if now < visit.starts_at - VISIT_LEAD:
            planned.append((person, "soon", visit.starts_at - VISIT_LEAD))
    planned.append((visit.supervisor, "record", _record_due(visit)))
    for person, purpose, due in planned:
        key = f"field_visit:{visit.id}:{person.id}:{purpose}:{visit.starts_at.isoformat()}"
        due_messages.plan_once(
            session, key, person, FIELD_VISIT_KIND, due, {"field_visit_id": visit.id}
        )


def _still_on(visit: FieldVisit) -> bool:
    """Still scheduled between the same two people, the pendamping still theirs."""
    return visit.status == FieldVisitStatus.SCHEDULED and access.may_supervise_p2k2(
        visit.supervisor, visit.pendamping
    )


def visit_message(
    ctx: AppContext, session: Session, row: ScheduledMessage, now: datetime
) -> Reply | None:
    """The reminder or record request the row is due for, or None when its visit no longer
    has one at that time (cancelled, recorded, moved, or the pendamping moved)."""
    person, due = row.person, row.due_at
    visit = session.get(FieldVisit, int(row.payload["field_visit_id"]))
    if visit is None or not _still_on(visit):
        return None
    if person.id not in (visit.supervisor_id, visit.pendamping_id):
        return None
    if person.id == visit.supervisor_id and due == _record_due(visit):
        return _record_request(ctx, session, visit, now)
    if visit.starts_at <= now:
        return None
    if due == visit.starts_at - VISIT_LEAD:
        return _reminder(ctx, visit, person, "p2k2_sup.visit.reminder_soon")
    if due == _day_before(visit, person) and now < visit.starts_at - VISIT_LEAD:
        # A late day-before reminder goes out until the hour-before one, which says it all.
        return _reminder(ctx, visit, person, "p2k2_sup.visit.reminder_day_before")
    return None


def _reminder(ctx: AppContext, visit: FieldVisit, person: Person, key: str) -> Reply:
    with_whom = visit.pendamping if person.id == visit.supervisor_id else visit.supervisor
    return Reply(
        ctx.catalog(
            key,
            other=with_whom.name,
            group=visit.group_name,
            when=when_text(ctx, visit.starts_at, person),
            place=_place(ctx, visit),
        )
    )


def _record_request(ctx: AppContext, session: Session, visit: FieldVisit, now: datetime) -> Reply:
    t, supervisor = ctx.catalog, visit.supervisor
    text = t(
        "p2k2_sup.visit.record_request",
        name=visit.pendamping.name,
        group=visit.group_name,
        when=when_text(ctx, visit.starts_at, supervisor),
    )
    options = [
        Option(FieldVisitStatus.HELD, t("p2k2_sup.visit.opt_held")),
        Option(FieldVisitStatus.NOT_HELD, t("p2k2_sup.visit.opt_not_held")),
    ]
    return prompts.make_prompt(session, supervisor, RECORD_ACTION, visit.id, text, options, now)


def upcoming_lines(turn: Turn) -> list[str]:
    """The supervisor's visits still ahead, soonest first, as listed in their P2K2 menu."""
    visits = turn.session.scalars(
        select(FieldVisit)
        .where(
            FieldVisit.supervisor_id == turn.staff.id,
            FieldVisit.status == FieldVisitStatus.SCHEDULED,
            FieldVisit.starts_at > turn.now,
        )
        .order_by(FieldVisit.starts_at)
    ).all()
    return [
        turn.t(
            "p2k2_sup.visit.upcoming_line",
            name=v.pendamping.name,
            group=v.group_name,
            when=when_text(turn.ctx, v.starts_at, turn.staff),
        )
        for v in visits
        if _still_on(v)
    ]


# -- answers ------------------------------------------------------------------------------
def _visit(turn: Turn, visit_id: int) -> FieldVisit | None:
    visit = turn.session.get(FieldVisit, visit_id)
    return visit if visit is not None and _still_on(visit) else None


def answer_pendamping(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """The pendamping is ready, or proposes another time (a short text relayed)."""
    visit = _visit(turn, prompt.entity_id)
    if visit is None or not access.may_answer_field_visit(
        turn.staff, visit.supervisor, visit.pendamping
    ):
        return PromptResult(_refused(turn))
    if value == OTHER_TIME:
        return PromptResult([], flow.COUNTER, {"visit_id": visit.id})
    turn.out.tell(
        visit.supervisor,
        "p2k2_sup.visit.ready_to_supervisor",
        kind="field_visit",
        name=visit.pendamping.name,
        group=visit.group_name,
        when=when_text(turn.ctx, visit.starts_at, visit.supervisor),
    )
    audit.record(turn.session, "p2k2.visit_ready", "field_visit", visit.id, actor=turn.staff)
    return PromptResult([Reply(turn.t("p2k2_sup.visit.ready_saved", name=visit.supervisor.name))])


def propose_other_time(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Relay the pendamping's proposal (masked) to the supervisor, who may call the visit off."""
    visit = _visit(turn, int(data["visit_id"]))
    if visit is None or not access.may_answer_field_visit(
        turn.staff, visit.supervisor, visit.pendamping
    ):
        return _refused(turn)
    text = str(data["proposal"])
    t, supervisor = turn.t, visit.supervisor
    turn.out.ask(
        supervisor,
        "p2k2_sup.visit.counter_to_supervisor",
        [Option(CALL_OFF, t("p2k2_sup.visit.opt_call_off"))],
        MANAGE_ACTION,
        visit.id,
        kind="field_visit",
        name=visit.pendamping.name,
        group=visit.group_name,
        when=when_text(turn.ctx, visit.starts_at, supervisor),
        proposal=text,
    )
    audit.record(
        turn.session,
        "p2k2.visit_other_time",
        "field_visit",
        visit.id,
        actor=turn.staff,
        chars=len(text),
    )
    return [Reply(t("p2k2_sup.visit.counter_sent", name=supervisor.name))]


def _may_manage(turn: Turn, visit: FieldVisit | None) -> bool:
    return visit is not None and visit.supervisor_id == turn.staff.id


def answer_manage(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """The supervisor calls the visit off; the pendamping is told."""
    visit = _visit(turn, prompt.entity_id)
    if value != CALL_OFF or visit is None or not _may_manage(turn, visit):
        return PromptResult(_refused(turn))
    visit.status = FieldVisitStatus.CANCELLED
    audit.record(turn.session, "p2k2.visit_cancelled", "field_visit", visit.id, actor=turn.staff)
    turn.out.tell(
        visit.pendamping,
        "p2k2_sup.visit.cancelled_to_pendamping",
        kind="field_visit",
        name=turn.staff.name,
        group=visit.group_name,
        when=when_text(turn.ctx, visit.starts_at, visit.pendamping),
    )
    return PromptResult([Reply(turn.t("p2k2_sup.visit.cancelled", name=visit.pendamping.name))])


def answer_record(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Held: ask for the observation notes. Not held: recorded as such."""
    visit = _visit(turn, prompt.entity_id)
    if visit is None or not _may_manage(turn, visit) or visit.starts_at > turn.now:
        return PromptResult(_refused(turn))
    if value == FieldVisitStatus.HELD:
        data = {"visit_id": visit.id, "name": visit.pendamping.name, "group": visit.group_name}
        return PromptResult([], flow.RECORD, data)
    visit.status, visit.recorded_at = FieldVisitStatus.NOT_HELD, turn.now
    audit.record(
        turn.session, "p2k2.visit_recorded", "field_visit", visit.id, actor=turn.staff, held=False
    )
    return PromptResult([Reply(turn.t("p2k2_sup.visit.not_held_saved"))])


def record_observation(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Keep the (masked) observation notes of a visit held."""
    visit = _visit(turn, int(data["visit_id"]))
    if visit is None or not _may_manage(turn, visit):
        return _refused(turn)
    text = str(data["observation"])
    visit.status, visit.observation, visit.recorded_at = FieldVisitStatus.HELD, text, turn.now
    audit.record(
        turn.session,
        "p2k2.visit_recorded",
        "field_visit",
        visit.id,
        actor=turn.staff,
        held=True,
        chars=len(text),
    )
    return [Reply(turn.t("p2k2_sup.visit.held_saved", name=visit.pendamping.name))]
