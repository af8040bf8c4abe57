"""Incidental consultations: a pendamping asks, the supervisor answers (accept, propose another
time, decline), the two agree on who/when/how, either adds notes, the supervisor closes it.

Until the supervisor first answers, an acknowledgement clock runs (see `ESCALATION`): the alert
is sent again, then goes to the korkab. A late answer still works: the alert's choices stay valid
while the consultation is waiting, and the pendamping is told at every step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from conversations.catalog import Catalog, in_sentence
from conversations.flows import consultation_followup as followup
from conversations.flows.consultation import TIMES
from conversations.messages import Option, Reply
from handlers.calendar import add_working_days_at
from handlers.core import audit, outbox, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Consultation, ConsultationNote, Person, Role

WAITING = "menunggu"  # the supervisor is to answer
PROPOSED = "diusulkan"  # the supervisor proposed a time; the pendamping is to answer
AGREED = "disepakati"
DECLINED = "ditolak"
CLOSED = "selesai"
OPEN_STATUSES = (WAITING, PROPOSED, AGREED)

SUPERVISOR_ACTION = "consult.supervisor"  # accept / propose / decline
PENDAMPING_ACTION = "consult.pendamping"  # agree / propose again
OPEN_ACTION = "consult.open"  # note / close
PROMPT_PREFIX = "consult."


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
    "mendesak": (EscalationStage(_after(30), False), EscalationStage(_after(120), True)),
    "biasa": (
        EscalationStage(_after_working_days(1), False),
        EscalationStage(_after_working_days(2), True),
    ),
}


def _time_label(value: str, t: Catalog) -> str:
    return t(f"when.{value}") if value in TIMES else value


def _facts(c: Consultation, t: Catalog) -> dict[str, str]:
    return {
        "name": c.pendamping.name,
        "kecamatan": c.pendamping.kecamatan,
        "topic": in_sentence(t(f"topic.{c.topic}")),
        "urgency": t(f"urgency.{c.urgency}").upper(),
        "description": c.description,
        "mode": in_sentence(t(f"mode.{c.preferred_mode}")),
        "time": _time_label(c.proposed_time, t),
        "supervisor": c.supervisor.name if c.supervisor else "",
    }


def _supervisor_options(t: Catalog) -> list[Option]:
    return [
        Option("terima", t("consult.opt_accept")),
        Option("usul", t("consult.opt_propose")),
        Option("tolak", t("consult.opt_decline")),
    ]


def _offer(
    session: Session,
    ctx: AppContext,
    person: Person,
    action: str,
    c: Consultation,
    text: str,
    options: list[Option],
    key: str,
    now: datetime,
) -> None:
    prompts.offer(session, person, action, c.id, text, options, key, now, ctx.channels)


def _notify(
    session: Session, ctx: AppContext, person: Person, text: str, key: str, now: datetime
) -> None:
    outbox.notify(session, person, Reply(text), key, now, ctx.channels, kind="consultation")


def _alert_supervisor(
    session: Session,
    ctx: AppContext,
    c: Consultation,
    key: str,
    now: datetime,
    lead: str = "consult.alert",
) -> None:
    assert c.supervisor is not None
    _alert(session, ctx, c.supervisor, c, ctx.catalog(lead, **_facts(c, ctx.catalog)), key, now)


def _alert(
    session: Session,
    ctx: AppContext,
    person: Person,
    c: Consultation,
    text: str,
    key: str,
    now: datetime,
) -> None:
    """The request with the supervisor's three choices, to the supervisor or their backup."""
    _offer(
        session, ctx, person, SUPERVISOR_ACTION, c, text, _supervisor_options(ctx.catalog), key, now
    )


def _open_options(person: Person, c: Consultation, t: Catalog) -> list[Option]:
    options = [Option("catat", t("consult.opt_note"))]
    if person.id == c.supervisor_id:
        options.append(Option("tutup", t("consult.opt_close")))
    return options


# -- the request --------------------------------------------------------------------------
def open_consultation(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    pendamping = turn.staff
    t, ctx, session, now = turn.t, turn.ctx, turn.session, turn.now
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
        return [Reply(t("consult.no_supervisor"))]
    first = ESCALATION[c.urgency][0]
    c.next_escalation_at = first.delay(now, supervisor.timezone)
    _alert_supervisor(session, ctx, c, f"consult:{c.id}:alert", now)
    return [Reply(t("consult.sent", supervisor=supervisor.name))]


# -- answers to prompts -------------------------------------------------------------------
def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    """Act on a pressed or typed choice; a stale one explains and changes nothing."""
    session, t = turn.session, turn.t
    c = session.get(Consultation, prompt.entity_id)
    person = turn.staff
    if c is None or not _may_answer(person, prompt.action, c):
        return PromptResult([Reply(t("consult.prompt_stale", status=_status_text(c, t)))])
    if prompt.action == SUPERVISOR_ACTION and person.id != c.supervisor_id:
        _take_over(turn, c)
    data = {"consultation_id": c.id}
    if value == "terima" or value == "setuju":
        return PromptResult(_agree(turn, c))
    if value == "usul":
        return PromptResult([], followup.PROPOSE, data)
    if value == "tolak":
        return PromptResult([], followup.DECLINE, data)
    if value == "catat":
        return PromptResult([], followup.NOTE, data)
    if value == "tutup":
        return PromptResult([], followup.CLOSE, data)
    return PromptResult([Reply(t("consult.prompt_stale", status=_status_text(c, t)))])


def _may_answer(person: Person, action: str, c: Consultation) -> bool:
    if action == SUPERVISOR_ACTION:
        return c.status == WAITING and (person.id == c.supervisor_id or _is_backup(person, c))
    if action == PENDAMPING_ACTION:
        return person.id == c.pendamping_id and c.status == PROPOSED
    if action == OPEN_ACTION:
        return person.id in (c.supervisor_id, c.pendamping_id) and c.status in OPEN_STATUSES
    return False


def _is_backup(person: Person, c: Consultation) -> bool:
    if c.supervisor is None:
        return False
    backup = access.backup_of(c.supervisor)
    return backup is not None and backup.id == person.id


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
    _notify(
        turn.session,
        turn.ctx,
        absent,
        turn.t("consult.taken_by_backup", backup=person.name, **_facts(c, turn.t)),
        turn.key(f"consult:{c.id}:taken"),
        turn.now,
    )


def _status_text(c: Consultation | None, t: Catalog) -> str:
    return t(f"consult.status_{c.status}") if c is not None else t("consult.status_missing")


def _acknowledge(c: Consultation, now: datetime) -> None:
    if c.acknowledged_at is None:
        c.acknowledged_at = now
    c.next_escalation_at = None


def _agree(turn: Turn, c: Consultation) -> list[Reply]:
    session, ctx, t, now = turn.session, turn.ctx, turn.t, turn.now
    person = turn.staff
    _acknowledge(c, now)
    c.status = AGREED
    c.agreed_time = _time_label(c.proposed_time, t)
    c.agreed_mode = c.preferred_mode
    c.agreed_at = now
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
    facts = _facts(c, t) | {"time": c.agreed_time, "mode": in_sentence(t(f"mode.{c.agreed_mode}"))}
    other = _other_side(c, person)
    _offer(
        session,
        ctx,
        other,
        OPEN_ACTION,
        c,
        t("consult.agreed_other", **facts, by=person.name),
        _open_options(other, c, t),
        f"consult:{c.id}:agreed:{other.id}",
        now,
    )
    own = t("consult.agreed_self", **facts, other=other.name)
    return [
        prompts.make_prompt(
            session, person, OPEN_ACTION, c.id, own, _open_options(person, c, t), now
        )
    ]


def _other_side(c: Consultation, person: Person) -> Person:
    other = c.pendamping if person.id == c.supervisor_id else c.supervisor
    assert other is not None
    return other


def _checked(turn: Turn, data: Mapping[str, Any], action: str) -> Consultation | None:
    """The consultation a follow-up flow was about, if the sender may still act on it."""
    c = turn.session.get(Consultation, data["consultation_id"])
    if c is None or not _may_answer(turn.staff, action, c):
        return None
    return c


def _stale(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = turn.session.get(Consultation, data["consultation_id"])
    return [Reply(turn.t("consult.prompt_stale", status=_status_text(c, turn.t)))]


def propose_time(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    person = turn.staff
    role_action = SUPERVISOR_ACTION if person.role == Role.SUPERVISOR else PENDAMPING_ACTION
    c = _checked(turn, data, role_action)
    if c is None:
        return _stale(turn, data)
    session, ctx, t, now = turn.session, turn.ctx, turn.t, turn.now
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    c.proposed_time = data["time"]
    audit.record(
        session, "consultation.proposed", "consultation", c.id, actor=person, time=c.proposed_time
    )
    facts = _facts(c, t)
    key = turn.key(f"consult:{c.id}:proposal")
    if person.id == c.supervisor_id:
        _acknowledge(c, now)
        c.status, c.proposed_by = PROPOSED, Role.SUPERVISOR
        options = [
            Option("setuju", t("consult.opt_agree")),
            Option("usul", t("consult.opt_propose_again")),
        ]
        _offer(
            session,
            ctx,
            c.pendamping,
            PENDAMPING_ACTION,
            c,
            t("consult.proposal_to_pendamping", **facts),
            options,
            key,
            now,
        )
        return [Reply(t("consult.proposal_sent", other=c.pendamping.name))]
    c.status, c.proposed_by = WAITING, Role.PENDAMPING
    _alert_supervisor(session, ctx, c, key, now, lead="consult.proposal_to_supervisor")
    return [Reply(t("consult.proposal_sent", other=facts["supervisor"]))]


def decline(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, SUPERVISOR_ACTION)
    if c is None:
        return _stale(turn, data)
    session, ctx, t, now = turn.session, turn.ctx, turn.t, turn.now
    _acknowledge(c, now)
    c.status = DECLINED
    c.decline_reason = data["reason"]
    c.closed_at = now
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    audit.record(session, "consultation.declined", "consultation", c.id, actor=turn.person)
    _notify(
        session,
        ctx,
        c.pendamping,
        t("consult.declined_to_pendamping", **_facts(c, t), reason=c.decline_reason),
        f"consult:{c.id}:declined",
        now,
    )
    return [Reply(t("consult.declined_self", other=c.pendamping.name))]


def add_note(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, OPEN_ACTION)
    if c is None:
        return _stale(turn, data)
    person = turn.staff
    note = ConsultationNote(
        consultation_id=c.id, author_id=person.id, text=data["note"], created_at=turn.now
    )
    turn.session.add(note)
    turn.session.flush()
    audit.record(turn.session, "consultation.note", "consultation", c.id, actor=person)
    other = _other_side(c, person)
    t = turn.t
    _offer(
        turn.session,
        turn.ctx,
        other,
        OPEN_ACTION,
        c,
        t("consult.note_to_other", name=person.name, note=note.text),
        _open_options(other, c, t),
        f"consult:{c.id}:note:{note.id}",
        turn.now,
    )
    return [Reply(t("consult.note_saved", other=other.name))]


def close(turn: Turn, data: Mapping[str, Any]) -> list[Reply]:
    c = _checked(turn, data, OPEN_ACTION)
    if c is None or turn.staff.id != c.supervisor_id:
        return _stale(turn, data)
    session, ctx, t, now = turn.session, turn.ctx, turn.t, turn.now
    c.status, c.outcome, c.closed_at = CLOSED, data["outcome"], now
    _acknowledge(c, now)
    prompts.close_prompts(session, PROMPT_PREFIX, c.id, now)
    audit.record(session, "consultation.closed", "consultation", c.id, actor=turn.person)
    _notify(
        session,
        ctx,
        c.pendamping,
        t("consult.closed_to_pendamping", **_facts(c, t), outcome=c.outcome),
        f"consult:{c.id}:closed",
        now,
    )
    return [Reply(t("consult.closed_self"))]


# -- lists --------------------------------------------------------------------------------
def _list(turn: Turn, rows: list[Consultation], empty_key: str) -> list[Reply]:
    t, person = turn.t, turn.staff
    if not rows:
        return [Reply(t(empty_key))]
    replies = [Reply(t("consult.list_header", count=len(rows)))]
    for c in rows:
        facts = _facts(c, t)
        text = t(
            "consult.list_item",
            **facts,
            status=_status_text(c, t),
            date=turn.local_date(c.created_at, person),
        )
        if c.status == WAITING and person.id == c.supervisor_id:
            replies.append(
                prompts.make_prompt(
                    turn.session,
                    person,
                    SUPERVISOR_ACTION,
                    c.id,
                    text,
                    _supervisor_options(t),
                    turn.now,
                )
            )
        elif c.status == PROPOSED and person.id == c.pendamping_id:
            options = [
                Option("setuju", t("consult.opt_agree")),
                Option("usul", t("consult.opt_propose_again")),
            ]
            replies.append(
                prompts.make_prompt(
                    turn.session, person, PENDAMPING_ACTION, c.id, text, options, turn.now
                )
            )
        elif c.status in OPEN_STATUSES:
            replies.append(
                prompts.make_prompt(
                    turn.session,
                    person,
                    OPEN_ACTION,
                    c.id,
                    text,
                    _open_options(person, c, t),
                    turn.now,
                )
            )
        else:
            replies.append(Reply(text))
    return replies


def list_open_for_supervisor(turn: Turn) -> list[Reply]:
    rows = turn.session.scalars(
        select(Consultation)
        .where(Consultation.supervisor_id == turn.staff.id, Consultation.status.in_(OPEN_STATUSES))
        .order_by(Consultation.urgency.desc(), Consultation.created_at)
        .limit(10)
    ).all()
    return _list(turn, list(rows), "consult.none_open")


def list_for_pendamping(turn: Turn) -> list[Reply]:
    recent = turn.now - timedelta(days=30)
    rows = turn.session.scalars(
        select(Consultation)
        .where(
            Consultation.pendamping_id == turn.staff.id,
            or_(Consultation.status.in_(OPEN_STATUSES), Consultation.closed_at >= recent),
        )
        .order_by(Consultation.created_at.desc())
        .limit(10)
    ).all()
    return _list(turn, list(rows), "consult.none_mine")


# -- the acknowledgement clock ------------------------------------------------------------
def run_ack_clocks(ctx: AppContext, session: Session, now: datetime) -> int:
    """Remind or escalate every waiting consultation whose next stage is due; mark it done."""
    t = ctx.catalog
    due = session.scalars(
        select(Consultation)
        .where(Consultation.status == WAITING, Consultation.next_escalation_at <= now)
        .order_by(Consultation.id)
        .limit(200)
        .with_for_update(skip_locked=True)
    ).all()
    for c in due:
        stages = ESCALATION[c.urgency]
        stage = stages[c.escalation_stage]
        key = f"consult:{c.id}:stage{c.escalation_stage}"
        supervisor = c.supervisor
        assert supervisor is not None, "only a consultation sent to a supervisor has a clock"
        facts = _facts(c, t)
        above = access.consultation_escalation(session, c) if stage.to_korkab else []
        backup = access.backup_of(supervisor)
        if above:
            for person in above:
                if backup is not None and person.id == backup.id:
                    lead = "consult.escalated_to_backup"
                    _alert(session, ctx, person, c, t(lead, **facts), f"{key}:{person.id}", now)
                else:
                    text = t("consult.escalated_to_korkab", **facts)
                    _notify(session, ctx, person, text, f"{key}:{person.id}", now)
            joiner = f" {t('conv.and')} "
            names = joiner.join(p.name for p in above)
            _notify(
                session,
                ctx,
                c.pendamping,
                t("consult.escalated_pendamping", **facts, korkab=names),
                f"{key}:pendamping",
                now,
            )
        else:
            _alert_supervisor(session, ctx, c, f"{key}:supervisor", now, lead="consult.reminder")
            _notify(
                session,
                ctx,
                c.pendamping,
                t("consult.reminded_pendamping", **facts),
                f"{key}:pendamping",
                now,
            )
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
