"""A complaint's case conference (konferensi kasus) with the korkab: the choices around it.

The supervisor handling a complaint calls it from the complaint's options ("Konferensi kasus");
once one is scheduled the same option shows it with the choices to move, cancel or record it.
The korkab invited answers "Hadir" or "Tidak bisa" (with a reason told to the supervisor).

Every button carries the conference's time (`stamp`): one pressed after the conference moved,
was cancelled or recorded changes nothing. Who may press is asked of the access policy again at
every press. The finished dialogs are `conference_records`; the reminders `conference_clock`.
"""

from __future__ import annotations

from datetime import UTC
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conversations.catalog import Catalog, in_sentence
from conversations.flows import complaint_conference as flows
from conversations.messages import Option, Reply
from handlers.calendar import local_clock
from handlers.core import audit, prompts
from handlers.core.context import AppContext
from handlers.core.prompts import PromptResult
from handlers.core.turn import Turn
from handlers.people import access
from storage.models import ActionPrompt, Complaint, ComplaintConference, Person, ScheduledMessage
from storage.vocabulary import ConferenceStatus, ScheduledStatus

CONFERENCE_PREFIX = "conference."
MANAGE_ACTION = "conference.manage"  # the supervisor: move / cancel / record
INVITE_ACTION = "conference.invite"  # the korkab: attend / cannot come
STAMP_SEP = "@"  # a button's value: the choice, then the conference time it was made for


class ConferenceChoice(StrEnum):
    MOVE = "ubah"
    CANCEL = "batalkan"
    RECORD = "catat"
    ATTEND = "hadir"
    DECLINE = "tidak_bisa"


# -- the record and its words -------------------------------------------------------------
def scheduled_for(session: Session, c: Complaint) -> ComplaintConference | None:
    """The complaint's conference still to be held, if one is."""
    return session.scalars(
        select(ComplaintConference)
        .where(
            ComplaintConference.complaint_id == c.id,
            ComplaintConference.status == ConferenceStatus.SCHEDULED,
        )
        .order_by(ComplaintConference.id.desc())
        .limit(1)
    ).first()


def stamp(conf: ComplaintConference) -> str:
    return conf.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M")


def plan_prefix(conf: ComplaintConference) -> str:
    """The key prefix of every due message planned for the conference."""
    return f"conference:{conf.id}:"


def drop_planned(session: Session, conf: ComplaintConference) -> None:
    """The conference was moved, cancelled or recorded: what still waits for it is dropped."""
    session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.key.startswith(plan_prefix(conf)),
            ScheduledMessage.status == ScheduledStatus.WAITING,
        )
        .values(status=ScheduledStatus.DROPPED)
    )


def params(ctx: AppContext, conf: ComplaintConference, person: Person) -> dict[str, str]:
    """What every message about the conference may say, its time in `person`'s own zone."""
    t, c = ctx.catalog, conf.complaint
    local = conf.starts_at.astimezone(ZoneInfo(person.timezone)).date()
    return {
        "ticket": c.ticket_code,
        "kecamatan": c.kecamatan or t("complaint.place_not_known"),
        "category": in_sentence(t(f"category.{c.category}")),
        "korkab": conf.korkab.name if conf.korkab else "-",
        "supervisor": conf.called_by.name,
        "date": format_date(local, "EEEE, d MMMM", locale=ctx.language),
        "time": local_clock(conf.starts_at, person.timezone),
        "mode": in_sentence(t(f"mode.{conf.mode}")),
        "place": f" ({conf.place})" if conf.place else "",
    }


def _options(
    t: Catalog, conf: ComplaintConference, choices: tuple[ConferenceChoice, ...]
) -> list[Option]:
    return [
        Option(f"{choice}{STAMP_SEP}{stamp(conf)}", t(f"complaint_conference.opt_{choice}"))
        for choice in choices
    ]


def manage_options(
    t: Catalog, conf: ComplaintConference, record_only: bool = False
) -> list[Option]:
    if record_only:
        return _options(t, conf, (ConferenceChoice.RECORD,))
    choices = (ConferenceChoice.MOVE, ConferenceChoice.CANCEL, ConferenceChoice.RECORD)
    return _options(t, conf, choices)


def invite_options(t: Catalog, conf: ComplaintConference) -> list[Option]:
    return _options(t, conf, (ConferenceChoice.ATTEND, ConferenceChoice.DECLINE))


def call_data(
    turn: Turn, c: Complaint, korkab: Person, conf: ComplaintConference | None = None
) -> dict[str, Any]:
    """What the call dialog starts with: the ids, the names its prompts use, the caller's now."""
    data: dict[str, Any] = {
        "complaint_id": c.id,
        "ticket": c.ticket_code,
        "korkab": korkab.name,
        flows.CALLER_NOW: turn.now.astimezone(ZoneInfo(turn.staff.timezone)).isoformat(),
    }
    if conf is not None:
        data["conference_id"] = conf.id
    return data


# -- from the complaint's options -----------------------------------------------------------
def choose(turn: Turn, c: Complaint) -> PromptResult:
    """ "Konferensi kasus" pressed: the one scheduled with its choices, or a new one called."""
    t, person = turn.t, turn.staff
    if not access.may_call_conference(person, c):
        return PromptResult([Reply(t("complaint.not_yours"))])
    conf = scheduled_for(turn.session, c)
    if conf is not None:
        text = t("complaint_conference.scheduled", **params(turn.ctx, conf, person))
        reply = prompts.make_prompt(
            turn.session, person, MANAGE_ACTION, conf.id, text, manage_options(t, conf), turn.now
        )
        return PromptResult([reply])
    korkab = access.conference_korkab(turn.session, c)
    if korkab is None or korkab.id == person.id:
        return PromptResult([Reply(t("complaint_conference.no_korkab"))])
    return PromptResult([], flows.CALL, call_data(turn, c, korkab))


# -- buttons about a conference -------------------------------------------------------------
def current(turn: Turn, conference_id: int, made_for: str) -> ComplaintConference | None:
    """The conference, if still scheduled for the time a button or dialog was made for."""
    conf = turn.session.get(ComplaintConference, conference_id)
    if conf is None or conf.status != ConferenceStatus.SCHEDULED or stamp(conf) != made_for:
        return None
    return conf


def stale(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("complaint_conference.stale"))]


def not_yours(turn: Turn) -> list[Reply]:
    return [Reply(turn.t("complaint_conference.not_yours"))]


def answer_prompt(turn: Turn, prompt: ActionPrompt, value: str) -> PromptResult:
    choice, _, made_for = value.partition(STAMP_SEP)
    conf = current(turn, prompt.entity_id, made_for)
    if conf is None:
        return PromptResult(stale(turn))
    person = turn.staff
    if prompt.action == INVITE_ACTION:
        if not access.may_answer_conference(person, conf.complaint, conf.korkab_id):
            return PromptResult(not_yours(turn))
        if choice == ConferenceChoice.ATTEND:
            return PromptResult(_attend(turn, conf))
        return PromptResult([], flows.DECLINE, {"conference_id": conf.id, "stamp": made_for})
    if not access.may_call_conference(person, conf.complaint):
        return PromptResult(not_yours(turn))
    if choice == ConferenceChoice.CANCEL:
        return PromptResult(_cancel(turn, conf))
    if choice == ConferenceChoice.RECORD:
        if turn.now < conf.starts_at:
            when = params(turn.ctx, conf, person)
            return PromptResult([Reply(turn.t("complaint_conference.record_early", **when))])
        data = {"conference_id": conf.id, "stamp": made_for, "ticket": conf.complaint.ticket_code}
        return PromptResult([], flows.RESULT, data)
    korkab = access.conference_korkab(turn.session, conf.complaint)
    if korkab is None or korkab.id == person.id:
        return PromptResult([Reply(turn.t("complaint_conference.no_korkab"))])
    return PromptResult([], flows.CALL, call_data(turn, conf.complaint, korkab, conf))


def _attend(turn: Turn, conf: ComplaintConference) -> list[Reply]:
    korkab = turn.staff
    audit.record(turn.session, "conference.attending", "conference", conf.id, actor=korkab)
    turn.out.tell(
        conf.called_by,
        "complaint_conference.korkab_attends",
        about=f"conference:{conf.id}:{stamp(conf)}:attend",
        **params(turn.ctx, conf, conf.called_by),
    )
    return [Reply(turn.t("complaint_conference.attend_noted", supervisor=conf.called_by.name))]


def _cancel(turn: Turn, conf: ComplaintConference) -> list[Reply]:
    conf.status = ConferenceStatus.CANCELLED
    drop_planned(turn.session, conf)
    audit.record(turn.session, "conference.cancelled", "conference", conf.id, actor=turn.staff)
    if conf.korkab is not None and conf.korkab.active:
        turn.out.tell(
            conf.korkab,
            "complaint_conference.cancelled_korkab",
            about=f"conference:{conf.id}:cancelled",
            **params(turn.ctx, conf, conf.korkab),
        )
    return [Reply(turn.t("complaint_conference.cancelled", ticket=conf.complaint.ticket_code))]
