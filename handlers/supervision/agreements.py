"""Agreed supervision slots: agreeing a recurring slot, its occurrences, answers to reminders,
rescheduling, and pausing, changing or ending an agreement. The timing itself (occurrences,
reminders, digests) is in `handlers.supervision.planning`.

An agreement is active once someone agreed: for a group, each participant who agreed takes part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from conversations.catalog import Catalog, in_sentence
from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.calendar import at_local, first_date, local_clock, parse_clock
from handlers.core import audit, outbox, prompts
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.planning import (
    cancel_future,
    cancel_session,
    next_working_start,
    plan_agreement,
    plan_reminders,
    refresh_reminders,
    replan,
)
from handlers.supervision.states import (
    ACTIVE,
    AGREED,
    COUNTER_ACTION,
    COUNTERED,
    DECLINED,
    ENDED,
    HOLIDAY_ACTION,
    INVITE_ACTION,
    INVITED,
    MANAGE_ACTION,
    MOVED_ACTION,
    PAUSED,
    PROPOSED,
    REMINDER_ACTION,
    REQUEST_ACTION,
    RESCHEDULE_ACTION,
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
    SessionResponse,
    SupervisionSession,
)

# A reminder can still be answered a little after the session began.
REMINDER_GRACE = timedelta(hours=2)


# -- descriptions -------------------------------------------------------------------------
def describe(agreement: Agreement, t: Catalog, viewer: Person) -> str:
    """ "setiap Selasa, 10:00 WIB (dua minggu sekali), 60 menit, tatap muka di ...", in the
    viewer's own zone."""
    first = at_local(agreement.start_date, agreement.local_time, agreement.timezone)
    return t(
        "slot.describe",
        weekday=t(f"weekday.{agreement.weekday}"),
        time=local_clock(first, viewer.timezone),
        cadence=in_sentence(t(f"cadence.{agreement.cadence_days}")),
        duration=agreement.duration_minutes,
        mode=in_sentence(t(f"mode.{agreement.mode}")),
        place=f" ({agreement.place})" if agreement.place else "",
    )


def participant_query(supervisor: Person, kind: str) -> Select[tuple[Person]]:
    """Who may take part: the supervisor's own pendamping; for a team ("tim") also the other
    staff of the same kabupaten (supervisors, the korkab)."""
    own = (Person.supervisor_id == supervisor.id) & (Person.role == Role.PENDAMPING)
    if kind == "tim":
        colleagues = (
            (Person.kabupaten == supervisor.kabupaten)
            & Person.role.in_((Role.SUPERVISOR, Role.KORKAB))
            & (Person.id != supervisor.id)
        )
        own = own | colleagues
    return select(Person).where(own, Person.active.is_(True))


def my_pendamping_options(turn: Turn, data: Mapping[str, Any]) -> Sequence[Option]:
    query = participant_query(turn.staff, str(data.get("kind", "")))
    rows = turn.session.scalars(query.order_by(Person.role, Person.kecamatan, Person.name))
    return [Option(str(p.id), f"{p.name} ({p.kecamatan})") for p in rows]


def _invite_options(t: Catalog) -> list[Option]:
    return [
        Option("setuju", t("slot.opt_agree")),
        Option("usul", t("slot.opt_counter")),
        Option("tolak", t("slot.opt_decline")),
    ]


def manage_options(agreement: Agreement, t: Catalog) -> list[Option]:
    if agreement.status == PAUSED:
        return [Option("lanjut", t("slot.opt_resume")), Option("akhiri", t("slot.opt_end"))]
    return [
        Option("ubah", t("slot.opt_change")),
        Option("jeda", t("slot.opt_pause")),
        Option("akhiri", t("slot.opt_end")),
    ]


# -- agreeing a slot ----------------------------------------------------------------------
def propose(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """A supervisor proposes a slot; each participant is asked to agree."""
    supervisor, session, t, now = turn.staff, turn.session, turn.t, turn.now
    ids = [int(i) for i in (data.get("participants") or [data.get("participant")]) if i]
    people = sorted(
        session.scalars(participant_query(supervisor, data["kind"]).where(Person.id.in_(ids))),
        key=lambda p: ids.index(p.id),  # in the order chosen, whatever order the database keeps
    )
    if not people:
        return [Reply(t("slot.no_participants"))]
    agreement = Agreement(
        supervisor_id=supervisor.id,
        kind=data["kind"],
        cadence_days=int(data["cadence"]),
        weekday=int(data["weekday"]),
        local_time=data["time"],
        duration_minutes=int(data["duration"]),
        mode=data["mode"],
        place=data.get("place"),
        start_date=date.fromisoformat(data["start_date"]),
        timezone=supervisor.timezone,
        created_at=now,
    )
    session.add(agreement)
    session.flush()
    for person in people:
        session.add(AgreementParticipant(agreement_id=agreement.id, person_id=person.id))
    session.flush()
    session.refresh(agreement, ["participants"])
    audit.record(
        session, "agreement.proposed", "agreement", agreement.id, actor=supervisor, participants=ids
    )
    for person in people:
        text = t(
            "slot.invite",
            supervisor=supervisor.name,
            kind=in_sentence(t(f"slot_kind.{agreement.kind}")),
            slot=describe(agreement, t, person),
            start=turn.local_date_of(first_date(agreement.start_date, agreement.weekday)),
        )
        prompts.offer(
            session,
            person,
            INVITE_ACTION,
            agreement.id,
            text,
            _invite_options(t),
            turn.key(f"agreement:{agreement.id}:invite:{person.id}"),
            now,
            turn.ctx.channels,
            kind="agreement",
        )
    names = ", ".join(p.name for p in people)
    return [Reply(t("slot.proposed", names=names))]


def request(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """A pendamping asks their supervisor for a slot."""
    pendamping, t = turn.staff, turn.t
    # The link alone is not enough: someone who is no longer an active supervisor gets no
    # requests (the roster import unlinks them, but a deactivation does not).
    supervisor = access.supervisor_of(pendamping)
    if supervisor is None:
        return [Reply(t("slot.no_supervisor"))]
    agreement = Agreement(
        supervisor_id=supervisor.id,
        kind="individual",
        cadence_days=int(data["cadence"]),
        weekday=int(data["weekday"]),
        local_time=data["time"],
        duration_minutes=60,
        mode=data["mode"],
        start_date=turn.local_today(),
        timezone=supervisor.timezone,
        requested_by_id=pendamping.id,
        created_at=turn.now,
    )
    turn.session.add(agreement)
    turn.session.flush()
    turn.session.add(
        AgreementParticipant(
            agreement_id=agreement.id, person_id=pendamping.id, status=AGREED, responded_at=turn.now
        )
    )
    turn.session.flush()
    turn.session.refresh(agreement, ["participants"])
    audit.record(turn.session, "agreement.requested", "agreement", agreement.id, actor=pendamping)
    text = t(
        "slot.request_to_supervisor",
        name=pendamping.name,
        kecamatan=pendamping.kecamatan,
        slot=describe(agreement, t, supervisor),
    )
    options = [Option("setuju", t("slot.opt_agree")), Option("tolak", t("slot.opt_decline"))]
    prompts.offer(
        turn.session,
        supervisor,
        REQUEST_ACTION,
        agreement.id,
        text,
        options,
        turn.key(f"agreement:{agreement.id}:request"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )
    return [Reply(t("slot.requested", supervisor=supervisor.name))]


def _participant(agreement: Agreement, person: Person) -> AgreementParticipant | None:
    return next((p for p in agreement.participants if p.person_id == person.id), None)


def _activate(turn: Turn, agreement: Agreement) -> None:
    """A proposed agreement becomes active: its sessions within the planning horizon and their
    reminders are planned in this same transaction, not at the next tick."""
    if agreement.status == PROPOSED:
        agreement.status = ACTIVE
        audit.record(turn.session, "agreement.active", "agreement", agreement.id)
        plan_agreement(turn.ctx, turn.session, agreement, turn.now)


def _tell(turn: Turn, person: Person, text: str, purpose: str) -> None:
    outbox.notify(
        turn.session,
        person,
        Reply(text),
        turn.key(f"{purpose}:{person.id}"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )


def answer_invite(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    person, t = turn.staff, turn.t
    participant = _participant(agreement, person)
    if participant is None or agreement.status == ENDED:
        return PromptResult([Reply(t("slot.stale"))])
    if value == "usul":
        return PromptResult([], flows.COUNTER, {"agreement_id": agreement.id})
    participant.responded_at = turn.now
    supervisor = agreement.supervisor
    if value == "setuju":
        participant.status = AGREED
        if agreement.status == ACTIVE:
            refresh_reminders(turn.ctx, turn.session, agreement, turn.now)
        _activate(turn, agreement)
        audit.record(turn.session, "agreement.agreed", "agreement", agreement.id, actor=person)
        _tell(
            turn,
            supervisor,
            t(
                "slot.agreed_to_supervisor",
                name=person.name,
                slot=describe(agreement, t, supervisor),
            ),
            f"agreement:{agreement.id}:agreed",
        )
        return PromptResult([Reply(t("slot.agreed_self", slot=describe(agreement, t, person)))])
    participant.status = DECLINED
    audit.record(turn.session, "agreement.declined", "agreement", agreement.id, actor=person)
    _tell(
        turn,
        supervisor,
        t("slot.declined_to_supervisor", name=person.name),
        f"agreement:{agreement.id}:declined",
    )
    return PromptResult([Reply(t("slot.declined_self"))])


def counter(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Another weekday and time: a participant proposes it and the supervisor decides; the
    supervisor's own change applies at once and every participant is told."""
    person, t = turn.staff, turn.t
    agreement = turn.session.get(Agreement, data["agreement_id"])
    if agreement is not None and person.id == agreement.supervisor_id:
        return _change(turn, agreement, int(data["weekday"]), data["time"])
    participant = _participant(agreement, person) if agreement else None
    if agreement is None or participant is None or agreement.status == ENDED:
        return [Reply(t("slot.stale"))]
    participant.status = COUNTERED
    participant.counter = f"{data['weekday']}|{data['time']}"
    participant.responded_at = turn.now
    supervisor = agreement.supervisor
    text = t(
        "slot.counter_to_supervisor",
        name=person.name,
        weekday=t(f"weekday.{data['weekday']}"),
        time=data["time"],
        slot=describe(agreement, t, supervisor),
    )
    options = [Option("terima", t("slot.opt_accept_counter")), Option("tetap", t("slot.opt_keep"))]
    prompts.offer(
        turn.session,
        supervisor,
        COUNTER_ACTION,
        participant.id,
        text,
        options,
        turn.key(f"agreement:{agreement.id}:counter"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )
    audit.record(turn.session, "agreement.countered", "agreement", agreement.id, actor=person)
    return [Reply(t("slot.counter_sent", supervisor=supervisor.name))]


def _change(turn: Turn, agreement: Agreement, weekday: int, clock: str) -> list[Reply]:
    t = turn.t
    if agreement.status not in (ACTIVE, PAUSED, PROPOSED):
        return [Reply(t("slot.stale"))]
    agreement.weekday, agreement.local_time = weekday, clock
    if agreement.status == ACTIVE:
        replan(turn.ctx, turn.session, agreement, turn.now)
    audit.record(turn.session, "agreement.changed", "agreement", agreement.id, actor=turn.person)
    for other in agreement_people(agreement):
        _tell(
            turn,
            other,
            t("slot.changed", slot=describe(agreement, t, other)),
            f"agreement:{agreement.id}:changed",
        )
    return [Reply(t("slot.counter_accepted", slot=describe(agreement, t, agreement.supervisor)))]


def answer_counter(turn: Turn, participant: AgreementParticipant, value: str) -> PromptResult:
    t, agreement = turn.t, participant.agreement
    if (
        turn.person is None
        or turn.staff.id != agreement.supervisor_id
        or agreement.status == ENDED
        or participant.status != COUNTERED
        or not participant.counter
    ):
        return PromptResult([Reply(t("slot.stale"))])
    person = participant.person
    if value == "terima":
        weekday, clock = participant.counter.split("|")
        agreement.weekday, agreement.local_time = int(weekday), clock
        participant.status = AGREED
        if agreement.status == ACTIVE:
            replan(turn.ctx, turn.session, agreement, turn.now)
        else:
            _activate(turn, agreement)  # a paused agreement is planned when it resumes
        for other in agreed_people(agreement):
            _tell(
                turn,
                other,
                t("slot.changed", slot=describe(agreement, t, other)),
                f"agreement:{agreement.id}:changed",
            )
        audit.record(
            turn.session, "agreement.changed", "agreement", agreement.id, actor=turn.person
        )
        return PromptResult(
            [Reply(t("slot.counter_accepted", slot=describe(agreement, t, turn.person)))]
        )
    participant.status = INVITED
    text = t(
        "slot.counter_kept",
        supervisor=agreement.supervisor.name,
        slot=describe(agreement, t, person),
    )
    prompts.offer(
        turn.session,
        person,
        INVITE_ACTION,
        agreement.id,
        text,
        _invite_options(t),
        turn.key(f"agreement:{agreement.id}:kept"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )
    return PromptResult([Reply(t("slot.counter_kept_self", name=person.name))])


def answer_request(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    t = turn.t
    if (
        turn.person is None
        or turn.staff.id != agreement.supervisor_id
        or (agreement.status != PROPOSED)
    ):
        return PromptResult([Reply(t("slot.stale"))])
    requester = agreement.participants[0].person
    if value == "setuju":
        _activate(turn, agreement)
        _tell(
            turn,
            requester,
            t(
                "slot.request_accepted",
                supervisor=turn.person.name,
                slot=describe(agreement, t, requester),
            ),
            f"agreement:{agreement.id}:accepted",
        )
        return PromptResult(
            [Reply(t("slot.agreed_self", slot=describe(agreement, t, turn.person)))]
        )
    agreement.status = ENDED
    _tell(
        turn,
        requester,
        t("slot.request_declined", supervisor=turn.person.name),
        f"agreement:{agreement.id}:refused",
    )
    return PromptResult([Reply(t("slot.declined_self"))])


def answer_manage(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    """Pause, resume or end an agreement; the other side is told."""
    person, t = turn.staff, turn.t
    sides = {agreement.supervisor_id, *(p.person_id for p in agreement.participants)}
    if person.id not in sides or agreement.status in (ENDED, PROPOSED):
        return PromptResult([Reply(t("slot.stale"))])
    if value == "ubah":
        return PromptResult([], flows.COUNTER, {"agreement_id": agreement.id})
    new_status = {"jeda": PAUSED, "lanjut": ACTIVE, "akhiri": ENDED}[value]
    if new_status == agreement.status:
        return PromptResult([Reply(t("slot.stale"))])
    agreement.status = new_status
    if new_status == ACTIVE:
        replan(turn.ctx, turn.session, agreement, turn.now)
    else:
        cancel_future(turn.session, agreement, turn.now)
    audit.record(turn.session, f"agreement.{new_status}", "agreement", agreement.id, actor=person)
    others = [agreement.supervisor, *agreement_people(agreement)]
    for other in others:
        if other.id != person.id:
            _tell(
                turn,
                other,
                t(f"slot.now_{new_status}", name=person.name, slot=describe(agreement, t, other)),
                f"agreement:{agreement.id}:{new_status}",
            )
    return PromptResult([Reply(t(f"slot.self_{new_status}"))])


def agreement_people(agreement: Agreement) -> list[Person]:
    return [p.person for p in agreement.participants if p.status in (AGREED, COUNTERED)]


# -- answers about one session ------------------------------------------------------------
def response_of(turn: Turn, session: SupervisionSession, person: Person) -> SessionResponse:
    row = next((r for r in session.responses if r.person_id == person.id), None)
    if row is None:
        row = SessionResponse(session_id=session.id, person_id=person.id)
        turn.session.add(row)
        session.responses.append(row)
    return row


def answer_reminder(turn: Turn, session: SupervisionSession, value: str) -> PromptResult:
    person, t = turn.staff, turn.t
    if session.status != SCHEDULED or session.starts_at <= turn.now - REMINDER_GRACE:
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
    if session is None or session.status != SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    response = response_of(turn, session, person)
    response.response, response.reason, response.responded_at = (
        "tidak_hadir",
        data["reason"],
        (turn.now),
    )
    supervisor = session.agreement.supervisor
    _tell(
        turn,
        supervisor,
        t(
            "slot.absence_to_supervisor",
            name=person.name,
            date=turn.local_date(session.starts_at, supervisor),
            reason=data["reason"],
        ),
        f"session:{session.id}:absence",
    )
    audit.record(turn.session, "session.absence", "session", session.id, actor=person)
    return [Reply(t("slot.absence_sent", supervisor=supervisor.name))]


def _new_start(session: SupervisionSession, data: Mapping[str, Any]) -> datetime:
    return at_local(
        date.fromisoformat(data["new_date"]), parse_clock(data["time"]), session.agreement.timezone
    )


def request_reschedule(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person, t = turn.staff, turn.t
    session = turn.session.get(SupervisionSession, data["session_id"])
    if session is None or session.status != SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    response = response_of(turn, session, person)
    response.response, response.responded_at = "jadwal_ulang", turn.now
    proposed = _new_start(session, data)
    response.reason = proposed.isoformat()
    supervisor = session.agreement.supervisor
    text = t(
        "slot.reschedule_to_supervisor",
        name=person.name,
        old=f"{turn.local_date(session.starts_at, supervisor)} "
        f"{local_clock(session.starts_at, supervisor.timezone)}",
        new=f"{turn.local_date(proposed, supervisor)} {local_clock(proposed, supervisor.timezone)}",
    )
    options = [
        Option("terima", t("slot.opt_accept_counter")),
        Option("usul", t("slot.opt_counter")),
        Option("tetap", t("slot.opt_keep")),
    ]
    prompts.offer(
        turn.session,
        supervisor,
        RESCHEDULE_ACTION,
        response.id or 0,
        text,
        options,
        turn.key(f"session:{session.id}:reschedule"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )
    audit.record(turn.session, "session.reschedule_requested", "session", session.id, actor=person)
    return [Reply(t("slot.reschedule_sent", supervisor=supervisor.name))]


def move_session(turn: Turn, session: SupervisionSession, start: datetime, reason: str) -> None:
    duration = session.ends_at - session.starts_at
    session.starts_at, session.ends_at = start, start + duration
    plan_reminders(turn.ctx, turn.session, session, turn.now)
    audit.record(
        turn.session, "session.moved", "session", session.id, actor=turn.person, reason=reason
    )
    t = turn.t
    for person in [session.agreement.supervisor, *agreed_people(session.agreement)]:
        if turn.person is None or person.id != turn.staff.id:
            _tell(
                turn,
                person,
                t(
                    "slot.session_moved",
                    date=turn.local_date(start, person),
                    time=local_clock(start, person.timezone),
                ),
                f"session:{session.id}:moved:{start.isoformat()}",
            )


def answer_reschedule(turn: Turn, response: SessionResponse, value: str) -> PromptResult:
    t = turn.t
    session = turn.session.get(SupervisionSession, response.session_id)
    if (
        session is None
        or turn.person is None
        or turn.staff.id != session.agreement.supervisor_id
        or session.status != SCHEDULED
        or response.response != "jadwal_ulang"
        or not response.reason
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == "usul":
        return PromptResult(
            [], flows.COUNTER_RESCHEDULE, {"session_id": session.id, "response_id": response.id}
        )
    response.response = "hadir" if value == "terima" else None
    if value == "terima":
        move_session(turn, session, datetime.fromisoformat(response.reason), "requested")
        return PromptResult([Reply(t("slot.moved_self"))])
    _tell(
        turn,
        response.person,
        t(
            "slot.reschedule_kept",
            date=turn.local_date(session.starts_at, response.person),
            time=local_clock(session.starts_at, response.person.timezone),
        ),
        f"session:{session.id}:kept",
    )
    return PromptResult([Reply(t("slot.kept_self"))])


def counter_reschedule(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    t = turn.t
    session = turn.session.get(SupervisionSession, data["session_id"])
    response = turn.session.get(SessionResponse, data["response_id"])
    if session is None or response is None or session.status != SCHEDULED:
        return [Reply(t("slot.session_stale"))]
    proposed = _new_start(session, data)
    response.reason = proposed.isoformat()
    person = response.person
    text = t(
        "slot.counter_reschedule",
        supervisor=session.agreement.supervisor.name,
        new=f"{turn.local_date(proposed, person)} {local_clock(proposed, person.timezone)}",
    )
    options = [Option("setuju", t("slot.opt_agree")), Option("tolak", t("slot.opt_decline"))]
    prompts.offer(
        turn.session,
        person,
        MOVED_ACTION,
        response.id,
        text,
        options,
        turn.key(f"session:{session.id}:counter"),
        turn.now,
        turn.ctx.channels,
        kind="agreement",
    )
    return [Reply(t("slot.counter_sent", supervisor=person.name))]


def answer_moved(turn: Turn, response: SessionResponse, value: str) -> PromptResult:
    t = turn.t
    session = turn.session.get(SupervisionSession, response.session_id)
    if (
        session is None
        or session.status != SCHEDULED
        or turn.person is None
        or (turn.staff.id != response.person_id or not response.reason)
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    supervisor = session.agreement.supervisor
    if value == "setuju":
        response.response = "hadir"
        move_session(turn, session, datetime.fromisoformat(response.reason), "countered")
        return PromptResult([Reply(t("slot.moved_self"))])
    _tell(
        turn,
        supervisor,
        t("slot.counter_refused", name=turn.person.name),
        f"session:{session.id}:refused",
    )
    return PromptResult([Reply(t("slot.declined_self"))])


def answer_holiday(turn: Turn, session: SupervisionSession, value: str) -> PromptResult:
    t = turn.t
    if (
        turn.person is None
        or turn.staff.id != session.agreement.supervisor_id
        or (session.status != SCHEDULED)
    ):
        return PromptResult([Reply(t("slot.session_stale"))])
    if value == "geser":
        move_session(turn, session, next_working_start(session), "holiday")
        return PromptResult([Reply(t("slot.moved_self"))])
    if value == "lewati":
        cancel_session(turn.session, session, SKIPPED, turn.now)
        for person in agreed_people(session.agreement):
            _tell(
                turn,
                person,
                t(
                    "slot.session_skipped",
                    date=turn.local_date(session.starts_at, person),
                    holiday=session.holiday_name or "",
                ),
                f"session:{session.id}:skipped",
            )
        return PromptResult([Reply(t("slot.skipped_self"))])
    return PromptResult([Reply(t("slot.kept_self"))])


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Route a slot prompt to its record; anything gone or changed is answered as stale."""
    get = turn.session.get
    handlers = {
        INVITE_ACTION: (Agreement, answer_invite),
        REQUEST_ACTION: (Agreement, answer_request),
        MANAGE_ACTION: (Agreement, answer_manage),
        COUNTER_ACTION: (AgreementParticipant, answer_counter),
        REMINDER_ACTION: (SupervisionSession, answer_reminder),
        HOLIDAY_ACTION: (SupervisionSession, answer_holiday),
        RESCHEDULE_ACTION: (SessionResponse, answer_reschedule),
        MOVED_ACTION: (SessionResponse, answer_moved),
    }
    model, handler = handlers[prompt.action]
    record = get(model, prompt.entity_id)
    if record is None:
        return PromptResult([Reply(turn.t("slot.stale"))])
    return handler(turn, record, value)
