"""Incidental consultations, the request and its answers: a pendamping asks, the supervisor (or
their backup, who then takes it over) accepts, proposes another time or declines, the two agree
on who/when/how, either adds notes, the supervisor closes it.

Until the supervisor first answers, an acknowledgement clock runs (`ESCALATION`, driven by
`handlers.consultation.clock`): the alert is sent again, then goes to the korkab. A late answer
still works: the alert's choices stay valid while the consultation is waiting, and the pendamping
is told at every step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from conversations.catalog import Catalog, in_sentence
from conversations.flows import consultation_followup as followup
from conversations.flows.consultation import TIMES
from conversations.messages import Option, Reply
from handlers.calendar import add_working_days_at
from handlers.consultation import reminders
from handlers.core import audit, prompts
from handlers.core.messaging import Messenger
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Consultation, ConsultationNote, Person
from storage.vocabulary import OPEN_CONSULTATIONS, ConsultationStatus, Role, Urgency

SUPERVISOR_ACTION = "consult.supervisor"  # accept / propose / decline
PENDAMPING_ACTION = "consult.pendamping"  # agree / propose again
OPEN_ACTION = "consult.open"  # note / close
PROMPT_PREFIX = "consult."
KIND = "consultation"  # of the notifications (the prompts are alerts)

# The answers those prompts offer.
ACCEPT = "terima"
PROPOSE = "usulkan"
DECLINE = "tolak"
AGREE = "sepakat"
NOTE = "catat"
CLOSE = "tutup"
# An answer that needs words first starts the follow-up dialog that asks for them.
FOLLOW_UPS = {
    PROPOSE: followup.PROPOSE,
    DECLINE: followup.DECLINE,
    NOTE: followup.NOTE,
    CLOSE: followup.CLOSE,
}


@dataclass(frozen=True)
class EscalationStage:
    """At `delay` after the request: remind the supervisor or, if `to_korkab`, alert the korkab."""

    delay: Callable[[datetime, str], datetime]
    to_korkab: bool


def _after(minutes: int) -> Callable[[datetime, str], datetime]:
    return lambda start, _tz: start + timedelta(minutes=minutes)


def _after_working_days(days: int) -> Callable[[datetime, str], datetime]:
    return lambda start, tz: add_working_days_at(start, days, tz)


ESCALATION: dict[str, tuple[EscalationStage, ...]] = {
    Urgency.URGENT: (EscalationStage(_after(30), False), EscalationStage(_after(120), True)),
    Urgency.NORMAL: (
        EscalationStage(_after_working_days(1), False),
        EscalationStage(_after_working_days(2), True),
    ),
}


# -- what a consultation says and offers (also for the lists and the clock) ----------------
def time_label(value: str, t: Catalog) -> str:
    return t(f"when.{value}") if value in TIMES else value


def facts(c: Consultation, t: Catalog, reader: Person) -> dict[str, str]:
    """What a message about `c` may say to `reader` (a confidential request's words only to
    the pair it is between)."""
    if access.may_read_consultation_text(reader, c):
        description = c.description
    else:
        description = t("consult.confidential")
    return {
        "name": c.pendamping.name,
        "kecamatan": c.pendamping.kecamatan,
        "topic": in_sentence(t(f"topic.{c.topic}")),
        "urgency": t(f"urgency.{c.urgency}").upper(),
        "description": description,
        "mode": in_sentence(t(f"mode.{c.preferred_mode}")),
        "time": time_label(c.proposed_time, t),
        "supervisor": c.supervisor.name if c.supervisor else "",
    }


def status_text(c: Consultation | None, t: Catalog) -> str:
    return t(f"consult.status_{c.status}") if c is not None else t("consult.status_missing")


def supervisor_options(t: Catalog) -> list[Option]:
    return [
        Option(ACCEPT, t("consult.opt_accept")),
        Option(PROPOSE, t("consult.opt_propose")),
        Option(DECLINE, t("consult.opt_decline")),
    ]


def pendamping_options(t: Catalog) -> list[Option]:
    return [Option(AGREE, t("consult.opt_agree")), Option(PROPOSE, t("consult.opt_propose_again"))]


def open_options(person: Person, c: Consultation, t: Catalog) -> list[Option]:
    options = [Option(NOTE, t("consult.opt_note"))]
    if access.consultation_party(person, c) == Role.SUPERVISOR:
        options.append(Option(CLOSE, t("consult.opt_close")))
    return options


def alert(out: Messenger, person: Person, c: Consultation, lead: str) -> None:
    """The request with the supervisor's three choices, to the supervisor or their backup."""
    t = out.ctx.catalog
    out.ask(person, lead, supervisor_options(t), SUPERVISOR_ACTION, c.id, **facts(c, t, person))


# -- the request --------------------------------------------------------------------------
def open_consultation(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    pendamping = turn.staff
    t, session, now = turn.t, turn.session, turn.now
    supervisor = access.supervisor_of(pendamping)
    c = Consultation(
        pendamping_id=pendamping.id,
        supervisor_id=supervisor.id if supervisor else None,
        topic=data["topic"],
        urgency=data["urgency"],
        description=data["description"],
        preferred_mode=data["mode"],
        preferred_time=data["preferred_time"],
        proposed_time=data["preferred_time"],
        proposed_by=Role.PENDAMPING,
        created_at=now,
    )
    session.add(c)
    session.flush()
    audit.record(
        session,
        "consultation.opened",
        "consultation",
        c.id,
        actor=pendamping,
        urgency=c.urgency,
        topic=c.topic,
    )
    if supervisor is None:
        return _to_the_level_above(turn, c)
    first = ESCALATION[c.urgency][0]
    c.next_escalation_at = first.delay(now, supervisor.timezone)
    alert(turn.out, supervisor, c, "consult.alert")
    return [Reply(t("consult.sent", supervisor=supervisor.name))]


# -- answers to prompts -------------------------------------------------------------------
def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Act on a pressed or typed choice; a stale one explains and changes nothing."""
    session, t = turn.session, turn.t
    c = session.get(Consultation, prompt.entity_id)
    person = turn.staff
    if c is None or not may_answer(person, prompt.action, c):
        return PromptResult([Reply(t("consult.prompt_stale", status=status_text(c, t)))])
    if prompt.action == SUPERVISOR_ACTION and person.id != c.supervisor_id:
        _take_over(turn, c)
    if value in (ACCEPT, AGREE):
        return PromptResult(_agree(turn, c))
    if value in FOLLOW_UPS:
        return PromptResult([], FOLLOW_UPS[value], {"consultation_id": c.id})
    return PromptResult([Reply(t("consult.prompt_stale", status=status_text(c, t)))])


def may_answer(person: Person, action: str, c: Consultation) -> bool:
    """Whether `person` may answer this kind of prompt now: the policy says who, the
    consultation's status says when."""
    party = access.consultation_party(person, c)
    if action == SUPERVISOR_ACTION:
        return c.status == ConsultationStatus.WAITING and (
            party == Role.SUPERVISOR or access.may_stand_in_on_consultation(person, c)
        )
    if action == PENDAMPING_ACTION:
        return c.status == ConsultationStatus.PROPOSED and party == Role.PENDAMPING
    if action == OPEN_ACTION:
        return c.status in OPEN_CONSULTATIONS and party is not None
    return False


def _to_the_level_above(turn: Turn, c: Consultation) -> list[Reply]:
    """A pendamping without an active supervisor (none on the roster yet, or theirs left): the
    level above hears of the request, so that it does not wait unseen."""
    t = turn.t
    above = access.consultation_escalation(turn.session, c)
    for person in above:
        turn.out.tell(person, "consult.unassigned", kind=KIND, **facts(c, t, person))
    if not above:
        return [Reply(t("consult.no_supervisor"))]
    names = f" {t('conv.and')} ".join(person.name for person in above)
    return [Reply(t("consult.sent_above", names=names))]


def _take_over(turn: Turn, c: Consultation) -> None:
    """The backup supervisor answers for an absent supervisor: the consultation is theirs now."""
    person = turn.staff
    absent = c.supervisor
    assert absent is not None, "a backup takes over only from a supervisor"
    c.supervisor_id, c.supervisor = person.id, person
    audit.record(
        turn.session,
        "consultation.taken_by_backup",
        "consultation",
        c.id,
        actor=person,
        absent=absent.id,
    )
    turn.out.tell(
        absent, "consult.taken_by_backup", kind=KIND, backup=person.name, **facts(c, turn.t, absent)
    )


def _acknowledge(c: Consultation, now: datetime) -> None:
    if c.acknowledged_at is None:
        c.acknowledged_at = now
    c.next_escalation_at = None


def _agree(turn: Turn, c: Consultation) -> list[Reply]:
    session, t, now = turn.session, turn.t, turn.now
    person = turn.staff
    _acknowledge(c, now)
    c.status = ConsultationStatus.AGREED
    c.agreed_time = time_label(c.proposed_time, t)
    c.agreed_mode = c.preferred_mode
    c.agreed_at = now
    reminders.plan(session, c, now)
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    audit.record(
        session,
        "consultation.agreed",
        "consultation",
        c.id,
        actor=person,
        time=c.agreed_time,
        mode=c.agreed_mode,
    )
    other = _other_side(c, person)
    agreed = facts(c, t, other) | {
        "time": c.agreed_time,
        "mode": in_sentence(t(f"mode.{c.agreed_mode}")),
    }
    turn.out.ask(
        other,
        "consult.agreed_other",
        open_options(other, c, t),
        OPEN_ACTION,
        c.id,
        **agreed,
        by=person.name,
    )
    own = t("consult.agreed_self", **agreed, other=other.name)
    return [
        prompts.make_prompt(
            session, person, OPEN_ACTION, c.id, own, open_options(person, c, t), now
        )
    ]


def _other_side(c: Consultation, person: Person) -> Person:
    other = c.pendamping if person.id == c.supervisor_id else c.supervisor
    assert other is not None
    return other


def _checked(turn: Turn, data: Mapping[str, Any], action: str) -> Consultation | None:
    """The consultation a follow-up flow was about, if the sender may still act on it."""
    c = turn.session.get(Consultation, data["consultation_id"])
    if c is None or not may_answer(turn.staff, action, c):
        return None
    return c


def _stale(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = turn.session.get(Consultation, data["consultation_id"])
    return [Reply(turn.t("consult.prompt_stale", status=status_text(c, turn.t)))]


# -- the follow-up dialogs ----------------------------------------------------------------
def propose_time(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person = turn.staff
    c = turn.session.get(Consultation, data["consultation_id"])
    party = access.consultation_party(person, c) if c is not None else None
    action = SUPERVISOR_ACTION if party == Role.SUPERVISOR else PENDAMPING_ACTION
    if c is None or not may_answer(person, action, c):
        return _stale(turn, data)
    session, t, now = turn.session, turn.t, turn.now
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    c.proposed_time = data["time"]
    audit.record(
        session, "consultation.proposed", "consultation", c.id, actor=person, time=c.proposed_time
    )
    if party == Role.SUPERVISOR:
        _acknowledge(c, now)
        c.status, c.proposed_by = ConsultationStatus.PROPOSED, Role.SUPERVISOR
        turn.out.ask(
            c.pendamping,
            "consult.proposal_to_pendamping",
            pendamping_options(t),
            PENDAMPING_ACTION,
            c.id,
            **facts(c, t, c.pendamping),
        )
        return [Reply(t("consult.proposal_sent", other=c.pendamping.name))]
    c.status, c.proposed_by = ConsultationStatus.WAITING, Role.PENDAMPING
    assert c.supervisor is not None
    alert(turn.out, c.supervisor, c, "consult.proposal_to_supervisor")
    return [Reply(t("consult.proposal_sent", other=c.supervisor.name))]


def decline(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, SUPERVISOR_ACTION)
    if c is None:
        return _stale(turn, data)
    session, t, now = turn.session, turn.t, turn.now
    _acknowledge(c, now)
    c.status = ConsultationStatus.DECLINED
    c.decline_reason = data["reason"]
    c.closed_at = now
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    audit.record(session, "consultation.declined", "consultation", c.id, actor=turn.person)
    turn.out.tell(
        c.pendamping,
        "consult.declined_to_pendamping",
        kind=KIND,
        **facts(c, t, c.pendamping),
        reason=c.decline_reason,
    )
    return [Reply(t("consult.declined_self", other=c.pendamping.name))]


def add_note(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, OPEN_ACTION)
    if c is None:
        return _stale(turn, data)
    person, t = turn.staff, turn.t
    note = ConsultationNote(
        consultation_id=c.id, author_id=person.id, text=data["note"], created_at=turn.now
    )
    turn.session.add(note)
    turn.session.flush()
    audit.record(turn.session, "consultation.note", "consultation", c.id, actor=person)
    other = _other_side(c, person)
    turn.out.ask(
        other,
        "consult.note_to_other",
        open_options(other, c, t),
        OPEN_ACTION,
        c.id,
        name=person.name,
        note=note.text,
    )
    return [Reply(t("consult.note_saved", other=other.name))]


def close(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, OPEN_ACTION)
    if c is None or access.consultation_party(turn.staff, c) != Role.SUPERVISOR:
        return _stale(turn, data)
    session, t, now = turn.session, turn.t, turn.now
    c.status, c.outcome, c.closed_at = ConsultationStatus.CLOSED, data["outcome"], now
    _acknowledge(c, now)
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    audit.record(session, "consultation.closed", "consultation", c.id, actor=turn.person)
    turn.out.tell(
        c.pendamping,
        "consult.closed_to_pendamping",
        kind=KIND,
        **facts(c, t, c.pendamping),
        outcome=c.outcome,
    )
    return [Reply(t("consult.closed_self"))]
