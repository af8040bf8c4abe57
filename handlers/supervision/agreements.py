"""Agreeing a supervision slot: a supervisor proposes one (individual, group or team) and each
participant agrees, counters or declines; a pendamping requests one and the supervisor accepts
it; either side changes, pauses, resumes or ends it, and the other side is told.

An agreement is active once someone agreed: for a group, each participant who agreed takes part.
Its sessions are planned in the same transaction (`handlers.supervision.planning`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from conversations.catalog import Catalog, in_sentence
from conversations.flows import supervision as flows
from conversations.messages import Option, Reply
from handlers.calendar import first_date
from handlers.core import audit
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from handlers.supervision.planning import cancel_future, plan_agreement, refresh_reminders, replan
from handlers.supervision.states import (
    COUNTER_ACTION,
    INVITE_ACTION,
    MANAGE_ACTION,
    MESSAGE_KIND,
    REQUEST_ACTION,
    agreed_people,
    route_answer,
)
from handlers.supervision.views import (
    CHANGE,
    END,
    MANAGEABLE,
    NEW_AGREEMENT,
    NEW_REQUEST,
    PAUSE,
    PICK,
    RESUME,
    describe,
    manage_prompt,
    participant_query,
)
from storage.models import ActionPrompt, Agreement, AgreementParticipant, Person
from storage.vocabulary import AgreementStatus, ParticipantStatus, SlotKind

# What the supervisor may still change.
CHANGEABLE = (AgreementStatus.PROPOSED, AgreementStatus.ACTIVE, AgreementStatus.PAUSED)
# What an answer to `MANAGE_ACTION` makes of the agreement.
MANAGED = {
    PAUSE: AgreementStatus.PAUSED,
    RESUME: AgreementStatus.ACTIVE,
    END: AgreementStatus.ENDED,
}


def _invite_options(t: Catalog) -> list[Option]:
    """The answers to agree and to counter are spelled as the statuses they lead to."""
    return [
        Option(ParticipantStatus.AGREED, t("slot.opt_agree")),
        Option(ParticipantStatus.COUNTERED, t("slot.opt_counter")),
        Option("tolak", t("slot.opt_decline")),
    ]


def agreement_people(agreement: Agreement) -> list[Person]:
    """The participants still in: agreed, or waiting for an answer to their counter."""
    return [p.person for p in agreement.participants if p.status in access.STILL_IN]


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
        turn.out.ask_text(
            person,
            text,
            _invite_options(t),
            INVITE_ACTION,
            agreement.id,
            about="slot.invite",
            kind=MESSAGE_KIND,
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
        kind=SlotKind.INDIVIDUAL,
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
            agreement_id=agreement.id,
            person_id=pendamping.id,
            status=ParticipantStatus.AGREED,
            responded_at=turn.now,
        )
    )
    turn.session.flush()
    turn.session.refresh(agreement, ["participants"])
    audit.record(turn.session, "agreement.requested", "agreement", agreement.id, actor=pendamping)
    options = [
        Option(ParticipantStatus.AGREED, t("slot.opt_agree")),
        Option("tolak", t("slot.opt_decline")),
    ]
    turn.out.ask(
        supervisor,
        "slot.request_to_supervisor",
        options,
        REQUEST_ACTION,
        agreement.id,
        kind=MESSAGE_KIND,
        name=pendamping.name,
        kecamatan=pendamping.kecamatan,
        slot=describe(agreement, t, supervisor),
    )
    return [Reply(t("slot.requested", supervisor=supervisor.name))]


def _participant(agreement: Agreement, person: Person) -> AgreementParticipant | None:
    return next((p for p in agreement.participants if p.person_id == person.id), None)


def _activate(turn: Turn, agreement: Agreement) -> None:
    """A proposed agreement becomes active: its sessions within the planning horizon and their
    reminders are planned in this same transaction, not at the next tick."""
    if agreement.status == AgreementStatus.PROPOSED:
        agreement.status = AgreementStatus.ACTIVE
        audit.record(turn.session, "agreement.active", "agreement", agreement.id)
        plan_agreement(turn.ctx, turn.session, agreement, turn.now)


def _tell_changed(turn: Turn, agreement: Agreement, people: list[Person]) -> None:
    for other in people:
        turn.out.tell(
            other, "slot.changed", kind=MESSAGE_KIND, slot=describe(agreement, turn.t, other)
        )


def answer_invite(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    person, t = turn.staff, turn.t
    participant = _participant(agreement, person)
    if participant is None or agreement.status == AgreementStatus.ENDED:
        return PromptResult([Reply(t("slot.stale"))])
    if value == ParticipantStatus.COUNTERED:
        return PromptResult([], flows.COUNTER, {"agreement_id": agreement.id})
    participant.responded_at = turn.now
    supervisor = agreement.supervisor
    if value == ParticipantStatus.AGREED:
        participant.status = ParticipantStatus.AGREED
        if agreement.status == AgreementStatus.ACTIVE:
            refresh_reminders(turn.ctx, turn.session, agreement, turn.now)
        _activate(turn, agreement)
        audit.record(turn.session, "agreement.agreed", "agreement", agreement.id, actor=person)
        turn.out.tell(
            supervisor,
            "slot.agreed_to_supervisor",
            kind=MESSAGE_KIND,
            name=person.name,
            slot=describe(agreement, t, supervisor),
        )
        return PromptResult([Reply(t("slot.agreed_self", slot=describe(agreement, t, person)))])
    participant.status = ParticipantStatus.DECLINED
    audit.record(turn.session, "agreement.declined", "agreement", agreement.id, actor=person)
    turn.out.tell(supervisor, "slot.declined_to_supervisor", kind=MESSAGE_KIND, name=person.name)
    return PromptResult([Reply(t("slot.declined_self"))])


def counter(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """Another weekday and time: a participant proposes it and the supervisor decides; the
    supervisor's own change applies at once and every participant is told."""
    person, t = turn.staff, turn.t
    agreement = turn.session.get(Agreement, data["agreement_id"])
    if agreement is not None and person.id == agreement.supervisor_id:
        return _change(turn, agreement, int(data["weekday"]), data["time"])
    participant = _participant(agreement, person) if agreement else None
    if agreement is None or participant is None or agreement.status == AgreementStatus.ENDED:
        return [Reply(t("slot.stale"))]
    participant.status = ParticipantStatus.COUNTERED
    participant.counter = f"{data['weekday']}|{data['time']}"
    participant.responded_at = turn.now
    supervisor = agreement.supervisor
    options = [Option("terima", t("slot.opt_accept_counter")), Option("tetap", t("slot.opt_keep"))]
    turn.out.ask(
        supervisor,
        "slot.counter_to_supervisor",
        options,
        COUNTER_ACTION,
        participant.id,
        kind=MESSAGE_KIND,
        name=person.name,
        weekday=t(f"weekday.{data['weekday']}"),
        time=data["time"],
        slot=describe(agreement, t, supervisor),
    )
    audit.record(turn.session, "agreement.countered", "agreement", agreement.id, actor=person)
    return [Reply(t("slot.counter_sent", supervisor=supervisor.name))]


def _change(turn: Turn, agreement: Agreement, weekday: int, clock: str) -> list[Reply]:
    t = turn.t
    if agreement.status not in CHANGEABLE:
        return [Reply(t("slot.stale"))]
    agreement.weekday, agreement.local_time = weekday, clock
    if agreement.status == AgreementStatus.ACTIVE:
        replan(turn.ctx, turn.session, agreement, turn.now)
    audit.record(turn.session, "agreement.changed", "agreement", agreement.id, actor=turn.person)
    _tell_changed(turn, agreement, agreement_people(agreement))
    return [Reply(t("slot.counter_accepted", slot=describe(agreement, t, agreement.supervisor)))]


def answer_counter(turn: Turn, participant: AgreementParticipant, value: str) -> PromptResult:
    t, agreement = turn.t, participant.agreement
    if (
        turn.person is None
        or turn.staff.id != agreement.supervisor_id
        or agreement.status == AgreementStatus.ENDED
        or participant.status != ParticipantStatus.COUNTERED
        or not participant.counter
    ):
        return PromptResult([Reply(t("slot.stale"))])
    person = participant.person
    if value == "terima":
        weekday, clock = participant.counter.split("|")
        agreement.weekday, agreement.local_time = int(weekday), clock
        participant.status = ParticipantStatus.AGREED
        if agreement.status == AgreementStatus.ACTIVE:
            replan(turn.ctx, turn.session, agreement, turn.now)
        else:
            _activate(turn, agreement)  # a paused agreement is planned when it resumes
        _tell_changed(turn, agreement, agreed_people(agreement))
        audit.record(
            turn.session, "agreement.changed", "agreement", agreement.id, actor=turn.person
        )
        return PromptResult(
            [Reply(t("slot.counter_accepted", slot=describe(agreement, t, turn.person)))]
        )
    participant.status = ParticipantStatus.INVITED
    turn.out.ask(
        person,
        "slot.counter_kept",
        _invite_options(t),
        INVITE_ACTION,
        agreement.id,
        kind=MESSAGE_KIND,
        supervisor=agreement.supervisor.name,
        slot=describe(agreement, t, person),
    )
    return PromptResult([Reply(t("slot.counter_kept_self", name=person.name))])


def answer_request(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    t = turn.t
    if (
        turn.person is None
        or turn.staff.id != agreement.supervisor_id
        or agreement.status != AgreementStatus.PROPOSED
    ):
        return PromptResult([Reply(t("slot.stale"))])
    requester = agreement.participants[0].person
    if value == ParticipantStatus.AGREED:
        _activate(turn, agreement)
        turn.out.tell(
            requester,
            "slot.request_accepted",
            kind=MESSAGE_KIND,
            supervisor=turn.person.name,
            slot=describe(agreement, t, requester),
        )
        return PromptResult(
            [Reply(t("slot.agreed_self", slot=describe(agreement, t, turn.person)))]
        )
    agreement.status = AgreementStatus.ENDED
    turn.out.tell(
        requester, "slot.request_declined", kind=MESSAGE_KIND, supervisor=turn.person.name
    )
    return PromptResult([Reply(t("slot.declined_self"))])


def answer_manage(turn: Turn, agreement: Agreement, value: str) -> PromptResult:
    """Pause, resume or end an agreement; the other side is told."""
    person, t = turn.staff, turn.t
    if not _in_hand(person, agreement):
        return PromptResult([Reply(t("slot.stale"))])
    if value == CHANGE:
        return PromptResult([], flows.COUNTER, {"agreement_id": agreement.id})
    new_status = MANAGED[value]
    if new_status == agreement.status:
        return PromptResult([Reply(t("slot.stale"))])
    agreement.status = new_status
    if new_status == AgreementStatus.ACTIVE:
        replan(turn.ctx, turn.session, agreement, turn.now)
    else:
        cancel_future(turn.session, agreement, turn.now)
    audit.record(turn.session, f"agreement.{new_status}", "agreement", agreement.id, actor=person)
    for other in [agreement.supervisor, *agreement_people(agreement)]:
        if other.id != person.id:
            turn.out.tell(
                other,
                f"slot.now_{new_status}",
                kind=MESSAGE_KIND,
                name=person.name,
                slot=describe(agreement, t, other),
            )
    return PromptResult([Reply(t(f"slot.self_{new_status}"))])


def answer_schedule(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """From the schedule view: a new agreement, a request, a pick, or a choice ("jeda:12")."""
    new_flows = {NEW_AGREEMENT: flows.PROPOSE, NEW_REQUEST: flows.REQUEST, PICK: flows.MANAGE}
    if value in new_flows:
        return PromptResult([], new_flows[value], {})
    choice, _, agreement_id = value.partition(":")
    agreement = turn.session.get(Agreement, int(agreement_id)) if agreement_id.isdigit() else None
    if agreement is None:
        return PromptResult([Reply(turn.t("slot.stale"))])
    return answer_manage(turn, agreement, choice)


def offer_choices(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    """The agreement picked in the schedule view, with its own choices."""
    agreement = turn.session.get(Agreement, int(data["agreement"]))
    if agreement is None or not _in_hand(turn.staff, agreement):
        return [Reply(turn.t("slot.stale"))]
    return [manage_prompt(turn, agreement, turn.staff)]


def _in_hand(person: Person, agreement: Agreement) -> bool:  # still to be managed, by them
    return agreement.status in MANAGEABLE and access.may_manage_agreement(person, agreement)


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Route an answer about an agreement to its record; anything gone is answered as stale."""
    handlers = {
        INVITE_ACTION: (Agreement, answer_invite),
        REQUEST_ACTION: (Agreement, answer_request),
        MANAGE_ACTION: (Agreement, answer_manage),
        COUNTER_ACTION: (AgreementParticipant, answer_counter),
    }
    return route_answer(turn, prompt, value, handlers)
